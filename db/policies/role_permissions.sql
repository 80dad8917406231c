-- app.role_permissions: which permissions each of a company's roles holds
-- (migration 0039).
--
-- owner:    everything.
-- admin:    reads its company's grants; with roles.manage gives a role a
--           permission or takes it away, but only one it holds itself
--           (app.check_role_grant()), and never the company's last holder of
--           roles.manage (app.keep_a_roles_manager()). A change reaches the
--           role's members' sessions at once (app.refresh_role_sessions()).
-- worker, customer: nothing.

alter table app.role_permissions enable row level security;
alter table app.role_permissions force row level security;

revoke all on app.role_permissions from public, fieldops_authenticator, fieldops_admin, fieldops_worker,
  fieldops_customer;
grant select, delete, insert (role_id, permission, base) on app.role_permissions to fieldops_admin;

create policy role_permissions_owner_all on app.role_permissions to fieldops_owner
  using (true) with check (true);

create policy role_permissions_admin_select on app.role_permissions for select to fieldops_admin
  using (company_id = (select app.company_id()));

create policy role_permissions_admin_insert on app.role_permissions for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('roles.manage')));

create policy role_permissions_admin_delete on app.role_permissions for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('roles.manage')));
