-- app.digest_runs: a row per company and day on which the daily digest ran,
-- with what it queued (migration 0038).
--
-- owner:                     everything (auth.digest_claim and
--                            auth.digest_recorded write it as the owner).
-- login (fieldops_login):    nothing directly.
-- admin:                     reads its own company's runs.
-- worker, customer:          nothing.

alter table app.digest_runs enable row level security;
alter table app.digest_runs force row level security;

revoke all on app.digest_runs from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
grant select on app.digest_runs to fieldops_admin;

create policy digest_runs_owner_all on app.digest_runs to fieldops_owner
  using (true) with check (true);

create policy digest_runs_admin_select on app.digest_runs for select to fieldops_admin
  using (company_id = (select app.company_id()));
