-- A customer login limited to some of its customer's locations (migration
-- 0025), proved in SQL: A's site manager is a CUSTOMER login linked to
-- A.cust1.contact, which is limited to Building C (cust1.loc2). Its session
-- carries the list; the policies of jobs and service_locations compare with
-- it, and everything that hangs off a job (tasks, notes, timeline) follows.
-- Changing the list reaches the live session in the same transaction.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(27);
\ir fixtures/tenants.sql

-- The site manager, its limit and an open job in Building C, as the owner.
begin;
set local role fieldops_owner;
insert into app.contact_locations (company_id, customer_id, contact_id, service_location_id)
values (pg_temp.id('A'), pg_temp.id('A.cust1'), pg_temp.id('A.cust1.contact'), pg_temp.id('A.cust1.loc2'));
update app.contacts set restricted_to_locations = true
 where company_id = pg_temp.id('A') and id = pg_temp.id('A.cust1.contact');
-- The person first (db/migrations/0034): on Citus nothing on a shard makes one.
select identity_id as manager_person
  from app.link_identity(pg_temp.id('A'), null, 'site-manager@a.test', 'A site manager',
                         '$argon2id$v=19$m=19456,t=2,p=1$fixture$not-a-real-hash') \gset
insert into app.users (id, company_id, name, email, password_hash, role, customer_id, contact_id, identity_id)
values (pg_temp.id('A.manager'), pg_temp.id('A'), 'A site manager', 'site-manager@a.test',
        '$argon2id$v=19$m=19456,t=2,p=1$fixture$not-a-real-hash', 'CUSTOMER', pg_temp.id('A.cust1'),
        pg_temp.id('A.cust1.contact'), :'manager_person');
insert into app.sessions (id, company_id, user_id, expires_at)
values (pg_temp.id('A.manager.session'), pg_temp.id('A'), pg_temp.id('A.manager'), now() + interval '1 hour');
-- Every value looked up first: Citus refuses a subquery inside INSERT …
-- VALUES, and sends this one to the shard whole, where pg_temp does not exist.
select pg_temp.id('A.job4') as job4, pg_temp.id('A') as company_a, pg_temp.id('A.cust1') as cust1,
       pg_temp.id('A.worker') as worker, pg_temp.id('A.cust1.loc2') as loc2 \gset
select id as new_status from app.job_statuses where company_id = :'company_a' and name = 'New' \gset
insert into app.jobs (id, company_id, customer_id, status_id, assigned_worker_id, title, service_location_id)
values (:'job4', :'company_a', :'cust1', :'new_status', :'worker', 'A job4', :'loc2');
reset role;
commit;

-- ---------------------------------------------------------------- the session
begin;
set local role fieldops_owner;
select is((select contact_id from app.sessions where id = pg_temp.id('A.manager.session')),
  pg_temp.id('A.cust1.contact'), 'a new session pins the login''s contact');
select is((select location_scope from app.sessions where id = pg_temp.id('A.manager.session')),
  array[pg_temp.id('A.cust1.loc2')], '... and carries the locations the contact is limited to');
select is((select location_scope from app.sessions where id = pg_temp.id('A.customer.session')),
  null, 'a login with no contact is not limited');
reset role;
commit;

-- ---------------------------------------------------------------- the manager
begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('A.manager');
select is(app.location_scope(), array[pg_temp.id('A.cust1.loc2')], 'the verified context names the locations');
select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint,
  'the manager: no row of another company in any table it can read');
select set_eq($$ select id from app.jobs $$, array[pg_temp.id('A.job4')],
  'the manager sees the jobs of Building C only (not job1 in Building A)');
select set_eq($$ select id from app.service_locations $$, array[pg_temp.id('A.cust1.loc2')],
  'the manager sees Building C only of its customer''s locations');
select is((select count(*) from app.job_tasks where job_id = pg_temp.id('A.job1')), 0::bigint,
  'no task of a job elsewhere');
select is((select count(*) from app.job_notes where job_id = pg_temp.id('A.job1')), 0::bigint,
  'no customer note of a job elsewhere');
select is((select count(*) from app.audit_log where job_id = pg_temp.id('A.job1')), 0::bigint,
  'no timeline of a job elsewhere');
select throws_ok($$ select * from app.contact_locations $$, '42501',
  'permission denied for table contact_locations', 'the manager may not read who is limited to what');
select throws_ok(format($$ update app.sessions set location_scope = null where id = %L $$,
    pg_temp.id('A.manager.session')), '42501', 'permission denied for table sessions',
  'nor lift its own limit in its session');
reset role;
select pg_temp.lend_temp(false);
commit;

begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('A.customer');
select set_eq($$ select id from app.jobs $$, array[pg_temp.id('A.job1'), pg_temp.id('A.job4')],
  'the customer''s login without a contact sees every open job of the customer');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- changes reach the session
-- One role per transaction, committed (on Citus a transaction's worker
-- connections keep the role they were opened with); the last one restores
-- the fixture's limit.
create function pg_temp.manager_scope() returns uuid[] language sql as $$
  select location_scope from app.sessions where id = pg_temp.id('A.manager.session')
$$;

begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select is(pg_temp.affected(format($$ insert into app.contact_locations (customer_id, contact_id, service_location_id)
                                     values (%L, %L, %L) $$,
    pg_temp.id('A.cust1'), pg_temp.id('A.cust1.contact'), pg_temp.id('A.cust1.loc1'))), 1::bigint,
  'admin A adds Building A to the contact');
reset role;
commit;
select is(pg_temp.manager_scope(),
  (select array_agg(x order by x) from unnest(array[pg_temp.id('A.cust1.loc1'), pg_temp.id('A.cust1.loc2')]) x),
  '... and the manager''s live session carries it at once');

begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select is(pg_temp.affected(format($$ delete from app.contact_locations where contact_id = %L $$,
    pg_temp.id('A.cust1.contact'))), 2::bigint, 'admin A removes every location of the contact');
reset role;
commit;
select is(pg_temp.manager_scope(), '{}'::uuid[], '... and the session is limited to nothing, not freed');

begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select is(pg_temp.affected(format($$ update app.contacts set restricted_to_locations = false where id = %L $$,
    pg_temp.id('A.cust1.contact'))), 1::bigint, 'admin A lifts the limit');
reset role;
commit;
select is(pg_temp.manager_scope(), null, '... and the session is free at once');

-- The fixture's limit again: Building C only.
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select pg_temp.affected(format($$ insert into app.contact_locations (customer_id, contact_id, service_location_id)
                                  values (%L, %L, %L) $$,
  pg_temp.id('A.cust1'), pg_temp.id('A.cust1.contact'), pg_temp.id('A.cust1.loc2')));
select pg_temp.affected(format($$ update app.contacts set restricted_to_locations = true where id = %L $$,
  pg_temp.id('A.cust1.contact')));
reset role;
commit;

-- ---------------------------------------------------------------- the rules, whoever writes
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select throws_ok(format($$ insert into app.contact_locations (customer_id, contact_id, service_location_id) values (%L, %L, %L) $$,
    pg_temp.id('A.cust1'), pg_temp.id('A.cust1.contact'), pg_temp.id('A.cust2.loc1')),
  '23503', null, 'a contact is limited to its own customer''s locations only');
select throws_ok(format($$ insert into app.contact_locations (customer_id, contact_id, service_location_id) values (%L, %L, %L) $$,
    pg_temp.id('B.cust1'), pg_temp.id('B.cust1.contact'), pg_temp.id('B.cust1.loc1')),
  '23503', null, 'admin A cannot link B''s contact and location (composite keys)');
select throws_ok(format($$ update app.users set contact_id = %L where id = %L $$,
    pg_temp.id('A.cust2.contact'), pg_temp.id('A.manager')),
  '23503', null, 'a login is a contact of its own customer only');
select throws_ok(format($$ update app.users set contact_id = %L where id = %L $$,
    pg_temp.id('A.cust1.contact'), pg_temp.id('A.worker')),
  '23514', null, 'only CUSTOMER logins are contacts');
select is(pg_temp.affected(format($$ delete from app.contact_locations where company_id = %L $$, pg_temp.id('B'))),
  0::bigint, 'admin A removes none of B''s limits');
reset role;
rollback;

begin;
set local role fieldops_owner;
select throws_ok(format($$ delete from app.contacts where company_id = %L and id = %L $$,
    pg_temp.id('A'), pg_temp.id('A.cust1.contact')),
  '23503', null, 'the contact of a login cannot be deleted under it (it would free the login)');
update app.users set contact_id = null where company_id = pg_temp.id('A') and id = pg_temp.id('A.manager');
select isnt((select revoked_at from app.sessions where id = pg_temp.id('A.manager.session')),
  null, 'unlinking the login from its contact ends its sessions: another identity');
reset role;
rollback;

-- Committed, and last: pgTAP counts the tests of the last committed transaction.
begin;
set local role fieldops_owner;
select is((select location_scope from app.sessions where id = pg_temp.id('A.manager.session')),
  array[pg_temp.id('A.cust1.loc2')], 'what the tests above rolled back left the session as it was');
reset role;
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
