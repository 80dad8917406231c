-- Attachments (migration 0028), proved in SQL: a file is exactly as visible
-- as its parent. Each company has an internal photo of job1 (the worker's),
-- a customer-visible one (the admin's), an internal one of job2 (worker2's
-- job) and the customer's drawing on its request.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin, fieldops_worker,
  fieldops_customer;
select plan(24);
\ir fixtures/tenants.sql

-- Every value in plpgsql variables: Citus sends an INSERT to its shard whole.
create function pg_temp.seed_attachments() returns void
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
      select * from (values ('job1.internal', 'job1', null, 'worker', 'internal', 1000),
                            ('job1.shared', 'job1', null, 'admin', 'customer', 2000),
                            ('job2.internal', 'job2', null, 'worker2', 'internal', 4000),
                            ('request', null, 'request', 'customer', 'customer', 8000)) v (f, job, req, who, vis, size)
    loop
      v_key := v_company::text || '/' || replace(gen_random_uuid()::text, '-', '');
      insert into app.attachments (id, company_id, job_id, job_request_id, storage_key, file_name, content_type,
                                   size_bytes, sha256, uploaded_by, visibility, state, stored_at)
      values (pg_temp.id(c || '.att.' || v_file.f), v_company,
              case when v_file.job is not null then pg_temp.id(c || '.' || v_file.job) end,
              case when v_file.req is not null then pg_temp.id(c || '.' || v_file.req) end,
              v_key, c || ' ' || v_file.f || '.pdf', 'application/pdf', v_file.size, sha256(convert_to(v_key, 'UTF8')),
              pg_temp.id(c || '.' || v_file.who), v_file.vis, 'stored', now());
    end loop;
  end loop;
end
$$;

begin;
set local role fieldops_owner;
select pg_temp.seed_attachments();
reset role;
commit;

select pg_temp.id('A') as company_a, pg_temp.id('B') as company_b, pg_temp.id('A.job1') as a_job1,
       pg_temp.id('A.job2') as a_job2, pg_temp.id('B.job1') as b_job1, pg_temp.id('A.request') as a_request,
       pg_temp.id('A.att.job1.internal') as a_internal, pg_temp.id('A.att.job1.shared') as a_shared,
       pg_temp.id('A.att.job2.internal') as a_job2_internal \gset

-- ---------------------------------------------------------------- admin A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select set_eq($$ select id from app.attachments $$,
  array[pg_temp.id('A.att.job1.internal'), pg_temp.id('A.att.job1.shared'), pg_temp.id('A.att.job2.internal'),
        pg_temp.id('A.att.request')],
  'admin A sees every file of its company, and none of B''s');
select is(pg_temp.affected(format($$ update app.attachments set caption = 'pwned' where company_id = %L $$, :'company_b')),
  0::bigint, 'admin A edits none of B''s files');
select is(pg_temp.affected(format($$ update app.attachments set deleted_at = now(), deleted_by = %L where company_id = %L $$,
    pg_temp.id('A.admin'), :'company_b')),
  0::bigint, 'admin A deletes none of B''s files');
select is(pg_temp.affected(format($$ delete from app.attachments where company_id = %L $$, :'company_a')),
  0::bigint, 'admin A removes no stored row: deleting is soft');
select throws_ok(format($$ insert into app.attachments (job_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'b_job1', :'company_a' || '/00000000000000000000000000000001'),
  '23503', null, 'a file of A cannot hang off B''s job (the composite key)');
select throws_ok(format($$ insert into app.attachments (job_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'a_job1', :'company_b' || '/00000000000000000000000000000001'),
  '23514', null, 'a row of A cannot name an object under B''s prefix');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- worker A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select throws_ok($$ select auth.attachment_bytes_used(pg_temp.id('A')) $$, '42501', null,
  'no request role reads a company''s usage (the server does, over the sign-in pool)');
select set_eq($$ select id from app.attachments $$,
  array[pg_temp.id('A.att.job1.internal'), pg_temp.id('A.att.job1.shared')],
  'worker A sees the files of its jobs only: not job2''s (worker2''s), not the request''s');
select lives_ok(format($$ insert into app.attachments (job_id, storage_key, file_name) values (%L, %L, 'before.jpg') $$,
    :'a_job1', :'company_a' || '/00000000000000000000000000000002'),
  'worker A uploads to its job, as itself');
select throws_ok(format($$ insert into app.attachments (job_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'a_job2', :'company_a' || '/00000000000000000000000000000003'),
  '42501', pg_temp.rls_refusal('attachments', 'A'), 'worker A cannot upload to a job it does not see');
select throws_ok(format($$ insert into app.attachments (job_request_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'a_request', :'company_a' || '/00000000000000000000000000000004'),
  '42501', pg_temp.rls_refusal('attachments', 'A'), 'worker A cannot attach to a request');
select is(pg_temp.affected(format($$ update app.attachments set caption = 'mine' where company_id = %L and id = %L $$,
    :'company_a', :'a_shared')),
  0::bigint, 'worker A edits no file it did not upload');
select is(pg_temp.affected(format($$ update app.attachments set caption = 'mine' where company_id = %L and id = %L $$,
    :'company_a', :'a_internal')),
  1::bigint, '... and edits its own');
select is(pg_temp.affected(format($$ delete from app.attachments where company_id = %L $$, :'company_a')),
  1::bigint, 'worker A removes only its own pending upload');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- customer A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('A.customer');
select set_eq($$ select id from app.attachments $$,
  array[pg_temp.id('A.att.job1.shared'), pg_temp.id('A.att.request')],
  'customer A sees the customer-visible files of its jobs and requests, never an internal one');
select throws_ok(format($$ insert into app.attachments (job_id, storage_key, file_name) values (%L, %L, 'x') $$,
    :'a_job1', :'company_a' || '/00000000000000000000000000000005'),
  '42501', 'permission denied for table attachments', 'customer A cannot attach to a job');
select throws_ok(format($$ insert into app.attachments (job_request_id, storage_key, file_name, visibility)
                           values (%L, %L, 'x', 'internal') $$,
    :'a_request', :'company_a' || '/00000000000000000000000000000006'),
  '42501', pg_temp.rls_refusal('attachments', 'A'), 'customer A cannot upload an internal file');
select lives_ok(format($$ insert into app.attachments (job_request_id, storage_key, file_name, visibility)
                          values (%L, %L, 'drawing.pdf', 'customer') $$,
    :'a_request', :'company_a' || '/00000000000000000000000000000007'),
  'customer A attaches a customer-visible file to its request');
select throws_ok(format($$ update app.attachments set visibility = 'internal' where company_id = %L $$, :'company_a'),
  '42501', 'permission denied for table attachments', 'customer A cannot change a file''s visibility');
select is(pg_temp.affected(format($$ update app.attachments set deleted_at = now(), deleted_by = %L
                                     where company_id = %L and id = %L $$,
    pg_temp.id('A.customer'), :'company_a', :'a_shared')),
  0::bigint, 'customer A deletes no file it did not upload');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- the sign-in pool
begin;
set local role fieldops_owner;
update app.attachments set deleted_at = now() - interval '2 days', deleted_by = pg_temp.id('A.admin')
 where company_id = pg_temp.id('A') and id = pg_temp.id('A.att.job2.internal');
reset role;
commit;

set role fieldops_login;
select is(auth.attachment_bytes_used(:'company_a'), 11000::bigint,
  'the quota counts every undeleted file of the company, whoever can see it');
select is((select array_agg(id) from auth.attachments_to_purge(interval '1 hour', interval '1 day', 10)),
  array[:'a_job2_internal'::uuid], 'the sweeper finds the file deleted past the retention period, and nothing else');
select ok(auth.attachment_purged(:'company_a', :'a_job2_internal', interval '1 hour', interval '1 day'),
  '... and removes its row once its objects are gone');
select ok(not auth.attachment_purged(:'company_a', :'a_shared', interval '1 hour', interval '1 day'),
  'a live file is never purged');
reset role;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select * from finish();
