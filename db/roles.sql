-- Cluster-level bootstrap, run once by a superuser before `fieldops migrate`.
-- Idempotent: safe to run again. It sets no passwords: a deployment sets them
-- from its secrets (docker/initdb.sh does for compose); the embedded development
-- cluster listens on 127.0.0.1 only, with trust authentication.
--
--   fieldops_owner          LOGIN; owns the schema; runs migrations and the CLI bootstrap
--   fieldops_authenticator  LOGIN, NOINHERIT; the server's request pool; can do nothing
--                           itself but switch into the three request roles below and
--                           ask whether a session is live (auth.require_session)
--   fieldops_login          LOGIN, NOINHERIT, member of nothing; the server's small
--                           sign-in pool: the auth.* functions that look up an account,
--                           create or rotate a session, open a share link. Kept apart
--                           so that SQL inside a request (which can `reset role` to
--                           the authenticator) can never create a session
--   fieldops_admin          NOLOGIN; full CRUD inside its company, through policies
--   fieldops_worker         NOLOGIN; its assigned jobs; status and task completion only
--   fieldops_customer       NOLOGIN; read-only view of its own customer's jobs
--
-- None of them is superuser, none has BYPASSRLS, and the authenticator owns nothing.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'fieldops_owner') then
    create role fieldops_owner login nosuperuser nocreaterole nocreatedb nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'fieldops_authenticator') then
    create role fieldops_authenticator login noinherit nosuperuser nocreaterole nocreatedb nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'fieldops_login') then
    create role fieldops_login login noinherit nosuperuser nocreaterole nocreatedb nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'fieldops_admin') then
    create role fieldops_admin nologin nosuperuser nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'fieldops_worker') then
    create role fieldops_worker nologin nosuperuser nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'fieldops_customer') then
    create role fieldops_customer nologin nosuperuser nobypassrls;
  end if;
end
$$;

-- Re-assert the attributes in case an older bootstrap or a hand edit changed them.
alter role fieldops_owner nosuperuser nobypassrls;
alter role fieldops_authenticator noinherit nosuperuser nobypassrls;
alter role fieldops_login noinherit nosuperuser nobypassrls;
alter role fieldops_admin nologin nosuperuser nobypassrls;
alter role fieldops_worker nologin nosuperuser nobypassrls;
alter role fieldops_customer nologin nosuperuser nobypassrls;

grant fieldops_admin, fieldops_worker, fieldops_customer to fieldops_authenticator;
-- On Citus a definer function (running as the owner) that reaches another node
-- inside a request opens its connection as the owner, and Citus replays the
-- request's `SET LOCAL role` on it: the owner must be allowed to take the
-- request roles (docs/scaling.md). It gains nothing by it; it owns the tables.
grant fieldops_admin, fieldops_worker, fieldops_customer to fieldops_owner;
-- The login role switches into nothing (a re-run revokes a stray grant).
revoke fieldops_admin, fieldops_worker, fieldops_customer, fieldops_authenticator from fieldops_login;
