-- app.job_tasks: checklist items of a job.
--
-- owner:    everything.
-- admin:    full CRUD on the tasks of its company's jobs.
-- worker:   reads the tasks of its assigned jobs; may change is_completed only.
-- customer: reads the tasks of its visible jobs; writes nothing.
-- "Visible job" is decided by app.jobs' own policies, evaluated as the caller.

alter table app.job_tasks enable row level security;
alter table app.job_tasks force row level security;

revoke all on app.job_tasks from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (job_id, title, position, is_completed),
      update (title, position, is_completed)
  on app.job_tasks to fieldops_admin;
grant select, update (is_completed) on app.job_tasks to fieldops_worker;
grant select (id, company_id, job_id, title, position, is_completed, completed_at, created_at, updated_at, version)
  on app.job_tasks to fieldops_customer;

create policy job_tasks_owner_all on app.job_tasks to fieldops_owner
  using (true) with check (true);

create policy job_tasks_admin_select on app.job_tasks for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.read'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)));

create policy job_tasks_admin_insert on app.job_tasks for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)));

create policy job_tasks_admin_update on app.job_tasks for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)));

create policy job_tasks_admin_delete on app.job_tasks for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)));

-- `offset 0` keeps each `exists` below a per-row probe of app.jobs by key. Without
-- it the planner may instead hash every job the caller can see (for a worker, years
-- of history) on every query, so cost would grow with the caller's history.
create policy job_tasks_worker_select on app.job_tasks for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)
  );

create policy job_tasks_worker_update on app.job_tasks for update to fieldops_worker
  using (
    company_id = (select app.company_id()) and (select app.has_permission('tasks.complete'))
    and exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)
  )
  with check (company_id = (select app.company_id()) and (select app.has_permission('tasks.complete')));

create policy job_tasks_customer_select on app.job_tasks for select to fieldops_customer
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)
  );
