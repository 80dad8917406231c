-- app.contacts: the people of a customer (migration 0020); at most one is
-- its primary contact.
--
-- owner:    everything.
-- admin:    reads, creates, edits and deletes its own company's contacts.
-- worker:   reads the contacts of the customers of jobs assigned to it (as it
--           reads those customers), notes included: staff read staff notes.
-- customer: reads its own customer's contacts, but not their (staff) notes,
--           nor which locations each is limited to (contact_locations.sql).

alter table app.contacts enable row level security;
alter table app.contacts force row level security;

revoke all on app.contacts from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (customer_id, name, title, notes, is_primary, restricted_to_locations, created_by),
      update (name, title, notes, is_primary, restricted_to_locations)
  on app.contacts to fieldops_admin;
grant select (id, company_id, customer_id, name, title, notes, is_primary, created_at, updated_at, version)
  on app.contacts to fieldops_worker;
grant select (id, company_id, customer_id, name, title, is_primary, created_at, updated_at, version)
  on app.contacts to fieldops_customer;

create policy contacts_owner_all on app.contacts to fieldops_owner
  using (true) with check (true);

create policy contacts_admin_select on app.contacts for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contacts.company_id and c.id = contacts.customer_id offset 0)));

create policy contacts_admin_insert on app.contacts for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- the author it may name on insert, kept by app.stamp_row (migration 0045):
  -- the verified user only, looked up once per statement
  and created_by = (select app.user_id())
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contacts.company_id and c.id = contacts.customer_id offset 0)));

create policy contacts_admin_update on app.contacts for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contacts.company_id and c.id = contacts.customer_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contacts.company_id and c.id = contacts.customer_id offset 0)));

create policy contacts_admin_delete on app.contacts for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contacts.company_id and c.id = contacts.customer_id offset 0)));

-- `offset 0`: a per-row probe of app.jobs by key, as in customers.sql.
create policy contacts_worker_select on app.contacts for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = contacts.company_id and j.customer_id = contacts.customer_id offset 0)
  );

create policy contacts_customer_select on app.contacts for select to fieldops_customer
  using (company_id = (select app.company_id()) and customer_id = (select app.customer_id()));
