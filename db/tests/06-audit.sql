-- The change history: written by the database for every change, whoever makes
-- it; append-only for every role; each company reads its own only; no secrets.
-- One transaction per acting role (fixtures/tenants.sql says why); what a
-- role's writes recorded is read in the next one, as the superuser.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(54);
\ir fixtures/tenants.sql

-- Company A's history written from here on is what the tests below look at.
-- (On Citus a history row's id comes from the sequence of the node that
-- wrote it: ids grow per node, and all of a company's rows live on one.)
do $$
declare
  v_company uuid := pg_temp.id('A');
  v_mark bigint;
begin
  select coalesce(max(a.id), 0) into v_mark from app.audit_log a where a.company_id = v_company;
  perform set_config('pgtap.mark', v_mark::text, false);
end
$$;
create function pg_temp.since_mark() returns bigint language sql stable
as $$ select current_setting('pgtap.mark')::bigint $$;

-- Company A's history since the mark that matches a condition, newest first
-- (seen as the superuser). The company and the mark are bound as values:
-- Citus sends a query on one company to its shard as written.
create function pg_temp.history(p_where text) returns setof app.audit_log language plpgsql stable
as $$
begin
  return query execute format('select * from app.audit_log where company_id = $1 and id > $2 and (%s) order by id desc',
                              p_where)
    using pg_temp.id('A'), pg_temp.since_mark();
end
$$;

-- The newest history row of a table.
create function pg_temp.last(p_table text) returns app.audit_log language sql stable
as $$ select * from pg_temp.history(format('table_name = %L', p_table)) limit 1 $$;

-- A status of company A, by name.
create function pg_temp.status(p_name text) returns uuid language plpgsql stable
as $$
declare
  v_company uuid := pg_temp.id('A');
  v_id uuid;
begin
  select s.id into v_id from app.job_statuses s where s.company_id = v_company and s.name = p_name;
  return v_id;
end
$$;

-- ------------------------------------------------------------ append-only
select table_privs_are('app', 'audit_log', 'fieldops_admin', array['SELECT'], 'admins may only read the history');
select table_privs_are('app', 'audit_log', 'fieldops_worker', '{}', 'workers have no table-wide privilege on the history (a column grant gives them the timeline only)');
select table_privs_are('app', 'audit_log', 'fieldops_customer', '{}', 'customers have no table-wide privilege on the history (a column grant gives them the timeline only)');
select table_privs_are('app', 'audit_log', 'fieldops_authenticator', '{}', 'the authenticator has no privilege on the history');

begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select throws_ok(format($$ insert into app.audit_log (company_id, table_name, row_id, action, db_role, db_user, source, changes)
                           values (%L, 'jobs', %L, 'UPDATE', 'x', 'x', 'api', '{}') $$, pg_temp.id('A'), pg_temp.id('A.job1')),
  '42501', 'permission denied for table audit_log', 'admin A cannot forge a history row');
select throws_ok($$ update app.audit_log set actor_id = null $$, '42501', 'permission denied for table audit_log',
  'admin A cannot rewrite history');
select throws_ok($$ delete from app.audit_log $$, '42501', 'permission denied for table audit_log',
  'admin A cannot delete history');
select throws_ok($$ truncate app.audit_log $$, '42501', 'permission denied for table audit_log',
  'admin A cannot truncate history');
select ok(not has_function_privilege('fieldops_admin', 'app.audit_row()', 'execute'),
  'admin A cannot execute the audit trigger function');
commit;

begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select throws_ok(format($$ insert into app.audit_log (company_id, table_name, row_id, action, db_role, db_user, source, changes)
                           values (%L, 'jobs', %L, 'UPDATE', 'x', 'x', 'api', '{}') $$, pg_temp.id('A'), pg_temp.id('A.job1')),
  '42501', 'permission denied for table audit_log', 'worker A cannot forge a history row');
select throws_ok($$ update app.audit_log set actor_id = null $$, '42501', 'permission denied for table audit_log',
  'worker A cannot rewrite history');
select throws_ok($$ delete from app.audit_log $$, '42501', 'permission denied for table audit_log',
  'worker A cannot delete history');
commit;

begin;
set local role fieldops_customer;
select pg_temp.ctx('A.customer');
select throws_ok(format($$ insert into app.audit_log (company_id, table_name, row_id, action, db_role, db_user, source, changes)
                           values (%L, 'jobs', %L, 'UPDATE', 'x', 'x', 'api', '{}') $$, pg_temp.id('A'), pg_temp.id('A.job1')),
  '42501', 'permission denied for table audit_log', 'customer A cannot forge a history row');
select throws_ok($$ update app.audit_log set actor_id = null $$, '42501', 'permission denied for table audit_log',
  'customer A cannot rewrite history');
select throws_ok($$ delete from app.audit_log $$, '42501', 'permission denied for table audit_log',
  'customer A cannot delete history');
commit;

begin;
set local role fieldops_authenticator;
select throws_ok(format($$ insert into app.audit_log (company_id, table_name, row_id, action, db_role, db_user, source, changes)
                           values (%L, 'jobs', %L, 'UPDATE', 'x', 'x', 'api', '{}') $$, pg_temp.id('A'), pg_temp.id('A.job1')),
  '42501', 'permission denied for schema app', 'the authenticator cannot forge a history row');
select throws_ok($$ update app.audit_log set actor_id = null $$, '42501', 'permission denied for schema app',
  'the authenticator cannot rewrite history');
select throws_ok($$ delete from app.audit_log $$, '42501', 'permission denied for schema app',
  'the authenticator cannot delete history');
commit;

begin;
set local role fieldops_owner;
select throws_ok($$ update app.audit_log set actor_id = null $$, '42501', 'app.audit_log is append-only',
  'not even the owner can rewrite history');
commit;

-- ------------------------------------------------------------ what is recorded
-- As the API does it: logged in as the authenticator (a session-level SESSION
-- AUTHORIZATION, which Citus does not forward to the workers, where the
-- request role logs in itself), switched into a role.
set session authorization fieldops_authenticator;
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select pg_temp.affected(format($$ update app.jobs set title = 'Boiler service' where id = %L $$, pg_temp.id('A.job1')));
commit;
reset session authorization;

select is((pg_temp.last('jobs')).changes, '{"title": ["A job1", "Boiler service"]}'::jsonb,
  'an update records only the changed column as [old, new] (no updated_at, version, updated_by)');
select is((pg_temp.last('jobs')).action, 'UPDATE', '... as an UPDATE');
select is((pg_temp.last('jobs')).actor_id, pg_temp.id('A.admin'), '... by the acting user');
select is((pg_temp.last('jobs')).actor_role, 'ADMIN'::app.user_role, '... in its role');
select is((pg_temp.last('jobs')).source, 'api', '... through the API (authenticator, request role)');
select is((pg_temp.last('jobs')).db_role, 'fieldops_admin', '... as the database role fieldops_admin');
select is((pg_temp.last('jobs')).job_id, pg_temp.id('A.job1'), '... filed under its job');
select is((pg_temp.last('jobs')).company_id, pg_temp.id('A'), '... and its company');

begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select is(pg_temp.affected(format($$ update app.jobs set title = title where id = %L $$, pg_temp.id('A.job1'))),
  1::bigint, 'a no-op update runs');
commit;
select is((select count(*) from pg_temp.history($$ table_name = 'jobs' $$)), 1::bigint,
  '... and records nothing: only bookkeeping changed');

begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select pg_temp.affected(format($$ update app.jobs set status_id = %L where id = %L $$,
  (select id from app.job_statuses where name = 'In progress'), pg_temp.id('A.job1')));
select pg_temp.affected(format($$ update app.job_tasks set is_completed = true where id = %L $$, pg_temp.id('A.job1.task1')));
commit;
select is((pg_temp.last('jobs')).changes,
  jsonb_build_object('status_id', jsonb_build_array(pg_temp.status('New'), pg_temp.status('In progress'))),
  'a worker''s status change records the old and new status');
select is(((pg_temp.last('jobs')).actor_id, (pg_temp.last('jobs')).actor_role),
  (pg_temp.id('A.worker'), 'WORKER'::app.user_role), '... by the worker');
select set_eq($$ select jsonb_object_keys((pg_temp.last('job_tasks')).changes) $$,
  array['is_completed', 'completed_at', 'completed_by'],
  'a task completion records is_completed and who completed it when');
select is((pg_temp.last('job_tasks')).job_id, pg_temp.id('A.job1'), '... filed under the task''s job');

-- The new hire's person first, over the sign-in pool (db/migrations/0034).
set role fieldops_login;
select identity_id as new_hire from auth.link_membership(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'),
  pg_temp.id('A'), null, 'new@a.test', 'New hire', '$argon2id$v=19$m=19456,t=2,p=1$hire$fresh-secret') \gset
reset role;
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select pg_temp.affected(format($$ insert into app.job_tasks (job_id, title) values (%L, 'Bleed radiators') $$, pg_temp.id('A.job1')));
select pg_temp.affected(format($$ delete from app.job_notes where id = %L $$, pg_temp.id('A.job1.internal')));
select pg_temp.affected(format($$ update app.jobs set is_archived = true, archived_at = now() where id = %L $$, pg_temp.id('A.job2')));
select pg_temp.affected(format($$ update app.customers set deleted_at = now() where id = %L $$, pg_temp.id('A.cust2')));
select pg_temp.affected(format($$ update app.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$new$changed-secret' where id = %L $$, pg_temp.id('A.worker')));
select pg_temp.affected(format($$ insert into app.users (name, email, password_hash, role, identity_id)
                                  values ('New hire', 'new@a.test', '$argon2id$v=19$m=19456,t=2,p=1$hire$fresh-secret',
                                          'WORKER', %L) $$, :'new_hire'));
select pg_temp.affected(format($$ insert into app.share_links (job_id, token_hash, expires_at)
                                 values (%L, sha256('another token'), now() + interval '1 day') $$, pg_temp.id('A.job1')));
commit;

select is(((pg_temp.last('job_tasks')).action, (pg_temp.last('job_tasks')).changes ->> 'title'),
  ('INSERT'::text, 'Bleed radiators'::text), 'an insert records the new row');
select is(((pg_temp.last('job_notes')).action, (pg_temp.last('job_notes')).changes ->> 'body',
           (pg_temp.last('job_notes')).job_id),
  ('DELETE'::text, 'A job1.internal'::text, pg_temp.id('A.job1')), 'a delete records the old row, under its job');
select is((select changes -> 'is_archived' from pg_temp.history(format('table_name = %L and row_id = %L', 'jobs', pg_temp.id('A.job2')))),
  '[false, true]'::jsonb, 'archiving a job is recorded');
select ok((pg_temp.last('customers')).changes ? 'deleted_at', 'a soft delete is recorded');
-- The row records that its password changed and when (0034), never the hash.
select is((select array[changes -> 'password_hash', to_jsonb(changes ? 'password_changed_at')]
           from pg_temp.history($$ table_name = 'users' and action = 'UPDATE' $$)),
  array['["[redacted]", "[redacted]"]'::jsonb, 'true'::jsonb],
  'a password change is recorded as such, without either hash');
select ok(not ((pg_temp.last('users')).changes ? 'password_hash'), 'a new user''s row is recorded without its hash');
select ok(not ((pg_temp.last('share_links')).changes ? 'token_hash'), 'a new share link is recorded without its digest');
select is_empty($$ select id from app.audit_log where changes::text ~ '\$argon2' $$,
  'no history row holds a password hash');
-- (Every digest first, then every history row: on Citus, two distributed
-- tables join only on their company.)
select is_empty($$
  select a.id from app.audit_log a
  where a.changes::text like any (array(select '%' || encode(l.token_hash, 'hex') || '%' from app.share_links l))
$$, 'no history row holds a share-link digest');

-- The login flow (before anyone is signed in) is recorded as 'auth'; the
-- refresh token itself is not.
--
--
-- As the server signs in: logged in as the login role, in a transaction
-- marked as the sign-in flow's (src/http/shared/sign_in.rs). On Citus
-- auth.create_session writes to the worker over its owner's connection, so the
-- worker's trigger sees fieldops_owner; the mark, which Citus forwards, is what
-- says the login flow made it (db/migrations/0017).
set session authorization fieldops_login;
begin;
set local app.flow = 'sign-in';
select auth.create_session(pg_temp.id('A.worker'), pg_temp.id('A'), sha256('refresh'),
                           now() + interval '1 day', now() + interval '1 day', 'pgtap', '127.0.0.1') \g /dev/null
commit;
reset session authorization;
select is(((pg_temp.last('sessions')).action, (pg_temp.last('sessions')).source,
           (pg_temp.last('sessions')).db_role, (pg_temp.last('sessions')).changes ->> 'user_id'),
  ('INSERT'::text, 'auth'::text, case when pg_temp.citus() then 'fieldops_owner' else 'fieldops_login' end,
   pg_temp.id('A.worker')::text),
  'a sign-in is recorded as a new session, made by the login flow');
select is_empty($$ select id from app.audit_log where table_name = 'refresh_tokens' $$,
  'refresh tokens are not recorded (their key is a secret)');

-- Direct changes (psql, the CLI): recorded, marked direct, with the role.
begin;
set local role fieldops_owner;
select pg_temp.affected(format($$ update app.customers set phone = '+1 555 0199' where id = %L $$, pg_temp.id('A.cust1')));
commit;
-- The login is the history's session_user. On Citus the trigger runs on a
-- worker, whose connection from the coordinator logged in as the role in
-- force there: the role, not the coordinator's login.
select is(((pg_temp.last('customers')).source, (pg_temp.last('customers')).actor_id,
           (pg_temp.last('customers')).db_role, (pg_temp.last('customers')).db_user),
  ('direct'::text, null::uuid, 'fieldops_owner'::text, case when pg_temp.citus() then 'fieldops_owner' else 'postgres' end),
  'a change without context is recorded as direct, with the database role and login');

begin;
select pg_temp.set_local('app.user_id', pg_temp.id('A.admin')::text);
select pg_temp.set_local('app.role', 'not-a-role');
select pg_temp.affected(format($$ update app.customers set phone = '+1 555 0198' where id = %L $$, pg_temp.id('A.cust1')));
commit;
select is(((pg_temp.last('customers')).source, (pg_temp.last('customers')).actor_id,
           (pg_temp.last('customers')).actor_role, (pg_temp.last('customers')).db_role),
  ('direct'::text, null::uuid, null::app.user_role, 'postgres'::text),
  'a psql session that merely sets app.user_id and app.role is no actor: only a live session names one');

-- ------------------------------------------------------------ who reads it
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select cmp_ok((select count(*) from app.audit_log), '>', 0::bigint, 'admin A reads its company''s history');
select is_empty(format($$ select id from app.audit_log where company_id <> %L $$, pg_temp.id('A')),
  'admin A reads no other company''s history');
select results_eq(format($$ select table_name, action from app.audit_log
                            where job_id = %L and id > %s order by at desc, id desc $$,
                         pg_temp.id('A.job1'), pg_temp.since_mark()),
  $$ values ('share_links', 'INSERT'), ('job_notes', 'DELETE'), ('job_tasks', 'INSERT'),
            ('job_tasks', 'UPDATE'), ('jobs', 'UPDATE'), ('jobs', 'UPDATE') $$,
  'a job''s history (job, tasks, notes, links) is one query, newest first');

select pg_temp.ctx('B.admin');
select cmp_ok((select count(*) from app.audit_log), '>', 0::bigint, 'admin B reads its company''s history');
select is(pg_temp.count_of(format($$ select from app.audit_log where company_id = %L $$, pg_temp.id('A'))), 0::bigint,
  'admin B never sees company A''s history');
select is((select count(*) from app.audit_log where job_id = pg_temp.id('A.job1')), 0::bigint,
  'admin B finds nothing under A''s job');

select pg_temp.no_ctx();
select is((select count(*) from app.audit_log), 0::bigint, 'an admin without context reads no history');

-- The job history is an index range scan, as the admin runs it.
select pg_temp.ctx('A.admin');
set local enable_seqscan = off;
select matches(
  (select string_agg(line, E'\n') from pg_temp.explain(format(
     $$ select * from app.audit_log where job_id = %L order by at desc, id desc limit 50 $$, pg_temp.id('A.job1'))) line),
  'audit_log_company_job_idx', 'the job history query uses (company_id, job_id, at, id)');
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
