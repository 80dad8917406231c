-- app.identities: the people who sign in (email, password, company used
-- last), one row per address across all companies (db/migrations/0034).
-- Not tenant data: a person's memberships are app.users rows, one per company.
--
-- owner:    everything.
-- admin, worker, customer, authenticator: nothing at all. A request never
--           reads or writes an identity: the sign-in pool's definer functions
--           (auth.identity_login_attempt, auth.identity_memberships,
--           auth.session_identity, auth.remember_company, the password reset)
--           and the app.users_link_identity() trigger do, each for the one
--           identity a verified password, token or membership names.

alter table app.identities enable row level security;
alter table app.identities force row level security;

revoke all on app.identities from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

create policy identities_owner_all on app.identities to fieldops_owner
  using (true) with check (true);
