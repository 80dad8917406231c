-- app.portal_invitations: staff's invitations of an email to register for one
-- of their customers on the portal (7 days, single use; migration 0022).
--
-- owner:                     everything (auth.portal_register_invited runs as owner).
-- login (fieldops_login):    nothing directly; spends an invitation through
--                            auth.portal_register_invited.
-- authenticator:             nothing.
-- admin:                     reads its own company's invitations (never the
--                            token digest) and creates them for its customers
--                            (stores a digest, as for share links), and
--                            revokes (deletes) one not used yet (migration 0038).
-- worker, customer:          nothing.

alter table app.portal_invitations enable row level security;
alter table app.portal_invitations force row level security;

revoke all on app.portal_invitations from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
grant select (id, company_id, customer_id, email, expires_at, used_at, account_id, created_at, updated_at, version),
  insert (customer_id, email, token_hash, expires_at), delete
  on app.portal_invitations to fieldops_admin;

create policy portal_invitations_owner_all on app.portal_invitations to fieldops_owner
  using (true) with check (true);

create policy portal_invitations_admin_select on app.portal_invitations for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')));

create policy portal_invitations_admin_insert on app.portal_invitations for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')));

create policy portal_invitations_admin_delete on app.portal_invitations for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')) and used_at is null);
