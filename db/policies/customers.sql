-- app.customers: the service company's clients.
--
-- owner:    everything.
-- admin:    reads, creates and edits its own company's customers; deleting is
--           soft (deleted_at), there is no DELETE grant.
-- worker:   reads name, phone and address of the customers of jobs assigned to it.
-- customer: reads its own customer row.
-- custom_fields (migration 0023) is the admins' only: workers read
-- worker_custom_fields, customers customer_custom_fields, the projections the
-- database keeps of the fields visible to them. Only admins write values.
-- account_number is the database's (app.assign_account_number, migration 0020):
-- no role may write it.

alter table app.customers enable row level security;
alter table app.customers force row level security;

revoke all on app.customers from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, insert (name, email, phone, address, tags, do_not_service, notes, parent_customer_id, custom_fields,
              branch_id, created_by),
      update (name, email, phone, address, tags, do_not_service, notes, parent_customer_id, deleted_at, deleted_by,
              custom_fields, branch_id)
  on app.customers to fieldops_admin;
grant select (id, company_id, name, phone, address, worker_custom_fields) on app.customers to fieldops_worker;
grant select (id, company_id, name, email, phone, address, customer_custom_fields) on app.customers to fieldops_customer;

create policy customers_owner_all on app.customers to fieldops_owner
  using (true) with check (true);

create policy customers_admin_select on app.customers for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): its own branch's or shared (no branch)
  and ((select app.branch_id()) is null or branch_id is null or branch_id = (select app.branch_id())));

create policy customers_admin_insert on app.customers for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- the author it may name on insert, kept by app.stamp_row (migration 0045):
  -- the verified user only, looked up once per statement
  and created_by = (select app.user_id())
  -- branch scope (0040): its own branch's or shared (no branch)
  and ((select app.branch_id()) is null or branch_id is null or branch_id = (select app.branch_id())));

create policy customers_admin_update on app.customers for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): its own branch's or shared (no branch)
  and ((select app.branch_id()) is null or branch_id is null or branch_id = (select app.branch_id())))
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): its own branch's or shared (no branch)
  and ((select app.branch_id()) is null or branch_id is null or branch_id = (select app.branch_id())));

-- app.jobs is itself filtered for the worker: only its assigned jobs count.
-- `offset 0` keeps each `exists` below a per-row probe of app.jobs by key. Without
-- it the planner may instead hash every job the caller can see (for a worker, years
-- of history) on every query, so cost would grow with the caller's history.
create policy customers_worker_select on app.customers for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = customers.company_id and j.customer_id = customers.id offset 0)
  );

create policy customers_customer_select on app.customers for select to fieldops_customer
  using (company_id = (select app.company_id()) and id = (select app.customer_id()));
