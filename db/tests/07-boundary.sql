-- The database boundary against SQL running inside a request: the context is
-- derived from the live session row, not trusted from settings; no FieldOps
-- role creates temporary objects; definer functions search pg_temp last; new
-- functions start unexecutable; other backends' queries are not readable.
-- (The same attacks from inside real API requests: tests/api/injection.rs.)
-- One transaction per acting role (fixtures/tenants.sql says why).
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select plan(54);
\ir fixtures/tenants.sql

-- ------------------------------------------------------------ TEMP and PUBLIC
select is(has_database_privilege(r, current_database(), 'TEMP'), false,
          format('%s may not create temporary objects', r))
from unnest(array['fieldops_login', 'fieldops_authenticator', 'fieldops_admin', 'fieldops_worker',
                  'fieldops_customer']) r;

select is_empty($$
  select p.oid::regprocedure from pg_proc p
  where p.pronamespace in ('app'::regnamespace, 'auth'::regnamespace)
    and has_function_privilege('public', p.oid, 'execute')
$$, 'no function of app or auth is executable by PUBLIC');

select ok(exists (
  select 1 from pg_default_acl d
  where d.defaclrole = 'fieldops_owner'::regrole and d.defaclnamespace = 0 and d.defaclobjtype = 'f'
    and not exists (select 1 from aclexplode(d.defaclacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE')
), 'the owner''s global default privileges give PUBLIC no EXECUTE on new functions');

-- A function a migration creates, before any policy file grants it (rolled back).
begin;
set local role fieldops_owner;
create function app.pgtap_new_function() returns integer language sql as 'select 1';
reset role;
select is(has_function_privilege(r, 'app.pgtap_new_function()', 'execute'), false,
          format('a new function is not executable by %s until a policy file grants it', r))
from unnest(array['fieldops_login', 'fieldops_authenticator', 'fieldops_admin', 'fieldops_worker',
                  'fieldops_customer']) r;
rollback;

-- --------------------------------------------------- the pg_temp shadowing attack
begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select throws_ok($$ create domain pg_temp.jsonb as pg_catalog.jsonb $$, '42501', null,
  'a worker cannot create a temporary type to shadow jsonb');
commit;
begin;
set local role fieldops_authenticator;
select throws_ok($$ create function pg_temp.steal() returns boolean language sql as 'select true' $$,
  '42501', null, 'the authenticator cannot create a temporary function');
commit;

-- ------------------------------------------------------- the verified context
begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select is(app.company_id(), pg_temp.id('A'), 'a live session names its company');
select is(app.role(), 'WORKER'::app.user_role, '... and its role');

set local app.company_id = 'cd7f5a75-2b24-4a4b-9c0c-2f66e0b1c0de';
set local app.user_id = 'cd7f5a75-2b24-4a4b-9c0c-2f66e0b1c0de';
set local app.role = 'ADMIN';
select is(app.company_id(), pg_temp.id('A'), 'setting app.company_id changes nothing');
select is(app.role(), 'WORKER'::app.user_role, 'setting app.role changes nothing');
select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint, 'forged settings see no row of B');
select set_config('app.company_id', pg_temp.id('B')::text, true);
select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint, 'set_config of app.company_id sees no row of B');
commit;

-- The worker's session under another request role: no context at all.
begin;
select pg_temp.ctx('A.worker');
set local role fieldops_admin;
select is(app.company_id(), null, 'a worker''s session under fieldops_admin is no context');
select is((select count(*) from app.jobs), 0::bigint, '... and sees no job');
select is((select count(*) from app.users), 0::bigint, '... and no user');
select throws_ok($$ insert into app.customers (name) values ('x') $$, '42501', null,
  '... and cannot write');
commit;
begin;
select pg_temp.ctx('A.worker');
set local role fieldops_customer;
select is(app.company_id(), null, 'a worker''s session under fieldops_customer is no context');
commit;

-- Another company's session needs its id: guessed, malformed or stale ids are nothing.
begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select pg_temp.set_local('app.session_id', gen_random_uuid()::text);
select is(app.company_id(), null, 'a guessed session id is no context');
select pg_temp.set_local('app.session_id', 'not-a-uuid');
select throws_ok($$ select app.company_id() $$, '22P02', null, 'a malformed session id fails closed, with an error');
select pg_temp.set_local('app.session_id', '');
select is(app.company_id(), null, 'an empty one (a pooled connection after an earlier SET LOCAL) is no context');
commit;

-- The session's company (app.session_company, migration 0016) routes the lookup
-- on Citus; it is no credential: the session must be of that company.
begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select pg_temp.set_local('app.session_company', pg_temp.id('A')::text);
select is(app.company_id(), pg_temp.id('A'), 'a session with its own company is the context');
select pg_temp.set_local('app.session_company', pg_temp.id('B')::text);
select is(app.company_id(), null, 'a session named with another company is no context');
select pg_temp.set_local('app.session_company', 'not-a-uuid');
select throws_ok($$ select app.company_id() $$, '22P02', null, 'a malformed company fails closed, with an error');
commit;

begin;
select pg_temp.affected(format($$ update app.sessions set revoked_at = now() where id = %L $$,
  pg_temp.id('A.worker2.session'))) \g /dev/null
select pg_temp.affected(format($$ update app.sessions set expires_at = now() - interval '1 second' where id = %L $$,
  pg_temp.id('B.worker.session'))) \g /dev/null
commit;
begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker2');
select is(app.company_id(), null, 'a revoked session is no context (logout ends it at the next statement)');
select pg_temp.ctx('B.worker');
select is(app.company_id(), null, 'an expired session is no context');
commit;

-- A request role cannot read other sessions to borrow one.
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select is(array(select id from app.sessions), array[pg_temp.id('A.admin.session')],
  'an admin reads its own session row only');
commit;

-- --------------------------------------------- identity changes end sessions
begin;
select pg_temp.affected(format($$ update app.users set customer_id = %L where id = %L $$, pg_temp.id('A.cust2'), pg_temp.id('A.customer'))) \g /dev/null
select isnt((select revoked_at from app.sessions where id = pg_temp.id('A.customer.session')), null,
  're-linking a customer login to another customer revokes its sessions');
select is((select customer_id from app.sessions where id = pg_temp.id('A.customer.session')), pg_temp.id('A.cust1'),
  '... and the session still names the customer it was issued for');

select pg_temp.affected(format($$ update app.customers set deleted_at = now() where id = %L $$, pg_temp.id('B.cust1'))) \g /dev/null
select isnt((select revoked_at from app.sessions where id = pg_temp.id('B.customer.session')), null,
  'deleting a customer revokes its logins'' sessions');

select pg_temp.affected(format($$ update app.users set role = 'ADMIN' where id = %L $$, pg_temp.id('B.worker2'))) \g /dev/null
select isnt((select revoked_at from app.sessions where id = pg_temp.id('B.worker2.session')), null,
  'changing a user''s role revokes its sessions');

insert into app.sessions (company_id, user_id, expires_at)
values (pg_temp.id('A'), pg_temp.id('A.worker'), now() + interval '1 hour');
select is((select role from app.sessions where user_id = pg_temp.id('A.worker') order by created_at desc, id limit 1),
  'WORKER'::app.user_role, 'a new session takes its role from the user row, whatever the inserter says');
commit;

-- As the server's authenticator asks it: logged in as it, so with a session-
-- level SET ROLE (on Citus a SET LOCAL ROLE would be forwarded to the
-- connections the definer function opens as the owner, which may not take it).
set role fieldops_authenticator;
select throws_ok(format($$ select auth.require_session(%L, %L, %L, 'CUSTOMER') $$,
                        pg_temp.id('B.customer.session'), pg_temp.id('B.customer'), pg_temp.id('B')),
  'FO401', 'session is not valid', 'the session check refuses a deleted customer''s login');
reset role;

-- GET /auth/me: the sign-in pool reads the profile of a live session that
-- matches the token's claims, and of nothing else. Logged in as the login
-- role, as above.
set role fieldops_login;
select is((select user_id from auth.session_profile(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'),
                                                    pg_temp.id('A'), 'ADMIN')),
  pg_temp.id('A.admin'), 'session_profile answers for a live session with its claims');
select is((select count(*) from auth.session_profile(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'),
                                                      pg_temp.id('B'), 'ADMIN')),
  0::bigint, 'session_profile answers nothing when the company claimed is another');
select is((select count(*) from auth.session_profile(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'),
                                                      pg_temp.id('A'), 'WORKER')),
  0::bigint, 'session_profile answers nothing when the role claimed is another');
select is((select count(*) from auth.session_profile(pg_temp.id('A.worker2.session'), pg_temp.id('A.worker2'),
                                                      pg_temp.id('A'), 'WORKER')),
  0::bigint, 'session_profile answers nothing for a revoked session');
reset role;

-- ------------------------------------------ share links end with what ends them
-- As the owner, whose rights auth.open_share_link runs with: on Citus one
-- role's connections carry the transaction.
begin;
set local role fieldops_owner;
select isnt(auth.open_share_link(null, sha256(convert_to('token of A', 'UTF8')), 'pgtap'), null,
  'a live share link opens');
select pg_temp.affected(format($$ update app.companies set is_active = false where id = %L $$, pg_temp.id('A'))) \g /dev/null
select is(auth.open_share_link(null, sha256(convert_to('token of A', 'UTF8')), 'pgtap'), null,
  'a deactivated company''s share link opens nothing');
select pg_temp.affected(format($$ update app.companies set is_active = true where id = %L $$, pg_temp.id('A'))) \g /dev/null
select pg_temp.affected(format($$ update app.jobs set is_archived = true where id = %L $$, pg_temp.id('A.job1'))) \g /dev/null
select is(auth.open_share_link(null, sha256(convert_to('token of A', 'UTF8')), 'pgtap'), null,
  'an archived job''s share link opens nothing');
select pg_temp.affected(format($$ update app.jobs set is_archived = false where id = %L $$, pg_temp.id('A.job1'))) \g /dev/null
select pg_temp.affected(format($$ update app.customers set deleted_at = now() where id = %L $$, pg_temp.id('A.cust1'))) \g /dev/null
select is(auth.open_share_link(null, sha256(convert_to('token of A', 'UTF8')), 'pgtap'), null,
  'a deleted customer''s share link opens nothing');
select pg_temp.affected(format($$ update app.customers set deleted_at = null where id = %L $$, pg_temp.id('A.cust1'))) \g /dev/null
select isnt(auth.open_share_link(null, sha256(convert_to('token of A', 'UTF8')), 'pgtap'), null,
  'restored, the link opens again');
select pg_temp.affected(format($$ update app.jobs set customer_id = %L where id = %L $$, pg_temp.id('A.cust2'), pg_temp.id('A.job1'))) \g /dev/null
select isnt((select revoked_at from app.share_links where id = pg_temp.id('A.job1.link')), null,
  'moving a job to another customer revokes its share links');
-- (cust1 has two locations: a job moved to it names one, migration 0020.)
select pg_temp.affected(format($$ update app.jobs set customer_id = %L, service_location_id = %L where id = %L $$,
  pg_temp.id('A.cust1'), pg_temp.id('A.cust1.loc1'), pg_temp.id('A.job1'))) \g /dev/null
select is(auth.open_share_link(null, sha256(convert_to('token of A', 'UTF8')), 'pgtap'), null,
  '... for good: moving it back does not revive them');
commit;

-- ------------------------------------------------ other backends' activity
begin;
set local role fieldops_authenticator;
select throws_ok($$ select query from pg_stat_activity $$, '42501', null,
  'the authenticator cannot read other requests'' queries (their session ids)');
select throws_ok($$ select pg_stat_get_backend_activity(1) $$, '42501', null,
  '... nor through the statistics functions');
select throws_ok($$ select pg_terminate_backend(pg_backend_pid()) $$, '42501', null,
  'the authenticator cannot terminate other requests');
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select * from finish();
