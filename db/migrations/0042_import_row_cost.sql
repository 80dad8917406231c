-- The import's rows, cheaper per row (issue #19: 100,000 customer rows in
-- under 60 s). docs/performance.md, "Imports", has the profile behind each
-- change and what it measured. Nothing here changes what is written or who
-- may write it: the same rows, the same audit rows, the same checks.

-- A new customer's account number: the company's largest plus one, read
-- from the last entry of (company_id, account_number). `max()` left the
-- choice to the planner, and with statistics made while the company was
-- small (a fresh company, or an import's own uncommitted rows, which
-- ANALYZE does not count) it aggregated every customer of the company, for
-- each new one: 0.6 ms a row at 3,000 customers and growing with them.
-- Ordered and limited, no plan but the index's last entry avoids a sort, so
-- a kept plan is as good as a fresh one and 0037's planning per row goes.
create or replace function app.assign_account_number() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('account-number:' || new.company_id::text, 0));
  new.account_number := coalesce(
    (select c.account_number from app.customers c
      where c.company_id = new.company_id
      order by c.account_number desc
      limit 1), 0) + 1;
  return new;
end
$$;

-- The bookkeeping columns: the verified context is looked up once a row,
-- not once per column.
create or replace function app.stamp_row() returns trigger
language plpgsql
as $$
declare
  v_user_id uuid := app.user_id();
begin
  if tg_op = 'INSERT' then
    new.created_at := now();
    new.created_by := v_user_id;
    new.version := 1;
  else
    new.created_at := old.created_at;
    new.created_by := old.created_by;
    new.version := old.version + 1;
  end if;
  new.updated_at := now();
  new.updated_by := v_user_id;
  return new;
end
$$;

-- The job timeline's projection of a history row (0012), a generated column
-- of app.audit_log: computed for every audit row, of every table, though
-- only jobs and tasks have a timeline. As an SQL function with its own
-- search_path it was parsed and run as a query each time (70 µs an audit
-- row); the other tables now return at once. The result is the same for
-- every input, so the stored values stay right.
create or replace function app.timeline_changes(p_table text, p_action text, p_changes jsonb) returns jsonb
language plpgsql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_table not in ('jobs', 'job_tasks') then
    return null;
  end if;
  return (
    select nullif(
      pg_catalog.jsonb_object_agg(
        c.key,
        case p_action
          when 'UPDATE' then c.value
          when 'INSERT' then pg_catalog.jsonb_build_array(null, c.value)
          else pg_catalog.jsonb_build_array(c.value, null)
        end),
      '{}')
    from pg_catalog.jsonb_each(p_changes) c
    where case
      -- A job: its status and its appointment, from creation on.
      when p_table = 'jobs' and p_action = 'INSERT' then c.key in ('status_id', 'scheduled_at') and c.value <> 'null'
      when p_table = 'jobs' and p_action = 'UPDATE' then c.key in ('status_id', 'scheduled_at')
      -- A task: added and removed (by title), done and undone.
      when p_table = 'job_tasks' and p_action in ('INSERT', 'DELETE') then c.key = 'title'
      when p_table = 'job_tasks' and p_action = 'UPDATE' then c.key = 'is_completed'
      else false
    end);
end
$$;

-- Who wrote a history row, for both audit triggers (app.audit_row and, below,
-- app.audit_inserted): the database role and whether a request, a sign-in
-- or a direct connection wrote it, given the verified session's id. Called
-- inside those SECURITY DEFINER triggers only (nobody is granted EXECUTE).
create function app.audit_origin(p_session_id uuid, out db_role text, out source text)
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  -- Inside a SECURITY DEFINER function current_user is the owner; the `role`
  -- setting still holds what the caller's SET ROLE chose ('none' if nothing).
  db_role := pg_catalog.current_setting('role');
  if db_role = 'none' then
    db_role := session_user;
  end if;
  -- A request: a request role with a live session of its own. On one server
  -- the login is the authenticator; on a Citus worker the coordinator logged
  -- in as the request role itself, so the verified session is what says so.
  source := case
    when db_role = any (array['fieldops_admin', 'fieldops_worker', 'fieldops_customer']) and p_session_id is not null then 'api'
    when session_user = 'fieldops_authenticator' and db_role = any (array['fieldops_admin', 'fieldops_worker', 'fieldops_customer']) then 'api'
    when session_user = 'fieldops_authenticator' and db_role = 'fieldops_authenticator' then 'auth'
    when session_user = 'fieldops_login' then 'auth'
    when session_user = 'fieldops_owner' and pg_catalog.current_setting('app.flow', true) = 'sign-in' then 'auth'
    else 'direct'
  end;
end
$$;

-- The audit trigger reads the verified context once a row instead of three
-- times (actor, role, and whether a request wrote it). The rest is 0017's.
create or replace function app.audit_row() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = auto
as $$
declare
  c_secrets constant text[] := array['password_hash', 'token_hash'];
  -- Maintained by app.stamp_row() on every update: noise in a diff.
  c_bookkeeping constant text[] := array['updated_at', 'updated_by', 'version'];
  v_old jsonb;
  v_new jsonb;
  v_row jsonb;
  v_changes jsonb;
  v_db_role text;
  v_source text;
  v_row_id uuid;
  v_context auth.request_context;
  -- On Citus the trigger fires on a shard: app.jobs_102209 is app.jobs.
  v_table text := pg_catalog.regexp_replace(tg_table_name, '_[0-9]+$', '');
begin
  if v_table = 'companies' and not app.is_primary_copy() then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := pg_catalog.to_jsonb(old);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    v_new := pg_catalog.to_jsonb(new);
  end if;
  v_row := coalesce(v_new, v_old);

  if tg_op = 'UPDATE' then
    select pg_catalog.jsonb_object_agg(
             n.key,
             case when n.key = any (c_secrets) then '["[redacted]", "[redacted]"]'::jsonb
                  else pg_catalog.jsonb_build_array(o.value, n.value) end)
      into v_changes
      from pg_catalog.jsonb_each(v_new) n
      join pg_catalog.jsonb_each(v_old) o on o.key = n.key
     where n.value is distinct from o.value
       and n.key <> all (c_bookkeeping);
    if v_changes is null then
      -- Only bookkeeping changed (e.g. `set name = name`): nothing to record.
      return null;
    end if;
  else
    v_changes := v_row - c_secrets;
  end if;

  -- A session's id is now what proves a request's identity: its history row
  -- keeps a digest of it instead (admins read their company's sign-ins).
  if v_table = 'sessions' then
    v_row_id := pg_catalog.md5('fieldops-session:' || (v_row ->> 'id'))::uuid;
    v_changes := v_changes - 'id';
  else
    v_row_id := (v_row ->> 'id')::uuid;
  end if;

  -- Read once: each of app.user_id(), app.role() and app.session_id() looks
  -- the session up again.
  v_context := auth.request_context();
  select o.db_role, o.source into v_db_role, v_source from app.audit_origin(v_context.session_id) o;

  insert into app.audit_log (company_id, table_name, row_id, job_id, action, actor_id, actor_role,
                             db_role, db_user, source, changes)
  values (
    (v_row ->> tg_argv[0])::uuid,
    v_table,
    v_row_id,
    case when tg_nargs > 1 then (v_row ->> tg_argv[1])::uuid end,
    tg_op,
    v_context.user_id,
    v_context.role,
    v_db_role,
    session_user,
    v_source,
    v_changes
  );
  return null;
end
$$;

-- The addresses of a chunk's new customers, on the first locations
-- app.create_first_location made for them (src/http/imports/run.rs). One
-- UPDATE joining the chunk's rows was planned while the company looked
-- empty to the planner (a fresh company, or the import's own uncommitted
-- rows): the company's locations outside, the chunk's JSON read again for
-- each of them, so every chunk cost as much as the company was large. One
-- row at a time, each update finds its location by (company_id,
-- customer_id), whatever the statistics say. Invoker's rights, like the
-- import's other functions: the admin's own policies check each row.
create function app.import_first_locations(p_company uuid, p_rows jsonb) returns integer
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row jsonb;
  v_count integer := 0;
  v_updated integer;
begin
  for v_row in
    select e.value from pg_catalog.jsonb_array_elements(p_rows) as e
    where e.value ? 'line1' or e.value ? 'city' or e.value ? 'postal_code'
  loop
    update app.service_locations l
       set line1 = v_row ->> 'line1', line2 = v_row ->> 'line2', city = v_row ->> 'city',
           region = v_row ->> 'region', postal_code = v_row ->> 'postal_code', country = v_row ->> 'country'
     where l.company_id = p_company and l.customer_id = (v_row ->> 'customer_id')::uuid;
    get diagnostics v_updated = row_count;
    v_count := v_count + v_updated;
  end loop;
  return v_count;
end
$$;

-- The address key (0032), an index expression of app.service_locations:
-- computed for every location written. As an SQL function with its own
-- search_path it was parsed and planned for each row a statement wrote (in
-- a trigger's insert, every time: 100 to 190 µs a call); in PL/pgSQL the
-- query keeps its plan for the connection. The same query, so the same key
-- for every address, and the index stays valid.
create or replace function app.address_key(p_line1 text, p_line2 text, p_city text, p_region text,
                                           p_postal_code text) returns text
language plpgsql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return (
  select coalesce(string_agg(coalesce(a.short, w.word), '' order by w.n), '')
    from regexp_split_to_table(
           lower(concat_ws(' ', p_line1, p_line2, p_city, p_region, p_postal_code)), '[^[:alnum:]]+')
         with ordinality as w(word, n)
    left join (values
        ('street', 'st'), ('saint', 'st'), ('avenue', 'ave'), ('av', 'ave'), ('road', 'rd'),
        ('drive', 'dr'), ('boulevard', 'blvd'), ('lane', 'ln'), ('court', 'ct'), ('place', 'pl'),
        ('square', 'sq'), ('terrace', 'ter'), ('parkway', 'pkwy'), ('highway', 'hwy'), ('circle', 'cir'),
        ('trail', 'trl'), ('alley', 'aly'), ('crescent', 'cres'), ('expressway', 'expy'), ('freeway', 'fwy'),
        ('heights', 'hts'), ('junction', 'jct'), ('mount', 'mt'), ('mountain', 'mtn'), ('point', 'pt'),
        ('route', 'rte'), ('turnpike', 'tpke'), ('center', 'ctr'), ('centre', 'ctr'), ('suite', 'ste'),
        ('apartment', 'apt'), ('building', 'bldg'), ('floor', 'fl'), ('room', 'rm'), ('north', 'n'),
        ('south', 's'), ('east', 'e'), ('west', 'w'), ('northeast', 'ne'), ('northwest', 'nw'),
        ('southeast', 'se'), ('southwest', 'sw')
      ) as a(long, short) on a.long = w.word);
end
$$;

-- The history of inserted rows, a statement at a time (one server). The
-- row-level app.audit_row looks the verified context up, builds its row and
-- runs its INSERT once per written row: most of what an imported row cost.
-- This trigger reads the statement's new rows from its transition table and
-- writes their audit rows with one INSERT, with the context looked up once
-- per statement, the same verified session (auth.request_context(), never
-- a setting a request could choose). Each row gets the audit row
-- app.audit_row would have written for it: the same columns, actor and
-- source, the row as inserted less its secrets. Updates and deletes stay
-- row by row (their diff and "nothing changed" are per row).
--
-- On Citus a trigger runs on each shard, and statement triggers with
-- transition tables are not among what it runs there: the tables keep the
-- row-level trigger for inserts too (below).
create function app.audit_inserted() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = auto
as $$
declare
  c_secrets constant text[] := array['password_hash', 'token_hash'];
  v_table text := pg_catalog.regexp_replace(tg_table_name, '_[0-9]+$', '');
  v_company_column text := tg_argv[0];
  v_job_column text := case when tg_nargs > 1 then tg_argv[1] end;
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

  insert into app.audit_log (company_id, table_name, row_id, job_id, action, actor_id, actor_role,
                             db_role, db_user, source, changes)
  select (r.j ->> v_company_column)::uuid,
         v_table,
         (r.j ->> 'id')::uuid,
         (r.j ->> v_job_column)::uuid,
         'INSERT',
         v_context.user_id,
         v_context.role,
         v_db_role,
         session_user,
         v_source,
         r.j - c_secrets
    from (select pg_catalog.to_jsonb(n) as j from new_rows n) as r;
  return null;
end
$$;

-- A new customer's first location (0020's app.create_first_location), a
-- statement at a time on one server: one INSERT for all the customers a
-- statement made instead of one per customer, each with its own audit
-- statement. The same location for each customer: its name, its address as
-- the first line. The owner's rights, as the row-level function (a portal
-- registration's customer gets its location though the customer role may
-- not write locations). Citus keeps the row-level trigger (below).
create function app.create_first_locations() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into app.service_locations (company_id, customer_id, name, line1)
  select n.company_id, n.id, n.name, n.address from new_customers n;
  return null;
end
$$;

-- The tables an import writes (customers, their first locations, contacts,
-- phones and emails, external ids): inserts by statement, the rest by row.
-- Not on Citus (above): there the row-level trigger of every event stays.
do $$
declare
  v_table text;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  drop trigger customers_first_location on app.customers;
  create trigger customers_first_locations after insert on app.customers
  referencing new table as new_customers
  for each statement execute function app.create_first_locations();
  foreach v_table in array array['customers', 'service_locations', 'contacts', 'contact_methods', 'external_refs'] loop
    execute format('drop trigger %I on app.%I', v_table || '_audit', v_table);
    execute format('create trigger %I after update or delete on app.%I '
                   'for each row execute function app.audit_row(%L)', v_table || '_audit', v_table, 'company_id');
    execute format('create trigger %I after insert on app.%I referencing new table as new_rows '
                   'for each statement execute function app.audit_inserted(%L)',
                   v_table || '_audit_insert', v_table, 'company_id');
  end loop;
end
$$;
