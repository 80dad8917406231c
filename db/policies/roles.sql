-- app.roles: the roles a company defines (migration 0039).
--
-- owner:    everything.
-- admin:    reads its company's roles (the members page names them); with
--           roles.manage creates, renames and deletes them. A role's kind
--           (base) is chosen when it is created and fixed after; a default
--           role cannot be deleted, a role members still hold cannot either
--           (the memberships' key).
-- worker, customer: nothing (GET /auth/me names their own role through the
--           sign-in pool's auth.session_role()).

alter table app.roles enable row level security;
alter table app.roles force row level security;

revoke all on app.roles from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (name, base, description), update (name, description)
  on app.roles to fieldops_admin;

create policy roles_owner_all on app.roles to fieldops_owner
  using (true) with check (true);

create policy roles_admin_select on app.roles for select to fieldops_admin
  using (company_id = (select app.company_id()));

create policy roles_admin_insert on app.roles for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('roles.manage')));

create policy roles_admin_update on app.roles for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('roles.manage')))
  with check (company_id = (select app.company_id()) and (select app.has_permission('roles.manage')));

create policy roles_admin_delete on app.roles for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('roles.manage')));
