-- app.company_signups: self-service sign-ups of new companies, pending until
-- the mailed link is opened (24 hours, single use; migration 0043).
--
-- owner:                     everything (the auth.signup_* functions run as owner).
-- login (fieldops_login):    nothing directly, only through those functions.
-- authenticator:             nothing.
-- admin, worker, customer:   nothing: the rows hold a token digest and, until
--                            confirmed, a password hash; the company and the
--                            membership the confirmation makes are audited.

alter table app.company_signups enable row level security;
alter table app.company_signups force row level security;

revoke all on app.company_signups from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;

create policy company_signups_owner_all on app.company_signups to fieldops_owner
  using (true) with check (true);
