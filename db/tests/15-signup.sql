-- Self-service sign-up (db/migrations/0043, docs/organizations.md): only the
-- sign-in pool runs it; a pending company is inactive under a placeholder
-- slug; the link works once, while it is new, for its own company; the
-- confirmation gives the slug (with a suffix when it was taken since), makes
-- the first admin with the default Admin role, and an address that already
-- signs in keeps its person and password; attempts are counted.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select plan(48);
\ir fixtures/tenants.sql
-- The companies' ids as psql variables: on Citus a statement that reads a
-- distributed table goes to a worker whole, where no pg_temp function exists.
select pg_temp.id('S1') as s1, pg_temp.id('S3') as s3 \gset

-- ------------------------------------------------------------ who may
select is(has_function_privilege(r, f, 'EXECUTE'), r = 'fieldops_login', format('%s: EXECUTE on %s is %s', r, f, r = 'fieldops_login'))
from unnest(array['fieldops_login', 'fieldops_authenticator', 'fieldops_admin', 'fieldops_worker', 'fieldops_customer']) r,
     unnest(array['auth.signup_start(uuid,text,text,boolean,text,text,text,bytea,timestamptz,text)',
                  'auth.signup_confirm(uuid,bytea)']) f;
select is(has_table_privilege(r, 'app.company_signups', 'SELECT'), false, format('%s cannot read sign-ups', r))
from unnest(array['fieldops_login', 'fieldops_authenticator', 'fieldops_admin']) r;

-- ------------------------------------------------------------ a sign-up waits
set role fieldops_login;
select is(auth.signup_start(pg_temp.id('S1'), 'Pgtap Signup Co', 'pgtap-signup', false, 'Sam Owner',
                            'sam@pgtap.test', 'hash-1', sha256('s1-first'), now() + interval '1 day', '192.0.2.1'),
  'started', 'a sign-up starts');
select is(auth.signup_start(pg_temp.id('S2'), 'Taken Co', 'pgtap-a', true, 'Tina', 'tina@pgtap.test', 'hash-t',
                            sha256('s2'), now() + interval '1 day', '192.0.2.1'),
  'slug_taken', 'a slug asked for that another company has is refused');
select is(auth.signup_pending_company('SAM@pgtap.test'), pg_temp.id('S1'),
  'the address finds its pending company, whatever its case');
select is(auth.signup_pending_company('tina@pgtap.test'), null, 'a refused sign-up left nothing pending');
reset role;

select is_active as s1_active, slug as s1_slug from app.companies where id = :'s1'::uuid \gset
select is(:'s1_active'::text, 'f', 'the company waits, inactive');
select is(:'s1_slug'::text, 'signup-' || replace(pg_temp.id('S1')::text, '-', ''),
  'under a placeholder slug: nobody''s slug is held by a sign-up that is never confirmed');
select is((select count(*) from app.companies where id = pg_temp.id('S2')), 0::bigint, 'no company for the refused one');

-- Signing up again from the address starts the same company again, with a
-- new link: the first one is dead.
set role fieldops_login;
select is(auth.signup_start(pg_temp.id('S1'), 'Pgtap Signup Company', 'pgtap-signup', false, 'Sam Owner',
                            'sam@pgtap.test', 'hash-2', sha256('s1-second'), now() + interval '1 day', '192.0.2.1'),
  'started', 'the same address starts again');
select outcome as first_link from auth.signup_confirm(pg_temp.id('S1'), sha256('s1-first')) \gset
select is(:'first_link'::text, 'invalid', 'the earlier link no longer works');
select outcome as other_company from auth.signup_confirm(pg_temp.id('A'), sha256('s1-second')) \gset
select is(:'other_company'::text, 'invalid', 'a link works for its own company only');
reset role;

-- The slug was taken in the meantime: the confirmation takes the next one.
-- (As the owner, as the fixture makes its companies: on Citus the
-- company's default roles go to shards the owner's connections wrote.)
begin;
set local role fieldops_owner;
insert into app.companies (id, name, slug, is_active) values (pg_temp.id('S-taken'), 'Early Bird', 'pgtap-signup', true);
commit;

set role fieldops_login;
select outcome, user_id as s1_admin, company_slug, company_name, email, existing_account
  from auth.signup_confirm(pg_temp.id('S1'), sha256('s1-second')) \gset
select is(:'outcome'::text, 'confirmed', 'the new link confirms');
select is(:'company_slug'::text, 'pgtap-signup-2', 'with the slug asked for, suffixed as it was taken since');
select is(:'company_name'::text, 'Pgtap Signup Company', 'and the name of the last sign-up');
select is(:'existing_account'::text, 'f', 'a new address is a new person');
select outcome as twice from auth.signup_confirm(pg_temp.id('S1'), sha256('s1-second')) \gset
select is(:'twice'::text, 'invalid', 'a link works once');
select is(auth.signup_pending_company('sam@pgtap.test'), null, 'nothing is pending for the address any more');
reset role;

select is_active as s1_active_now from app.companies where id = :'s1'::uuid \gset
select is(:'s1_active_now'::text, 't', 'the company is active');
select u.role::text || ' ' || r.name as s1_role, u.password_hash is null as s1_no_own_password
  from app.users u join app.roles r on r.company_id = u.company_id and r.id = u.role_id
 where u.company_id = :'s1'::uuid and u.id = :'s1_admin'::uuid \gset
select is(:'s1_role'::text, 'ADMIN Admin', 'its first member is an admin with the default Admin role');
select is(:'s1_no_own_password'::text, 't', 'the membership opens with its person''s password');
select i.password_hash as s1_person_hash, i.name as s1_person_name
  from app.identities i where lower(i.email) = 'sam@pgtap.test' \gset
select is(:'s1_person_hash'::text, 'hash-2', 'the person holds the last sign-up''s password');
select is(:'s1_person_name'::text, 'Sam Owner', 'and its name');
select password_hash is null as s1_forgotten, confirmed_at is not null as s1_confirmed
  from app.company_signups where company_id = :'s1'::uuid \gset
select is(:'s1_forgotten'::text, 't', 'the confirmed sign-up no longer holds a password hash');
select is(:'s1_confirmed'::text, 't', 'and says when it was confirmed');
select count(*) as s1_history from app.audit_log
 where company_id = :'s1'::uuid and table_name = 'users' and action = 'INSERT' \gset
select is(:'s1_history'::text, '1', 'the first admin''s membership is in the history');

-- ------------------------------------------------------------ an address that signs in already
select i.password_hash as a_admin_hash from app.identities i where lower(i.email) = 'admin@a.test' \gset
set role fieldops_login;
select is(auth.signup_start(pg_temp.id('S3'), 'Second Venture', 'pgtap-venture', true, 'Someone Else',
                            'Admin@A.test', 'hash-typed', sha256('s3'), now() + interval '1 day', '192.0.2.1'),
  'started_existing', 'an address that signs in already may start a company (and its mail will say so)');
select outcome as s3_outcome, user_id as s3_admin, existing_account as s3_existing
  from auth.signup_confirm(pg_temp.id('S3'), sha256('s3')) \gset
select is(:'s3_outcome'::text, 'confirmed', 'and confirm it');
select is(:'s3_existing'::text, 't', 'as one more company of the existing person');
reset role;
select i.password_hash as a_admin_hash_after, i.name as a_admin_name
  from app.identities i where lower(i.email) = 'admin@a.test' \gset
select is(:'a_admin_hash_after'::text, :'a_admin_hash', 'whose password stays the one it signs in with');
select is(:'a_admin_name'::text, 'A admin', 'and whose name stays');
select count(distinct u.identity_id) as a_admin_people from app.users u
 where lower(u.email) = 'admin@a.test' and u.deleted_at is null \gset
select is(:'a_admin_people'::text, '1', 'both memberships name the same person');

-- ------------------------------------------------------------ an expired link
set role fieldops_login;
select is(auth.signup_start(pg_temp.id('S4'), 'Late Co', 'pgtap-late', false, 'Lou', 'lou@pgtap.test', 'hash-l',
                            sha256('s4'), now() - interval '1 second', '192.0.2.1'),
  'started', 'a sign-up whose link has expired');
select outcome as s4_outcome from auth.signup_confirm(pg_temp.id('S4'), sha256('s4')) \gset
select is(:'s4_outcome'::text, 'invalid', 'is not confirmed by it');
reset role;

-- ------------------------------------------------------------ counted
set role fieldops_login;
select is(auth.signup_attempt('count@pgtap.test', '192.0.2.77', 2, interval '1 hour'), 0, 'a first attempt goes on');
select is(auth.signup_attempt('COUNT@pgtap.test', '192.0.2.78', 2, interval '1 hour'), 0, 'a second one too');
select cmp_ok(auth.signup_attempt('count@pgtap.test', '192.0.2.79', 2, interval '1 hour'), '>', 0,
  'a third for the address waits, from wherever it comes');
reset role;

-- ------------------------------------------------------------ clean up
begin;
set local session_replication_role = replica;
delete from app.login_failures where account_key like 'signup:%@pgtap.test';
do $$
declare
  v_companies uuid[] := array[pg_temp.id('S1'), pg_temp.id('S2'), pg_temp.id('S3'), pg_temp.id('S4'),
                              pg_temp.id('S-taken')];
  v_table text;
begin
  foreach v_table in array array['company_signups', 'mail_outbox', 'sessions', 'users', 'role_permissions', 'roles',
                                 'job_statuses', 'portal_settings', 'audit_log'] loop
    execute format('delete from app.%I where company_id = any ($1)', v_table) using v_companies;
  end loop;
  delete from app.companies where id = any (v_companies);
end
$$;
commit;
begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select * from finish();
