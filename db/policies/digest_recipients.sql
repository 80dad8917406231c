-- app.digest_recipients: the admins who receive the daily digest of waiting
-- job requests (migration 0038).
--
-- owner:                     everything (the digest task reads it through
--                            auth.digest_recipients and auth.digests_due).
-- login (fieldops_login):    nothing directly.
-- admin:                     reads, adds and removes its own company's
--                            recipients; no UPDATE (a choice is added or removed).
-- worker, customer:          nothing.

alter table app.digest_recipients enable row level security;
alter table app.digest_recipients force row level security;

revoke all on app.digest_recipients from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
grant select, insert (user_id), delete on app.digest_recipients to fieldops_admin;

create policy digest_recipients_owner_all on app.digest_recipients to fieldops_owner
  using (true) with check (true);

create policy digest_recipients_admin_select on app.digest_recipients for select to fieldops_admin
  using (company_id = (select app.company_id()));

create policy digest_recipients_admin_insert on app.digest_recipients for insert to fieldops_admin
  with check (company_id = (select app.company_id()));

create policy digest_recipients_admin_delete on app.digest_recipients for delete to fieldops_admin
  using (company_id = (select app.company_id()));
