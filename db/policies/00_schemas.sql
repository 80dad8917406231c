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

-- Indexed search for admins (see db/migrations/0006): company from the context only.
grant execute on function
  auth.search_jobs(text, boolean, uuid, uuid, uuid, timestamptz, uuid, integer),
  auth.search_customers(text, text, uuid, integer)
  to fieldops_admin;
