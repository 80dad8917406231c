-- Schemas and functions: who may reach what at all.
--
-- fieldops_authenticator: USAGE on auth and EXECUTE on the four login-flow
--   functions (login_lookup, create_session, rotate_refresh_token,
--   require_session). No table privileges anywhere.
-- fieldops_admin, fieldops_worker, fieldops_customer: USAGE on app, EXECUTE on
--   the context functions the policies call, and on auth.current_profile().
-- PUBLIC: nothing.

revoke all on schema app, auth from public;
revoke all on all functions in schema app, auth from public;

grant usage on schema app to fieldops_admin, fieldops_worker, fieldops_customer;
grant usage on schema auth to fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

grant execute on function
  app.company_id(), app.user_id(), app.customer_id(), app.session_id(), app.role()
  to fieldops_admin, fieldops_worker, fieldops_customer;

grant execute on function
  auth.login_lookup(text, text),
  auth.create_session(uuid, uuid, bytea, timestamptz, timestamptz, text, text),
  auth.rotate_refresh_token(bytea, bytea, timestamptz),
  auth.require_session(uuid, uuid, uuid, app.user_role)
  to fieldops_authenticator;

grant execute on function auth.current_profile()
  to fieldops_admin, fieldops_worker, fieldops_customer;

grant execute on function auth.open_share_link(bytea, text) to fieldops_authenticator;

grant execute on function
  auth.login_retry_after(text, text, integer, interval),
  auth.record_login_failure(text, text)
  to fieldops_authenticator;

-- Request hygiene (db/migrations/0014), one block so it can be retargeted
-- whole: the sign-in flow's throttled attempt and its success, and the hourly
-- purge of expired idempotency answers, all run by the server before (or
-- without) any request role. auth.login_normal needs no grant: only the
-- definer functions call it.
grant execute on function
  auth.login_attempt(text, text, text, integer, interval),
  auth.login_attempt_succeeded(bigint),
  auth.purge_idempotency_keys()
  to fieldops_authenticator;

-- Indexed search for admins (see db/migrations/0006): company from the context only.
grant execute on function
  auth.search_jobs(text, boolean, uuid, uuid, uuid, timestamptz, uuid, integer),
  auth.search_customers(text, text, uuid, integer)
  to fieldops_admin;
