-- app.contact_locations: the locations a contact is limited to, when its
-- contacts.restricted_to_locations is set (migration 0025). A customer login
-- linked to that contact sees those locations' jobs only; the list reaches the
-- login's sessions through a trigger, and the policies of jobs and
-- service_locations read it from the verified context (app.location_scope()).
--
-- owner:    everything.
-- admin:    reads, adds and removes its own company's links (no UPDATE: a link
--           is replaced, not edited).
-- worker:   nothing (a worker needs the job's location, not who may see it).
-- customer: nothing (what it may see is decided for it, not shown to it).

alter table app.contact_locations enable row level security;
alter table app.contact_locations force row level security;

revoke all on app.contact_locations from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (customer_id, contact_id, service_location_id) on app.contact_locations to fieldops_admin;

create policy contact_locations_owner_all on app.contact_locations to fieldops_owner
  using (true) with check (true);

create policy contact_locations_admin_select on app.contact_locations for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_locations.company_id and c.id = contact_locations.customer_id offset 0)));

create policy contact_locations_admin_insert on app.contact_locations for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_locations.company_id and c.id = contact_locations.customer_id offset 0)));

create policy contact_locations_admin_delete on app.contact_locations for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = contact_locations.company_id and c.id = contact_locations.customer_id offset 0)));
