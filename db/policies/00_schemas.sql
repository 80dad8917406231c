-- Schemas, functions and the database itself: who may reach what at all.
--
-- fieldops_login: USAGE on auth and EXECUTE on the sign-in flow's functions
--   (login_lookup, create_session, rotate_refresh_token, open_share_link, the
--   throttle), session_profile (GET /auth/me), and the mail outbox and password
--   reset functions (migration 0021). The server's second, small pool; never
--   reachable from a request.
-- fieldops_authenticator: USAGE on auth and EXECUTE on require_session only.
--   SQL inside a request can `reset role` back to it, so it may do nothing that
--   reads or creates a session of someone else.
-- fieldops_admin, fieldops_worker, fieldops_customer: USAGE on app, EXECUTE on
--   the context functions the policies call (all derived from the verified
--   session, see db/migrations/0013).
-- PUBLIC: nothing, not even temporary tables on this database.

revoke all on schema app, auth from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
revoke all on all functions in schema app, auth from public, fieldops_login, fieldops_authenticator,
  fieldops_admin, fieldops_worker, fieldops_customer;
-- Everything the owner creates from now on starts unexecutable (the global
-- form: a per-schema `revoke … from public` default is a no-op).
alter default privileges revoke execute on functions from public;

-- No FieldOps role may create temporary objects: a temp type or function could
-- otherwise shadow a name a definer function resolves. CREATE DATABASE does not
-- copy privileges from its template, so every set-up path re-applies this
-- (migrate re-runs this file; the test harness and docker/initdb.sh run it too).
do $$
begin
  execute format('revoke temporary on database %I from public', current_database());
  execute format('revoke temporary on database %I from fieldops_login, fieldops_authenticator, '
                 'fieldops_admin, fieldops_worker, fieldops_customer', current_database());
end
$$;

grant usage on schema app to fieldops_admin, fieldops_worker, fieldops_customer;
grant usage on schema auth to fieldops_login, fieldops_authenticator, fieldops_admin, fieldops_worker,
  fieldops_customer;

grant execute on function
  auth.request_context(),
  app.company_id(), app.user_id(), app.customer_id(), app.session_id(), app.role(), app.location_scope(),
  app.in_location_scope(uuid),
  app.branch_id(), app.branch_unscoped()
  to fieldops_admin, fieldops_worker, fieldops_customer;

-- Column defaults (db/migrations/0016): the request's company and user as the
-- server sent them, for the policies' WITH CHECK to verify.
grant execute on function app.session_company_hint(), app.session_user_hint()
  to fieldops_admin, fieldops_worker, fieldops_customer;

-- The duplicate check's address key (db/migrations/0032) is an index
-- expression of app.service_locations: PostgreSQL checks EXECUTE on it for
-- whoever writes a location. A pure function of its arguments: it reads no
-- table and reveals nothing.
grant execute on function app.address_key(text, text, text, text, text)
  to fieldops_admin, fieldops_worker, fieldops_customer;

-- The policies' "can the caller see this job?" on Citus (db/migrations/0016):
-- invoker's rights, so they answer only what app.jobs' policies let the caller see.
grant execute on function
  app.job_is_visible(uuid, uuid), app.customer_has_visible_job(uuid, uuid), app.worker_has_visible_job(uuid, uuid),
  app.location_has_visible_open_job(uuid, uuid), app.job_request_is_visible(uuid, uuid)
  to fieldops_admin, fieldops_worker, fieldops_customer;
-- The same for a file's note or customer (migration 0036).
grant execute on function app.job_note_is_visible(uuid, uuid), app.customer_is_visible(uuid, uuid)
  to fieldops_admin, fieldops_worker, fieldops_customer;
-- And for a gate code's location under a branch scope (migration 0040).
grant execute on function app.location_is_visible(uuid, uuid)
  to fieldops_admin, fieldops_worker, fieldops_customer;

-- The sign-in flow, over the login role's pool only.
grant execute on function
  auth.login_lookup(text, text),
  auth.create_session(uuid, uuid, bytea, timestamptz, timestamptz, text, text),
  auth.rotate_refresh_token(uuid, bytea, bytea, timestamptz),
  auth.open_share_link(uuid, bytea, text),
  auth.login_retry_after(text, text, integer, interval),
  auth.record_login_failure(text, text)
  to fieldops_login;

-- Opening a request's context: an oracle for "is this session live?", which
-- needs a 122-bit session id to say yes.
grant execute on function auth.require_session(uuid, uuid, uuid, app.user_role)
  to fieldops_authenticator;

-- GET /auth/me: the profile of a live session the verified token names
-- (db/migrations/0017: outside the request's transaction, for Citus).
grant execute on function auth.session_profile(uuid, uuid, uuid, text)
  to fieldops_login;

-- Request hygiene (db/migrations/0014): the sign-in flow's throttled attempt
-- and its success, and the hourly purge of expired idempotency answers, all
-- run by the server over its sign-in pool, never from a request.
-- auth.login_normal needs no grant: only the definer functions call it.
grant execute on function
  auth.login_attempt(text, text, text, integer, interval),
  auth.login_attempt_succeeded(bigint),
  auth.purge_idempotency_keys()
  to fieldops_login;

-- Mail (db/migrations/0021): the outbox writer, the sender and password reset,
-- all run by the server over its sign-in pool, never from a request. A
-- request role that one day writes mail itself (an admin's invitation) gets
-- an INSERT grant and policy on app.mail_outbox for its own company instead.
grant execute on function
  auth.enqueue_mail(uuid, text, text, text, text, text),
  auth.mail_due(integer),
  auth.mail_claim(uuid, uuid, interval),
  auth.mail_delivered(uuid, uuid),
  auth.mail_failed(uuid, uuid, text, interval),
  auth.password_reset_request(text, text, text, integer, interval),
  auth.create_password_reset(uuid, uuid, bytea, timestamptz),
  auth.password_reset_account(uuid, bytea),
  auth.complete_password_reset(uuid, bytea, text)
  to fieldops_login;

-- The customer portal (db/migrations/0022): the public portal page, over the
-- sign-in pool, before anyone signs in.
-- Registration, verification, invitations and the reason a registered
-- address cannot sign in yet, all over the sign-in pool too.
grant execute on function
  auth.portal_lookup(text),
  auth.portal_attempt(text, text, text, text, integer, interval),
  auth.portal_register(uuid, text, text, text, text, text, bytea, timestamptz),
  auth.portal_resend_verification(uuid, text, bytea, timestamptz),
  auth.portal_verify(uuid, bytea),
  auth.portal_account_status(text, text),
  auth.portal_register_invited(uuid, bytea, text, text, text, text)
  to fieldops_login;

-- Self-service sign-up of a new company (db/migrations/0043), over the
-- sign-in pool, before anyone signs in.
grant execute on function
  auth.signup_attempt(text, text, integer, interval),
  auth.signup_pending_company(text),
  auth.signup_start(uuid, text, text, boolean, text, text, text, bytea, timestamptz, text),
  auth.signup_confirm(uuid, bytea)
  to fieldops_login;

-- A customer's "request received" mail (db/migrations/0022): to its own
-- address, of its own company, both from the verified context.

-- Indexed search for admins (see db/migrations/0006): company from the context only.
grant execute on function
  auth.search_jobs(text, boolean, uuid, uuid, uuid, timestamptz, uuid, integer),
  auth.search_customers(text, text, uuid, integer),
  auth.search_customer_matches(text, integer),
  auth.find_customer_duplicates(text[], text[], text)
  to fieldops_admin;

-- The admins' custom-field list filters (db/migrations/0023), as the search above.
grant execute on function
  auth.filter_customers(jsonb, text, text, uuid, integer),
  auth.filter_jobs(jsonb, text, boolean, uuid, uuid, uuid, timestamptz, uuid, integer)
  to fieldops_admin;

-- The one-click unsubscribe link of notification mails (db/migrations/0030),
-- over the sign-in pool, without signing in.
grant execute on function auth.portal_unsubscribe(uuid, bytea) to fieldops_login;

-- A login's email change (db/migrations/0030): requested and confirmed over
-- the sign-in pool, the user named by the server from the verified session.
grant execute on function
  auth.email_change_request(uuid, uuid, text, bytea, timestamptz),
  auth.email_change_confirm(uuid, bytea)
  to fieldops_login;

-- Imports (db/migrations/0029): invoker's rights, so every row an import
-- writes or an undo reverts passes the admin's own policies; they only save
-- round trips.
grant execute on function
  app.import_rows(text, uuid, text, jsonb),
  app.import_customer_row(uuid, text, jsonb),
  app.import_job_row(uuid, text, jsonb),
  app.undo_import(bigint)
  to fieldops_admin;

-- The daily digest of waiting requests (db/migrations/0038): the task of
-- `fieldops serve` finds the companies due, claims a day and reads what to
-- mail, over the sign-in pool only.
grant execute on function
  auth.digests_due(timestamptz),
  auth.digest_claim(uuid, date),
  auth.digest_pending(uuid, integer),
  auth.digest_recipients(uuid),
  auth.digest_recorded(uuid, date, integer, integer)
  to fieldops_login;

-- Attachments (db/migrations/0028): the company's stored bytes for its quota
-- (the verified token's company), the sweeper of unfinished uploads and
-- expired deletions, and a share link's photos, over the sign-in pool only.
grant execute on function
  auth.attachment_bytes_used(uuid),
  auth.attachments_to_purge(interval, interval, integer),
  auth.attachment_purged(uuid, uuid, interval, interval),
  auth.share_photos(uuid, bytea)
  to fieldops_login;

-- Organizations (db/migrations/0034): a sign-in without a company, the
-- memberships of the identity it proved, the identity behind a session (for
-- the membership list and the switch), the company used last, and an
-- invitation's state and its accepting, all over the sign-in pool, never
-- from a request.
grant execute on function
  auth.identity_login_attempt(text, text, integer, interval),
  auth.identity_memberships(uuid),
  auth.session_identity(uuid, uuid, uuid, text),
  auth.remember_company(uuid, uuid),
  auth.invitation_status(uuid, bytea),
  auth.accept_invitation(uuid, bytea, uuid, text, text)
  to fieldops_login;

-- A membership's person, found or made before an admin's request writes the
-- membership or approves a portal login (db/migrations/0034): over the
-- sign-in pool, for the admin a live session names, in a transaction of its
-- own.
grant execute on function
  auth.link_membership(uuid, uuid, uuid, uuid, text, text, text),
  auth.link_portal_account(uuid, uuid, uuid, uuid)
  to fieldops_login;

-- Roles and permissions (db/migrations/0039). The policies' question, for
-- every request role; the last-manager check for the office's role, whose
-- trigger calls it with the member's own rights; the role and permissions
-- of a session for GET /auth/me, over the sign-in pool.
grant execute on function app.has_permission(text) to fieldops_admin, fieldops_worker, fieldops_customer;
grant execute on function app.keeps_a_roles_manager(uuid, uuid, uuid) to fieldops_admin;
grant execute on function auth.session_role(uuid, uuid, uuid) to fieldops_login;
