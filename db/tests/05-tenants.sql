-- Per role and tenant: the rows each role sees and the writes it is refused.
-- Two companies, A and B (fixtures/tenants.sql); each block acts as one user
-- exactly as the API does: `set local role fieldops_<role>` plus the app.*
-- settings of that user, one transaction per user (fixtures/tenants.sql says
-- why), each committed so that the last one can check what B kept.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(159);
\ir fixtures/tenants.sql

-- The person of A's pending registration, found or made before the approval
-- below, over the sign-in pool as the app does (db/migrations/0034).
set role fieldops_login;
select auth.link_portal_account(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'), pg_temp.id('A'),
                                pg_temp.id('A.portal.pending')) as registrant_person \gset
reset role;

-- ---------------------------------------------------------------- admin of A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.admin');

select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint,
  'admin A: no row of another company in any table it can read');
select set_eq($$ select title from app.jobs $$, array['A job1', 'A job2', 'A job3'],
  'admin A sees every job of A, archived included');
select set_eq($$ select name from app.customers $$, array['Customer cust1 of A', 'Customer cust2 of A'],
  'admin A sees A''s customers');
select is((select count(*) from app.users), 4::bigint, 'admin A sees A''s four users');
select is((select count(*) from app.job_notes), 3::bigint, 'admin A sees every note, internal ones included');
select set_eq($$ select id from app.companies $$, array[pg_temp.id('A')], 'admin A sees its own company only');
select set_eq($$ select id from app.sessions $$, array[pg_temp.id('A.admin.session')],
  'admin A sees its own session only');

select is(pg_temp.affected(format($$ update app.jobs set title = 'edited' where id = %L $$, pg_temp.id('A.job1'))),
  1::bigint, 'admin A edits A''s job');
-- Custom fields (migration 0023).
select is((select count(*) from app.custom_field_definitions), 4::bigint,
  'admin A sees all of A''s custom-field definitions, staff-only ones included');
select is((select custom_fields ->> 'staff_code' from app.jobs where id = pg_temp.id('A.job1')), 'A staff secret',
  'admin A reads a job''s staff-only custom field');
select is(pg_temp.affected(format($$ update app.custom_field_definitions set label = 'stolen' where id = %L $$,
    pg_temp.id('B.cf.staff'))), 0::bigint, 'admin A cannot edit B''s custom-field definition');
select is(pg_temp.affected(format($$ delete from app.custom_field_definitions where id = %L $$,
    pg_temp.id('B.cf.tier'))), 0::bigint, 'admin A cannot delete B''s custom-field definition');
select throws_ok(format($$ insert into app.custom_field_definitions (company_id, entity, key, label, field_type)
    values (%L, 'job', 'planted', 'Planted', 'text') $$, pg_temp.id('B')),
  '42501', null, 'admin A cannot define a custom field in company B');
select is(pg_temp.affected(format($$ update app.jobs set title = 'stolen' where id = %L $$, pg_temp.id('B.job1'))),
  0::bigint, 'admin A cannot edit B''s job (it does not exist for A)');
select is(pg_temp.affected(format($$ delete from app.job_notes where id = %L $$, pg_temp.id('B.job1.internal'))),
  0::bigint, 'admin A cannot delete B''s note');
select is(pg_temp.affected(format($$ update app.users set name = 'x' where id = %L $$, pg_temp.id('B.admin'))),
  0::bigint, 'admin A cannot edit B''s users');
select is(pg_temp.affected(format($$ update app.companies set name = 'x' where id = %L $$, pg_temp.id('B'))),
  0::bigint, 'admin A cannot rename company B');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title) values (%L, %L, 'x') $$,
    pg_temp.id('B.cust1'), (select id from app.job_statuses where name = 'New')),
  '23503', null, 'admin A cannot open a job for B''s customer (composite foreign key)');
select throws_ok(format($$ insert into app.job_notes (job_id, body) values (%L, 'x') $$, pg_temp.id('B.job1')),
  '23503', null, 'admin A cannot attach a note to B''s job');
-- On Citus a request role may name every defaulted column on insert
-- (db/citus.sql: Citus spells them out when it writes to the shard), so there
-- the policy's WITH CHECK is what refuses the row.
select throws_ok(format($$ insert into app.customers (company_id, name) values (%L, 'x') $$, pg_temp.id('B')),
  '42501', case when pg_temp.citus() then pg_temp.rls_refusal('customers', 'B') else 'permission denied for table customers' end,
  'admin A cannot create a customer in company B (one server: it cannot even name a company_id; Citus: the policy refuses it)');
select throws_ok(format($$ update app.jobs set company_id = %L $$, pg_temp.id('B')),
  case when pg_temp.citus() then '0A000' else '42501' end,
  case when pg_temp.citus() then 'modifying the partition value of rows is not allowed' else 'permission denied for table jobs' end,
  'admin A cannot move a job to another company');
select throws_ok($$ delete from app.jobs $$, '42501', 'permission denied for table jobs',
  'admin A cannot delete jobs (they are archived)');
select throws_ok($$ delete from app.users $$, '42501', 'permission denied for table users',
  'admin A cannot delete users (soft delete only)');
select throws_ok($$ select password_hash from app.users $$, '42501', 'permission denied for table users',
  'admin A cannot read password hashes');
select throws_ok($$ select token_hash from app.share_links $$, '42501', 'permission denied for table share_links',
  'admin A cannot read share-link digests');
select throws_ok($$ select * from app.refresh_tokens $$, '42501', 'permission denied for table refresh_tokens',
  'admin A cannot read refresh tokens');
select throws_ok(format($$ insert into app.job_notes (job_id, body, author_id) values (%L, 'x', %L) $$,
    pg_temp.id('A.job1'), pg_temp.id('A.worker')),
  '42501', case when pg_temp.citus() then pg_temp.rls_refusal('job_notes', 'A') else 'permission denied for table job_notes' end,
  'admin A cannot write a note in a worker''s name (Citus: the policy refuses it)');
-- Portal settings (migration 0022): one row per company, the admin's own only.
select set_eq($$ select registration_mode from app.portal_settings $$, array['open'],
  'admin A reads A''s portal settings only');
select is(pg_temp.affected(format($$ update app.portal_settings set registration_mode = 'open' where company_id = %L $$,
    pg_temp.id('B'))), 0::bigint, 'admin A cannot change B''s portal settings');
select throws_ok(format($$ insert into app.portal_settings (company_id, registration_mode) values (%L, 'open') $$,
    pg_temp.id('B')),
  '42501', case when pg_temp.citus() then pg_temp.rls_refusal('portal_settings', 'B') else 'permission denied for table portal_settings' end,
  'admin A cannot write portal settings for company B (one server: it cannot name a company_id; Citus: the policy refuses it)');
select throws_ok($$ insert into app.portal_settings (registration_mode) values ('approval') $$, '23505', null,
  'admin A has one portal settings row: a second is refused');
select throws_ok($$ delete from app.portal_settings $$, '42501', 'permission denied for table portal_settings',
  'admin A cannot delete portal settings');
-- Portal accounts and invitations (migration 0022).
select set_eq($$ select id from app.portal_accounts $$, array[pg_temp.id('A.portal.pending')],
  'admin A sees A''s portal registrations only');
select throws_ok($$ select password_hash from app.portal_accounts $$, '42501', 'permission denied for table portal_accounts',
  'admin A never reads a registration''s password hash');
select is(pg_temp.affected(format($$ update app.portal_accounts set state = 'rejected', rejected_reason = 'x' where id = %L $$,
    pg_temp.id('B.portal.pending'))), 0::bigint, 'admin A cannot decide B''s registration');
select throws_ok(format($$ update app.portal_accounts set state = 'unverified' where id = %L $$, pg_temp.id('A.portal.pending')),
  '42501', null, 'admin A moves a pending registration only into a decision');
select throws_ok(format($$ update app.portal_accounts set state = 'approved', customer_id = %L, identity_id = %L
                           where id = %L $$,
    pg_temp.id('B.cust1'), :'registrant_person', pg_temp.id('A.portal.pending')),
  '23503', null, 'admin A cannot approve a registration into B''s customer (composite foreign key)');
select throws_ok($$ select token_hash from app.portal_invitations $$, '42501', 'permission denied for table portal_invitations',
  'admin A cannot read invitation digests');
select set_eq($$ select id from app.portal_invitations $$, array[pg_temp.id('A.portal.invitation')],
  'admin A sees A''s invitations only');
select throws_ok(format($$ insert into app.portal_invitations (customer_id, email, token_hash, expires_at)
                           values (%L, 'x@x.test', sha256('x'), now() + interval '1 day') $$, pg_temp.id('B.cust1')),
  '23503', null, 'admin A cannot invite for B''s customer (composite foreign key)');
select throws_ok($$ select count(*) from app.portal_verification_tokens $$, '42501', null,
  'admin A cannot read verification tokens');
select throws_ok($$ select count(*) from app.company_signups $$, '42501', null,
  'admin A cannot read sign-ups, not even its own company''s');
-- The daily digest and invitations' revocation (migration 0038).
select set_eq($$ select user_id from app.digest_recipients $$, array[pg_temp.id('A.admin')],
  'admin A sees A''s digest recipients only');
select is(pg_temp.affected(format($$ delete from app.digest_recipients where id = %L $$, pg_temp.id('B.digest.recipient'))),
  0::bigint, 'admin A cannot remove B''s digest recipient');
select throws_ok(format($$ insert into app.digest_recipients (user_id) values (%L) $$, pg_temp.id('B.admin')),
  '23503', null, 'admin A cannot choose B''s admin (composite foreign key)');
select set_eq($$ select id from app.digest_runs $$, array[pg_temp.id('A.digest.run')],
  'admin A sees A''s digest runs only');
select throws_ok($$ insert into app.digest_runs (digest_date) values (current_date + 1) $$, '42501', null,
  'admin A cannot claim a digest day: only auth.digest_claim does');
select is(pg_temp.affected(format($$ delete from app.portal_invitations where id = %L $$, pg_temp.id('B.portal.invitation'))),
  0::bigint, 'admin A cannot revoke B''s invitation');
-- Approving makes the customer login, with the hash chosen at registration.
select is((select (r ->> 'state') || ' ' || (r ->> 'user_id' is not null) || ' ' || (r ->> 'customer_id' is not null)
           from pg_temp.inserted(format($$ update app.portal_accounts set state = 'approved', identity_id = %L
                                            returning state, user_id, customer_id $$, :'registrant_person')) r),
  'approved true true', 'admin A approves A''s pending registration: a new customer and its login');
-- Job requests (migration 0022).
select set_eq($$ select id from app.job_requests $$, array[pg_temp.id('A.request')],
  'admin A sees A''s job requests only');
select is(pg_temp.affected(format($$ update app.job_requests set title = 'pwned' where id = %L $$, pg_temp.id('B.request'))),
  0::bigint, 'admin A cannot edit B''s job request');
select throws_ok($$ insert into app.job_request_changes (request_id, customer_id, field) values (gen_random_uuid(), gen_random_uuid(), 'x') $$,
  '42501', null, 'admin A cannot write the request history');
select throws_ok($$ delete from app.job_requests $$, '42501', null, 'admin A cannot delete job requests');
select throws_ok(format($$ update app.job_requests set state = 'approved' where id = %L $$, pg_temp.id('A.request')),
  'FO422', null, 'admin A cannot approve a draft (the trigger''s moves)');
-- Conversations (migration 0030).
select set_eq($$ select id from app.messages $$,
  array[pg_temp.id('A.request.msg'), pg_temp.id('A.request.note'), pg_temp.id('A.job1.msg'), pg_temp.id('A.job1.note')],
  'admin A reads every message of A, internal notes included, and none of B');
select throws_ok(format($$ insert into app.messages (request_id, body) values (%L, 'x') $$, pg_temp.id('B.request')),
  '23503', null, 'admin A cannot write into B''s request thread (composite foreign key)');
select is((select author_role || ' ' || author_name
           from pg_temp.inserted(format($$ insert into app.messages (job_id, body, internal) values (%L, 'noted', true)
                                          returning author_role, author_name $$, pg_temp.id('A.job1'))) r,
                lateral (select r ->> 'author_role' as author_role, r ->> 'author_name' as author_name) x),
  'ADMIN A admin', 'admin A''s message is signed by the verified context');
select throws_ok($$ select count(*) from app.unsubscribe_tokens $$, '42501', null,
  'admin A cannot read unsubscribe digests');
-- The bookkeeping columns Citus lets it name on insert are overwritten by
-- app.stamp_row(), as db/citus.sql says.
select case when pg_temp.citus()
  then ok((select (r ->> 'created_at')::timestamptz > now() - interval '1 hour' and (r ->> 'version')::int = 1
            from pg_temp.inserted($$ insert into app.customers (name, created_at, version)
                                     values ('Backdated', '2000-01-01', 99) returning created_at, version $$) r),
          'admin A cannot backdate or version a new row (Citus: app.stamp_row() overwrites them)')
  else throws_ok($$ insert into app.customers (name, created_at, version) values ('Backdated', '2000-01-01', 99) $$,
                 '42501', 'permission denied for table customers',
                 'admin A cannot backdate or version a new row (it may not even name those columns)')
end;

-- The communication log (migration 0024): the company's, edited by its author.
select set_eq($$ select id from app.communications $$, array[pg_temp.id('A.cust1.call'), pg_temp.id('A.cust2.visit')],
  'admin A reads A''s communication log');
select is(pg_temp.affected(format($$ update app.communications set summary = 'edited' where id = %L $$,
    pg_temp.id('A.cust1.call'))), 1::bigint, 'admin A edits the log entry it wrote');
select is(pg_temp.affected(format($$ update app.communications set summary = 'edited' where id = %L $$,
    pg_temp.id('A.cust2.visit'))), 0::bigint, 'admin A cannot edit a log entry someone else wrote');
select is(pg_temp.affected(format($$ delete from app.communications where id = %L $$,
    pg_temp.id('A.cust2.visit'))), 0::bigint, 'admin A cannot delete a log entry someone else wrote');
select is(pg_temp.affected(format($$ delete from app.communications where id = %L $$,
    pg_temp.id('B.cust1.call'))), 0::bigint, 'admin A cannot delete B''s log entries');
select throws_ok(format($$ insert into app.communications (customer_id, channel, direction, summary)
                           values (%L, 'call', 'inbound', 'x') $$, pg_temp.id('B.cust1')),
  '23503', null, 'admin A cannot log against B''s customer (composite foreign key)');
select throws_ok(format($$ insert into app.communications (customer_id, job_id, channel, direction, summary)
                           values (%L, %L, 'call', 'inbound', 'x') $$, pg_temp.id('A.cust2'), pg_temp.id('A.job1')),
  'FO422', null, 'admin A cannot name another customer''s job in a log entry (app.check_communication_job)');

-- Imports (migration 0029): the company's own runs, links and mappings.
select set_eq($$ select id from app.imports $$, array[pg_temp.id('A.import')], 'admin A reads A''s imports only');
select set_eq($$ select id from app.external_refs $$, array[pg_temp.id('A.ref')], 'admin A reads A''s external ids only');
select set_eq($$ select id from app.import_mappings $$, array[pg_temp.id('A.mapping')], 'admin A reads A''s mappings only');
select is(pg_temp.affected(format($$ update app.imports set state = 'undone' where id = %L $$,
    pg_temp.id('B.import'))), 0::bigint, 'admin A cannot touch B''s imports');
select is(pg_temp.affected(format($$ delete from app.external_refs where id = %L $$,
    pg_temp.id('B.ref'))), 0::bigint, 'admin A cannot delete B''s external ids');
select is(pg_temp.affected(format($$ update app.import_mappings set mapping = '{}' where id = %L $$,
    pg_temp.id('B.mapping'))), 0::bigint, 'admin A cannot edit B''s mappings');
select throws_ok(format($$ insert into app.external_refs (source, kind, external_id, record_id, import_id)
                           values ('spreadsheet', 'customer', 'X-2', %L, %L) $$, pg_temp.id('A.cust1'), pg_temp.id('B.import')),
  '23503', null, 'admin A cannot link to B''s import (composite foreign key)');
select throws_ok($$ update app.external_refs set record_id = record_id $$, '42501', null,
  'admin A cannot re-point an external id');
reset role;
select pg_temp.lend_temp(false);
commit;

-- In a transaction of its own, before any write: on Citus a definer's lookup
-- may not read placements the request has written as its own role.
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
-- Search and duplicates (migration 0024): definer functions, the company from the context only.
select set_eq($$ select customer_id from auth.search_customer_matches('customer', 100) $$,
  array[pg_temp.id('A.cust1'), pg_temp.id('A.cust2')],
  'admin A''s search finds A''s customers only, though B''s are named alike');
select set_eq($$ select customer_id from auth.find_customer_duplicates(array['1 (555) 01-00'], array['MANAGER@B.TEST'], null) $$,
  array[pg_temp.id('A.cust1')],
  'admin A''s duplicate check matches A''s phone (by digits), never B''s email');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- worker of A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('A.worker');

select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint,
  'worker A: no row of another company in any table it can read');
select set_eq($$ select id from app.jobs $$, array[pg_temp.id('A.job1'), pg_temp.id('A.job3')],
  'worker A sees only the jobs assigned to it');
select set_eq($$ select title from app.job_tasks $$, array['job1.task1', 'job1.task2'],
  'worker A sees only the tasks of its jobs');
select set_eq($$ select id from app.job_notes $$, array[pg_temp.id('A.job1.internal'), pg_temp.id('A.job1.shared')],
  'worker A sees the notes of its jobs, internal ones included');
select set_eq($$ select id from app.customers $$, array[pg_temp.id('A.cust1')],
  'worker A sees only the customers of its jobs');
select set_eq($$ select key from app.custom_field_definitions $$, array['crew_size', 'portal_ref'],
  'worker A sees only the custom-field definitions visible to workers');
select is((select worker_custom_fields from app.jobs where id = pg_temp.id('A.job1')),
  '{"crew_size": 3, "portal_ref": "blue"}'::jsonb, 'worker A reads the worker projection: no staff-only field');
select throws_ok($$ select custom_fields from app.jobs $$, '42501', 'permission denied for table jobs',
  'worker A cannot read a job''s raw custom fields');
select throws_ok($$ select custom_fields from app.customers $$, '42501', 'permission denied for table customers',
  'worker A cannot read a customer''s raw custom fields');
select throws_ok(format($$ update app.jobs set custom_fields = '{}' where id = %L $$, pg_temp.id('A.job1')),
  '42501', 'permission denied for table jobs', 'worker A cannot write custom fields');
select set_eq($$ select name from app.users $$, array['A admin', 'A worker', 'A worker2'],
  'worker A sees its company''s staff names, not customer logins');
select throws_ok($$ select registration_mode from app.portal_settings $$, '42501',
  'permission denied for table portal_settings', 'worker A cannot read the portal settings');
select throws_ok($$ select user_id from app.digest_recipients $$, '42501',
  'permission denied for table digest_recipients', 'worker A cannot read the digest recipients');
select throws_ok($$ select name from app.portal_accounts $$, '42501',
  'permission denied for table portal_accounts', 'worker A cannot read portal registrations');
select throws_ok($$ select title from app.job_requests $$, '42501',
  'permission denied for table job_requests', 'worker A cannot read job requests');
select set_eq($$ select id from app.messages where body <> 'noted' $$, array[pg_temp.id('A.job1.msg'), pg_temp.id('A.job1.note')],
  'worker A reads the conversation of its own job1 only, internal notes included, no request thread');
select throws_ok(format($$ insert into app.messages (request_id, body) values (%L, 'x') $$, pg_temp.id('A.request')),
  '42501', null, 'worker A cannot write into a request thread');
select throws_ok(format($$ insert into app.messages (job_id, body) values (%L, 'x') $$, pg_temp.id('A.job2')),
  '42501', null, 'worker A cannot write into the thread of a job not assigned to it');
select is((select count(*) from app.job_statuses), 4::bigint, 'worker A reads A''s statuses');

select is(pg_temp.affected(format($$ update app.jobs set status_id = %L where id = %L $$,
    (select id from app.job_statuses where name = 'In progress'), pg_temp.id('A.job1'))),
  1::bigint, 'worker A moves its job along');
select is(pg_temp.affected(format($$ update app.jobs set status_id = status_id where id = %L $$, pg_temp.id('A.job2'))),
  0::bigint, 'worker A cannot change the status of a job assigned to someone else');
select throws_ok(format($$ update app.jobs set title = 'x' where id = %L $$, pg_temp.id('A.job1')),
  '42501', 'permission denied for table jobs', 'worker A cannot edit a job''s title');
select throws_ok(format($$ update app.jobs set assigned_worker_id = %L where id = %L $$,
    pg_temp.id('A.worker2'), pg_temp.id('A.job1')),
  '42501', 'permission denied for table jobs', 'worker A cannot reassign a job');
select is(pg_temp.affected(format($$ update app.job_tasks set is_completed = true where id = %L $$,
    pg_temp.id('A.job1.task1'))), 1::bigint, 'worker A ticks off a task of its job');
select is(pg_temp.affected(format($$ update app.job_tasks set is_completed = true where id = %L $$,
    pg_temp.id('A.job2.task1'))), 0::bigint, 'worker A cannot tick off another worker''s task');
select throws_ok(format($$ update app.job_tasks set title = 'x' where id = %L $$, pg_temp.id('A.job1.task1')),
  '42501', 'permission denied for table job_tasks', 'worker A cannot rename a task');
select throws_ok($$ delete from app.job_tasks $$, '42501', 'permission denied for table job_tasks',
  'worker A cannot delete tasks');
select lives_ok(format($$ insert into app.job_notes (job_id, body) values (%L, 'on my way') $$, pg_temp.id('A.job1')),
  'worker A adds a note to its job');
select throws_ok(format($$ insert into app.job_notes (job_id, body) values (%L, 'x') $$, pg_temp.id('A.job2')),
  '42501', pg_temp.rls_refusal('job_notes', 'A'),
  'worker A cannot add a note to a job assigned to someone else');
select throws_ok($$ select count(*) from app.share_links $$, '42501', 'permission denied for table share_links',
  'worker A cannot read share links');
select throws_ok($$ select changes from app.audit_log $$, '42501', 'permission denied for table audit_log',
  'worker A cannot read the full history (changes)');
select set_eq($$ select distinct job_id from app.audit_log $$, array[pg_temp.id('A.job1'), pg_temp.id('A.job3')],
  'worker A reads the timeline of its own jobs only');
select throws_ok($$ insert into app.customers (name) values ('x') $$, '42501', 'permission denied for table customers',
  'worker A cannot create customers');
select throws_ok($$ select count(*) from app.communications $$, '42501', 'permission denied for table communications',
  'worker A cannot read the communication log (staff only)');
select throws_ok($$ select count(*) from app.imports $$, '42501', 'permission denied for table imports',
  'worker A cannot read imports');
select throws_ok($$ select app.undo_import(0) $$, '42501', null, 'worker A cannot undo an import');
select throws_ok($$ select * from auth.search_customer_matches('customer', 100) $$, '42501', null,
  'worker A may not call the admins'' customer search');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- customer of A (cust1)
begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('A.customer');

select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint,
  'customer A: no row of another company in any table it can read');
select set_eq($$ select id from app.jobs $$, array[pg_temp.id('A.job1')],
  'customer A sees its own unarchived job only: not another customer''s, not archived ones');
select set_eq($$ select body from app.job_notes $$, array['A job1.shared'],
  'customer A never sees internal notes');
select set_eq($$ select title from app.job_tasks $$, array['job1.task1', 'job1.task2'],
  'customer A sees the tasks of its job only');
select set_eq($$ select id from app.customers $$, array[pg_temp.id('A.cust1')], 'customer A sees its own customer row');
select set_eq($$ select key from app.custom_field_definitions $$, array['portal_ref'],
  'customer A sees only the custom-field definitions visible to customers');
select is((select customer_custom_fields from app.jobs where id = pg_temp.id('A.job1')),
  '{"portal_ref": "blue"}'::jsonb, 'customer A reads the customer projection only');
select throws_ok($$ select custom_fields from app.jobs $$, '42501', 'permission denied for table jobs',
  'customer A cannot read a job''s raw custom fields');
select throws_ok($$ select worker_custom_fields from app.jobs $$, '42501', 'permission denied for table jobs',
  'customer A cannot read the worker projection');
select set_eq($$ select name from app.users $$, array['A customer', 'A worker'],
  'customer A sees itself and the worker assigned to its job, nobody else');
select throws_ok($$ select email from app.users $$, '42501', 'permission denied for table users',
  'customer A cannot read users'' emails');
select throws_ok($$ select created_by from app.jobs $$, '42501', 'permission denied for table jobs',
  'customer A cannot read staff-only job columns');
select throws_ok(format($$ update app.jobs set status_id = status_id where id = %L $$, pg_temp.id('A.job1')),
  '42501', 'permission denied for table jobs', 'customer A cannot change its job');
select throws_ok(format($$ update app.job_tasks set is_completed = true where id = %L $$, pg_temp.id('A.job1.task1')),
  '42501', 'permission denied for table job_tasks', 'customer A cannot tick off tasks');
select throws_ok(format($$ insert into app.job_notes (job_id, body) values (%L, 'x') $$, pg_temp.id('A.job1')),
  '42501', 'permission denied for table job_notes', 'customer A cannot write notes');
select throws_ok($$ select changes from app.audit_log $$, '42501', 'permission denied for table audit_log',
  'customer A cannot read the full history (changes)');
select throws_ok($$ select registration_mode from app.portal_settings $$, '42501',
  'permission denied for table portal_settings', 'customer A cannot read the portal settings');
select throws_ok($$ select digest_date from app.digest_runs $$, '42501',
  'permission denied for table digest_runs', 'customer A cannot read the digest runs');
select throws_ok($$ select name from app.portal_accounts $$, '42501',
  'permission denied for table portal_accounts', 'customer A cannot read portal registrations');
select set_eq($$ select id from app.job_requests $$, array[pg_temp.id('A.request')],
  'customer A (cust1) sees its own customer''s request');
select is(pg_temp.affected(format($$ update app.job_requests set title = 'Edited by A' where id = %L $$, pg_temp.id('A.request'))),
  1::bigint, 'customer A edits its draft');
select is((select actor_role || ' ' || field || ' ' || new_value from app.job_request_changes where field = 'title'),
  'CUSTOMER title Edited by A', 'the edit is in the history, by the customer');
select throws_ok(format($$ update app.job_requests set state = 'approved' where id = %L $$, pg_temp.id('A.request')),
  'FO422', null, 'customer A cannot approve its own request');
select throws_ok(format($$ insert into app.job_requests (customer_id, title) values (%L, 'x') $$, pg_temp.id('A.cust2')),
  '42501', null, 'customer A cannot make a request for another customer');
select set_eq($$ select id from app.messages $$, array[pg_temp.id('A.request.msg'), pg_temp.id('A.job1.msg')],
  'customer A reads the messages of its request and job, never an internal note');
select throws_ok(format($$ insert into app.messages (job_id, body, internal) values (%L, 'x', true) $$, pg_temp.id('A.job1')),
  '42501', null, 'customer A cannot write an internal note');
select throws_ok(format($$ insert into app.messages (job_id, body) values (%L, 'x') $$, pg_temp.id('A.job2')),
  '42501', null, 'customer A cannot write into another customer''s job thread');
select throws_ok(format($$ insert into app.message_reads (user_id, job_id, last_read_at) values (%L, %L, now()) $$,
                        pg_temp.id('A.customer'), pg_temp.id('A.job2')),
  '42501', null, 'customer A cannot keep a read marker for a thread it does not see');
-- The profile (migration 0030): its own name only.
select is(pg_temp.affected(format($$ update app.users set name = 'A customer, renamed' where id = %L $$, pg_temp.id('A.customer'))),
  1::bigint, 'customer A renames itself');
select is(pg_temp.affected(format($$ update app.users set name = 'pwned' where id = %L $$, pg_temp.id('A.worker'))),
  0::bigint, 'customer A cannot rename anyone else');
select throws_ok(format($$ update app.users set email = 'x@evil.test' where id = %L $$, pg_temp.id('A.customer')),
  '42501', null, 'customer A cannot set its email without confirming it');
select throws_ok($$ select count(*) from app.email_changes $$, '42501', null, 'customer A cannot read email changes');
select set_eq($$ select distinct job_id from app.audit_log $$, array[pg_temp.id('A.job1')],
  'customer A reads the timeline of its own unarchived job only');
select throws_ok($$ select count(*) from app.communications $$, '42501', 'permission denied for table communications',
  'customer A cannot read the communication log, not even its own customer''s');
select throws_ok($$ select count(*) from app.external_refs $$, '42501', 'permission denied for table external_refs',
  'customer A cannot read external ids');
select throws_ok($$ select * from app.import_rows('customers', gen_random_uuid(), 'x', '[]') $$, '42501', null,
  'customer A cannot import');

-- Sessions: everyone may end its own session, nobody another's.
select is(pg_temp.affected(format($$ update app.sessions set revoked_at = now() where id = %L $$,
    pg_temp.id('A.admin.session'))), 0::bigint, 'customer A cannot revoke the admin''s session');
select is(pg_temp.affected($$ update app.sessions set revoked_at = now(), revoked_reason = 'logout' $$),
  1::bigint, 'customer A revokes its own session (logout), and only that one');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- company B
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('B.admin');
select is(pg_temp.rows_outside(pg_temp.id('B')), 0::bigint,
  'admin B: no row of company A in any table it can read');
select set_eq($$ select title from app.jobs $$, array['B job1', 'B job2', 'B job3'], 'admin B sees B''s jobs only');
select is((select title from app.jobs where id = pg_temp.id('A.job1')), null, 'admin B cannot find A''s job by id');
reset role;
select pg_temp.lend_temp(false);
commit;

begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('B.worker');
select set_eq($$ select id from app.jobs $$, array[pg_temp.id('B.job1'), pg_temp.id('B.job3')],
  'worker B sees B''s jobs assigned to it only');
reset role;
select pg_temp.lend_temp(false);
commit;

begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('B.customer');
select is(pg_temp.rows_outside(pg_temp.id('B')), 0::bigint,
  'customer B: no row of company A in any table it can read');
reset role;
select pg_temp.lend_temp(false);
commit;

-- B's data is unchanged by everything A tried (checked as the owner).
begin;
set local role fieldops_owner;
select is((select title from app.jobs where id = pg_temp.id('B.job1')), 'B job1',
  'B''s job kept its title through A''s attempts');
select is(pg_temp.count_of(format($$ select from app.job_notes where company_id = %L $$, pg_temp.id('B'))), 3::bigint,
  'B''s notes are all still there');
select is(pg_temp.count_of(format($$ select from app.portal_settings where company_id = %L and registration_mode = 'approval' $$,
    pg_temp.id('B'))), 1::bigint, 'B''s portal settings kept their mode through A''s attempts');
reset role;
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
