-- app.companies: the tenants themselves.
--
-- owner:    everything (migrations, `fieldops create-company`, definer functions).
-- admin:    reads its own company; may change its display name and color.
-- worker:   reads its own company.
-- customer: reads its own company.
-- No request role may create or delete a company, or read any other.

alter table app.companies enable row level security;
alter table app.companies force row level security;

revoke all on app.companies from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select on app.companies to fieldops_admin, fieldops_worker, fieldops_customer;
grant update (name, color) on app.companies to fieldops_admin;

create policy companies_owner_all on app.companies to fieldops_owner
  using (true) with check (true);

create policy companies_select_own on app.companies for select
  to fieldops_admin, fieldops_worker, fieldops_customer
  using (id = (select app.company_id()));

create policy companies_admin_update on app.companies for update to fieldops_admin
  using (id = (select app.company_id()) and (select app.has_permission('company.manage')))
  with check (id = (select app.company_id()) and (select app.has_permission('company.manage')));
