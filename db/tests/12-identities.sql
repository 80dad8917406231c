-- People in several companies (db/migrations/0034, docs/organizations.md):
-- app.identities is reachable by no request role; a request's membership
-- names the person auth.link_membership() found or made, the owner's the
-- one the users trigger finds; either decides whose password a new one is;
-- the sign-in pool's functions answer for one identity each; a password
-- reset gives the person one password for every membership.
-- One transaction per acting role (fixtures/tenants.sql says why).
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select plan(63);
\ir fixtures/tenants.sql

-- ------------------------------------------------------------ no request role
select is(has_table_privilege(r, 'app.identities', p), false, format('%s has no %s on app.identities', r, p))
from unnest(array['fieldops_login', 'fieldops_authenticator', 'fieldops_admin', 'fieldops_worker',
                  'fieldops_customer']) r,
     unnest(array['SELECT', 'UPDATE']) p;

begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select throws_ok($$ select count(*) from app.identities $$, '42501', null,
  'an admin cannot read identities, not even its own');
select throws_ok($$ update app.identities set password_hash = 'x' $$, '42501', null,
  'an admin cannot write identities');
commit;

-- ------------------------------------------------------------ the fixture
select is(pg_temp.count_of(format($$ select 1 from app.users u join app.identities i on i.id = u.identity_id
                                     where u.company_id in (%L, %L) and lower(i.email) = lower(u.email)
                                       and u.password_hash is null $$, pg_temp.id('A'), pg_temp.id('B'))),
  8::bigint, 'each fixture user has its own identity, which holds its password');

-- ------------------------------------------------------------ a request's membership
-- A request finds or makes the person first (auth.link_membership, on the
-- coordinator on Citus) and names it; the row keeps a password.
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select throws_ok($$ insert into app.users (name, email, password_hash, role)
                    values ('Nobody', 'nobody@pgtap.test', 'x', 'WORKER') $$, '23502', null,
  'a request''s membership without its person is refused');
commit;
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select throws_ok(format($$ insert into app.users (name, email, password_hash, role, identity_id)
                           values ('Nobody', 'admin@b.test', null, 'WORKER', %L) $$, pg_temp.id('A')), '42501', null,
  'nor one without a password of its own (it would open with the person''s)');
commit;

-- The linking runs over the sign-in pool, for a live admin session, in the
-- session's company only.
set role fieldops_login;
select throws_ok(format($$ select * from auth.link_membership(%L, %L, %L, null, 'w@pgtap.test', 'W', 'x') $$,
                        pg_temp.id('A.worker.session'), pg_temp.id('A.worker'), pg_temp.id('A')), '42501', null,
  'a worker''s session links nobody');
select throws_ok(format($$ select * from auth.link_membership(%L, %L, %L, null, 'w@pgtap.test', 'W', 'x') $$,
                        pg_temp.id('A.admin.session'), pg_temp.id('A.admin'), pg_temp.id('B')), '42501', null,
  'nor an admin''s session claimed for another company');
select is((select count(*)::int from auth.link_membership(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'),
                                                         pg_temp.id('A'), pg_temp.id('B.worker'), 'pwned@pgtap.test',
                                                         null, 'pwned')), 0,
  'admin A cannot relink B''s member (no such user in A)');
select is(auth.link_portal_account(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'), pg_temp.id('A'),
                                   pg_temp.id('B')), null::uuid, 'nor a registration it does not see');
reset role;
select is((select count(*) from app.identities where lower(email) = 'pwned@pgtap.test'), 0::bigint,
  '... and nobody was made');
select is(has_function_privilege('fieldops_admin', 'auth.link_membership(uuid,uuid,uuid,uuid,text,text,text)', 'EXECUTE'),
  false, 'no request role links: a request''s SET LOCAL ROLE would reach the definer''s worker connections on Citus');

-- A's admin adds Pat: a new address, a new identity with the password given.
set role fieldops_login;
select identity_id as pat_link from auth.link_membership(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'),
  pg_temp.id('A'), null, 'Pat@pgtap.test', 'Pat', 'pat-identity') \gset
reset role;
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select lives_ok(format($$ insert into app.users (name, email, password_hash, role, identity_id)
                          values ('Pat', 'Pat@pgtap.test', 'pat-identity', 'WORKER', %L) $$, :'pat_link'), 'A adds Pat');
commit;
select is((select password_hash from app.identities where lower(email) = 'pat@pgtap.test'), 'pat-identity',
  'a new address gets an identity holding the password given');
select is(pg_temp.count_of(format($$ select 1 from app.users where company_id = %L and lower(email) = 'pat@pgtap.test'
                                     and password_hash = 'pat-identity' $$, pg_temp.id('A'))),
  1::bigint, '... and the membership''s own is the same: it speaks for Pat');

-- B's admin adds the same address with a password of its choosing.
set role fieldops_login;
select identity_id as pat_link_b from auth.link_membership(pg_temp.id('B.admin.session'), pg_temp.id('B.admin'),
  pg_temp.id('B'), null, 'pat@PGTAP.test', 'Pat at B', 'b-chosen') \gset
reset role;
begin;
set local role fieldops_admin;
select pg_temp.ctx('B.admin');
select lives_ok(format($$ insert into app.users (name, email, password_hash, role, identity_id)
                          values ('Pat at B', 'pat@PGTAP.test', 'b-chosen', 'ADMIN', %L) $$, :'pat_link_b'),
  'B adds Pat too');
select lives_ok($$ update app.users set password_hash = 'b-chosen-2' where lower(email) = 'pat@pgtap.test' $$,
  'B changes that password');
commit;
select is((select count(*) from app.identities where lower(email) = 'pat@pgtap.test'), 1::bigint,
  'one person: B''s membership joins the identity');
select is((select password_hash from app.identities where lower(email) = 'pat@pgtap.test'), 'pat-identity',
  'B''s admin never sets the password Pat uses for A');
select is(pg_temp.count_of(format($$ select 1 from app.users where company_id = %L and lower(email) = 'pat@pgtap.test'
                                     and password_hash = 'b-chosen-2' and password_changed_at is not null $$,
                                  pg_temp.id('B'))),
  1::bigint, 'the password B chose stays B''s membership''s own');

-- A new address is a new person; the old one keeps no membership.
set role fieldops_login;
select identity_id as worker2_link from auth.link_membership(pg_temp.id('A.admin.session'), pg_temp.id('A.admin'),
  pg_temp.id('A'), pg_temp.id('A.worker2'), 'worker2-renamed@a.test', null, null) \gset
reset role;
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select lives_ok(format($$ update app.users set email = 'worker2-renamed@a.test', identity_id = %L where id = %L $$,
                       :'worker2_link', pg_temp.id('A.worker2')),
  'A renames its worker2');
commit;
-- (The ids first: Citus sends a join's conditions to the workers, which have
-- no pg_temp.)
select pg_temp.id('A') as company_a, pg_temp.id('A.worker2') as a_worker2 \gset
select i.email as worker2_person_email from app.identities i join app.users u on u.identity_id = i.id
 where u.company_id = :'company_a' and u.id = :'a_worker2' \gset
select count(*) as old_person_memberships from app.users u join app.identities i on i.id = u.identity_id
 where lower(i.email) = 'worker2@a.test' and u.company_id = :'company_a' \gset
select is(:'worker2_person_email'::text, 'worker2-renamed@a.test'::text, 'a new address moves the membership to a new person');
select is(:'old_person_memberships'::bigint, 0::bigint,
  '... and the old one keeps no membership');

-- ------------------------------------------------------------ the sign-in pool
select id as pat from app.identities where lower(email) = 'pat@pgtap.test' \gset
select pg_temp.id('B') as company_b, pg_temp.id('A.pat.session') as a_pat_session,
       pg_temp.id('B.pat.session') as b_pat_session \gset
select id as pat_a from app.users where company_id = :'company_a' and lower(email) = 'pat@pgtap.test' \gset
select id as pat_b from app.users where company_id = :'company_b' and lower(email) = 'pat@pgtap.test' \gset
insert into app.sessions (id, company_id, user_id, expires_at)
values (:'a_pat_session', :'company_a', :'pat_a', now() + interval '1 hour'),
       (:'b_pat_session', :'company_b', :'pat_b', now() + interval '1 hour');

set role fieldops_login;
select is((select row(identity_id, password_hash)::text
           from auth.identity_login_attempt(' PAT@pgtap.test ', '10.12.0.1', 5, interval '1 minute')),
  row(:'pat'::uuid, 'pat-identity')::text, 'a sign-in without company finds the identity by address, in any spelling');
select is((select row(attempt_id is not null, identity_id)::text
           from auth.identity_login_attempt('nobody@pgtap.test', '10.12.0.2', 5, interval '1 minute')),
  row(true, null::uuid)::text, 'an unknown address is counted and finds nothing');
select is((select row(retry_after > 0, identity_id)::text
           from auth.identity_login_attempt('pat@pgtap.test', '10.12.0.3', 1, interval '1 minute')),
  row(true, null::uuid)::text, 'the address is throttled like any sign-in, and learns nothing');
select results_eq(
  format($$ select company_slug, role::text, uses_identity_password from auth.identity_memberships(%L) $$, :'pat'),
  $$ values ('pgtap-a'::text, 'WORKER'::text, true), ('pgtap-b', 'ADMIN', false) $$,
  'Pat''s memberships: A with the identity''s password, B with its own');
select is((select row(identity_id, speaks_for_identity)::text
           from auth.session_identity(pg_temp.id('A.pat.session'), :'pat_a', pg_temp.id('A'), 'WORKER')),
  row(:'pat'::uuid, true)::text, 'a session of A''s membership speaks for Pat');
select is((select row(identity_id, speaks_for_identity)::text
           from auth.session_identity(pg_temp.id('B.pat.session'), :'pat_b', pg_temp.id('B'), 'ADMIN')),
  row(:'pat'::uuid, false)::text, 'a session of B''s (its own password) does not');
select is((select count(*)::int
           from auth.session_identity(pg_temp.id('A.pat.session'), :'pat_a', pg_temp.id('B'), 'WORKER')), 0,
  'a session claimed for another company is no session');
select is((select count(*)::int
           from auth.session_identity(pg_temp.id('A.pat.session'), :'pat_a', pg_temp.id('A'), 'ADMIN')), 0,
  'a session claimed with another role is no session');
select lives_ok(format($$ select auth.remember_company(%L, %L) $$, :'pat_b', pg_temp.id('B')),
  'a sign-in with B''s own password');
reset role;
select is((select last_company_id from app.identities where id = :'pat'), null::uuid,
  '... is not remembered as Pat''s company');
set role fieldops_login;
select lives_ok(format($$ select auth.remember_company(%L, %L) $$, :'pat_a', pg_temp.id('A')),
  'a sign-in to A');
reset role;
select is((select last_company_id from app.identities where id = :'pat'), pg_temp.id('A'), '... is');

-- A reset through B's membership proves the address: one password for all.
set role fieldops_login;
select lives_ok(format($$ select auth.create_password_reset(%L, %L, sha256('pgtap reset of Pat'), now() + interval '1 hour') $$,
                       pg_temp.id('B'), :'pat_b'), 'a reset of Pat''s B membership');
select is(auth.complete_password_reset(pg_temp.id('B'), sha256('pgtap reset of Pat'), 'pat-reset'), :'pat_b'::uuid,
  '... spent');
reset role;
select is((select password_hash from app.identities where id = :'pat'), 'pat-reset',
  'the reset sets the identity''s password');
select is(pg_temp.count_of(format($$ select 1 from app.users where company_id = %L and id = %L and password_hash is null $$,
                                  pg_temp.id('B'), :'pat_b'))
          + pg_temp.count_of(format($$ select 1 from app.users where company_id = %L and id = %L and password_hash is null $$,
                                    pg_temp.id('A'), :'pat_a')),
  2::bigint, '... and clears every membership''s own');
select is(pg_temp.count_of(format($$ select 1 from app.sessions where company_id = %L and user_id = %L and revoked_at is null $$,
                                  pg_temp.id('A'), :'pat_a'))
          + pg_temp.count_of(format($$ select 1 from app.sessions where company_id = %L and user_id = %L and revoked_at is null $$,
                                    pg_temp.id('B'), :'pat_b')),
  0::bigint, '... and ends the sessions of every membership');

-- ------------------------------------------------------------ invitations
insert into app.invitations (id, company_id, email, role, token_hash, expires_at)
values (pg_temp.id('B.invitation'), pg_temp.id('B'), 'someone@pgtap.test', 'WORKER', sha256('pgtap invitation of B'),
        now() + interval '7 days');
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select lives_ok($$ insert into app.invitations (email, role, token_hash, expires_at)
                   values ('worker@b.test', 'WORKER', sha256('pgtap invitation of A'), now() + interval '7 days') $$,
  'admin A invites B''s worker to A');
select throws_ok($$ insert into app.invitations (email, role, token_hash, expires_at)
                    values ('x@pgtap.test', 'CUSTOMER', sha256('pgtap customer'), now() + interval '7 days') $$,
  '23514', null, 'customers are not invited as staff');
select throws_ok($$ select token_hash from app.invitations $$, '42501', null, 'admin A cannot read invitation digests');
select is(pg_temp.count_of(format($$ select 1 from app.invitations where company_id = %L $$, :'company_b')), 0::bigint,
  'admin A sees none of B''s invitations');
select is(pg_temp.affected(format($$ update app.invitations set revoked_at = now() where id = %L $$, pg_temp.id('B.invitation'))),
  0::bigint, 'admin A cannot revoke B''s invitation');
select throws_ok($$ delete from app.invitations $$, '42501', null, 'admin A cannot delete invitations');
commit;
begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select throws_ok($$ select count(*) from app.invitations $$, '42501', null, 'a worker reads no invitation');
commit;

select id as b_worker from app.identities where lower(email) = 'worker@b.test' \gset
set role fieldops_login;
select is((select row(state, identity_id)::text from auth.invitation_status(pg_temp.id('A'), sha256('pgtap invitation of A'))),
  row('pending', :'b_worker'::uuid)::text, 'the link names a pending invitation of a person who exists');
select is((select count(*)::int from auth.invitation_status(pg_temp.id('B'), sha256('pgtap invitation of A'))), 0,
  'under another company the digest is unknown');
select is((select outcome from auth.accept_invitation(pg_temp.id('A'), sha256('pgtap invitation of A'), null, 'Mallory', 'x')),
  'identity', 'an existing person is never made again without proving itself');
select is((select outcome from auth.accept_invitation(pg_temp.id('A'), sha256('pgtap invitation of A'), :'pat', null, null)),
  'identity', 'nor accepted as another person');
select is((select outcome from auth.accept_invitation(pg_temp.id('A'), sha256('pgtap invitation of A'), :'b_worker', null, null)),
  'accepted', 'the invited person accepts');
select is((select outcome from auth.accept_invitation(pg_temp.id('A'), sha256('pgtap invitation of A'), :'b_worker', null, null)),
  'invalid', 'once');
reset role;
select is(pg_temp.count_of(format($$ select 1 from app.users where company_id = %L and lower(email) = 'worker@b.test'
                                     and role = 'WORKER' and password_hash is null
                                     and identity_id = %L $$, pg_temp.id('A'), :'b_worker')),
  1::bigint, 'the membership joins the person, with the person''s password');

select pg_temp.drop_fixture();
select * from finish();
