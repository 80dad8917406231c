-- The mail outbox and password reset (db/migrations/0021): no request role
-- reaches either table or their functions; the login role reaches them only
-- through the functions, which claim each mail once, spend a reset token
-- once, within its hour and company, and end every session of its user.
-- The login role acts as the server's sign-in pool does, logged in as itself
-- (09-request-hygiene.sql says why it is a session-level SET ROLE).
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select plan(45);
\ir fixtures/tenants.sql

-- ------------------------------------------------------------ the definer functions
select is_definer('auth', 'mail_claim', array['uuid', 'uuid', 'interval'],
  'mail_claim runs as the owner: the login role cannot touch app.mail_outbox');
select is_definer('auth', 'complete_password_reset', array['uuid', 'bytea', 'text'],
  'complete_password_reset runs as the owner');
select is_definer('auth', 'password_reset_request', array['text', 'text', 'text', 'integer', 'interval'],
  'password_reset_request runs as the owner');
select is_empty($$
  select object, grantee from app.grant_report
  where object ~ '^auth\.(enqueue_mail|mail_|password_reset|create_password_reset|complete_password_reset)'
    and grantee <> 'fieldops_login'
$$, 'only the login role executes the mail and reset functions');

-- ------------------------------------------------------------ request roles: nothing
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.admin');
select throws_ok($$ select count(*) from app.mail_outbox $$, '42501', null,
  'admin A cannot read the outbox, not even its own company''s');
select throws_ok($$ select token_hash from app.password_reset_tokens $$, '42501', null,
  'admin A cannot read reset token digests');
select throws_ok(format($$ insert into app.mail_outbox (company_id, kind, recipient, subject, text_body, html_body)
                           values (%L, 'phish', 'x@x.test', 'x', 'x', 'x') $$, pg_temp.id('B')), '42501', null,
  'admin A cannot queue mail for company B');
-- Since migration 0022 an admin queues its own company's mail (a portal
-- invitation) by the column's default company, which the policy verifies.
select lives_ok($$ insert into app.mail_outbox (kind, recipient, subject, text_body, html_body)
                   values ('test', 'x@a.test', 'x', 'x', 'x') $$,
  '... but queues mail of its own company (insert only; it still reads nothing)');
select throws_ok($$ select * from auth.mail_due(100) $$, '42501', null, 'admin A cannot list due mail');
select throws_ok(format($$ select auth.complete_password_reset(%L, sha256('x'), 'pwned') $$, pg_temp.id('B')),
  '42501', null, 'admin A cannot spend a reset token of company B');
select throws_ok(format($$ select auth.create_password_reset(%L, %L, sha256('x'), now() + interval '1 hour') $$,
                        pg_temp.id('B'), pg_temp.id('B.admin')),
  '42501', null, 'admin A cannot make a reset token for B''s admin');
commit;

begin;
set local role fieldops_worker;
select pg_temp.ctx('A.worker');
select throws_ok($$ select count(*) from app.mail_outbox $$, '42501', null, 'a worker cannot read the outbox');
commit;

begin;
set local role fieldops_customer;
select pg_temp.ctx('A.customer');
select throws_ok($$ select count(*) from app.password_reset_tokens $$, '42501', null,
  'a customer cannot read reset tokens');
commit;

begin;
set local role fieldops_authenticator;
select throws_ok(format($$ select auth.enqueue_mail(%L, 'phish', 'x@x.test', 'x', 'x', 'x') $$, pg_temp.id('B')),
  '42501', null, 'the authenticator (where SQL in a request can reset role to) cannot queue mail');
select throws_ok($$ select * from auth.password_reset_request('pgtap-b', 'admin@b.test', '10.0.0.1', 100, interval '1 hour') $$,
  '42501', null, '... nor ask for a reset');
commit;

-- ------------------------------------------------------------ the sender's functions
set role fieldops_login;
select throws_ok($$ select count(*) from app.mail_outbox $$, '42501', null,
  'the login role reads the outbox only through the functions');
select auth.enqueue_mail(pg_temp.id('A'), 'test', 'ann@a.test', 'pgtap one', 'text', '<p>html</p>') as mail1 \gset
select auth.enqueue_mail(pg_temp.id('B'), 'test', 'bob@b.test', 'pgtap two', 'text', '<p>html</p>') as mail2 \gset
select ok(exists (select 1 from auth.mail_due(1000) where company_id = pg_temp.id('A') and id = :'mail1'),
  'a queued mail is due');
select ok(exists (select 1 from auth.mail_due(1000) where company_id = pg_temp.id('B') and id = :'mail2'),
  'the due list spans companies (the sender''s, over every shard on Citus)');
select is((select recipient from auth.mail_claim(pg_temp.id('A'), :'mail1', interval '5 minutes')), 'ann@a.test',
  'a due mail is claimed with its content');
select is((select count(*)::int from auth.mail_claim(pg_temp.id('A'), :'mail1', interval '5 minutes')), 0,
  'a claimed mail cannot be claimed again during its lease');
select is((select count(*)::int from auth.mail_claim(pg_temp.id('B'), :'mail1', interval '5 minutes')), 0,
  'a mail is found only under its own company');
select ok(not exists (select 1 from auth.mail_due(1000) where id = :'mail1'), 'a claimed mail is not due');
select lives_ok(format($$ select auth.mail_failed(%L, %L, 'connection refused', interval '0') $$,
                       pg_temp.id('A'), :'mail1'), 'a failed attempt is recorded');
select is((select attempts from auth.mail_claim(pg_temp.id('A'), :'mail1', interval '5 minutes')), 2,
  'due again after its wait, the retry counts as the second attempt');
select lives_ok(format($$ select auth.mail_delivered(%L, %L) $$, pg_temp.id('A'), :'mail1'), 'delivered');
select is((select attempts from auth.mail_claim(pg_temp.id('B'), :'mail2', interval '5 minutes')), 1,
  'the other company''s mail is claimed in its turn');
select lives_ok(format($$ select auth.mail_failed(%L, %L, 'mailbox unavailable', null) $$, pg_temp.id('B'), :'mail2'),
  'a last attempt gives up');
reset role;
select results_eq(
  format($$ select state, attempts, last_error, sent_at is not null from app.mail_outbox
            where company_id = %L and id = %L $$, pg_temp.id('A'), :'mail1'),
  $$ values ('sent'::text, 2, null::text, true) $$,
  'the delivered mail: sent, two attempts, no error left');
select results_eq(
  format($$ select state, attempts, last_error from app.mail_outbox where company_id = %L and id = %L $$,
         pg_temp.id('B'), :'mail2'),
  $$ values ('failed'::text, 1, 'mailbox unavailable'::text) $$,
  'the given-up mail: failed, with its error');

-- ------------------------------------------------------------ password reset
set role fieldops_login;
select is((select user_id from auth.password_reset_request('pgtap-a', 'admin@a.test', '10.5.0.1', 2, interval '1 hour')),
  pg_temp.id('A.admin'), 'a reset request finds its account');
select is((select retry_after from auth.password_reset_request('PGTAP-A', 'ADMIN@a.test', '10.5.0.2', 2, interval '1 hour')),
  0, 'a second one, in another spelling, is allowed');
select is((select row(retry_after > 0, user_id)::text
           from auth.password_reset_request('pgtap-a', 'admin@a.test', '10.5.0.3', 2, interval '1 hour')),
  row(true, null::uuid)::text, 'the third for the account is refused, and learns nothing of it');
select is((select row(retry_after, user_id)::text
           from auth.password_reset_request('pgtap-a', 'nobody@a.test', '10.5.0.4', 2, interval '1 hour')),
  row(0, null::uuid)::text, 'an unknown account is answered alike');
select is((select retry_after from auth.login_attempt('pgtap-a', 'admin@a.test', '10.5.0.1', 2, interval '1 minute')),
  0, 'reset requests do not count as failed sign-ins');

select lives_ok(format($$ select auth.create_password_reset(%L, %L, sha256('pgtap reset of A'), now() + interval '1 hour') $$,
                       pg_temp.id('A'), pg_temp.id('A.admin')), 'a reset token is stored as its digest');
select is((select name from auth.password_reset_account(pg_temp.id('A'), sha256('pgtap reset of A'))), 'A admin',
  'a live token names its account');
select is((select count(*)::int from auth.password_reset_account(pg_temp.id('B'), sha256('pgtap reset of A'))), 0,
  'under another company the token is unknown');
select is(auth.complete_password_reset(pg_temp.id('B'), sha256('pgtap reset of A'), 'pwned'), null::uuid,
  'and cannot be spent there');
select is(auth.complete_password_reset(pg_temp.id('A'), sha256('pgtap reset of A'), 'new hash'), pg_temp.id('A.admin'),
  'spent in its company, it sets the password');
select is(auth.complete_password_reset(pg_temp.id('A'), sha256('pgtap reset of A'), 'again'), null::uuid,
  'a token works once');
select lives_ok(format($$ select auth.create_password_reset(%L, %L, sha256('pgtap expired'), now() - interval '1 second') $$,
                       pg_temp.id('A'), pg_temp.id('A.worker')), 'an expired token');
select is(auth.complete_password_reset(pg_temp.id('A'), sha256('pgtap expired'), 'late'), null::uuid,
  'an expired token is refused');
reset role;

-- The company's values written out (pg_temp.count_of): Citus sends a query
-- naming one company to its shard whole, where pg_temp does not exist. The
-- password is the person's identity's, for every membership (0034).
select is(pg_temp.count_of(format($$ select 1 from app.users u join app.identities i on i.id = u.identity_id
                                     where u.company_id = %L and u.id = %L and u.password_hash is null
                                       and i.password_hash = 'new hash' $$, pg_temp.id('A'), pg_temp.id('A.admin'))),
  1::bigint, 'the reset set the new password');
select is(pg_temp.count_of(format($$ select 1 from app.sessions where company_id = %L and user_id = %L
                                     and revoked_at is null $$, pg_temp.id('A'), pg_temp.id('A.admin'))),
  0::bigint, 'every session of the user ended');
select is(pg_temp.count_of(format($$ select 1 from app.sessions where company_id = %L and user_id = %L
                                     and revoked_at is null $$, pg_temp.id('B'), pg_temp.id('B.admin'))),
  1::bigint, 'B''s admin, untouched, keeps its session');

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
select * from finish();
