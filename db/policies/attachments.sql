-- app.attachments: photos and documents on jobs, job requests (migration
-- 0028), job notes and customers (0036). A file is visible exactly when its
-- parent is, under the parent's own policies, and the bytes are served only
-- through this row.
--
-- owner:    everything (the sweeper's definer functions run as owner).
-- admin:    reads every file of its company, uploads as itself to any of its
--           jobs, requests, notes and customers, edits caption, visibility
--           and group, soft deletes any file. Deletes a row only while it is
--           pending (an upload that failed).
-- worker:   reads the files of the jobs it sees (assigned ones), of those
--           jobs' notes and of the customers it sees (its jobs' customers):
--           uploads as itself to those jobs and notes (not to customers),
--           edits and soft deletes its own uploads. Never a request's files.
-- customer: reads only customer-visible files of the jobs, requests and
--           notes it sees (its own customer's, within its locations when its
--           login is limited to some, and customer-visible notes only) and of its
--           own customer record. Uploads customer-visible files as itself to
--           its requests, and soft deletes its own. Internal files, and any
--           file of an internal note, never reach a customer: this policy,
--           not the API, says so.

alter table app.attachments enable row level security;
alter table app.attachments force row level security;

revoke all on app.attachments from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete,
  insert (job_id, job_request_id, note_id, customer_id, storage_key, file_name, visibility, caption, photo_group,
          idempotency_key),
  update (file_name, content_type, size_bytes, sha256, state, stored_at, thumb_small_key, thumb_medium_key, visibility,
          caption, photo_group, deleted_at, deleted_by)
  on app.attachments to fieldops_admin, fieldops_worker;
grant select, delete,
  insert (job_request_id, storage_key, file_name, visibility, caption, photo_group, idempotency_key),
  update (file_name, content_type, size_bytes, sha256, state, stored_at, thumb_small_key, thumb_medium_key,
          deleted_at, deleted_by)
  on app.attachments to fieldops_customer;

create policy attachments_owner_all on app.attachments to fieldops_owner
  using (true) with check (true);

-- A customer's files are the customers' permissions' (customers.read,
-- customers.write), those of jobs, notes and requests the jobs'.
create policy attachments_admin_select on app.attachments for select to fieldops_admin
  using (company_id = (select app.company_id())
  and ((customer_id is null and (select app.has_permission('jobs.read')))
       or (customer_id is not null and (select app.has_permission('customers.read'))))
  -- branch scope (0040): the parent's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
       or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0)
       or exists (select 1 from app.customers c where c.company_id = attachments.company_id and c.id = attachments.customer_id offset 0)
       or exists (select 1 from app.job_requests r where r.company_id = attachments.company_id and r.id = attachments.job_request_id offset 0)));

create policy attachments_admin_insert on app.attachments for insert to fieldops_admin
  with check (company_id = (select app.company_id())
  and ((customer_id is null and (select app.has_permission('jobs.write')))
       or (customer_id is not null and (select app.has_permission('customers.write')))) and uploaded_by = (select app.user_id())
  -- branch scope (0040): the parent's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
       or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0)
       or exists (select 1 from app.customers c where c.company_id = attachments.company_id and c.id = attachments.customer_id offset 0)
       or exists (select 1 from app.job_requests r where r.company_id = attachments.company_id and r.id = attachments.job_request_id offset 0)));

create policy attachments_admin_update on app.attachments for update to fieldops_admin
  using (company_id = (select app.company_id())
  and ((customer_id is null and (select app.has_permission('jobs.write')))
       or (customer_id is not null and (select app.has_permission('customers.write'))))
  -- branch scope (0040): the parent's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
       or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0)
       or exists (select 1 from app.customers c where c.company_id = attachments.company_id and c.id = attachments.customer_id offset 0)
       or exists (select 1 from app.job_requests r where r.company_id = attachments.company_id and r.id = attachments.job_request_id offset 0)))
  with check (company_id = (select app.company_id())
  and ((customer_id is null and (select app.has_permission('jobs.write')))
       or (customer_id is not null and (select app.has_permission('customers.write'))))
  -- branch scope (0040): the parent's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
       or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0)
       or exists (select 1 from app.customers c where c.company_id = attachments.company_id and c.id = attachments.customer_id offset 0)
       or exists (select 1 from app.job_requests r where r.company_id = attachments.company_id and r.id = attachments.job_request_id offset 0)));

create policy attachments_admin_delete on app.attachments for delete to fieldops_admin
  using (company_id = (select app.company_id())
  and ((customer_id is null and (select app.has_permission('jobs.write')))
       or (customer_id is not null and (select app.has_permission('customers.write')))) and state = 'pending');

-- `offset 0` keeps each `exists` below a per-row probe of the parent by key,
-- under the parent's own policies (see job_notes.sql).
create policy attachments_worker_select on app.attachments for select to fieldops_worker
  using (
    company_id = (select app.company_id())
    and (exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
         or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0)
         or exists (select 1 from app.customers c where c.company_id = attachments.company_id and c.id = attachments.customer_id offset 0))
  );

create policy attachments_worker_insert on app.attachments for insert to fieldops_worker
  with check (
    company_id = (select app.company_id())
    and uploaded_by = (select app.user_id())
    and (exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
         or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0))
  );

create policy attachments_worker_update on app.attachments for update to fieldops_worker
  using (
    company_id = (select app.company_id())
    and uploaded_by = (select app.user_id())
    and (exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
         or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0))
  )
  with check (company_id = (select app.company_id()) and uploaded_by = (select app.user_id()));

create policy attachments_worker_delete on app.attachments for delete to fieldops_worker
  using (company_id = (select app.company_id()) and uploaded_by = (select app.user_id()) and state = 'pending');

create policy attachments_customer_select on app.attachments for select to fieldops_customer
  using (
    company_id = (select app.company_id())
    and visibility = 'customer'
    and (exists (select 1 from app.jobs j where j.company_id = attachments.company_id and j.id = attachments.job_id offset 0)
         or exists (select 1 from app.job_requests r where r.company_id = attachments.company_id and r.id = attachments.job_request_id offset 0)
         or exists (select 1 from app.job_notes n where n.company_id = attachments.company_id and n.id = attachments.note_id offset 0)
         or exists (select 1 from app.customers c where c.company_id = attachments.company_id and c.id = attachments.customer_id offset 0))
  );

create policy attachments_customer_insert on app.attachments for insert to fieldops_customer
  with check (
    company_id = (select app.company_id())
    and uploaded_by = (select app.user_id())
    and visibility = 'customer'
    and exists (select 1 from app.job_requests r where r.company_id = attachments.company_id and r.id = attachments.job_request_id offset 0)
  );

create policy attachments_customer_update on app.attachments for update to fieldops_customer
  using (
    company_id = (select app.company_id())
    and uploaded_by = (select app.user_id())
    and visibility = 'customer'
    and exists (select 1 from app.job_requests r where r.company_id = attachments.company_id and r.id = attachments.job_request_id offset 0)
  )
  with check (company_id = (select app.company_id()) and uploaded_by = (select app.user_id()) and visibility = 'customer');

create policy attachments_customer_delete on app.attachments for delete to fieldops_customer
  using (company_id = (select app.company_id()) and uploaded_by = (select app.user_id()) and state = 'pending');
