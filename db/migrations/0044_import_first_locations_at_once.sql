-- A new customer's first location, written once (issue #19: 100,000
-- customer rows in under 60 s). The import inserted its customers, let
-- app.create_first_locations make each one's location from the customer's
-- one-line address, then updated each location to the row's address, one
-- UPDATE a row (app.import_first_locations, 0042): the location was written
-- twice, and the UPDATE, its audit row, its policies and its triggers were
-- 40 % of the import's time (pg_stat_statements, 20,000 rows: 8.6 of 20.9 s).
-- Now the import writes the first locations with their addresses in the
-- customers' own statement (src/http/imports/run.rs), and this trigger
-- makes a location only for a customer that has none when its statement
-- ends: every other way of making a customer (the API, a portal
-- registration, the import's row-by-row path) still gets the same first
-- location as before. The owner's rights, as before.
create or replace function app.create_first_locations() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into app.service_locations (company_id, customer_id, name, line1)
  select n.company_id, n.id, n.name, n.address from new_customers n
   where not exists (select 1 from app.service_locations l
                      where l.company_id = n.company_id and l.customer_id = n.id);
  return null;
end
$$;

-- Nothing calls it any more.
drop function app.import_first_locations(uuid, jsonb);

-- A new customer's account number, read with the owner's rights. As the
-- caller's, a branch-scoped admin's read of the company's last number saw
-- only its branch's and the shared customers: when another branch's
-- customer held the last number, every new customer of that admin failed
-- on customers_account_number_key. Reading as the caller also evaluated the
-- customers' read policy (four lookups of the verified context) for every
-- new customer, a third of what an imported row looked the context up for.
-- A request reads only its own company's last number: a row naming another
-- company (a request can choose the company hint, not its verified
-- context) is refused here, before anything of that company is read, as
-- the row's policy would refuse it after.
create or replace function app.assign_account_number() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  -- Inside a SECURITY DEFINER function the `role` setting still holds what
  -- the caller's SET ROLE chose; on a Citus worker the coordinator logged
  -- in as the request role itself.
  v_caller text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
begin
  if v_caller = any (array['fieldops_admin', 'fieldops_worker', 'fieldops_customer'])
     and new.company_id is distinct from app.company_id() then
    -- The policy's own refusal, word for word (on Citus the table is the
    -- shard the trigger fires on).
    raise exception 'new row violates row-level security policy for table "%"', tg_table_name
      using errcode = '42501';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('account-number:' || new.company_id::text, 0));
  new.account_number := coalesce(
    (select c.account_number from app.customers c
      where c.company_id = new.company_id
      order by c.account_number desc
      limit 1), 0) + 1;
  return new;
end
$$;

-- Custom fields (0023): a row without values (an import's every customer
-- and location) has empty projections whatever the definitions say; they
-- are no longer read to compute them, nor locked against a change.
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
  if (tg_op = 'INSERT' and pg_catalog.pg_trigger_depth() = 1)
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

-- The verified context (0040) on a Citus worker: whether the session's
-- shard is on this node was asked with get_shard_id_for_distribution_column
-- inside the query, where, volatile, it ran once for each placement of the
-- cluster: 140 µs a lookup on the test cluster (1,385 placements), and a
-- request's rows look the context up many times (an imported customer row,
-- row by row on Citus, about 40: most of its 70 ms). Computed first, the
-- check reads the placement by its index: 10 µs. Otherwise 0040's; db/citus.sql
-- still makes it the caller's on Citus, as before.
create or replace function auth.request_context() returns auth.request_context
language plpgsql stable security definer parallel restricted
set search_path = pg_catalog, pg_temp
set plan_cache_mode = auto
as $$
declare
  v_context auth.request_context;
  -- A malformed id or company (never sent by the server) raises: failing closed, loudly.
  v_session_id uuid := nullif(pg_catalog.current_setting('app.session_id', true), '')::uuid;
  v_company_id uuid := nullif(pg_catalog.current_setting('app.session_company', true), '')::uuid;
  v_role text := pg_catalog.current_setting('role');
  v_shard bigint;
begin
  if v_company_id is null then
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope, s.permissions, s.branch_id
      into v_context
      from app.sessions s
     where s.id = v_session_id
       and s.revoked_at is null
       and s.expires_at > pg_catalog.now()
       and v_role = case s.role
             when 'ADMIN' then 'fieldops_admin'
             when 'WORKER' then 'fieldops_worker'
             when 'CUSTOMER' then 'fieldops_customer'
           end;
  else
    -- On a Citus worker, inside the query of a shard: the caller's rows live
    -- only on the node of its session (every table is co-located by company),
    -- so where that session is not, no row is the caller's and there is no
    -- context (0016).
    if pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') is not null then
      -- The session's shard first, once: the function is volatile, and
      -- inside the query below it ran for every placement of the cluster.
      v_shard := pg_catalog.get_shard_id_for_distribution_column('app.sessions', v_company_id);
      if not exists (
           select 1 from pg_catalog.pg_dist_local_group g
           where g.groupid = 0
              or exists (select 1 from pg_catalog.pg_dist_placement p
                         where p.shardid = v_shard and p.groupid = g.groupid)) then
        return null;
      end if;
    end if;
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope, s.permissions, s.branch_id
      into v_context
      from app.sessions s
     where s.company_id = v_company_id
       and s.id = v_session_id
       and s.revoked_at is null
       and s.expires_at > pg_catalog.now()
       and v_role = case s.role
             when 'ADMIN' then 'fieldops_admin'
             when 'WORKER' then 'fieldops_worker'
             when 'CUSTOMER' then 'fieldops_customer'
           end;
  end if;
  return v_context;
end
$$;
