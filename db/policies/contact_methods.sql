-- app.contact_methods: how a contact is reached (mobile, office phone, email,
-- fax; one primary per kind), migration 0020. customer_id is the contact's
-- (its key says so), so the rules are the contacts'.
--
-- owner:    everything.
-- admin:    reads, creates, edits and deletes its own company's.
-- worker:   reads those of the customers of jobs assigned to it.
-- customer: reads its own customer's.

alter table app.contact_methods enable row level security;
alter table app.contact_methods force row level security;

revoke all on app.contact_methods from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (customer_id, contact_id, kind, value, is_primary, created_by), update (value, is_primary)
  on app.contact_methods to fieldops_admin;
grant select (id, company_id, customer_id, contact_id, kind, value, is_primary)
  on app.contact_methods to fieldops_worker, fieldops_customer;

create policy contact_methods_owner_all on app.contact_methods to fieldops_owner
  using (true) with check (true);

create policy contact_methods_admin_select on app.contact_methods for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_methods.company_id and c.id = contact_methods.customer_id offset 0)));

create policy contact_methods_admin_insert on app.contact_methods for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- the author it may name on insert, kept by app.stamp_row (migration 0045):
  -- the verified user only, looked up once per statement
  and created_by = (select app.user_id())
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_methods.company_id and c.id = contact_methods.customer_id offset 0)));

create policy contact_methods_admin_update on app.contact_methods for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_methods.company_id and c.id = contact_methods.customer_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_methods.company_id and c.id = contact_methods.customer_id offset 0)));

create policy contact_methods_admin_delete on app.contact_methods for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_methods.company_id and c.id = contact_methods.customer_id offset 0)));

-- `offset 0`: a per-row probe of app.jobs by key, as in customers.sql.
create policy contact_methods_worker_select on app.contact_methods for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = contact_methods.company_id and j.customer_id = contact_methods.customer_id offset 0)
  );

create policy contact_methods_customer_select on app.contact_methods for select to fieldops_customer
  using (company_id = (select app.company_id()) and customer_id = (select app.customer_id()));
