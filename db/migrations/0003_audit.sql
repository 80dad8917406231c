-- Auditable data: an append-only change history written by the database itself,
-- and two read-only reports that let a DBA audit every rule with psql.
--
-- app.audit_log gets one row per INSERT, UPDATE and DELETE on every tenant
-- table (soft deletes, archives and revocations are UPDATEs and show as such).
-- The trigger function is SECURITY DEFINER, owned by fieldops_owner: it writes
-- the history on the caller's behalf, so no request role needs, or has, any
-- write privilege on app.audit_log, and nobody can forge or rewrite history
-- through the API. Grants and policies are in db/policies/audit_log.sql.
--
-- Not audited: app.refresh_tokens. Its only key is the token digest (a secret
-- we never copy), and it churns on every token refresh; the session it belongs
-- to (created, revoked and why) is audited through app.sessions.

create table app.audit_log (
  id bigint generated always as identity primary key,
  -- No foreign key: history outlives the rows (and companies) it describes.
  company_id uuid not null,
  table_name text not null,
  row_id uuid not null,
  -- The job a row belongs to (jobs, job_tasks, job_notes, share_links), so a
  -- job's whole history is one indexed range scan.
  job_id uuid,
  action text not null,
  -- Who, as the request context said (app.user_id / app.role); NULL when the
  -- change came without one (psql, CLI, migrations).
  actor_id uuid,
  actor_role app.user_role,
  -- Which database role made the change (after SET ROLE) and over which login.
  db_role text not null,
  db_user text not null,
  -- 'api': a request (the authenticator switched into a request role);
  -- 'auth': the login and share-link functions, before anyone is signed in;
  -- 'direct': anything else, e.g. psql, the CLI, a migration.
  source text not null,
  -- Changes made by one transaction (one API request) share it.
  xact_id bigint not null default pg_catalog.txid_current(),
  at timestamptz not null default pg_catalog.now(),
  -- UPDATE: only the changed columns, {"column": [old, new]}.
  -- INSERT: the new row; DELETE: the old row. Secrets are never copied:
  -- password_hash and token_hash are left out of row images, and a changed one
  -- shows as ["[redacted]", "[redacted]"].
  changes jsonb not null,
  constraint audit_log_action check (action in ('INSERT', 'UPDATE', 'DELETE')),
  constraint audit_log_source check (source in ('api', 'auth', 'direct')),
  constraint audit_log_changes_object check (jsonb_typeof(changes) = 'object')
);

-- The admin policy compares company_id: it leads every index.
create index audit_log_company_row_idx on app.audit_log (company_id, table_name, row_id, at desc, id desc);
create index audit_log_company_job_idx on app.audit_log (company_id, job_id, at desc, id desc)
  where job_id is not null;

-- History is corrected by appending, never rewritten: not even the owner may
-- UPDATE it. (The owner may DELETE, for retention; no other role may.)
create function app.refuse_audit_update() returns trigger
language plpgsql
set search_path = pg_catalog
as $$
begin
  raise exception 'app.audit_log is append-only'
    using errcode = 'insufficient_privilege';
end
$$;

create trigger audit_log_append_only before update on app.audit_log
for each row execute function app.refuse_audit_update();

-- One trigger function for every audited table. Arguments: the column holding
-- the row's company (companies use 'id'), and optionally the column holding
-- its job. Runs as its owner with a pinned search_path and qualified names.
create function app.audit_row() returns trigger
language plpgsql
security definer
set search_path = pg_catalog
as $$
declare
  c_secrets constant text[] := array['password_hash', 'token_hash'];
  -- Maintained by app.stamp_row() on every update: noise in a diff.
  c_bookkeeping constant text[] := array['updated_at', 'updated_by', 'version'];
  c_request_roles constant text[] := array['fieldops_admin', 'fieldops_worker', 'fieldops_customer'];
  v_old jsonb;
  v_new jsonb;
  v_row jsonb;
  v_changes jsonb;
  v_db_role text;
  v_source text;
  v_role_setting text := pg_catalog.current_setting('app.role', true);
begin
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

  -- Inside a SECURITY DEFINER function current_user is the owner; the `role`
  -- setting still holds what the caller's SET ROLE chose ('none' if nothing).
  v_db_role := pg_catalog.current_setting('role');
  if v_db_role = 'none' then
    v_db_role := session_user;
  end if;
  v_source := case
    when session_user = 'fieldops_authenticator' and v_db_role = any (c_request_roles) then 'api'
    when session_user = 'fieldops_authenticator' and v_db_role = 'fieldops_authenticator' then 'auth'
    else 'direct'
  end;

  insert into app.audit_log (company_id, table_name, row_id, job_id, action, actor_id, actor_role,
                             db_role, db_user, source, changes)
  values (
    (v_row ->> tg_argv[0])::uuid,
    tg_table_name,
    (v_row ->> 'id')::uuid,
    case when tg_nargs > 1 then (v_row ->> tg_argv[1])::uuid end,
    tg_op,
    app.user_id(),
    -- A malformed app.role (psql) must not block the write it describes.
    (select r from pg_catalog.unnest(pg_catalog.enum_range(null::app.user_role)) r
      where r::text = v_role_setting),
    v_db_role,
    session_user,
    v_source,
    v_changes
  );
  return null;
end
$$;

create trigger companies_audit after insert or update or delete on app.companies
for each row execute function app.audit_row('id');
create trigger customers_audit after insert or update or delete on app.customers
for each row execute function app.audit_row('company_id');
create trigger users_audit after insert or update or delete on app.users
for each row execute function app.audit_row('company_id');
create trigger sessions_audit after insert or update or delete on app.sessions
for each row execute function app.audit_row('company_id');
create trigger job_statuses_audit after insert or update or delete on app.job_statuses
for each row execute function app.audit_row('company_id');
create trigger jobs_audit after insert or update or delete on app.jobs
for each row execute function app.audit_row('company_id', 'id');
create trigger job_tasks_audit after insert or update or delete on app.job_tasks
for each row execute function app.audit_row('company_id', 'job_id');
create trigger job_notes_audit after insert or update or delete on app.job_notes
for each row execute function app.audit_row('company_id', 'job_id');
create trigger share_links_audit after insert or update or delete on app.share_links
for each row execute function app.audit_row('company_id', 'job_id');
create trigger share_link_opens_audit after insert or update or delete on app.share_link_opens
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- The DBA's audit: `psql -c 'table app.policy_report'` and
-- `psql -c 'table app.grant_report'`. Plain catalog reads (security_invoker),
-- so they always show the rules as they are, after any policy re-apply.
-- ---------------------------------------------------------------------------

-- Per table of schema app: row-level security enabled and forced, whether the
-- change history covers it, and each policy with its roles, command, USING and
-- WITH CHECK. A table without policies still shows, with policy NULL: with RLS
-- forced, nobody (not even the owner) reads or writes its rows.
create view app.policy_report with (security_invoker = true) as
select
  c.relname::text as table_name,
  c.relrowsecurity as rls_enabled,
  c.relforcerowsecurity as rls_forced,
  exists (
    select 1 from pg_catalog.pg_trigger t
    where t.tgrelid = c.oid and t.tgfoid = 'app.audit_row()'::regprocedure and t.tgenabled <> 'D'
  ) as audited,
  p.policyname::text as policy,
  p.permissive,
  p.roles::text[] as roles,
  p.cmd as command,
  p.qual as using_expr,
  p.with_check as check_expr
from pg_catalog.pg_class c
left join pg_catalog.pg_policies p on p.schemaname = 'app' and p.tablename = c.relname
where c.relnamespace = 'app'::regnamespace
  and c.relkind in ('r', 'p')
order by 1, 5;

-- Every privilege granted on the tables, views and functions of schemas app and
-- auth, one row per (object, grantee, privilege); `columns` lists the columns of
-- a column-level grant and is NULL for the whole object. The owner's own
-- implicit privileges are left out. This is `\dp` and `\df+` as a table.
create view app.grant_report with (security_invoker = true) as
with relations as (
  select c.oid, c.relowner, n.nspname || '.' || c.relname as object,
         case c.relkind when 'v' then 'view' when 'm' then 'view' when 'S' then 'sequence' else 'table' end as object_type,
         c.relacl
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('app', 'auth') and c.relkind in ('r', 'p', 'v', 'm', 'S')
),
routines as materialized (
  select p.oid::regprocedure::text as object, p.proowner, p.proacl
  from pg_catalog.pg_proc p
  where p.pronamespace in ('app'::regnamespace, 'auth'::regnamespace)
),
grants as (
  select r.object_type, r.object, a.grantee, a.privilege_type, null::text[] as columns
  from relations r
  cross join lateral pg_catalog.aclexplode(r.relacl) a
  where a.grantee <> r.relowner
  union all
  select r.object_type, r.object, a.grantee, a.privilege_type,
         array_agg(att.attname::text order by att.attnum)
  from relations r
  join pg_catalog.pg_attribute att on att.attrelid = r.oid and att.attnum > 0 and not att.attisdropped
  cross join lateral pg_catalog.aclexplode(att.attacl) a
  where a.grantee <> r.relowner
  group by 1, 2, 3, 4
  union all
  select 'function', f.object, a.grantee, a.privilege_type, null::text[]
  from routines f
  -- A NULL proacl means the default: EXECUTE for PUBLIC.
  cross join lateral pg_catalog.aclexplode(coalesce(f.proacl, pg_catalog.acldefault('f', f.proowner))) a
  where a.grantee <> f.proowner
)
select
  object_type,
  object,
  case when g.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(g.grantee)::text end as grantee,
  g.privilege_type as privilege,
  g.columns
from grants g
order by 1, 2, 3, 4, 5 nulls first;
