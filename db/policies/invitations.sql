-- app.invitations: an admin's invitation of an address to join the company
-- with a staff role (7 days, single use, revocable; migration 0034).
--
-- owner:                     everything (auth.accept_invitation runs as owner).
-- login (fieldops_login):    nothing directly; reads and spends an invitation
--                            through auth.invitation_status and
--                            auth.accept_invitation, by the link's digest.
-- authenticator:             nothing.
-- admin:                     reads its own company's invitations (never the
--                            token digest), creates them (stores a digest) and
--                            revokes them (sets revoked_at); no DELETE.
-- worker, customer:          nothing.

alter table app.invitations enable row level security;
alter table app.invitations force row level security;

revoke all on app.invitations from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
grant select (id, company_id, email, role, expires_at, accepted_at, user_id, revoked_at, created_at, updated_at,
              created_by, updated_by, version),
  insert (email, role, token_hash, expires_at),
  update (revoked_at)
  on app.invitations to fieldops_admin;

create policy invitations_owner_all on app.invitations to fieldops_owner
  using (true) with check (true);

create policy invitations_admin_select on app.invitations for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('users.manage')));

create policy invitations_admin_insert on app.invitations for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('users.manage')));

create policy invitations_admin_update on app.invitations for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('users.manage')))
  with check (company_id = (select app.company_id()) and (select app.has_permission('users.manage')));
