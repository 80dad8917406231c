-- Branches (migration 0040), proved in SQL. Company A gets North and South;
-- A.worker is scoped to North, A.worker2 to South, and a new admin, A.nadmin,
-- to North (a dispatcher of one office). job1 and job3 are North's, job2 and
-- cust2 South's, cust1 is shared. A's admin stays company-wide. A scoped
-- member reads and writes only its branch's jobs and what hangs off them,
-- shared and own customers, its branch's staff; it cannot widen its own
-- scope, nor name another branch, customer or worker.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(43);
\ir fixtures/tenants.sql

begin;
set local role fieldops_owner;
select pg_temp.id('A') as company_a, pg_temp.id('B') as company_b,
       pg_temp.id('A.north') as north, pg_temp.id('A.south') as south, pg_temp.id('B.north') as b_north,
       pg_temp.id('A.nadmin') as nadmin \gset
insert into app.branches (id, company_id, name, address, color)
values (:'north', :'company_a', 'North', '1 North Road', '#1d4ed8'),
       (:'south', :'company_a', 'South', '2 South Road', '#b91c1c'),
       (:'b_north', :'company_b', 'North', 'B road', '#15803d');
-- The sessions go and come back: a change of branch revokes them, and a new
-- one pins the branch.
delete from app.sessions where company_id = :'company_a'
   and user_id in (pg_temp.id('A.worker'), pg_temp.id('A.worker2'));
update app.users set branch_id = :'north' where company_id = :'company_a' and id = pg_temp.id('A.worker');
update app.users set branch_id = :'south' where company_id = :'company_a' and id = pg_temp.id('A.worker2');
update app.customers set branch_id = :'south' where company_id = :'company_a' and id = pg_temp.id('A.cust2');
update app.jobs set branch_id = :'north' where company_id = :'company_a' and id in (pg_temp.id('A.job1'), pg_temp.id('A.job3'));
update app.jobs set branch_id = :'south' where company_id = :'company_a' and id = pg_temp.id('A.job2');
select identity_id as nadmin_person
  from app.link_identity(:'company_a', null, 'nadmin@a.test', 'A north admin',
                         '$argon2id$v=19$m=19456,t=2,p=1$fixture$not-a-real-hash') \gset
insert into app.users (id, company_id, name, email, password_hash, role, branch_id, identity_id)
values (:'nadmin', :'company_a', 'A north admin', 'nadmin@a.test',
        '$argon2id$v=19$m=19456,t=2,p=1$fixture$not-a-real-hash', 'ADMIN', :'north', :'nadmin_person');
insert into app.sessions (id, company_id, user_id, expires_at)
values (pg_temp.id('A.nadmin.session'), :'company_a', :'nadmin', now() + interval '1 hour'),
       (pg_temp.id('A.worker.session'), :'company_a', pg_temp.id('A.worker'), now() + interval '1 hour'),
       (pg_temp.id('A.worker2.session'), :'company_a', pg_temp.id('A.worker2'), now() + interval '1 hour');
reset role;
commit;

-- ---------------------------------------------------------------- the session
begin;
set local role fieldops_owner;
select is((select branch_id from app.sessions where id = pg_temp.id('A.nadmin.session')), :'north'::uuid,
  'a new session pins the membership''s branch');
select is((select branch_id from app.sessions where id = pg_temp.id('A.admin.session')), null::uuid,
  'a company-wide membership''s session has no branch');
select throws_ok(format($$ update app.users set branch_id = %L where id = %L $$, :'north', pg_temp.id('A.customer')),
  '23514', null, 'a customer login cannot be scoped to a branch');
select throws_ok(format($$ update app.users set branch_id = %L where id = %L $$, :'b_north', pg_temp.id('A.worker')),
  '23503', null, 'a membership cannot be scoped to another company''s branch (composite key)');
select throws_ok(format($$ update app.customers set branch_id = %L where id = %L $$, :'b_north', pg_temp.id('A.cust1')),
  '23503', null, 'a customer cannot name another company''s branch');
select throws_ok(format($$ insert into app.branches (company_id, name) values (%L, 'north') $$, :'company_a'),
  '23505', null, 'branch names are unique per company, whatever their case');
reset role;
commit;

-- ---------------------------------------------------------------- North's admin
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.nadmin');
select is(app.branch_id(), pg_temp.id('A.north'), 'the verified context names the branch');
select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint, 'North''s admin: no row of another company');
select set_eq($$ select title from app.jobs $$, array['A job1', 'A job3'], 'North''s admin sees North''s jobs only');
select set_eq($$ select id from app.branches $$, array[pg_temp.id('A.north')], '... its own branch only');
select set_eq($$ select id from app.customers $$, array[pg_temp.id('A.cust1')],
  '... the shared customer, not South''s');
select is((select count(*) from app.service_locations where customer_id = pg_temp.id('A.cust1')), 2::bigint,
  '... the shared customer''s locations');
select is((select count(*) from app.service_locations where customer_id = pg_temp.id('A.cust2')), 0::bigint,
  '... none of South''s customer''s locations');
select is((select count(*) from app.service_location_access where location_id = pg_temp.id('A.cust2.loc1')), 0::bigint,
  '... nor their gate codes');
select is((select count(*) from app.contacts where customer_id = pg_temp.id('A.cust2'))
        + (select count(*) from app.contact_methods where customer_id = pg_temp.id('A.cust2')), 0::bigint,
  '... nor South''s customer''s contacts');
select set_eq($$ select id from app.users $$,
  array[pg_temp.id('A.admin'), pg_temp.id('A.worker'), pg_temp.id('A.nadmin'), pg_temp.id('A.customer')],
  '... North''s staff and the company-wide members, not South''s worker');
select set_eq($$ select title from app.job_tasks $$, array['job1.task1', 'job1.task2'], '... North''s jobs'' tasks only');
select is((select count(*) from app.job_notes where job_id = pg_temp.id('A.job2')), 0::bigint, '... no note of South''s job');
select is((select count(*) from app.share_links), 1::bigint, '... North''s share link');
select is((select count(*) from app.audit_log where job_id = pg_temp.id('A.job2')), 0::bigint,
  '... no history of South''s job');
select is(pg_temp.affected(format($$ update app.jobs set title = 'stolen' where id = %L $$, pg_temp.id('A.job2'))),
  0::bigint, 'North''s admin cannot edit South''s job');
select is(pg_temp.affected(format($$ update app.job_tasks set title = 'stolen' where job_id = %L $$, pg_temp.id('A.job2'))),
  0::bigint, '... nor its tasks');
select is(pg_temp.affected(format($$ update app.customers set name = 'stolen' where id = %L $$, pg_temp.id('A.cust2'))),
  0::bigint, '... nor South''s customer');
select is(pg_temp.affected(format($$ update app.branches set name = 'stolen' where id = %L $$, pg_temp.id('A.north'))),
  0::bigint, '... nor a branch, its own included (company-wide admins manage branches)');
select throws_ok(format($$ insert into app.branches (name) values ('East') $$), '42501', null,
  '... nor create one');
select is(pg_temp.inserted(format($$ insert into app.jobs (customer_id, status_id, title, service_location_id) values (%L, %L, 'new', %L) returning branch_id $$,
    pg_temp.id('A.cust1'), (select id from app.job_statuses where name = 'New'), pg_temp.id('A.cust1.loc1'))) ->> 'branch_id',
  pg_temp.id('A.north')::text, 'a new job of North''s admin is North''s by default');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title, branch_id, service_location_id) values (%L, %L, 'x', %L, %L) $$,
    pg_temp.id('A.cust1'), (select id from app.job_statuses where name = 'New'), pg_temp.id('A.south'), pg_temp.id('A.cust1.loc1')),
  '42501', null, 'North''s admin cannot create a job in South');
select throws_ok(format($$ update app.jobs set assigned_worker_id = null, branch_id = %L where id = %L $$,
    pg_temp.id('A.south'), pg_temp.id('A.job1')),
  '42501', null, '... nor move North''s job to South');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title) values (%L, %L, 'x') $$,
    pg_temp.id('A.cust2'), (select id from app.job_statuses where name = 'New')),
  'FO422', null, '... nor open a job for South''s customer');
select throws_ok(format($$ update app.jobs set assigned_worker_id = %L where id = %L $$, pg_temp.id('A.worker2'), pg_temp.id('A.job1')),
  'FO422', null, '... nor assign South''s worker');
select throws_ok(format($$ update app.users set branch_id = null where id = %L $$, pg_temp.id('A.nadmin')),
  '42501', null, '... nor make itself company-wide');
select throws_ok(format($$ update app.customers set branch_id = %L where id = %L $$, pg_temp.id('A.south'), pg_temp.id('A.cust1')),
  '42501', null, '... nor hand a shared customer to South');
-- South's customer holds the company's last number (2), which North's
-- admin cannot read: the number is the company's next all the same.
select is(pg_temp.inserted($$ insert into app.customers (name) values ('North''s new') returning account_number $$)
            ->> 'account_number', '3',
  'a new customer of North''s admin gets the company''s next account number, past South''s (db/migrations/0044)');
select is(pg_temp.affected(format($$ update app.users set name = 'x' where id = %L $$, pg_temp.id('A.admin'))),
  0::bigint, '... nor edit a company-wide member');
rollback;

-- ---------------------------------------------------------------- A's company-wide admin
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select set_eq($$ select title from app.jobs $$, array['A job1', 'A job2', 'A job3'], 'the company-wide admin sees every branch''s jobs');
select is((select count(*) from app.branches), 2::bigint, '... and every branch');
select throws_ok(format($$ update app.jobs set assigned_worker_id = %L where id = %L $$, pg_temp.id('A.worker'), pg_temp.id('A.job2')),
  'FO422', 'the worker is scoped to another branch', 'a job is not assigned to a worker of another branch');
select throws_ok(format($$ update app.jobs set branch_id = %L where id = %L $$, pg_temp.id('A.north'), pg_temp.id('A.job2')),
  'FO422', null, 'a job does not move to a branch its customer and worker are not in');
select is(pg_temp.inserted(format($$ insert into app.jobs (customer_id, status_id, title) values (%L, %L, 'new') returning branch_id $$,
    pg_temp.id('A.cust2'), (select id from app.job_statuses where name = 'New'))) ->> 'branch_id',
  pg_temp.id('A.south')::text, 'a new job without a branch takes its customer''s');
rollback;

-- ---------------------------------------------------------------- workers
begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('A.worker2');
select set_eq($$ select title from app.jobs $$, array['A job2'], 'South''s worker sees its South job');
select set_eq($$ select id from app.branches $$, array[pg_temp.id('A.south')], '... and its own branch only');
rollback;

-- ---------------------------------------------------------------- a change of branch
begin;
set local role fieldops_owner;
update app.users set branch_id = :'south' where company_id = :'company_a' and id = :'nadmin';
select isnt((select revoked_at from app.sessions where id = pg_temp.id('A.nadmin.session')), null,
  'a change of branch ends the membership''s sessions at once');
reset role;
commit;

begin;
set local role fieldops_admin;
select pg_temp.ctx('A.nadmin');
select is((select count(*) from app.jobs), 0::bigint, 'the revoked session sees nothing');
-- Committed (it only reads): pgTAP's count of tests run lives in a table, and
-- the count of a last test rolled back is lost to finish().
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
