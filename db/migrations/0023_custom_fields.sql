-- Custom fields (issue #16, the JSONB hybrid): each company defines its own
-- fields for customers, service locations and jobs; the values live in a
-- `custom_fields` jsonb object on those rows and are checked here, by the
-- database, against the company's definitions, so the API, the CLI and a
-- psql session are held to the same rules.
--
-- Who reads what is decided by grants, not handlers: the raw object is the
-- admins' (and the owner's) only. Workers and customers read projections the
-- same trigger keeps beside it, `worker_custom_fields` and
-- `customer_custom_fields`, holding only the fields visible to them; the raw
-- column is not granted to them at all (db/policies/customers.sql, jobs.sql,
-- service_locations.sql). A share link shows the customer projection.
--
-- Old rows never break (docs/custom-fields.md):
--  * a field made required is asked for on new rows and whenever a row's
--    custom fields are edited; rows that predate it keep working, and edits
--    of their other columns are never refused for it;
--  * an archived field takes no new values; values already stored stay (the
--    admins see them), but leave the worker and customer projections;
--  * a value is checked when it is written or changed; an unchanged value
--    stays even if its field's options changed since;
--  * a definition's key, entity and type never change (no grant), and one is
--    deleted only while no row holds a value for it.

-- ---------------------------------------------------------------------------
-- The definitions.
-- ---------------------------------------------------------------------------
create table app.custom_field_definitions (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  entity text not null,
  key text not null,
  label text not null,
  field_type text not null,
  options text[] not null default '{}',
  is_required boolean not null default false,
  visible_to_workers boolean not null default false,
  visible_to_customers boolean not null default false,
  position integer not null default 0,
  is_archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint custom_field_definitions_pkey primary key (company_id, id),
  constraint custom_field_definitions_key_key unique (company_id, entity, key),
  constraint custom_field_definitions_entity check (entity in ('customer', 'location', 'job')),
  -- Slug-like, so that it is safe as a JSON key, a query parameter (cf.<key>)
  -- and a form field name.
  constraint custom_field_definitions_key_format check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  constraint custom_field_definitions_label_length check (char_length(btrim(label)) between 1 and 100),
  constraint custom_field_definitions_type check (field_type in ('text', 'number', 'date', 'boolean', 'choice')),
  -- A choice has 1 to 100 options (what each may be: app.check_custom_field_definition);
  -- no other type has any.
  constraint custom_field_definitions_options check (
    case when field_type = 'choice' then cardinality(options) between 1 and 100 else cardinality(options) = 0 end),
  constraint custom_field_definitions_position check (position between 0 and 10000)
);

do $$
declare
  v_distributed boolean := false;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute 'select exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = ''app.customers''::regclass)'
      into v_distributed;
  end if;
  if v_distributed then
    execute 'select create_distributed_table(''app.custom_field_definitions'', ''company_id'', colocate_with => ''app.customers'')';
  end if;
end
$$;

alter table app.custom_field_definitions
  add constraint custom_field_definitions_company_fkey foreign key (company_id)
    references app.companies (id) on delete cascade;

-- Each option of a choice is 1 to 100 characters, trimmed, and given once
-- (a check constraint may hold no subquery, so a trigger says it).
create function app.check_custom_field_definition() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if exists (select 1 from pg_catalog.unnest(new.options) o
             where o is null or o <> pg_catalog.btrim(o) or pg_catalog.char_length(o) not between 1 and 100)
     or pg_catalog.cardinality(new.options)
        <> (select pg_catalog.count(distinct o) from pg_catalog.unnest(new.options) o) then
    raise exception 'each option must be 1 to 100 characters, without surrounding spaces, and given once'
      using errcode = 'FO422', constraint = 'custom_field_definitions_option_values';
  end if;
  return new;
end
$$;

create trigger custom_field_definitions_check before insert or update of options on app.custom_field_definitions
for each row execute function app.check_custom_field_definition();

create trigger custom_field_definitions_stamp before insert or update on app.custom_field_definitions
for each row execute function app.stamp_row();
create trigger custom_field_definitions_audit after insert or update or delete on app.custom_field_definitions
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- The values, and what workers and customers may read of them.
-- ---------------------------------------------------------------------------
alter table app.customers
  add column custom_fields jsonb not null default '{}',
  add column worker_custom_fields jsonb not null default '{}',
  add column customer_custom_fields jsonb not null default '{}',
  add constraint customers_custom_fields_object check (jsonb_typeof(custom_fields) = 'object');
alter table app.service_locations
  add column custom_fields jsonb not null default '{}',
  add column worker_custom_fields jsonb not null default '{}',
  add column customer_custom_fields jsonb not null default '{}',
  add constraint service_locations_custom_fields_object check (jsonb_typeof(custom_fields) = 'object');
alter table app.jobs
  add column custom_fields jsonb not null default '{}',
  add column worker_custom_fields jsonb not null default '{}',
  add column customer_custom_fields jsonb not null default '{}',
  add constraint jobs_custom_fields_object check (jsonb_typeof(custom_fields) = 'object');

-- The admins' list filters (`?cf.<key>=<value>`, `custom_fields @> …`), used
-- through auth.filter_customers / auth.filter_jobs: under RLS the planner may
-- not use an index for a non-leakproof operator such as @>. Led by company_id
-- (btree_gin, migration 0006); jsonb_ops (not jsonb_path_ops) because
-- deleting a definition and recomputing projections ask `custom_fields ? key`.
create index customers_custom_fields_idx on app.customers using gin (company_id, custom_fields);
create index jobs_custom_fields_idx on app.jobs using gin (company_id, custom_fields);
create index service_locations_custom_fields_idx on app.service_locations using gin (company_id, custom_fields);

-- The admins' job search (`?q=`) also finds a job by the text of its custom
-- field values (not their keys): a trigram index on the values as one text.
create index jobs_company_custom_values_trgm_idx on app.jobs
  using gin (company_id, lower(jsonb_path_query_array(custom_fields, '$.*')::text) gin_trgm_ops);

-- ---------------------------------------------------------------------------
-- The check, on every write of custom_fields (invoker's rights: the writer's
-- own policies decide which definitions it reads; only admins and the owner
-- may write the column, and both read all of their company's).
-- Errors are FO422 with constraint custom_fields_invalid and a message
-- `custom field "<key>": <what is wrong>`, which the API answers as a 422
-- naming `custom_fields.<key>`.
-- ---------------------------------------------------------------------------
create function app.check_custom_fields() returns trigger
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
begin
  -- A definition whose visibility or archival changes takes this lock
  -- exclusively (app.refresh_custom_field_projections): a write of values
  -- then either commits before the refresh rewrites its row, or reads the
  -- definitions as changed. Without it, a field just made staff-only could
  -- stay in a projection written at the same moment.
  perform pg_catalog.pg_advisory_xact_lock_shared(
    pg_catalog.hashtextextended('custom-fields:' || new.company_id::text || ':' || v_entity, 0));
  if tg_op = 'UPDATE' then
    v_old := old.custom_fields;
  end if;
  if new.custom_fields is null or pg_catalog.jsonb_typeof(new.custom_fields) <> 'object' then
    raise exception 'custom field "custom_fields": must be a JSON object'
      using errcode = 'FO422', constraint = 'custom_fields_invalid';
  end if;
  -- A null value means "no value": it is not stored.
  new.custom_fields := pg_catalog.jsonb_strip_nulls(new.custom_fields);

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

create trigger customers_custom_fields before insert or update of custom_fields on app.customers
for each row execute function app.check_custom_fields('customer');
create trigger service_locations_custom_fields before insert or update of custom_fields on app.service_locations
for each row execute function app.check_custom_fields('location');
create trigger jobs_custom_fields before insert or update of custom_fields on app.jobs
for each row execute function app.check_custom_fields('job');

-- The projections follow their definitions: when a field's visibility or
-- archival changes, the rows holding a value for it are written again (their
-- custom_fields unchanged, so nothing is checked anew and nothing is refused),
-- which recomputes both projections. Invoker's rights: the admin (or owner)
-- changing the definition may write those rows.
create function app.refresh_custom_field_projections() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  -- Waits for the writes of values in flight (app.check_custom_fields).
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('custom-fields:' || new.company_id::text || ':' || new.entity, 0));
  if new.entity = 'customer' then
    update app.customers c set custom_fields = c.custom_fields
    where c.company_id = new.company_id and c.custom_fields ? new.key;
  elsif new.entity = 'location' then
    update app.service_locations l set custom_fields = l.custom_fields
    where l.company_id = new.company_id and l.custom_fields ? new.key;
  else
    update app.jobs j set custom_fields = j.custom_fields
    where j.company_id = new.company_id and j.custom_fields ? new.key;
  end if;
  return null;
end
$$;

create trigger custom_field_definitions_projections
after update of visible_to_workers, visible_to_customers, is_archived on app.custom_field_definitions
for each row
when (old.visible_to_workers is distinct from new.visible_to_workers
      or old.visible_to_customers is distinct from new.visible_to_customers
      or old.is_archived is distinct from new.is_archived)
execute function app.refresh_custom_field_projections();

-- A definition goes only while no row holds a value for it (archive it
-- instead): a value without a definition could never be edited again. A
-- company being deleted takes its definitions with it.
create function app.keep_used_custom_field() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_used boolean;
begin
  if not exists (select 1 from app.companies co where co.id = old.company_id) then
    return old;
  end if;
  if old.entity = 'customer' then
    v_used := exists (select 1 from app.customers c where c.company_id = old.company_id and c.custom_fields ? old.key);
  elsif old.entity = 'location' then
    v_used := exists (select 1 from app.service_locations l where l.company_id = old.company_id and l.custom_fields ? old.key);
  else
    v_used := exists (select 1 from app.jobs j where j.company_id = old.company_id and j.custom_fields ? old.key);
  end if;
  if v_used then
    raise exception 'the custom field "%" still has values: archive it instead', old.key
      using errcode = 'FO409', constraint = 'custom_field_definitions_in_use';
  end if;
  return old;
end
$$;

create trigger custom_field_definitions_keep_used before delete on app.custom_field_definitions
for each row execute function app.keep_used_custom_field();

-- ---------------------------------------------------------------------------
-- The admins' indexed filters. As auth.search_customers and auth.search_jobs
-- (migration 0006): the company and the role come from the verified context,
-- never a parameter; the rows are loaded again under the caller's policies.
-- ---------------------------------------------------------------------------
create function auth.filter_customers(
  p_custom_fields jsonb,
  p_pattern text,
  p_after_name text,
  p_after_id uuid,
  p_limit integer
) returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.company_id();
begin
  if v_company is null or app.role() is distinct from 'ADMIN' then
    return;
  end if;
  return query execute $sql$
    select c.id from app.customers c
    where c.company_id = $1 and c.deleted_at is null
      and c.custom_fields @> $2
      and ($6::text is null or lower(c.name) like $6 or lower(c.email) like $6 or c.phone like $6)
      and ($3::text is null or (lower(c.name), c.id) > ($3, $4))
    order by lower(c.name), c.id
    limit $5
  $sql$
  using v_company, p_custom_fields, p_after_name, p_after_id, p_limit, p_pattern;
end
$$;

create function auth.filter_jobs(
  p_custom_fields jsonb,
  p_pattern text,
  p_archived boolean,
  p_status_id uuid,
  p_worker_id uuid,
  p_customer_id uuid,
  p_after_created timestamptz,
  p_after_id uuid,
  p_limit integer
) returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.company_id();
begin
  if v_company is null or app.role() is distinct from 'ADMIN' then
    return;
  end if;
  return query execute $sql$
    select j.id from app.jobs j
    left join app.customers c on c.company_id = j.company_id and c.id = j.customer_id
    where j.company_id = $1 and j.custom_fields @> $2
      and j.is_archived = $3
      and ($4::uuid is null or j.status_id = $4)
      and ($5::uuid is null or j.assigned_worker_id = $5)
      and ($6::uuid is null or j.customer_id = $6)
      and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
      and ($10::text is null or lower(j.title) like $10 or lower(c.name) like $10
           or lower(jsonb_path_query_array(j.custom_fields, '$.*')::text) like $10)
    order by j.created_at desc, j.id desc
    limit $9
  $sql$
  using v_company, p_custom_fields, p_archived, p_status_id, p_worker_id, p_customer_id,
        p_after_created, p_after_id, p_limit, p_pattern;
end
$$;

-- The search of migration 0010, with a third branch: a job whose custom
-- field values match (staff-only ones too: only admins search).
create or replace function auth.search_jobs(
  p_pattern text,
  p_archived boolean,
  p_status_id uuid,
  p_worker_id uuid,
  p_customer_id uuid,
  p_after_created timestamptz,
  p_after_id uuid,
  p_limit integer
) returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.company_id();
begin
  if v_company is null or app.role() is distinct from 'ADMIN' then
    return;
  end if;
  return query execute $sql$
    select m.id from (
      (select j.id, j.created_at from app.jobs j
       where j.company_id = $1 and lower(j.title) like $2
         and j.is_archived = $3
         and ($4::uuid is null or j.status_id = $4)
         and ($5::uuid is null or j.assigned_worker_id = $5)
         and ($6::uuid is null or j.customer_id = $6)
         and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
       order by j.created_at desc, j.id desc
       limit $9)
      union
      (select j.id, j.created_at from app.customers c
       join app.jobs j on j.company_id = c.company_id and j.customer_id = c.id
       where c.company_id = $1
         and lower(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.phone, '')) like $2
         and lower(c.name) like $2
         and j.is_archived = $3
         and ($4::uuid is null or j.status_id = $4)
         and ($5::uuid is null or j.assigned_worker_id = $5)
         and ($6::uuid is null or j.customer_id = $6)
         and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
       order by j.created_at desc, j.id desc
       limit $9)
      union
      (select j.id, j.created_at from app.jobs j
       where j.company_id = $1
         and lower(jsonb_path_query_array(j.custom_fields, '$.*')::text) like $2
         and j.is_archived = $3
         and ($4::uuid is null or j.status_id = $4)
         and ($5::uuid is null or j.assigned_worker_id = $5)
         and ($6::uuid is null or j.customer_id = $6)
         and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
       order by j.created_at desc, j.id desc
       limit $9)
    ) m
    order by m.created_at desc, m.id desc
    limit $9
  $sql$
  using v_company, p_pattern, p_archived, p_status_id, p_worker_id, p_customer_id,
        p_after_created, p_after_id, p_limit;
end
$$;

-- ---------------------------------------------------------------------------
-- The share link shows the customer-visible fields, with their labels, in
-- the company's order (the public page has no other way to read them).
-- ---------------------------------------------------------------------------
create or replace function auth.open_share_link(p_company_id uuid, p_token_hash bytea, p_user_agent text)
returns jsonb
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid := p_company_id;
  v_link app.share_links%rowtype;
  v_view jsonb;
begin
  if v_company_id is null then
    select l.company_id into v_company_id from app.share_links l where l.token_hash = p_token_hash;
  end if;
  select * into v_link from app.share_links l
  where l.company_id = v_company_id and l.token_hash = p_token_hash
    and l.revoked_at is null and l.expires_at > now();
  if not found then
    return null;
  end if;

  select jsonb_build_object(
    'title', j.title,
    'description', j.description,
    'scheduled_at', j.scheduled_at,
    'completed_at', j.completed_at,
    'status', jsonb_build_object('name', s.name, 'color', s.color, 'is_final', s.is_final),
    'worker_name', w.name,
    'company', jsonb_build_object('name', c.name, 'color', c.color),
    'expires_at', v_link.expires_at,
    'tasks', coalesce((
      select jsonb_agg(jsonb_build_object('title', t.title, 'is_completed', t.is_completed)
                       order by t.position, t.id)
      from app.job_tasks t where t.company_id = j.company_id and t.job_id = j.id), '[]'::jsonb),
    'notes', coalesce((
      select jsonb_agg(jsonb_build_object('body', n.body, 'created_at', n.created_at)
                       order by n.created_at, n.id)
      from app.job_notes n
      where n.company_id = j.company_id and n.job_id = j.id and n.visibility = 'customer'), '[]'::jsonb),
    -- From the customer projection only: what a customer may see.
    'custom_fields', coalesce((
      select jsonb_agg(jsonb_build_object('key', d.key, 'label', d.label, 'field_type', d.field_type,
                                          'value', j.customer_custom_fields -> d.key)
                       order by d.position, d.key)
      from app.custom_field_definitions d
      where d.company_id = j.company_id and d.entity = 'job' and d.visible_to_customers
        and not d.is_archived and j.customer_custom_fields ? d.key), '[]'::jsonb)
  ) into v_view
  from app.jobs j
  join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
  join app.companies c on c.id = j.company_id
  join app.customers cu on cu.company_id = j.company_id and cu.id = j.customer_id
  left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id
  where j.company_id = v_link.company_id and j.id = v_link.job_id
    and not j.is_archived
    and j.customer_id = v_link.customer_id
    and cu.deleted_at is null
    and c.is_active;

  if v_view is null then
    return null;
  end if;

  insert into app.share_link_opens (company_id, share_link_id, user_agent)
  values (v_link.company_id, v_link.id, left(p_user_agent, 500));
  update app.share_links l set open_count = l.open_count + 1, last_opened_at = now()
  where l.company_id = v_link.company_id and l.id = v_link.id;

  return v_view;
end
$$;
