-- app.job_requests: what a customer asks its service company for, from draft
-- to a job (migration 0022). The state moves and the locked fields are the
-- trigger app.check_job_request()'s; every change is recorded in
-- app.job_request_changes by app.job_request_history().
--
-- owner:    everything.
-- admin:    reads its company's requests; edits their fields, approves (with
--           the job it creates in the same transaction) or rejects (with a
--           reason) submitted ones. No insert, no delete.
-- worker:   nothing (the job, once there, is what a worker sees).
-- customer: reads its own customer's requests; creates drafts for its own
--           customer; edits, submits and withdraws them (the trigger says
--           which moves). No delete: a request is withdrawn. A login whose
--           contact is limited to some locations (migration 0025) reads and
--           writes the requests at those locations only (migration 0026).

alter table app.job_requests enable row level security;
alter table app.job_requests force row level security;

revoke all on app.job_requests from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select,
  update (service_location_id, title, description, preferred_windows, urgency, state, rejected_reason, job_id,
          change_reason, decided_mail)
  on app.job_requests to fieldops_admin;
grant select,
  insert (customer_id, service_location_id, title, description, preferred_windows, urgency),
  update (service_location_id, title, description, preferred_windows, urgency, state, change_reason, received_mail)
  on app.job_requests to fieldops_customer;

create policy job_requests_owner_all on app.job_requests to fieldops_owner
  using (true) with check (true);

create policy job_requests_admin_select on app.job_requests for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.read'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = job_requests.company_id and c.id = job_requests.customer_id offset 0)));

create policy job_requests_admin_update on app.job_requests for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = job_requests.company_id and c.id = job_requests.customer_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('jobs.write'))
  -- branch scope (0040): the customer's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.customers c where c.company_id = job_requests.company_id and c.id = job_requests.customer_id offset 0)));

create policy job_requests_customer_select on app.job_requests for select to fieldops_customer
  using (
    company_id = (select app.company_id()) and customer_id = (select app.customer_id())
    and ((select app.location_scope()) is null
         or service_location_id = any ((select app.location_scope())::uuid[]))
  );

create policy job_requests_customer_insert on app.job_requests for insert to fieldops_customer
  with check (
    company_id = (select app.company_id()) and customer_id = (select app.customer_id())
    and ((select app.location_scope()) is null
         or service_location_id = any ((select app.location_scope())::uuid[]))
  );

create policy job_requests_customer_update on app.job_requests for update to fieldops_customer
  using (
    company_id = (select app.company_id()) and customer_id = (select app.customer_id())
    and ((select app.location_scope()) is null
         or service_location_id = any ((select app.location_scope())::uuid[]))
  )
  with check (
    company_id = (select app.company_id()) and customer_id = (select app.customer_id())
    and ((select app.location_scope()) is null
         or service_location_id = any ((select app.location_scope())::uuid[]))
  );
