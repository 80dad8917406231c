-- app.job_notes: text notes on a job, 'internal' (staff) or 'customer' (shared).
--
-- owner:    everything.
-- admin:    reads and writes every note of its company's jobs.
-- worker:   reads all notes of its assigned jobs; adds notes to them as itself.
-- customer: reads only 'customer' notes of its visible jobs; writes nothing.
--           Internal notes never reach a customer: this policy, not the API, says so.

alter table app.job_notes enable row level security;
alter table app.job_notes force row level security;

revoke all on app.job_notes from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (job_id, body, visibility), update (body, visibility) on app.job_notes to fieldops_admin;
grant select, insert (job_id, body, visibility) on app.job_notes to fieldops_worker;
grant select (id, company_id, job_id, author_id, body, visibility, created_at, updated_at, version)
  on app.job_notes to fieldops_customer;

create policy job_notes_owner_all on app.job_notes to fieldops_owner
  using (true) with check (true);

create policy job_notes_admin_select on app.job_notes for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.read'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)));

create policy job_notes_admin_insert on app.job_notes for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.write')) and author_id = (select app.user_id())
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)));

create policy job_notes_admin_update on app.job_notes for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.write')) and author_id = (select app.user_id())
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)));

create policy job_notes_admin_delete on app.job_notes for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)));

-- `offset 0` keeps each `exists` below a per-row probe of app.jobs by key. Without
-- it the planner may instead hash every job the caller can see (for a worker, years
-- of history) on every query, so cost would grow with the caller's history.
create policy job_notes_worker_select on app.job_notes for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)
  );

create policy job_notes_worker_insert on app.job_notes for insert to fieldops_worker
  with check (
    company_id = (select app.company_id()) and (select app.has_permission('notes.write'))
    and author_id = (select app.user_id())
    and exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)
  );

create policy job_notes_customer_select on app.job_notes for select to fieldops_customer
  using (
    company_id = (select app.company_id())
    and visibility = 'customer'
    and exists (select 1 from app.jobs j where j.company_id = job_notes.company_id and j.id = job_notes.job_id offset 0)
  );
