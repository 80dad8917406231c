-- app.job_statuses: each company's ordered workflow.
--
-- owner:    everything.
-- admin:    full CRUD inside its company (a status in use cannot be deleted: the
--           jobs foreign key refuses; the last final status cannot go: trigger).
-- worker:   reads its company's statuses (to move a job along).
-- customer: reads its company's statuses (to show a job's status).

alter table app.job_statuses enable row level security;
alter table app.job_statuses force row level security;

revoke all on app.job_statuses from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (name, color, order_index, is_final, requires_tasks_done),
      update (name, color, order_index, is_final, requires_tasks_done)
  on app.job_statuses to fieldops_admin;
grant select on app.job_statuses to fieldops_worker, fieldops_customer;

create policy job_statuses_owner_all on app.job_statuses to fieldops_owner
  using (true) with check (true);

create policy job_statuses_admin_select on app.job_statuses for select to fieldops_admin
  using (company_id = (select app.company_id()));

create policy job_statuses_admin_insert on app.job_statuses for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('statuses.manage')));

create policy job_statuses_admin_update on app.job_statuses for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('statuses.manage')))
  with check (company_id = (select app.company_id()) and (select app.has_permission('statuses.manage')));

create policy job_statuses_admin_delete on app.job_statuses for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('statuses.manage')));

create policy job_statuses_select on app.job_statuses for select to fieldops_worker, fieldops_customer
  using (company_id = (select app.company_id()));
