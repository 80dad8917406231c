-- app.import_mappings: a company's saved column mappings, for next month's
-- file (migration 0029).
--
-- owner:    everything.
-- admin:    reads, saves, edits and deletes its own company's mappings.
-- worker:   nothing.
-- customer: nothing.

alter table app.import_mappings enable row level security;
alter table app.import_mappings force row level security;

revoke all on app.import_mappings from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (kind, name, source, mapping), update (source, mapping)
  on app.import_mappings to fieldops_admin;

create policy import_mappings_owner_all on app.import_mappings to fieldops_owner
  using (true) with check (true);

create policy import_mappings_admin_select on app.import_mappings for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));

create policy import_mappings_admin_insert on app.import_mappings for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));

create policy import_mappings_admin_update on app.import_mappings for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('imports.run')))
  with check (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));

create policy import_mappings_admin_delete on app.import_mappings for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));
