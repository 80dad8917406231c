-- app.service_location_access: a location's gate code and access notes
-- (migration 0020), apart from the location so that rows, not handlers,
-- decide who reads them.
--
-- owner:    everything.
-- admin:    reads and writes its own company's; rows go with their location
--           (deleted by the key's cascade), there is no DELETE grant.
-- worker:   reads those of the locations where it has an open (unarchived)
--           job assigned to it: app.jobs' own policy decides which jobs count.
-- customer: nothing at all: no grant, no policy. Share links never read it
--           (auth.open_share_link builds its view without it).

alter table app.service_location_access enable row level security;
alter table app.service_location_access force row level security;

revoke all on app.service_location_access from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, insert (location_id, gate_code, access_notes), update (gate_code, access_notes)
  on app.service_location_access to fieldops_admin;
grant select (id, company_id, location_id, gate_code, access_notes)
  on app.service_location_access to fieldops_worker;

create policy service_location_access_owner_all on app.service_location_access to fieldops_owner
  using (true) with check (true);

create policy service_location_access_admin_select on app.service_location_access for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): the location's branch and customer decide
  and ((select app.branch_id()) is null
       or exists (select 1 from app.service_locations l where l.company_id = service_location_access.company_id and l.id = service_location_access.location_id offset 0)));

create policy service_location_access_admin_insert on app.service_location_access for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the location's branch and customer decide
  and ((select app.branch_id()) is null
       or exists (select 1 from app.service_locations l where l.company_id = service_location_access.company_id and l.id = service_location_access.location_id offset 0)));

create policy service_location_access_admin_update on app.service_location_access for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the location's branch and customer decide
  and ((select app.branch_id()) is null
       or exists (select 1 from app.service_locations l where l.company_id = service_location_access.company_id and l.id = service_location_access.location_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write'))
  -- branch scope (0040): the location's branch and customer decide
  and ((select app.branch_id()) is null
       or exists (select 1 from app.service_locations l where l.company_id = service_location_access.company_id and l.id = service_location_access.location_id offset 0)));

-- `offset 0`: a per-row probe of app.jobs by key, as in customers.sql.
create policy service_location_access_worker_select on app.service_location_access for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = service_location_access.company_id and j.service_location_id = service_location_access.location_id and not j.is_archived offset 0)
  );
