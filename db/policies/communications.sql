-- app.communications: the communication log, every call, email, text or
-- visit noted against a customer (migration 0024).
--
-- owner:    everything.
-- admin:    reads its own company's log and adds to it; edits and deletes only
--           the entries it wrote itself (created_by, set by app.stamp_row from
--           the verified context).
-- worker:   nothing: the log is staff's.
-- customer: nothing.

alter table app.communications enable row level security;
alter table app.communications force row level security;

revoke all on app.communications from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete,
      insert (customer_id, service_location_id, contact_id, job_id, occurred_at, channel, direction, summary),
      update (service_location_id, contact_id, job_id, occurred_at, channel, direction, summary)
  on app.communications to fieldops_admin;

create policy communications_owner_all on app.communications to fieldops_owner
  using (true) with check (true);

create policy communications_admin_select on app.communications for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = communications.company_id and c.id = communications.customer_id offset 0)));

create policy communications_admin_insert on app.communications for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = communications.company_id and c.id = communications.customer_id offset 0)));

create policy communications_admin_update on app.communications for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write')) and created_by = (select app.user_id())
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = communications.company_id and c.id = communications.customer_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = communications.company_id and c.id = communications.customer_id offset 0)));

create policy communications_admin_delete on app.communications for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write')) and created_by = (select app.user_id())
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = communications.company_id and c.id = communications.customer_id offset 0)));
