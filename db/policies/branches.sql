-- app.branches: a company's offices (North, South), migration 0040.
--
-- owner:    everything.
-- admin:    a company-wide admin reads its company's branches, and with
--           branches.manage (migration 0039) creates, edits and deletes them (a branch still named by a job, customer,
--           location or member is not deleted: foreign keys). An admin
--           scoped to a branch reads its own branch only and writes none.
-- worker:   reads the company's branches when company-wide, its own when
--           scoped (a name and a colour to show); writes nothing.
-- customer: nothing: branches are the office's organisation.
-- authenticator: nothing.

alter table app.branches enable row level security;
alter table app.branches force row level security;

revoke all on app.branches from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, insert (name, address, color), update (name, address, color), delete
  on app.branches to fieldops_admin;
grant select (id, company_id, name, color) on app.branches to fieldops_worker;

create policy branches_owner_all on app.branches to fieldops_owner
  using (true) with check (true);

create policy branches_admin_select on app.branches for select to fieldops_admin
  using (company_id = (select app.company_id())
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or id = (select app.branch_id())));

create policy branches_admin_insert on app.branches for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('branches.manage'))
  -- branch scope (0040): company-wide admins only
  and (select app.branch_id()) is null);

create policy branches_admin_update on app.branches for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('branches.manage'))
  -- branch scope (0040): company-wide admins only
  and (select app.branch_id()) is null)
  with check (company_id = (select app.company_id()) and (select app.has_permission('branches.manage'))
  -- branch scope (0040): company-wide admins only
  and (select app.branch_id()) is null);

create policy branches_admin_delete on app.branches for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('branches.manage'))
  -- branch scope (0040): company-wide admins only
  and (select app.branch_id()) is null);

create policy branches_worker_select on app.branches for select to fieldops_worker
  using (company_id = (select app.company_id())
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or id = (select app.branch_id())));
