-- app.message_reads: each user's read marker per conversation (migration
-- 0030), for the unread counts.
--
-- owner:              everything.
-- admin, worker,      read, create and move their own markers only, and create
-- customer:           one only for a request or job they see (the probes below,
--                     under those tables' own policies): a marker tells nothing
--                     of another thread. No delete.

alter table app.message_reads enable row level security;
alter table app.message_reads force row level security;

revoke all on app.message_reads from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, insert (user_id, request_id, job_id, last_read_at), update (last_read_at)
  on app.message_reads to fieldops_admin, fieldops_worker, fieldops_customer;

create policy message_reads_owner_all on app.message_reads to fieldops_owner
  using (true) with check (true);

create policy message_reads_admin_select on app.message_reads for select to fieldops_admin
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy message_reads_admin_insert on app.message_reads for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id())
    and (request_id is null
         or exists (select 1 from app.job_requests r where r.company_id = message_reads.company_id and r.id = message_reads.request_id offset 0))
    and (job_id is null
         or exists (select 1 from app.jobs j where j.company_id = message_reads.company_id and j.id = message_reads.job_id offset 0)));

create policy message_reads_admin_update on app.message_reads for update to fieldops_admin
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy message_reads_worker_select on app.message_reads for select to fieldops_worker
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()));

-- A worker's threads are its jobs' only (it reads no request at all).
create policy message_reads_worker_insert on app.message_reads for insert to fieldops_worker
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()) and request_id is null
    and exists (select 1 from app.jobs j where j.company_id = message_reads.company_id and j.id = message_reads.job_id offset 0));

create policy message_reads_worker_update on app.message_reads for update to fieldops_worker
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy message_reads_customer_select on app.message_reads for select to fieldops_customer
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy message_reads_customer_insert on app.message_reads for insert to fieldops_customer
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id())
    and (request_id is null
         or exists (select 1 from app.job_requests r where r.company_id = message_reads.company_id and r.id = message_reads.request_id offset 0))
    and (job_id is null
         or exists (select 1 from app.jobs j where j.company_id = message_reads.company_id and j.id = message_reads.job_id offset 0)));

create policy message_reads_customer_update on app.message_reads for update to fieldops_customer
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));
