-- Sign-in attempts are claimed before any password is checked, under one key
-- per account whatever its spelling; stored idempotency answers expire.
-- The login role acts as the server's login pool does, logged in as itself: a
-- session-level SET ROLE (on Citus a SET LOCAL ROLE would be forwarded to the
-- connections the definer functions open as the owner, which may not take it).
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(21);
\ir fixtures/tenants.sql

-- ------------------------------------------------------------ the definer functions
select is_definer('auth', 'login_attempt', array['text', 'text', 'text', 'integer', 'interval'],
  'login_attempt runs as the owner: the login role cannot touch app.login_failures');
select is_definer('auth', 'login_attempt_succeeded', array['bigint'], 'login_attempt_succeeded is SECURITY DEFINER');
select is_definer('auth', 'purge_idempotency_keys', '{}'::name[], 'purge_idempotency_keys is SECURITY DEFINER');
select is(
  (select proconfig from pg_proc where oid = 'auth.login_attempt(text,text,text,integer,interval)'::regprocedure),
  array['search_path=pg_catalog, pg_temp'], 'login_attempt pins search_path = pg_catalog, pg_temp');
select is_empty($$ select object, grantee from app.grant_report where object = 'auth.login_normal(text)' $$,
  'nobody but the definer functions calls auth.login_normal');

-- ------------------------------------------------------------ one bucket per account
set role fieldops_login;
begin;

select is((select count(*)::int from auth.login_attempt('pgtap-a', 'admin@a.test', '10.1.0.1', 3, interval '1 minute')
           where retry_after = 0 and attempt_id is not null and user_id = pg_temp.id('A.admin')),
  1, 'a first attempt is claimed and finds its user');
select is((select count(*)::int from auth.login_attempt('PGTAP-A', 'ADMİN@A.TEST', '10.1.0.2', 3, interval '1 minute')
           where retry_after = 0 and user_id = pg_temp.id('A.admin')),
  1, 'the dotted capital I and upper case reach the same account');
select is((select count(*)::int from auth.login_attempt(' ｐｇｔａｐ-a ', e'admin@a.test\t', '10.1.0.3', 3, interval '1 minute')
           where retry_after = 0 and user_id = pg_temp.id('A.admin')),
  1, 'full-width letters and surrounding whitespace reach the same account');
select cmp_ok((select retry_after from auth.login_attempt('pgtap-a', 'Admin@a.test', '10.1.0.4', 3, interval '1 minute')),
  '>', 0, 'the fourth attempt, in any spelling, from a fourth address, is refused');
select is((select user_id from auth.login_attempt('pgtap-a', 'admin@a.test', '10.1.0.5', 3, interval '1 minute')),
  null::uuid, 'a refused attempt learns nothing about the account');
select is((select count(*)::int from auth.login_attempt('pgtap-a', 'admi' || chr(775) || 'n@a.test', '10.1.0.6', 3, interval '1 minute')
           where retry_after = 0 and user_id is null),
  1, 'i with a combining dot reaches no account, and is its own (unthrottled) bucket');

-- Unknown accounts are throttled exactly alike.
select is((select count(*)::int from auth.login_attempt('pgtap-a', 'nobody@a.test', '10.2.0.' || n, 2, interval '1 minute')
           where retry_after = 0 and user_id is null), 1, format('unknown account, attempt %s claimed', n))
from generate_series(1, 2) n;
select cmp_ok((select retry_after from auth.login_attempt('pgtap-a', 'NOBODY@a.test', '10.2.0.9', 2, interval '1 minute')),
  '>', 0, 'an unknown account is refused after as many attempts as a real one');

-- ------------------------------------------------------------ per address, and success
select is((select count(*)::int from auth.login_attempt('pgtap-b', 'user' || n || '@b.test', '10.3.0.1', 2, interval '1 minute')
           where retry_after = 0), 1, format('address 10.3.0.1, account %s: claimed', n))
from generate_series(1, 2) n;
select cmp_ok((select retry_after from auth.login_attempt('pgtap-b', 'admin@b.test', '10.3.0.1', 2, interval '1 minute')),
  '>', 0, 'a third account from the same address is refused');

select lives_ok($$
  select auth.login_attempt_succeeded(attempt_id)
  from auth.login_attempt('pgtap-b', 'worker@b.test', '10.4.0.1', 1, interval '1 minute')
$$, 'a successful attempt is cleared');
select is((select retry_after from auth.login_attempt('pgtap-b', 'worker@b.test', '10.4.0.2', 1, interval '1 minute')),
  0, 'a cleared attempt is no failure: the account is not throttled');

-- ------------------------------------------------------------ idempotency keys expire
commit;
reset role;
begin;
set local role fieldops_owner;
insert into app.idempotency_keys (company_id, user_id, key, request_hash, created_at)
values (pg_temp.id('A'), pg_temp.id('A.admin'), 'old', '\x00', now() - interval '25 hours'),
       (pg_temp.id('B'), pg_temp.id('B.worker'), 'old', '\x00', now() - interval '2 days'),
       (pg_temp.id('A'), pg_temp.id('A.admin'), 'fresh', '\x00', now() - interval '1 hour');
commit;
set role fieldops_login;
select is(auth.purge_idempotency_keys(), 2, 'the purge deletes every company''s expired keys');
reset role;
select is(array(select key from app.idempotency_keys where key in ('old', 'fresh')), array['fresh'],
  'keys younger than 24 hours stay');

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select * from finish();
