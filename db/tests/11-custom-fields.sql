-- Custom fields (migration 0023): the database checks every value against the
-- company's definitions, whoever writes (here: direct SQL, as the admin and
-- as the owner), and decides who reads what (raw values for admins only,
-- projections for workers and customers). Old rows never break: required and
-- archived fields spare the rows that predate them. One transaction per
-- acting user (fixtures/tenants.sql says why); the writes are rolled back.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(37);
\ir fixtures/tenants.sql

-- ---------------------------------------------------------------- admin of A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.admin');

-- Invalid direct writes, each refused with FO422 and a message naming the field.
select throws_ok(format($$ update app.jobs set custom_fields = '{"nope": 1}' where id = %L $$, pg_temp.id('A.job2')),
  'FO422', 'custom field "nope": no such field', 'an unknown key is refused');
select throws_ok(format($$ update app.jobs set custom_fields = '{"crew_size": "three"}' where id = %L $$,
    pg_temp.id('A.job2')),
  'FO422', 'custom field "crew_size": must be a number', 'a number field refuses a string');
select throws_ok(format($$ update app.jobs set custom_fields = '{"portal_ref": "green"}' where id = %L $$,
    pg_temp.id('A.job2')),
  'FO422', 'custom field "portal_ref": must be one of the field''s options', 'a choice refuses a value not in its options');
select throws_ok(format($$ update app.jobs set custom_fields = '{"staff_code": 7}' where id = %L $$,
    pg_temp.id('A.job2')),
  'FO422', 'custom field "staff_code": must be a string', 'a text field refuses a number');
select throws_ok(format($$ update app.jobs set custom_fields = '{"staff_code": "   "}' where id = %L $$,
    pg_temp.id('A.job2')),
  'FO422', 'custom field "staff_code": must be 1 to 2000 characters', 'a text field refuses blank text');
select throws_ok(format($$ update app.jobs set custom_fields = '[1]' where id = %L $$, pg_temp.id('A.job2')),
  'FO422', 'custom field "custom_fields": must be a JSON object', 'the values must be an object');
-- B's keys are not A's: B defines the same keys, but only A's definitions count.
select throws_ok(format($$ update app.customers set custom_fields = '{"crew_size": 1}' where id = %L $$,
    pg_temp.id('A.cust2')),
  'FO422', 'custom field "crew_size": no such field', 'a job field is no customer field');

insert into app.custom_field_definitions (entity, key, label, field_type)
values ('job', 'visit_on', 'Visit on', 'date'), ('job', 'gated', 'Gated', 'boolean');
select throws_ok(format($$ update app.jobs set custom_fields = '{"visit_on": "2026-02-30"}' where id = %L $$,
    pg_temp.id('A.job2')),
  'FO422', 'custom field "visit_on": must be a date (YYYY-MM-DD)', 'a date field refuses a day that does not exist');
select throws_ok(format($$ update app.jobs set custom_fields = '{"gated": "yes"}' where id = %L $$,
    pg_temp.id('A.job2')),
  'FO422', 'custom field "gated": must be true or false', 'a boolean field refuses a string');
select lives_ok(format($$ update app.jobs set custom_fields = '{"visit_on": "2026-02-28", "gated": true, "crew_size": 2.5}'
    where id = %L $$, pg_temp.id('A.job2')), 'valid values of every type are stored');
select is((select worker_custom_fields from app.jobs where id = pg_temp.id('A.job2')), '{"crew_size": 2.5}'::jsonb,
  'the worker projection holds the worker-visible fields only');

-- Required: new rows need it, old rows keep working until their fields are edited.
update app.custom_field_definitions set is_required = true where key = 'staff_code' and entity = 'job';
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title) values (%L, %L, 'new') $$,
    pg_temp.id('A.cust2'), (select id from app.job_statuses where name = 'New')),
  'FO422', 'custom field "staff_code": is required', 'a new job without a required field is refused');
select lives_ok(format($$ insert into app.jobs (customer_id, status_id, title, custom_fields)
    values (%L, %L, 'new', '{"staff_code": "S1"}') $$, pg_temp.id('A.cust2'), (select id from app.job_statuses where name = 'New')),
  'a new job with the required field is stored');
select is(pg_temp.affected(format($$ update app.jobs set title = 'renamed' where id = %L $$, pg_temp.id('A.job2'))),
  1::bigint, 'an older job without the required field may still be edited otherwise');
select throws_ok(format($$ update app.jobs set custom_fields = custom_fields || '{"gated": false}' where id = %L $$,
    pg_temp.id('A.job2')),
  'FO422', 'custom field "staff_code": is required', 'editing its custom fields asks for the required one');
select throws_ok(format($$ update app.jobs set custom_fields = custom_fields - 'staff_code' where id = %L $$,
    pg_temp.id('A.job1')),
  'FO422', 'custom field "staff_code": is required', 'a required value cannot be removed');
-- Customers and locations: on one server a statement's new rows are checked
-- together, once (db/migrations/0045), with the same refusal.
insert into app.custom_field_definitions (entity, key, label, field_type, is_required)
values ('customer', 'tax_id', 'Tax id', 'text', true), ('location', 'door', 'Door', 'text', true);
select throws_ok($$ insert into app.customers (name, custom_fields) values ('Has it', '{"tax_id": "T1"}'), ('Lacks it', '{}') $$,
  'FO422', 'custom field "tax_id": is required', 'one new customer of several without a required field refuses the statement');
select lives_ok($$ insert into app.customers (name, custom_fields) values ('Has it', '{"tax_id": "T1"}'), ('Also', '{"tax_id": "T2"}') $$,
  'new customers that each have it are stored, and their first locations, made by the database, wait for their required fields');
select throws_ok(format($$ insert into app.service_locations (customer_id, name) values (%L, 'No door') $$, pg_temp.id('A.cust2')),
  'FO422', 'custom field "door": is required', 'a new location the admin writes without a required field is refused');
select lives_ok(format($$ insert into app.service_locations (customer_id, name, custom_fields) values (%L, 'Door', '{"door": "red"}') $$,
    pg_temp.id('A.cust2')),
  '... and stored with it');

-- Archived: no new values; the stored ones stay for admins, leave the projections.
update app.custom_field_definitions set is_archived = true where key = 'crew_size';
select is((select worker_custom_fields from app.jobs where id = pg_temp.id('A.job1')), '{"portal_ref": "blue"}'::jsonb,
  'archiving a field takes it out of the worker projection of every row at once');
select is((select custom_fields -> 'crew_size' from app.jobs where id = pg_temp.id('A.job1')), '3'::jsonb,
  'the admin still reads the archived value');
select is(pg_temp.affected(format($$ update app.jobs set custom_fields = custom_fields || '{"portal_ref": "red"}'
    where id = %L $$, pg_temp.id('A.job1'))), 1::bigint, 'a row keeps its archived value when other fields change');
select throws_ok(format($$ update app.jobs set custom_fields = custom_fields || '{"crew_size": 4}' where id = %L $$,
    pg_temp.id('A.job1')),
  'FO422', 'custom field "crew_size": the field is archived and takes no new values', 'an archived field takes no new value');

-- Visibility follows the definition.
update app.custom_field_definitions set visible_to_customers = true where key = 'staff_code';
select is((select customer_custom_fields ->> 'staff_code' from app.jobs where id = pg_temp.id('A.job1')), 'A staff secret',
  'making a field customer-visible puts it into the customer projection');
update app.custom_field_definitions set visible_to_customers = false where key = 'staff_code';
select is((select customer_custom_fields from app.jobs where id = pg_temp.id('A.job1')), '{"portal_ref": "red"}'::jsonb,
  'making it staff-only again takes it out');

-- A field with values cannot be deleted, nor its key or type changed.
select throws_ok(format($$ delete from app.custom_field_definitions where id = %L $$, pg_temp.id('A.cf.portal')),
  'FO409', 'the custom field "portal_ref" still has values: archive it instead', 'a field with values cannot be deleted');
select throws_ok(format($$ update app.custom_field_definitions set field_type = 'number' where id = %L $$,
    pg_temp.id('A.cf.portal')), '42501', 'permission denied for table custom_field_definitions',
  'a field''s type never changes');
select throws_ok($$ insert into app.custom_field_definitions (entity, key, label, field_type, options)
    values ('job', 'Bad Key', 'x', 'text', '{}') $$, '23514', null, 'a key must be slug-like');
select throws_ok($$ insert into app.custom_field_definitions (entity, key, label, field_type, options)
    values ('job', 'size', 'x', 'choice', '{S," M"}') $$, 'FO422', null, 'options are trimmed text');
select throws_ok($$ insert into app.custom_field_definitions (entity, key, label, field_type)
    values ('job', 'portal_ref', 'again', 'text') $$, '23505', null, 'a key is unique per company and entity');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- worker of A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select is((select worker_custom_fields from app.jobs where id = pg_temp.id('A.job1')),
  '{"crew_size": 3, "portal_ref": "blue"}'::jsonb, 'the assigned worker reads the worker-visible fields');
select is((select count(*) from app.jobs where worker_custom_fields ? 'staff_code'), 0::bigint,
  'no job the worker reads carries a staff-only field');
select is((select worker_custom_fields from app.customers where id = pg_temp.id('A.cust1')), '{}'::jsonb,
  'a staff-only customer field never reaches the worker');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- customer of A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('A.customer');
select is((select customer_custom_fields from app.jobs where id = pg_temp.id('A.job1')),
  '{"portal_ref": "blue"}'::jsonb, 'the customer reads the customer-visible fields only');
select throws_ok($$ select worker_custom_fields from app.customers $$, '42501', 'permission denied for table customers',
  'the customer cannot read the worker projection of its customer row');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- the owner (psql, the CLI)
begin;
set local role fieldops_owner;
-- (Literal ids: on Citus a query naming a pg_temp function cannot run on the
-- workers, and an INSERT … SELECT becomes a COPY, which RLS refuses.)
select pg_temp.id('A') as company_a \gset
select s.id as status_a from app.job_statuses s where s.company_id = :'company_a' and s.name = 'New' \gset
select throws_ok(format($$ insert into app.jobs (company_id, customer_id, status_id, title, custom_fields)
    values (%L, %L, %L, 'direct', '{"portal_ref": "purple"}') $$, :'company_a', pg_temp.id('A.cust2'), :'status_a'),
  'FO422', 'custom field "portal_ref": must be one of the field''s options',
  'a direct insert as the owner is checked all the same');
reset role;
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
