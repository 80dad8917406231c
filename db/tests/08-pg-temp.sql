-- The pg_temp shadowing attack, end to end. A session's temporary schema is
-- searched *first* for type names unless a function's search_path lists it
-- last, so a temporary domain named `jsonb`, whose CHECK calls a temporary
-- function, would run that function inside every SECURITY DEFINER function
-- that casts to jsonb (the audit trigger, on every audited write), as the
-- owner. No FieldOps role may create temporary objects (07-boundary.sql); this
-- file shows the second wall: even a session that can (here the superuser,
-- before anything else ran in the session, so no definer function has a plan
-- cached yet), definer functions never resolve its types. (On Citus the audit
-- trigger of a tenant table runs on a worker, where this session's temporary
-- schema does not exist; the coordinator runs app.companies' and the definer
-- functions.)
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(3);

create function pg_temp.trap(jsonb) returns boolean language plpgsql as $$
begin
  raise exception 'the trap ran as %', current_user;
end
$$;
create domain pg_temp.jsonb as pg_catalog.jsonb check (pg_temp.trap(value));

-- The fixture's inserts fire the audit trigger (SECURITY DEFINER) for the
-- first time in this session.
select lives_ok($$ select 1 $$, 'the trap is set');
\ir fixtures/tenants.sql

begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select lives_ok(format($$ update app.job_tasks set is_completed = not is_completed where job_id = %L $$, pg_temp.id('A.job1')),
  'a worker''s audited write never runs a temporary type''s code as the owner');
commit;
select is(pg_temp.count_of(format($$ select from app.audit_log where table_name = 'job_tasks' and actor_id = %L $$,
                                  pg_temp.id('A.worker'))),
  2::bigint, '... and is recorded');

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
