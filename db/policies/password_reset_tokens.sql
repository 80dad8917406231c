-- app.password_reset_tokens: the digests of the links that reset a password
-- (1 hour, single use; db/migrations/0021).
--
-- owner:                     everything (auth.create_password_reset,
--                            auth.password_reset_account and
--                            auth.complete_password_reset run as owner).
-- login (fieldops_login):    nothing directly; only through those functions.
-- authenticator:             nothing.
-- admin, worker, customer:   nothing: no request role reads a token digest.

alter table app.password_reset_tokens enable row level security;
alter table app.password_reset_tokens force row level security;

revoke all on app.password_reset_tokens from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;

create policy password_reset_tokens_owner_all on app.password_reset_tokens to fieldops_owner
  using (true) with check (true);
