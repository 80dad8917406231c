-- app.permissions: the catalogue of what a role may be allowed (migration
-- 0039). Defined in code, written by migrations only; no tenant's data, so
-- every request role reads all of it (the roles page lists it).
--
-- owner:    everything.
-- admin, worker, customer: read every row; write nothing.

alter table app.permissions enable row level security;
alter table app.permissions force row level security;

revoke all on app.permissions from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select on app.permissions to fieldops_admin, fieldops_worker, fieldops_customer;

create policy permissions_owner_all on app.permissions to fieldops_owner
  using (true) with check (true);

create policy permissions_select on app.permissions for select
  to fieldops_admin, fieldops_worker, fieldops_customer
  using (true);
