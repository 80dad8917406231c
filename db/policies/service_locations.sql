-- app.service_locations: where a customer's work happens (migration 0020).
--
-- owner:    everything.
-- admin:    reads, creates, edits and deletes its own company's locations; the
--           database keeps every customer at least one (the last one cannot be
--           deleted) and moves none to another customer (no UPDATE on customer_id).
-- worker:   reads the locations of the customers of jobs assigned to it (as it
--           reads those customers). Their gate codes are another table's.
-- customer: reads its own customer's locations; a login whose contact is
--           limited to some locations (migration 0025) reads those only.
-- custom_fields (migration 0023) is the admins' only: workers read
-- worker_custom_fields, customers customer_custom_fields (as customers.sql).

alter table app.service_locations enable row level security;
alter table app.service_locations force row level security;

revoke all on app.service_locations from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete,
      insert (customer_id, name, line1, line2, city, region, postal_code, country, latitude, longitude, custom_fields,
              branch_id, created_by),
      update (name, line1, line2, city, region, postal_code, country, latitude, longitude, custom_fields, branch_id)
  on app.service_locations to fieldops_admin;
grant select (id, company_id, customer_id, name, line1, line2, city, region, postal_code, country, latitude,
              longitude, created_at, updated_at, version, worker_custom_fields)
  on app.service_locations to fieldops_worker;
grant select (id, company_id, customer_id, name, line1, line2, city, region, postal_code, country, latitude,
              longitude, created_at, updated_at, version, customer_custom_fields)
  on app.service_locations to fieldops_customer;

create policy service_locations_owner_all on app.service_locations to fieldops_owner
  using (true) with check (true);

create policy service_locations_admin_select on app.service_locations for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): its own branch's or shared (no branch), of a customer the caller sees
  and ((select app.branch_id()) is null
       or ((branch_id is null or branch_id = (select app.branch_id()))
           and exists (select 1 from app.customers c where c.company_id = service_locations.company_id and c.id = service_locations.customer_id offset 0))));

create policy service_locations_admin_insert on app.service_locations for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- the author it may name on insert, kept by app.stamp_row (migration 0045):
  -- the verified user only, looked up once per statement
  and created_by = (select app.user_id())
  -- branch scope (0040): its own branch's or shared (no branch), of a customer the caller sees
  and ((select app.branch_id()) is null
       or ((branch_id is null or branch_id = (select app.branch_id()))
           and exists (select 1 from app.customers c where c.company_id = service_locations.company_id and c.id = service_locations.customer_id offset 0))));

create policy service_locations_admin_update on app.service_locations for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): its own branch's or shared (no branch), of a customer the caller sees
  and ((select app.branch_id()) is null
       or ((branch_id is null or branch_id = (select app.branch_id()))
           and exists (select 1 from app.customers c where c.company_id = service_locations.company_id and c.id = service_locations.customer_id offset 0))))
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): its own branch's or shared (no branch), of a customer the caller sees
  and ((select app.branch_id()) is null
       or ((branch_id is null or branch_id = (select app.branch_id()))
           and exists (select 1 from app.customers c where c.company_id = service_locations.company_id and c.id = service_locations.customer_id offset 0))));

create policy service_locations_admin_delete on app.service_locations for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): its own branch's or shared (no branch), of a customer the caller sees
  and ((select app.branch_id()) is null
       or ((branch_id is null or branch_id = (select app.branch_id()))
           and exists (select 1 from app.customers c where c.company_id = service_locations.company_id and c.id = service_locations.customer_id offset 0))));

-- `offset 0`: a per-row probe of app.jobs by key, as in customers.sql.
create policy service_locations_worker_select on app.service_locations for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = service_locations.company_id and j.customer_id = service_locations.customer_id offset 0)
  );

create policy service_locations_customer_select on app.service_locations for select to fieldops_customer
  using (
    company_id = (select app.company_id())
    and customer_id = (select app.customer_id())
    and ((select app.location_scope()) is null or id = any ((select app.location_scope())::uuid[]))
  );
