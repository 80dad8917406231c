-- app.jobs: the work itself.
--
-- owner:    everything.
-- admin:    reads, creates and edits every job of its company (incl. assignment
--           and archive); no DELETE grant, jobs are archived.
-- worker:   reads the jobs assigned to it; may change status_id only (column grant).
-- status_mail (migration 0030) is the status mail the server renders for a
-- status change, which app.job_status_mailed() queues and clears: writable
-- with status_id, never stored, so nobody reads it.
-- customer: reads its own customer's unarchived jobs, and when its contact is
--           limited to some locations (migration 0025), only the jobs at
--           those; writes nothing.
-- custom_fields (migration 0023) is the admins' only: the worker reads
-- worker_custom_fields, the customer customer_custom_fields, the projections
-- the database keeps of the fields visible to each. Workers write no custom
-- field: a job's fields are the office's record (docs/custom-fields.md).

alter table app.jobs enable row level security;
alter table app.jobs force row level security;

revoke all on app.jobs from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select,
      insert (customer_id, status_id, assigned_worker_id, title, description, scheduled_at,
              service_location_id, site_contact_id, custom_fields, branch_id),
      update (customer_id, status_id, assigned_worker_id, title, description, scheduled_at,
              service_location_id, site_contact_id, is_archived, archived_at, archived_by, custom_fields, status_mail,
              branch_id)
  on app.jobs to fieldops_admin;
-- Every column but custom_fields and customer_custom_fields.
grant select (id, company_id, customer_id, status_id, assigned_worker_id, title, description, scheduled_at,
              completed_at, is_archived, archived_at, archived_by, created_at, updated_at, created_by,
              updated_by, version, service_location_id, site_contact_id, worker_custom_fields, branch_id),
      update (status_id, status_mail)
  on app.jobs to fieldops_worker;
grant select (id, company_id, customer_id, status_id, assigned_worker_id, title, description,
              scheduled_at, completed_at, is_archived, created_at, updated_at, version,
              service_location_id, site_contact_id, customer_custom_fields, branch_id)
  on app.jobs to fieldops_customer;

create policy jobs_owner_all on app.jobs to fieldops_owner
  using (true) with check (true);

create policy jobs_admin_select on app.jobs for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.read'))
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())));

create policy jobs_admin_insert on app.jobs for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())));

create policy jobs_admin_update on app.jobs for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())))
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())));

create policy jobs_worker_select on app.jobs for select to fieldops_worker
  using (company_id = (select app.company_id()) and assigned_worker_id = (select app.user_id())
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())));

-- WITH CHECK keeps the job assigned to the same worker after the update.
create policy jobs_worker_update on app.jobs for update to fieldops_worker
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.update_status')) and assigned_worker_id = (select app.user_id())
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())))
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.update_status')) and assigned_worker_id = (select app.user_id()));

create policy jobs_customer_select on app.jobs for select to fieldops_customer
  using (
    company_id = (select app.company_id())
    and customer_id = (select app.customer_id())
    and not is_archived
    -- null: not limited (the location list is part of the verified context).
    and ((select app.location_scope()) is null
         or service_location_id = any ((select app.location_scope())::uuid[]))
  );

-- The list view adds no rights: it is security_invoker, so the policies and
-- column grants above (and on customers, users, statuses, tasks) still decide.
revoke all on app.job_summaries from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select on app.job_summaries to fieldops_admin, fieldops_worker, fieldops_customer;
