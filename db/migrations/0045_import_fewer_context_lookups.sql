-- Fewer lookups of the verified context per imported row (issue #19:
-- 100,000 customer rows in under 60 s). A row of a customer file writes six
-- rows (a customer, its first location, a contact, its phone and email, the
-- external id), and before this migration each of them looked the session
-- up for its author (app.stamp_row) and the customer and the location each
-- once more for their required custom fields: 8 of the 11 lookups of an
-- imported row, a quarter of its time (docs/performance-notes.md, "Imports",
-- has the measurements). Nothing here changes what is written or who may
-- write it.

-- A new row's author. The tables an import writes let an admin name it on
-- insert (db/policies/: their admin insert policies refuse any author but
-- the verified user, with the lookup made once per statement, an InitPlan),
-- and their stamp triggers say so with this argument: a named author is then
-- kept instead of looked up again for every row. Everywhere else, and for
-- every update, the author is the verified user, looked up, whatever the
-- row says, as before.
create or replace function app.stamp_row() returns trigger
language plpgsql
as $$
declare
  v_user_id uuid;
begin
  if tg_op = 'INSERT' then
    if tg_nargs > 0 and tg_argv[0] = 'author checked by policy' and new.created_by is not null then
      v_user_id := new.created_by;
    else
      v_user_id := app.user_id();
    end if;
    new.created_at := now();
    new.created_by := v_user_id;
    new.version := 1;
  else
    v_user_id := app.user_id();
    new.created_at := old.created_at;
    new.created_by := old.created_by;
    new.version := old.version + 1;
  end if;
  new.updated_at := now();
  new.updated_by := v_user_id;
  return new;
end
$$;

do $$
declare
  v_table text;
begin
  foreach v_table in array array['customers', 'service_locations', 'contacts', 'contact_methods', 'external_refs'] loop
    execute format('drop trigger %I on app.%I', v_table || '_stamp', v_table);
    execute format('create trigger %I before insert or update on app.%I '
                   'for each row execute function app.stamp_row(%L)',
                   v_table || '_stamp', v_table, 'author checked by policy');
  end loop;
end
$$;

-- The required custom fields of new rows. Row by row, each new customer and
-- location read the company's definitions under the caller's policies: a
-- query and a lookup of the context each. This statement trigger reads them
-- once for all the rows of an INSERT, under the same policies, and refuses
-- the statement with the same error if any row lacks one. The same rule as
-- app.check_custom_fields: only rows the statement itself writes (a location
-- the database makes with a new customer, a trigger's insert, starts empty).
-- One server only: Citus runs no statement trigger with a transition table
-- on a shard (0042), and keeps the row-by-row check.
create function app.check_required_custom_fields() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_key text;
begin
  if pg_catalog.pg_trigger_depth() > 1 then
    return null;
  end if;
  select d.key into v_key
    from new_rows n
    join app.custom_field_definitions d
      on d.company_id = n.company_id and d.entity = tg_argv[0]
     and d.is_required and not d.is_archived and not n.custom_fields ? d.key
   order by d.position, d.key
   limit 1;
  if found then
    raise exception 'custom field "%": is required', v_key
      using errcode = 'FO422', constraint = 'custom_fields_invalid';
  end if;
  return null;
end
$$;

-- app.check_custom_fields (0044's), leaving a new row's required fields to
-- the statement trigger above where its trigger's second argument says so.
create or replace function app.check_custom_fields() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  -- The entity is the trigger's argument: on Citus tg_table_name is a
  -- shard's name (customers_102008).
  v_entity text := tg_argv[0];
  v_old jsonb := '{}';
  v_key text;
  v_value jsonb;
  v_text text;
  v_def record;
  v_problem text;
  v_values boolean;
begin
  if tg_op = 'UPDATE' then
    v_old := old.custom_fields;
  end if;
  if new.custom_fields is null or pg_catalog.jsonb_typeof(new.custom_fields) <> 'object' then
    raise exception 'custom field "custom_fields": must be a JSON object'
      using errcode = 'FO422', constraint = 'custom_fields_invalid';
  end if;
  -- A null value means "no value": it is not stored.
  new.custom_fields := pg_catalog.jsonb_strip_nulls(new.custom_fields);
  -- No values (most rows, every imported one): none to check, and
  -- projections that are empty whatever the definitions say, so no lock.
  v_values := new.custom_fields <> '{}';
  if v_values then
    -- A definition whose visibility or archival changes takes this lock
    -- exclusively (app.refresh_custom_field_projections): a write of values
    -- then either commits before the refresh rewrites its row, or reads the
    -- definitions as changed. Without it, a field just made staff-only could
    -- stay in a projection written at the same moment.
    perform pg_catalog.pg_advisory_xact_lock_shared(
      pg_catalog.hashtextextended('custom-fields:' || new.company_id::text || ':' || v_entity, 0));

    for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(new.custom_fields) e order by e.key loop
      -- An unchanged value stays, whatever became of its definition since.
      continue when v_old -> v_key is not distinct from v_value;
      select d.field_type, d.options, d.is_archived into v_def
      from app.custom_field_definitions d
      where d.company_id = new.company_id and d.entity = v_entity and d.key = v_key;
      v_problem := null;
      if not found then
        v_problem := 'no such field';
      elsif v_def.is_archived then
        v_problem := 'the field is archived and takes no new values';
      elsif v_def.field_type = 'number' then
        if pg_catalog.jsonb_typeof(v_value) <> 'number' then
          v_problem := 'must be a number';
        end if;
      elsif v_def.field_type = 'boolean' then
        if pg_catalog.jsonb_typeof(v_value) <> 'boolean' then
          v_problem := 'must be true or false';
        end if;
      elsif pg_catalog.jsonb_typeof(v_value) <> 'string' then
        v_problem := 'must be a string';
      else
        v_text := v_value #>> '{}';
        if v_def.field_type = 'text' then
          if pg_catalog.char_length(pg_catalog.btrim(v_text)) not between 1 and 2000 then
            v_problem := 'must be 1 to 2000 characters';
          end if;
        elsif v_def.field_type = 'choice' then
          if not v_text = any (v_def.options) then
            v_problem := 'must be one of the field''s options';
          end if;
        elsif v_def.field_type = 'date' then
          if v_text !~ '^\d{4}-\d{2}-\d{2}$' then
            v_problem := 'must be a date (YYYY-MM-DD)';
          else
            begin
              perform v_text::date;
            exception when datetime_field_overflow or invalid_datetime_format then
              v_problem := 'must be a date (YYYY-MM-DD)';
            end;
          end if;
        end if;
      end if;
      if v_problem is not null then
        raise exception 'custom field "%": %', v_key, v_problem
          using errcode = 'FO422', constraint = 'custom_fields_invalid';
      end if;
    end loop;
  end if;

  -- Required fields: on a new row, and whenever a row's custom fields change.
  -- A location the database makes with a new customer (app.create_first_location,
  -- a trigger's insert) starts empty; its required fields are asked for at its
  -- first edit.
  -- On one server a new row's are checked once for its whole statement
  -- (app.check_required_custom_fields, migration 0045), the trigger's second
  -- argument says so.
  if (tg_op = 'INSERT' and pg_catalog.pg_trigger_depth() = 1
      and (tg_nargs < 2 or tg_argv[1] <> 'required checked by statement'))
     or (tg_op = 'UPDATE' and new.custom_fields is distinct from old.custom_fields) then
    select d.key into v_key
    from app.custom_field_definitions d
    where d.company_id = new.company_id and d.entity = v_entity
      and d.is_required and not d.is_archived and not new.custom_fields ? d.key
    order by d.position, d.key
    limit 1;
    if found then
      raise exception 'custom field "%": is required', v_key
        using errcode = 'FO422', constraint = 'custom_fields_invalid';
    end if;
  end if;

  if not v_values then
    -- What the query below makes of no values.
    new.worker_custom_fields := '{}';
    new.customer_custom_fields := '{}';
    return new;
  end if;
  -- What workers and customers may read: the unarchived fields visible to them.
  select coalesce(pg_catalog.jsonb_object_agg(d.key, new.custom_fields -> d.key)
                    filter (where d.visible_to_workers), '{}'),
         coalesce(pg_catalog.jsonb_object_agg(d.key, new.custom_fields -> d.key)
                    filter (where d.visible_to_customers), '{}')
    into new.worker_custom_fields, new.customer_custom_fields
  from app.custom_field_definitions d
  where d.company_id = new.company_id and d.entity = v_entity
    and not d.is_archived and new.custom_fields ? d.key;
  return new;
end
$$;


do $$
declare
  v_table text;
  v_entity text;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  foreach v_table in array array['customers', 'service_locations'] loop
    v_entity := case v_table when 'customers' then 'customer' else 'location' end;
    execute format('drop trigger %I on app.%I', v_table || '_custom_fields', v_table);
    execute format('create trigger %I before insert or update of custom_fields on app.%I '
                   'for each row execute function app.check_custom_fields(%L, %L)',
                   v_table || '_custom_fields', v_table, v_entity, 'required checked by statement');
    execute format('create trigger %I after insert on app.%I referencing new table as new_rows '
                   'for each statement execute function app.check_required_custom_fields(%L)',
                   v_table || '_required_custom_fields', v_table, v_entity);
  end loop;
end
$$;

-- The address key (0032, 0042), an index expression of
-- app.service_locations, computed for every location written: 25 µs a call
-- as a query (split into a table, joined to the abbreviations, aggregated),
-- 11 µs as a loop over the words. The same words, the same abbreviations,
-- joined the same way: the same key for every address (db/tests/10-crm.sql
-- compares the two on tricky addresses), so the index stays valid.
create or replace function app.address_key(p_line1 text, p_line2 text, p_city text, p_region text,
                                           p_postal_code text) returns text
language plpgsql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  v_word text;
  v_key text := '';
begin
  foreach v_word in array pg_catalog.regexp_split_to_array(
      pg_catalog.lower(pg_catalog.concat_ws(' ', p_line1, p_line2, p_city, p_region, p_postal_code)), '[^[:alnum:]]+') loop
    v_key := v_key || case v_word
      when 'street' then 'st' when 'saint' then 'st' when 'avenue' then 'ave' when 'av' then 'ave'
      when 'road' then 'rd' when 'drive' then 'dr' when 'boulevard' then 'blvd' when 'lane' then 'ln'
      when 'court' then 'ct' when 'place' then 'pl' when 'square' then 'sq' when 'terrace' then 'ter'
      when 'parkway' then 'pkwy' when 'highway' then 'hwy' when 'circle' then 'cir' when 'trail' then 'trl'
      when 'alley' then 'aly' when 'crescent' then 'cres' when 'expressway' then 'expy' when 'freeway' then 'fwy'
      when 'heights' then 'hts' when 'junction' then 'jct' when 'mount' then 'mt' when 'mountain' then 'mtn'
      when 'point' then 'pt' when 'route' then 'rte' when 'turnpike' then 'tpke' when 'center' then 'ctr'
      when 'centre' then 'ctr' when 'suite' then 'ste' when 'apartment' then 'apt' when 'building' then 'bldg'
      when 'floor' then 'fl' when 'room' then 'rm' when 'north' then 'n' when 'south' then 's'
      when 'east' then 'e' when 'west' then 'w' when 'northeast' then 'ne' when 'northwest' then 'nw'
      when 'southeast' then 'se' when 'southwest' then 'sw'
      else v_word
    end;
  end loop;
  return v_key;
end
$$;

-- The history of inserted rows, a statement at a time (0042): the same audit
-- rows, written by a statement made for the table (its company and job
-- columns, its id) instead of a generic one that read each of them back out
-- of the row's JSON: 15 against 22 µs an audit row, a third of an imported
-- row's time being its six audit rows. The statement is planned once per
-- INSERT it audits (a plan per table, the columns being the trigger's
-- arguments); the values are parameters, never text in it.
create or replace function app.audit_inserted() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = auto
as $$
declare
  c_secrets constant text[] := array['password_hash', 'token_hash'];
  v_table text := pg_catalog.regexp_replace(tg_table_name, '_[0-9]+$', '');
  v_context auth.request_context := auth.request_context();
  v_db_role text;
  v_source text;
begin
  if tg_op <> 'INSERT' or tg_level <> 'STATEMENT' or v_table in ('companies', 'sessions') then
    -- Their special cases (the primary copy, the session's digest) are
    -- app.audit_row's alone.
    raise exception 'app.audit_inserted() audits the INSERT statements of ordinary tables, not % % on %',
      tg_level, tg_op, v_table;
  end if;
  select o.db_role, o.source into v_db_role, v_source from app.audit_origin(v_context.session_id) o;

  execute pg_catalog.format(
    'insert into app.audit_log (company_id, table_name, row_id, job_id, action, actor_id, actor_role, '
    '                           db_role, db_user, source, changes) '
    'select n.%I, $1, n.id, %s, ''INSERT'', $2, $3, $4, session_user, $5, pg_catalog.to_jsonb(n) - $6 '
    '  from new_rows n',
    tg_argv[0],
    case when tg_nargs > 1 then pg_catalog.format('n.%I', tg_argv[1]) else 'null::uuid' end)
  using v_table, v_context.user_id, v_context.role, v_db_role, v_source, c_secrets;
  return null;
end
$$;
