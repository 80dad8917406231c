-- app.sessions and app.refresh_tokens: sign-in sessions.
--
-- owner:                     everything (the auth.* definer functions run as owner).
-- admin, worker, customer:   read and revoke (logout) the request's own session only.
-- authenticator:             nothing directly; it goes through auth.create_session,
--                            auth.rotate_refresh_token and auth.require_session.
-- app.refresh_tokens:        owner only; no request role can read token hashes.

alter table app.sessions enable row level security;
alter table app.sessions force row level security;
alter table app.refresh_tokens enable row level security;
alter table app.refresh_tokens force row level security;

revoke all on app.sessions from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
revoke all on app.refresh_tokens from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

-- role, customer_id, location_scope, permissions and branch_id: on Citus the verified context's
-- lookup of the request's own session may reach another node, where it runs as the request role.
grant select (id, company_id, user_id, role, customer_id, location_scope, permissions, branch_id, expires_at,
              revoked_at, created_at),
      update (revoked_at, revoked_reason)
  on app.sessions to fieldops_admin, fieldops_worker, fieldops_customer;

create policy sessions_owner_all on app.sessions to fieldops_owner
  using (true) with check (true);

-- The row of the session whose id the request holds. Not through app.*(): the
-- verified context itself reads this row with the caller's rights
-- (auth.request_context(), migration 0016), and holding the id is what proves
-- the session. A revoked or expired row is readable; it is no context.
create policy sessions_select_own on app.sessions for select
  to fieldops_admin, fieldops_worker, fieldops_customer
  using (
    company_id = app.session_company_hint()
    and id = nullif(pg_catalog.current_setting('app.session_id', true), '')::uuid
  );

create policy sessions_revoke_own on app.sessions for update
  to fieldops_admin, fieldops_worker, fieldops_customer
  using (company_id = (select app.company_id()) and id = (select app.session_id()))
  with check (company_id = (select app.company_id()) and id = (select app.session_id()));

create policy refresh_tokens_owner_all on app.refresh_tokens to fieldops_owner
  using (true) with check (true);
