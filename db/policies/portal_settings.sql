-- app.portal_settings: each company's customer portal settings (registration
-- mode, request fields locked after approval, job status mails; migration 0022).
--
-- owner:                     everything (auth.portal_lookup runs as owner).
-- login (fieldops_login):    nothing directly; the public portal page reads a
--                            company's registration mode through auth.portal_lookup.
-- authenticator:             nothing.
-- admin:                     reads, creates (its one row) and edits its own
--                            company's settings; no DELETE.
-- worker:                    nothing.
-- customer:                  nothing (what the portal needs of them reaches it
--                            through the endpoints that apply them).

alter table app.portal_settings enable row level security;
alter table app.portal_settings force row level security;

revoke all on app.portal_settings from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
grant select, insert (registration_mode, locked_fields, job_status_mails, digest_hour),
  update (registration_mode, locked_fields, job_status_mails, digest_hour)
  on app.portal_settings to fieldops_admin;

create policy portal_settings_owner_all on app.portal_settings to fieldops_owner
  using (true) with check (true);

create policy portal_settings_admin_select on app.portal_settings for select to fieldops_admin
  using (company_id = (select app.company_id()));

create policy portal_settings_admin_insert on app.portal_settings for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')));

create policy portal_settings_admin_update on app.portal_settings for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')))
  with check (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')));
