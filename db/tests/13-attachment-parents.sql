-- Files on notes and on customers (migration 0036), proved in SQL: a note's
-- file is as visible as the note, a customer's file as the customer. Each
-- company has a file on each of job1's notes (the internal one's wrongly
-- marked customer-visible: the note still keeps it from the customer) and on
-- job2's internal note, and an internal and a customer-visible file on cust1
-- and one on cust2.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin, fieldops_worker,
  fieldops_customer;
select plan(14);
\ir fixtures/tenants.sql

-- Every value in plpgsql variables: Citus sends an INSERT to its shard whole.
create function pg_temp.seed_parent_files() returns void
language plpgsql
as $$
declare
  c text;
  v_company uuid;
  v_file record;
  v_key text;
begin
  foreach c in array array['A', 'B'] loop
    v_company := pg_temp.id(c);
    for v_file in
      select * from (values ('note.internal', 'job1.internal', null, 'customer'),
                            ('note.shared', 'job1.shared', null, 'customer'),
                            ('note.job2', 'job2.internal', null, 'internal'),
                            ('cust1.internal', null, 'cust1', 'internal'),
                            ('cust1.shared', null, 'cust1', 'customer'),
                            ('cust2.shared', null, 'cust2', 'customer')) v (f, note, cust, vis)
    loop
      v_key := v_company::text || '/' || replace(gen_random_uuid()::text, '-', '');
      insert into app.attachments (id, company_id, note_id, customer_id, storage_key, file_name, content_type,
                                   size_bytes, sha256, uploaded_by, visibility, state, stored_at)
      values (pg_temp.id(c || '.att.' || v_file.f), v_company,
              case when v_file.note is not null then pg_temp.id(c || '.' || v_file.note) end,
              case when v_file.cust is not null then pg_temp.id(c || '.' || v_file.cust) end,
              v_key, c || ' ' || v_file.f || '.pdf', 'application/pdf', 100, sha256(convert_to(v_key, 'UTF8')),
              pg_temp.id(c || '.admin'), v_file.vis, 'stored', now());
    end loop;
  end loop;
end
$$;

begin;
set local role fieldops_owner;
select pg_temp.seed_parent_files();
reset role;
commit;

select pg_temp.id('A') as company_a, pg_temp.id('B') as company_b, pg_temp.id('A.job1.internal') as a_note1,
       pg_temp.id('A.job2.internal') as a_note2, pg_temp.id('B.job1.shared') as b_note, pg_temp.id('A.cust1') as a_cust1,
       pg_temp.id('B.cust1') as b_cust1 \gset

-- ---------------------------------------------------------------- admin A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select set_eq($$ select id from app.attachments where note_id is not null or customer_id is not null $$,
  array[pg_temp.id('A.att.note.internal'), pg_temp.id('A.att.note.shared'), pg_temp.id('A.att.note.job2'),
        pg_temp.id('A.att.cust1.internal'), pg_temp.id('A.att.cust1.shared'), pg_temp.id('A.att.cust2.shared')],
  'admin A sees every note''s and customer''s file of its company, and none of B''s');
select throws_ok(format($$ insert into app.attachments (note_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'b_note', :'company_a' || '/00000000000000000000000000000011'),
  '23503', null, 'a file of A cannot hang off B''s note (the composite key)');
select throws_ok(format($$ insert into app.attachments (customer_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'b_cust1', :'company_a' || '/00000000000000000000000000000012'),
  '23503', null, 'a file of A cannot hang off B''s customer (the composite key)');
select throws_ok(format($$ insert into app.attachments (note_id, customer_id, storage_key, file_name)
                           values (%L, %L, %L, 'x') $$,
    :'a_note1', :'a_cust1', :'company_a' || '/00000000000000000000000000000013'),
  '23514', null, 'a file has exactly one parent');
select lives_ok(format($$ insert into app.attachments (customer_id, storage_key, file_name) values (%L, %L, 'plan.pdf') $$,
    :'a_cust1', :'company_a' || '/00000000000000000000000000000014'),
  'admin A attaches a file to its customer');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- worker A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select set_eq($$ select id from app.attachments where note_id is not null or customer_id is not null $$,
  array[pg_temp.id('A.att.note.internal'), pg_temp.id('A.att.note.shared'), pg_temp.id('A.att.cust1.internal'),
        pg_temp.id('A.att.cust1.shared')],
  'worker A sees the files of its jobs'' notes and of its jobs'' customers: not job2''s note''s, not cust2''s');
select lives_ok(format($$ insert into app.attachments (note_id, storage_key, file_name) values (%L, %L, 'valve.jpg') $$,
    :'a_note1', :'company_a' || '/00000000000000000000000000000015'),
  'worker A attaches a photo to a note of its job, as itself');
select throws_ok(format($$ insert into app.attachments (note_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'a_note2', :'company_a' || '/00000000000000000000000000000016'),
  '42501', pg_temp.rls_refusal('attachments', 'A'), 'worker A cannot attach to a note of a job it does not see');
select throws_ok(format($$ insert into app.attachments (customer_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'a_cust1', :'company_a' || '/00000000000000000000000000000017'),
  '42501', pg_temp.rls_refusal('attachments', 'A'), 'worker A cannot attach to a customer (admins do)');
select is(pg_temp.affected(format($$ update app.attachments set caption = 'mine' where company_id = %L
                                     and (note_id is not null or customer_id is not null) $$, :'company_a')),
  1::bigint, 'worker A edits its own note photo and no note''s or customer''s file it did not upload');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- customer A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('A.customer');
select set_eq($$ select id from app.attachments where note_id is not null or customer_id is not null $$,
  array[pg_temp.id('A.att.note.shared'), pg_temp.id('A.att.cust1.shared')],
  'customer A sees the customer-visible files of its shared notes and of itself: never an internal note''s, '
  'even one marked customer-visible, never an internal file, never another customer''s');
select throws_ok(format($$ insert into app.attachments (note_id, storage_key, file_name, visibility)
                           values (%L, %L, 'x', 'customer') $$,
    pg_temp.id('A.job1.shared'), :'company_a' || '/00000000000000000000000000000018'),
  '42501', 'permission denied for table attachments', 'customer A cannot attach to a note');
select throws_ok(format($$ insert into app.attachments (customer_id, storage_key, file_name, visibility)
                           values (%L, %L, 'x', 'customer') $$,
    :'a_cust1', :'company_a' || '/00000000000000000000000000000019'),
  '42501', 'permission denied for table attachments', 'customer A cannot attach to its customer record');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- the sign-in pool
set role fieldops_login;
select is(auth.attachment_bytes_used(:'company_a'), 600::bigint,
  'the quota counts the files of notes and customers too');
reset role;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select * from finish();
