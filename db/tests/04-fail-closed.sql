-- Missing context fails closed: a request role with no app.* settings, or with
-- the empty ones a pooled connection keeps after an earlier SET LOCAL, or with
-- a company that does not exist, sees no row of any table and cannot write.
begin;
set local search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(24);
\ir fixtures/tenants.sql

select cmp_ok(pg_temp.rows_outside(null), '>', 0::bigint, 'the fixture rows exist (seen as the superuser)');

-- No settings at all, as after `set local role` alone.
set local role fieldops_admin;
select is(pg_temp.rows_outside(null), 0::bigint, 'admin, no context: every readable table is empty');
set local role fieldops_worker;
select is(pg_temp.rows_outside(null), 0::bigint, 'worker, no context: every readable table is empty');
set local role fieldops_customer;
select is(pg_temp.rows_outside(null), 0::bigint, 'customer, no context: every readable table is empty');

-- Empty settings: what a pooled connection reads after an earlier request.
select pg_temp.no_ctx();
set local role fieldops_admin;
select is(pg_temp.rows_outside(null), 0::bigint, 'admin, empty context: every readable table is empty');
set local role fieldops_worker;
select is(pg_temp.rows_outside(null), 0::bigint, 'worker, empty context: every readable table is empty');
set local role fieldops_customer;
select is(pg_temp.rows_outside(null), 0::bigint, 'customer, empty context: every readable table is empty');

-- Writes without context. Inserts take company_id from the context: NULL.
set local role fieldops_admin;
select throws_ok($$ insert into app.customers (name) values ('Nobody''s customer') $$,
  '42501', 'new row violates row-level security policy for table "customers"',
  'admin, empty context: cannot create a customer');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title) values (%L, %L, 'x') $$,
    pg_temp.id('A.cust1'), pg_temp.id('A.job1')),
  '42501', 'new row violates row-level security policy for table "jobs"',
  'admin, empty context: cannot create a job');
select is(pg_temp.affected(format($$ update app.jobs set title = 'taken' where id = %L $$, pg_temp.id('A.job1'))),
  0::bigint, 'admin, empty context: updates reach no job');
select is(pg_temp.affected($$ update app.users set name = 'taken' $$), 0::bigint,
  'admin, empty context: updates reach no user');
select is(pg_temp.affected($$ delete from app.job_notes $$), 0::bigint,
  'admin, empty context: deletes reach no note');
select is(pg_temp.affected($$ update app.companies set name = 'taken' $$), 0::bigint,
  'admin, empty context: cannot rename any company');

set local role fieldops_worker;
select is(pg_temp.affected($$ update app.jobs set status_id = status_id $$), 0::bigint,
  'worker, empty context: updates reach no job');
select is(pg_temp.affected($$ update app.job_tasks set is_completed = true $$), 0::bigint,
  'worker, empty context: updates reach no task');
select throws_ok(format($$ insert into app.job_notes (job_id, body) values (%L, 'x') $$, pg_temp.id('A.job1')),
  '42501', 'new row violates row-level security policy for table "job_notes"',
  'worker, empty context: cannot add a note');
select is(pg_temp.affected($$ update app.sessions set revoked_at = now() $$), 0::bigint,
  'worker, empty context: cannot revoke any session');

-- A context naming a company that does not exist.
select set_config('app.company_id', gen_random_uuid()::text, true);
select set_config('app.user_id', pg_temp.id('A.admin')::text, true);
set local role fieldops_admin;
select is(pg_temp.rows_outside(null), 0::bigint, 'admin of an unknown company sees nothing');
select is(pg_temp.affected($$ update app.jobs set title = 'taken' $$), 0::bigint,
  'admin of an unknown company updates nothing');

-- A user id alone (no company) is not enough.
select set_config('app.company_id', '', true);
select set_config('app.user_id', pg_temp.id('A.worker')::text, true);
set local role fieldops_worker;
select is(pg_temp.rows_outside(null), 0::bigint, 'a worker id without a company sees nothing');

-- The authenticator, whatever the context, reaches no table.
select pg_temp.ctx('A.admin');
set local role fieldops_authenticator;
select throws_ok($$ select count(*) from app.jobs $$, '42501', 'permission denied for schema app',
  'the authenticator itself cannot read app.jobs, even with a context set');
select throws_ok($$ select count(*) from app.audit_log $$, '42501', 'permission denied for schema app',
  'the authenticator itself cannot read the history');

-- Sanity: the same role with a full context sees rows, so the zeros above
-- mean "no context", not "no data".
set local role fieldops_admin;
select cmp_ok(pg_temp.rows_outside(null), '>', 0::bigint, 'admin with its context sees its company''s rows');
select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint, '... and only its company''s');

select * from finish();
rollback;
