-- app.job_request_changes: the append-only history of each job request
-- (migration 0022), written only by the trigger app.job_request_history().
--
-- owner:    everything (the trigger runs as owner).
-- admin:    reads its company's request history.
-- worker:   nothing.
-- customer: reads the history of its own customer's requests.
-- No request role writes, changes or deletes a row.

alter table app.job_request_changes enable row level security;
alter table app.job_request_changes force row level security;

revoke all on app.job_request_changes from public, fieldops_authenticator, fieldops_admin, fieldops_worker,
  fieldops_customer;
grant select on app.job_request_changes to fieldops_admin, fieldops_customer;

create policy job_request_changes_owner_all on app.job_request_changes to fieldops_owner
  using (true) with check (true);

create policy job_request_changes_admin_select on app.job_request_changes for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.read')));

-- `offset 0`: a per-row probe of app.job_requests by key, under its own
-- customer policy (a login limited to some locations sees the history of
-- their requests only, migration 0026).
create policy job_request_changes_customer_select on app.job_request_changes for select to fieldops_customer
  using (
    company_id = (select app.company_id()) and customer_id = (select app.customer_id())
    and exists (select 1 from app.job_requests r where r.company_id = job_request_changes.company_id and r.id = job_request_changes.request_id offset 0)
  );
