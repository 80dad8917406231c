-- app.customers: the service company's clients.
--
-- owner:    everything.
-- admin:    reads, creates and edits its own company's customers (delete is soft:
--           deleted_at is set; no DELETE grant).
-- worker:   no access yet (the jobs migration gives it the customers of its jobs).
-- customer: no access yet (the jobs migration gives it its own customer row).

alter table app.customers enable row level security;
alter table app.customers force row level security;

revoke all on app.customers from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, insert (name, email, phone, address),
      update (name, email, phone, address, deleted_at, deleted_by)
  on app.customers to fieldops_admin;

create policy customers_owner_all on app.customers to fieldops_owner
  using (true) with check (true);

create policy customers_admin_select on app.customers for select to fieldops_admin
  using (company_id = (select app.company_id()));

create policy customers_admin_insert on app.customers for insert to fieldops_admin
  with check (company_id = (select app.company_id()));

create policy customers_admin_update on app.customers for update to fieldops_admin
  using (company_id = (select app.company_id()))
  with check (company_id = (select app.company_id()));
