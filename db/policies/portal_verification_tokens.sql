-- app.portal_verification_tokens: the digests of the links that verify a
-- portal registration's email (24 hours, single use; migration 0022).
--
-- owner:                     everything (the auth.portal_* functions run as owner).
-- login (fieldops_login):    nothing directly; only through those functions.
-- authenticator:             nothing.
-- admin, worker, customer:   nothing: no request role reads a token digest.

alter table app.portal_verification_tokens enable row level security;
alter table app.portal_verification_tokens force row level security;

revoke all on app.portal_verification_tokens from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;

create policy portal_verification_tokens_owner_all on app.portal_verification_tokens to fieldops_owner
  using (true) with check (true);
