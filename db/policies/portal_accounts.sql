-- app.portal_accounts: registrations on a company's customer portal until
-- they are approved (a user then) or rejected (migration 0022).
--
-- owner:                     everything (the auth.portal_* functions and the
--                            approval trigger app.portal_account_decided run as owner).
-- login (fieldops_login):    nothing directly; registers, verifies and explains
--                            a refused sign-in through the auth.portal_* functions.
-- authenticator:             nothing.
-- admin:                     reads its own company's accounts, never a password
--                            hash; decides a pending one: approves it (to one of
--                            its customers, or a new one) or rejects it with a
--                            reason. Nothing else: no insert, no delete, no other change.
-- worker, customer:          nothing.

alter table app.portal_accounts enable row level security;
alter table app.portal_accounts force row level security;

revoke all on app.portal_accounts from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;
grant select (id, company_id, name, email, phone, address, terms_accepted_at, state, email_verified_at, customer_id,
              user_id, invitation_id, rejected_reason, decided_at, created_at, updated_at, version),
  -- identity_id: the person auth.link_portal_account() answered, named
  -- with an approval (db/migrations/0034).
  update (state, customer_id, rejected_reason, identity_id)
  on app.portal_accounts to fieldops_admin;

create policy portal_accounts_owner_all on app.portal_accounts to fieldops_owner
  using (true) with check (true);

create policy portal_accounts_admin_select on app.portal_accounts for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')));

-- Only a pending account is decided, and only into a decision.
create policy portal_accounts_admin_update on app.portal_accounts for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')) and state = 'pending')
  with check (company_id = (select app.company_id()) and (select app.has_permission('portal.manage')) and state in ('approved', 'rejected'));
