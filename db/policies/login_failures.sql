-- app.login_failures: failed sign-ins, for throttling. Not tenant data: it is
-- keyed by the account a client *tried* (which may not exist) and its address.
--
-- owner:                     everything (auth.login_retry_after and
--                            auth.record_login_failure run as owner).
-- authenticator:             nothing directly; only through those two functions.
-- admin, worker, customer:   nothing.

alter table app.login_failures enable row level security;
alter table app.login_failures force row level security;

revoke all on app.login_failures from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

create policy login_failures_owner_all on app.login_failures to fieldops_owner
  using (true) with check (true);
