-- Missing context fails closed: a request role with no app.* settings, or with
-- the empty ones a pooled connection keeps after an earlier SET LOCAL, or with
-- a company that does not exist, sees no row of any table and cannot write.
-- One transaction per acting role (fixtures/tenants.sql says why).
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(24);
\ir fixtures/tenants.sql

select cmp_ok(pg_temp.rows_outside(null), '>', 0::bigint, 'the fixture rows exist (seen as the superuser)');

-- No settings at all, as after `set local role` alone.
begin;
set local role fieldops_admin;
select is(pg_temp.rows_outside(null), 0::bigint, 'admin, no context: every readable table is empty');
commit;
begin;
set local role fieldops_worker;
select is(pg_temp.rows_outside(null), 0::bigint, 'worker, no context: every readable table is empty');
commit;
begin;
set local role fieldops_customer;
select is(pg_temp.rows_outside(null), 0::bigint, 'customer, no context: every readable table is empty');
commit;

-- Empty settings: what a pooled connection reads after an earlier request.
begin;
select pg_temp.no_ctx();
set local role fieldops_admin;
select is(pg_temp.rows_outside(null), 0::bigint, 'admin, empty context: every readable table is empty');
commit;
begin;
select pg_temp.no_ctx();
set local role fieldops_worker;
select is(pg_temp.rows_outside(null), 0::bigint, 'worker, empty context: every readable table is empty');
commit;
begin;
select pg_temp.no_ctx();
set local role fieldops_customer;
select is(pg_temp.rows_outside(null), 0::bigint, 'customer, empty context: every readable table is empty');
commit;

-- Writes without context. Inserts take company_id from the company hint:
-- NULL. One server refuses the row by its policy; Citus cannot even route it
-- to a shard.
create function pg_temp.no_company_refusal(p_table text) returns text[] language sql stable
as $$
  select case when pg_temp.citus() then array['22004', 'cannot perform an INSERT with NULL in the partition column']
              else array['42501', format('new row violates row-level security policy for table "%s"', p_table)] end
$$;

begin;
select pg_temp.no_ctx();
set local role fieldops_admin;
select throws_ok($$ insert into app.customers (name) values ('Nobody''s customer') $$,
  (pg_temp.no_company_refusal('customers'))[1], (pg_temp.no_company_refusal('customers'))[2],
  'admin, empty context: cannot create a customer');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title) values (%L, %L, 'x') $$,
    pg_temp.id('A.cust1'), pg_temp.id('A.job1')),
  (pg_temp.no_company_refusal('jobs'))[1], (pg_temp.no_company_refusal('jobs'))[2],
  'admin, empty context: cannot create a job');
select is(pg_temp.affected(format($$ update app.jobs set title = 'taken' where id = %L $$, pg_temp.id('A.job1'))),
  0::bigint, 'admin, empty context: updates reach no job');
select is(pg_temp.affected($$ update app.users set name = 'taken' $$), 0::bigint,
  'admin, empty context: updates reach no user');
select is(pg_temp.affected($$ delete from app.job_notes $$), 0::bigint,
  'admin, empty context: deletes reach no note');
select is(pg_temp.affected($$ update app.companies set name = 'taken' $$), 0::bigint,
  'admin, empty context: cannot rename any company');
commit;

begin;
select pg_temp.no_ctx();
set local role fieldops_worker;
select is(pg_temp.affected($$ update app.jobs set status_id = status_id $$), 0::bigint,
  'worker, empty context: updates reach no job');
select is(pg_temp.affected($$ update app.job_tasks set is_completed = true $$), 0::bigint,
  'worker, empty context: updates reach no task');
select throws_ok(format($$ insert into app.job_notes (job_id, body) values (%L, 'x') $$, pg_temp.id('A.job1')),
  (pg_temp.no_company_refusal('job_notes'))[1], (pg_temp.no_company_refusal('job_notes'))[2],
  'worker, empty context: cannot add a note');
select is(pg_temp.affected($$ update app.sessions set revoked_at = now() $$), 0::bigint,
  'worker, empty context: cannot revoke any session');
commit;

-- A context naming a company that does not exist.
begin;
select pg_temp.set_local('app.company_id', gen_random_uuid()::text);
select pg_temp.set_local('app.user_id', pg_temp.id('A.admin')::text);
set local role fieldops_admin;
select is(pg_temp.rows_outside(null), 0::bigint, 'admin of an unknown company sees nothing');
select is(pg_temp.affected($$ update app.jobs set title = 'taken' $$), 0::bigint,
  'admin of an unknown company updates nothing');
commit;

-- A user id alone (no company) is not enough.
begin;
select pg_temp.set_local('app.company_id', '');
select pg_temp.set_local('app.user_id', pg_temp.id('A.worker')::text);
set local role fieldops_worker;
select is(pg_temp.rows_outside(null), 0::bigint, 'a worker id without a company sees nothing');
commit;

-- The authenticator, whatever the context, reaches no table.
begin;
select pg_temp.ctx('A.admin');
set local role fieldops_authenticator;
select throws_ok($$ select count(*) from app.jobs $$, '42501', 'permission denied for schema app',
  'the authenticator itself cannot read app.jobs, even with a context set');
select throws_ok($$ select count(*) from app.audit_log $$, '42501', 'permission denied for schema app',
  'the authenticator itself cannot read the history');
commit;

-- Sanity: the same role with a full context sees rows, so the zeros above
-- mean "no context", not "no data".
begin;
select pg_temp.ctx('A.admin');
set local role fieldops_admin;
select cmp_ok(pg_temp.rows_outside(null), '>', 0::bigint, 'admin with its context sees its company''s rows');
select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint, '... and only its company''s');
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
