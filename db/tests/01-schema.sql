-- The structural checklist every table of schema app must pass. Tables are
-- enumerated from the catalog: a new table fails here until it is covered
-- (see "Adding a table" in docs/policies.md).
begin;
set local search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

-- The few justified exceptions to the rules below, each with its reason.
create temporary table checklist_exception (tbl name, rule text, reason text) on commit drop;
insert into checklist_exception values
  ('companies',      'company_id', 'the tenants themselves: their key is id'),
  ('login_failures', 'company_id', 'not tenant data: failed sign-ins, keyed by the account tried (which may not exist)'),
  ('audit_log',      'audited',    'the history itself'),
  ('refresh_tokens', 'audited',    'its only key is the token digest, a secret; its session is audited'),
  ('login_failures', 'audited',    'not tenant data; one row per failed sign-in, purged after a day'),
  ('idempotency_keys', 'audited',  'a cache of first answers to retried POSTs; the writes they made are audited'),
  ('mail_outbox',    'audited',    'its bodies hold links that sign people in (a reset); the changes that queue mail are audited'),
  ('password_reset_tokens', 'audited', 'its key is a token digest, a secret; the password change it makes is audited'),
  ('job_request_changes', 'audited', 'it is the requests'' history itself, written only by app.job_request_history()'),
  ('portal_verification_tokens', 'audited', 'its key is a token digest, a secret; the verification it makes is audited'),
  ('message_reads', 'audited', 'a read marker per user and conversation, moved on every read: no business data'),
  ('unsubscribe_tokens', 'audited', 'its key is a token digest, a secret; the preference it changes is audited'),
  ('email_changes', 'audited', 'its key is a token digest, a secret; the email change it makes is audited'),
  ('company_signups', 'audited', 'its key is a token digest, a secret, and until confirmed it holds a password hash; the company and membership it makes are audited'),
  ('companies',      'global key', 'a reference table on Citus: sign-in finds a company by slug'),
  ('login_failures', 'global key', 'not tenant data; stays on the coordinator on Citus'),
  ('identities',     'company_id', 'a person, not tenant data: one row per address across companies (0034)'),
  ('identities',     'audited',    'not tenant data, and it holds the password hash; the memberships that change with it are audited'),
  ('identities',     'global key', 'a reference table on Citus: a sign-in finds the person by address'),
  ('identities',     'global reference', 'a person: the memberships (app.users) of every company point at it'),
  ('permissions',    'company_id', 'the catalogue of permissions, defined in code: no tenant''s data (0039)'),
  ('permissions',    'audited',    'written by migrations only, which are themselves the record'),
  ('permissions',    'global key', 'a reference table on Citus: every company''s grants point at it'),
  ('permissions',    'global reference', 'the catalogue: every company''s role grants point at it');
grant select on checklist_exception to public;

select plan(45);

-- On Citus (issue #14) fieldops migrate writes the policies in the shape Citus
-- accepts (src/db/citus.rs, policy_sql); the checks of their shape follow it.
select exists (select 1 from pg_extension where extname = 'citus') as citus \gset

-- The tables. Adding one? List it here, then make every test below pass.
select tables_are('app', array[
  'attachments', 'audit_log', 'branches', 'communications', 'companies', 'company_signups', 'email_changes', 'contact_locations', 'contact_methods', 'contacts', 'custom_field_definitions', 'customers',
  'digest_recipients', 'digest_runs',
  'external_refs', 'identities', 'idempotency_keys', 'import_mappings', 'imports', 'invitations', 'job_notes', 'job_request_changes', 'job_requests', 'job_statuses', 'job_tasks', 'jobs', 'login_failures',
  'mail_outbox', 'message_reads', 'messages', 'notification_preferences', 'password_reset_tokens', 'portal_accounts', 'portal_invitations', 'portal_settings', 'portal_verification_tokens',
  'permissions', 'refresh_tokens', 'role_permissions', 'roles', 'service_location_access', 'service_locations', 'sessions', 'share_link_opens', 'share_links', 'unsubscribe_tokens', 'users'
], 'schema app holds exactly the tables the policy tests know');

select views_are('app', array['grant_report', 'job_summaries', 'policy_report'],
  'schema app holds exactly the known views');

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity
$$, 'row-level security is enabled on every table of schema app');

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p') and not c.relforcerowsecurity
$$, 'row-level security is forced on every table of schema app (the owner obeys it too)');

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S')
    and c.relowner <> 'fieldops_owner'::regrole
$$, 'fieldops_owner owns every table, view and sequence of schema app');

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
    and not exists (select 1 from pg_policies p
                    where p.schemaname = 'app' and p.tablename = c.relname
                      and p.policyname = c.relname || '_owner_all'
                      and p.roles = '{fieldops_owner}' and p.cmd = 'ALL'
                      and p.qual = 'true' and p.with_check = 'true')
$$, 'every table has its <table>_owner_all policy for fieldops_owner');

select is_empty($$
  select tablename, policyname from pg_policies
  where schemaname = 'app' and 'public' = any (roles)
$$, 'no policy applies to PUBLIC: each names its roles');

select is_empty($$
  select tablename, policyname from pg_policies
  where schemaname = 'app' and permissive <> 'PERMISSIVE'
$$, 'all policies are permissive (one per role and command, no hidden restrictive layer)');

select is_empty($$
  select table_name, policy from app.policy_report
  where policy is not null and policy not like '%\_owner\_all'
    -- The verified context's own lookup (migration 0016): the session row is
    -- pinned by the company and the 122-bit id the request holds.
    and policy <> 'sessions_select_own'
    -- The catalogue of permissions (0039): the same for every company.
    and policy <> 'permissions_select'
    and coalesce(using_expr, '') || coalesce(check_expr, '') not like '%app.company_id()%'
$$, 'every request-role policy pins rows to the context''s company');

-- One server: every call is wrapped, `(select app.f())`, an initplan evaluated
-- once per statement. Citus refuses subqueries in policies: there a policy
-- has none, calls the context functions directly (each comparison is an index
-- condition, evaluated once per scan), asks app.jobs only through the
-- app.*_visible functions, with the row's own company, and compares a
-- location with the context's list through app.in_location_scope (0025).
select is_empty(case when not :'citus' then $$
  select table_name, policy from app.policy_report p,
    lateral (values (p.using_expr), (p.check_expr)) e (expr)
  -- What remains after removing every wrapped call must call none (but the
  -- context's own lookup, whose calls are index conditions on its key).
  where p.policy <> 'sessions_select_own' and regexp_replace(e.expr, '\(\s*SELECT app\.\w+\((''[a-z_.]+''::text)?\) AS \w+\)', '', 'g') ~ 'app\.\w+\('
$$ else $$
  select table_name, policy from app.policy_report p,
    lateral (values (p.using_expr), (p.check_expr)) e (expr)
  where p.policy <> 'sessions_select_own'
    and (e.expr ~* '\mselect\M'
         or regexp_replace(regexp_replace(e.expr,
              'app\.(company_id|user_id|customer_id|session_id|role|branch_id|branch_unscoped)\(\)|app\.in_location_scope\(\w+\)|app\.has_permission\(''[a-z_.]+''::text\)', '', 'g'),
              'app\.(job_is_visible|customer_has_visible_job|worker_has_visible_job|location_has_visible_open_job|job_request_is_visible|job_note_is_visible|customer_is_visible|location_is_visible)\(company_id, \w+\)', '', 'g')
            ~ 'app\.\w+\(')
$$ end,
  case when not :'citus'
    then 'policies call context functions as (select app.f()), evaluated once per statement'
    else 'Citus: policies have no subquery, call context functions directly and probe jobs only through app.*_visible(company_id, …)'
  end);

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
    and c.relname not in (select tbl from checklist_exception where rule = 'company_id')
    and not exists (select 1 from pg_attribute a
                    where a.attrelid = c.oid and a.attname = 'company_id' and a.attnotnull)
$$, 'every tenant table carries a NOT NULL company_id');

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
    and c.relname not in (select tbl from checklist_exception where rule = 'company_id')
    and not exists (
      select 1 from pg_index i
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
      where i.indrelid = c.oid and a.attname = 'company_id' and i.indpred is null)
$$, 'company_id leads a (non-partial) index on every tenant table');

select is_empty($$
  select con.conrelid::regclass, con.conname from pg_constraint con
  where con.contype = 'f' and con.connamespace = 'app'::regnamespace
    -- (An exception's shards too: on Citus the coordinator holds a copy of
    -- every reference table, named with its shard id.)
    and not exists (select 1 from checklist_exception e
                    where e.rule = 'company_id' and con.conrelid::regclass::text ~ ('^app\.' || e.tbl || '(_[0-9]+)?$'))
    and con.confrelid::regclass::text not in (select 'app.' || tbl from checklist_exception where rule = 'global reference')
    and not exists (select 1 from pg_attribute a
                    where a.attrelid = con.conrelid and a.attnum = any (con.conkey) and a.attname = 'company_id')
$$, 'every foreign key includes company_id: no row can point at another company''s row');

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
    and c.relname not in (select tbl from checklist_exception where rule = 'audited')
    and not exists (
      select 1 from pg_trigger t
      where t.tgrelid = c.oid and t.tgfoid = 'app.audit_row()'::regprocedure and t.tgenabled = 'O'
        -- AFTER (bit 2 unset), ROW (bit 1), INSERT (4), DELETE (8), UPDATE (16)
        and t.tgtype & 2 = 0 and t.tgtype & (1 | 4 | 8 | 16) = (1 | 4 | 8 | 16))
    -- Or (db/migrations/0042) the row trigger for UPDATE/DELETE and the
    -- statement trigger, with its transition table, for INSERT.
    and not (
      exists (select 1 from pg_trigger t
              where t.tgrelid = c.oid and t.tgfoid = 'app.audit_row()'::regprocedure and t.tgenabled = 'O'
                and t.tgtype & 2 = 0 and t.tgtype & (1 | 8 | 16) = (1 | 8 | 16))
      and exists (select 1 from pg_trigger t
                  where t.tgrelid = c.oid and t.tgfoid = 'app.audit_inserted()'::regprocedure and t.tgenabled = 'O'
                    and t.tgtype & (1 | 2 | 4) = 4 and t.tgnewtable is not null))
$$, 'every table (but the listed exceptions) has the AFTER INSERT/UPDATE/DELETE audit trigger(s)');

select is(array(
  select t.tgrelid::regclass::text from pg_trigger t
  where t.tgfoid = 'app.audit_inserted()'::regprocedure and not t.tgisinternal
  order by 1),
  case when exists (select 1 from pg_extension where extname = 'citus') then '{}'::text[]
       else array['app.contact_methods', 'app.contacts', 'app.customers', 'app.external_refs', 'app.service_locations'] end,
  'the tables an import writes audit their inserts by statement on one server, by row on Citus (db/migrations/0042)');

select is(array(
  select table_name from app.policy_report where not audited group by 1 order by 1
), array(select tbl::text from checklist_exception where rule = 'audited' order by 1),
  'policy_report shows every table audited but the listed exceptions');

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'app'::regnamespace and c.relkind = 'v'
    and not coalesce(c.reloptions @> array['security_invoker=true'], false)
$$, 'every view of schema app is security_invoker (the caller''s policies apply underneath)');

select is_empty($$
  select p.oid::regprocedure from pg_proc p
  where p.pronamespace in ('app'::regnamespace, 'auth'::regnamespace) and p.prosecdef
    and not coalesce(p.proconfig @> array['search_path=pg_catalog, pg_temp'], false)
$$, 'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp (pg_temp last)');

select is_empty($$
  select p.oid::regprocedure from pg_proc p
  where p.pronamespace in ('app'::regnamespace, 'auth'::regnamespace)
    and p.proowner <> 'fieldops_owner'::regrole
$$, 'fieldops_owner owns every function of schemas app and auth');

select is_empty($$
  select object from app.grant_report where object_type = 'function' and grantee = 'public'
$$, 'PUBLIC may execute no function of schemas app and auth');

select is((select p.prosecdef from pg_proc p where p.oid = 'auth.request_context()'::regprocedure),
  not exists (select 1 from pg_extension where extname = 'citus'),
  'the verified context reads the session row as its owner on one server, with the caller''s rights on Citus (db/migrations/0018, db/citus.sql)');

-- A later `create or replace` of either function drops its settings: this
-- is what notices.
select is(
  (select pg_catalog.array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
     from pg_proc p
    where p.oid in ('auth.request_context()'::regprocedure, 'app.audit_row()'::regprocedure)
      and p.proconfig @> array['plan_cache_mode=auto']),
  case when exists (select 1 from pg_extension where extname = 'citus') then null
       else array['app.audit_row()', 'auth.request_context()'] end,
  'the context and the audit trigger keep one plan per connection on one server, and plan with their values on Citus (db/migrations/0019, db/citus.sql)');

-- An import keeps its plans (src/http/imports/run.rs): this lookup must
-- have no plan that reads every customer of the company (db/migrations/0042).
select ok(
  (select p.prosrc ~ 'order by c\.account_number desc\s+limit 1' and p.prosrc !~* 'max\('
     from pg_proc p where p.oid = 'app.assign_account_number()'::regprocedure),
  'the account-number lookup reads the last entry of the company''s numbers, not an aggregate whose plan grows with the company (db/migrations/0037, 0042)');

select is_definer('app', 'audit_row', '{}'::name[],
  'the audit trigger function is SECURITY DEFINER: request roles need no write on the log');

select is_definer('app', 'audit_inserted', '{}'::name[],
  'the statement-level audit trigger function is SECURITY DEFINER: request roles need no write on the log');

select function_owner_is('app', 'audit_row', '{}'::name[], 'fieldops_owner',
  'the audit trigger function runs as fieldops_owner');

select is_empty($$
  select object, grantee from app.grant_report
  where object in ('app.audit_row()', 'app.audit_inserted()', 'app.audit_origin(uuid)', 'app.refuse_audit_update()')
$$, 'nobody has EXECUTE on the audit trigger functions');

select is_definer('app', 'refresh_contact_sessions', '{}'::name[],
  'a contact''s changed locations reach its logins'' sessions as the owner: no request role writes sessions');

select is_empty($$
  select object, grantee from app.grant_report
  where object in ('app.refresh_contact_sessions()', 'app.contact_location_scope(uuid,uuid)')
$$, 'nobody has EXECUTE on the functions that compute a session''s locations (they take a company)');

select is_definer('app', 'revoke_sessions_on_password_change', '{}'::name[],
  'a new password revokes the other sessions as the owner: request roles may revoke only their own');

select is_empty($$
  select object, grantee from app.grant_report where object = 'app.revoke_sessions_on_password_change()'
$$, 'nobody has EXECUTE on the session-revoking trigger function');

-- The duplicate check's address key (db/migrations/0032) is an index
-- expression: immutable, or PostgreSQL would refuse the index, and folding
-- the abbreviations people type.
select is((select p.provolatile from pg_proc p where p.oid = 'app.address_key(text,text,text,text,text)'::regprocedure),
  'i'::"char", 'the address key is immutable (an index expression)');
select is(app.address_key('12 North Quay Street', 'Suite 4', 'Portsmouth', 'NH', '03801'),
  app.address_key('12 N. Quay St, Ste 4 Portsmouth nh 03801', null, null, null, null),
  'the address key folds case, punctuation and the common abbreviations');

-- Roles (db/roles.sql).
select is(array(
  select rolname::text from pg_roles where rolname like 'fieldops\_%' and rolcanlogin order by 1
), array['fieldops_authenticator', 'fieldops_login', 'fieldops_owner'],
  'only the owner, the authenticator and the login role can log in');

select is_empty($$
  select rolname from pg_roles where rolname like 'fieldops\_%' and (rolsuper or rolbypassrls or rolcreaterole)
$$, 'no FieldOps role is superuser, bypasses RLS or creates roles');

select is((select rolinherit from pg_roles where rolname = 'fieldops_authenticator'), false,
  'the authenticator is NOINHERIT: it has no rights until it switches role');

select is_empty($$
  select c.oid::regclass from pg_class c where c.relowner = 'fieldops_authenticator'::regrole
$$, 'the authenticator owns nothing');

select set_eq($$
  select r.rolname::text from pg_auth_members m
  join pg_roles r on r.oid = m.roleid
  where m.member = 'fieldops_authenticator'::regrole
$$, array['fieldops_admin', 'fieldops_worker', 'fieldops_customer']::text[],
  'the authenticator may switch into exactly the three request roles');

select is_empty($$
  select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.member
  where m.roleid in ('fieldops_owner'::regrole, 'pg_read_all_data'::regrole, 'pg_write_all_data'::regrole)
    and r.rolname like 'fieldops\_%'
$$, 'no FieldOps role is a member of the owner or of a read/write-everything role');

-- The reports themselves.
select columns_are('app', 'policy_report', array[
  'table_name', 'rls_enabled', 'rls_forced', 'audited', 'policy', 'permissive', 'roles',
  'command', 'using_expr', 'check_expr'
], 'app.policy_report lists RLS flags and each policy''s roles, command, USING and WITH CHECK');

select columns_are('app', 'grant_report', array['object_type', 'object', 'grantee', 'privilege', 'columns'],
  'app.grant_report lists every grant, column grants with their columns');

select set_eq($$ select distinct table_name from app.policy_report $$, $$
  select c.relname::text from pg_class c where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
$$, 'app.policy_report covers every table of schema app');

select is_empty($$ select 1 from app.policy_report where not rls_enabled or not rls_forced $$,
  'app.policy_report reads RLS enabled and forced everywhere');

-- Born distributable (docs/scaling.md, "Citus"): a table distributed by
-- company_id can enforce only keys that include it, and joins stay on one
-- shard only when every foreign key carries it.
select is_empty($$
  select c.conrelid::regclass::text || ' ' || c.conname from pg_constraint c
  join pg_class t on t.oid = c.conrelid
  where t.relnamespace = 'app'::regnamespace and c.contype in ('p', 'u', 'x')
    and not exists (select 1 from pg_attribute a
                    where a.attrelid = c.conrelid and a.attnum = any (c.conkey) and a.attname = 'company_id')
    and t.relname not in (select tbl from checklist_exception where rule = 'global key')
  union all
  select i.indexrelid::regclass::text from pg_index i
  join pg_class t on t.oid = i.indrelid
  where t.relnamespace = 'app'::regnamespace and i.indisunique
    and not exists (select 1 from pg_attribute a
                    where a.attrelid = i.indrelid and a.attnum = any (i.indkey) and a.attname = 'company_id')
    and t.relname not in (select tbl from checklist_exception where rule = 'global key')
$$, 'every primary key, unique constraint and unique index of a tenant table includes company_id');

select is_empty($$
  select c.conrelid::regclass::text || ' ' || c.conname from pg_constraint c
  join pg_class t on t.oid = c.conrelid
  join pg_class r on r.oid = c.confrelid
  where t.relnamespace = 'app'::regnamespace and c.contype = 'f'
    and r.relname not in (select tbl from checklist_exception where rule = 'global key')
    and not exists (select 1 from pg_attribute a
                    where a.attrelid = c.conrelid and a.attnum = c.conkey[1] and a.attname = 'company_id')
$$, 'every foreign key between tenant tables leads with company_id');

select * from finish();
rollback;
