-- Undoing an import (app.undo_import, migration 0046: a statement per kind of
-- change). One transaction writes as an import does, as admin A: updates a
-- customer twice, a location and a job, makes a customer with a contact, a
-- method and an external id, and a job. Another undoes it, as admin A. What
-- the import changed is back as it was (for a row updated twice, the values
-- before the first change), what it made is deleted, soft-deleted or
-- archived, and nothing else moved: not B, not a row the import did not touch.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(12);
\ir fixtures/tenants.sql

-- The fixture's ids and what the rows were before, as psql variables: on
-- Citus a statement reading distributed tables may not call pg_temp's
-- functions.
select pg_temp.id('A.cust1') as cust1, pg_temp.id('A.cust2') as cust2, pg_temp.id('A.cust1.loc1') as loc1,
       pg_temp.id('A.job2') as job2, pg_temp.id('A.admin') as admin, pg_temp.id('A.import') as import,
       pg_temp.id('B') as b, pg_temp.id('B.cust1') as b_cust1 \gset
select to_jsonb(c) as cust1_before, company_id as cust1_company from app.customers c where c.id = :'cust1' \gset
select to_jsonb(l) as loc1_before from app.service_locations l where l.id = :'loc1' \gset
select title as job2_title_before from app.jobs where id = :'job2' \gset
select to_jsonb(c) as b_cust1_before from app.customers c where c.id = :'b_cust1' \gset
select count(*) as b_history_before from app.audit_log where company_id = :'b' \gset

-- ---------------------------------------------------------------- the import
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
update app.customers set name = 'Renamed once' where id = :'cust1'::uuid;
update app.customers set name = 'Renamed twice', notes = 'changed' where id = :'cust1'::uuid;
update app.service_locations set line1 = '9 New Road', city = 'Elsewhere' where id = :'loc1'::uuid;
update app.jobs set title = 'Retitled' where id = :'job2'::uuid;
insert into app.customers (name) values ('Imported customer');
insert into app.contacts (customer_id, name, is_primary)
select id, 'Imported contact', true from app.customers where name = 'Imported customer';
insert into app.contact_methods (customer_id, contact_id, kind, value, is_primary)
select customer_id, id, 'office_phone', '+1 555 0199', true from app.contacts where name = 'Imported contact';
insert into app.external_refs (source, kind, external_id, record_id, import_id)
select 'spreadsheet', 'customer', 'X-99', id, :'import'::uuid from app.customers where name = 'Imported customer';
insert into app.jobs (customer_id, status_id, title)
select :'cust2'::uuid, s.id, 'Imported job' from app.job_statuses s where s.name = 'New';
reset role;
commit;

-- ---------------------------------------------------------------- the undo
-- The import's transaction as its history records it (on Citus the node's
-- that wrote it, as src/http/imports/run.rs reads it).
select xact_id as import_xact from app.audit_log
 where company_id = :'cust1_company'::uuid and table_name = 'customers' and action = 'INSERT'
   and changes ->> 'name' = 'Imported customer' \gset
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select is(app.undo_import(:import_xact), 8,
  'the undo reverts eight rows: three updated (one of them twice), three deleted, a customer and a job put away');
reset role;
commit;

-- Checked as the superuser running the tests (it sees every company): the
-- rows read into psql variables first (on Citus a statement that reads one
-- shard runs there whole, where pgTAP's functions are not).
select to_jsonb(c) - array['updated_at', 'updated_by', 'version'] as cust1_after
  from app.customers c where c.id = :'cust1' \gset
select to_jsonb(l) as loc1_after from app.service_locations l where l.id = :'loc1' \gset
select title as job2_title_after from app.jobs where id = :'job2' \gset
select deleted_at is not null as imported_deleted, deleted_by as imported_deleted_by
  from app.customers where company_id = :'cust1_company' and name = 'Imported customer' \gset
select count(*) as imported_contacts from app.contacts where company_id = :'cust1_company' and name = 'Imported contact' \gset
select count(*) as imported_phones from app.contact_methods where company_id = :'cust1_company' and value = '+1 555 0199' \gset
select count(*) as imported_refs from app.external_refs where company_id = :'cust1_company' and external_id = 'X-99' \gset
select is_archived and archived_by = :'admin' as imported_job_archived
  from app.jobs where company_id = :'cust1_company' and title = 'Imported job' \gset
select to_jsonb(c) as b_cust1_after from app.customers c where c.id = :'b_cust1' \gset
select count(*) as b_history_after from app.audit_log where company_id = :'b' \gset

select is(:'cust1_after'::jsonb, :'cust1_before'::jsonb - array['updated_at', 'updated_by', 'version'],
  'a customer updated twice has its values from before the first update back, and nothing else changed');
select is(array[:'loc1_after'::jsonb ->> 'line1', :'loc1_after'::jsonb ->> 'city'],
          array[:'loc1_before'::jsonb ->> 'line1', :'loc1_before'::jsonb ->> 'city'],
  'an updated location has its address back');
select is(:'job2_title_after'::text, :'job2_title_before'::text, 'an updated job has its title back');
select ok(:'imported_deleted'::boolean, 'a customer the import made is soft-deleted');
select is(:'imported_deleted_by'::uuid, :'admin'::uuid, '... by the admin who undid it');
select is(:'imported_contacts'::bigint, 0::bigint, 'its contact is deleted');
select is(:'imported_phones'::bigint, 0::bigint, 'its phone is deleted');
select is(:'imported_refs'::bigint, 0::bigint, 'its external id is deleted');
select ok(:'imported_job_archived'::boolean, 'a job the import made is archived, by the admin who undid it');
select is(:'b_cust1_after'::jsonb, :'b_cust1_before'::jsonb, 'B''s customer did not move');
select is(:'b_history_after'::bigint, :'b_history_before'::bigint,
  'B''s history did not move: nothing of B was written');

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
