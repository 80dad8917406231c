-- app.external_refs: which record a source system's id became, so a
-- re-import updates it instead of creating another (migration 0029).
--
-- owner:    everything.
-- admin:    reads, creates and deletes its own company's links (an import
--           creates them, its undo deletes them); never re-points one.
-- worker:   nothing.
-- customer: nothing.

alter table app.external_refs enable row level security;
alter table app.external_refs force row level security;

revoke all on app.external_refs from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (source, kind, external_id, record_id, import_id, created_by)
  on app.external_refs to fieldops_admin;

create policy external_refs_owner_all on app.external_refs to fieldops_owner
  using (true) with check (true);

create policy external_refs_admin_select on app.external_refs for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read')));

create policy external_refs_admin_insert on app.external_refs for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('imports.run'))
  -- the author it may name on insert, kept by app.stamp_row (migration 0045):
  -- the verified user only, looked up once per statement
  and created_by = (select app.user_id()));

create policy external_refs_admin_delete on app.external_refs for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));
