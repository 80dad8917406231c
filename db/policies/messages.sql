-- app.messages: the conversation of a job request or a job (migration 0030).
-- The author (id, name, role) comes from the verified context, set by the
-- trigger app.message_written(), which also queues the other side's mail.
--
-- owner:    everything.
-- admin:    reads every message of its company, internal notes included;
--           writes messages and internal notes in any thread of its company.
-- worker:   reads and writes the messages of the jobs assigned to it,
--           internal notes included (staff); no request threads: the worker
--           meets the job, not the request before it.
-- customer: reads the messages of the requests and jobs it sees (its own
--           customer's, within its location limit), never an internal note;
--           writes messages there, never an internal one.
-- Nobody edits or deletes a message: the conversation is a record.

alter table app.messages enable row level security;
alter table app.messages force row level security;

revoke all on app.messages from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select (id, company_id, request_id, job_id, author_id, author_name, author_role, body, internal, mailed,
              created_at),
      insert (request_id, job_id, body, internal, mail)
  on app.messages to fieldops_admin, fieldops_worker;
grant select (id, company_id, request_id, job_id, author_id, author_name, author_role, body, internal, created_at),
      insert (request_id, job_id, body, mail)
  on app.messages to fieldops_customer;

create policy messages_owner_all on app.messages to fieldops_owner
  using (true) with check (true);

create policy messages_admin_select on app.messages for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('customers.read'))
  -- branch scope (0040): the job's or the request's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = messages.company_id and j.id = messages.job_id offset 0)
       or exists (select 1 from app.job_requests r where r.company_id = messages.company_id and r.id = messages.request_id offset 0)));

create policy messages_admin_insert on app.messages for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('customers.write')) and author_id = (select app.user_id())
  -- branch scope (0040): the job's or the request's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = messages.company_id and j.id = messages.job_id offset 0)
       or exists (select 1 from app.job_requests r where r.company_id = messages.company_id and r.id = messages.request_id offset 0)));

-- `offset 0`: a per-row probe of the job by key, under app.jobs' own worker
-- policy (assigned to the caller).
create policy messages_worker_select on app.messages for select to fieldops_worker
  using (
    company_id = (select app.company_id()) and job_id is not null
    and exists (select 1 from app.jobs j where j.company_id = messages.company_id and j.id = messages.job_id offset 0)
  );

create policy messages_worker_insert on app.messages for insert to fieldops_worker
  with check (
    company_id = (select app.company_id()) and author_id = (select app.user_id()) and job_id is not null
    and exists (select 1 from app.jobs j where j.company_id = messages.company_id and j.id = messages.job_id offset 0)
  );

-- The thread's request or job, probed under their own customer policies
-- (the customer's, unarchived, within the login's location limit).
create policy messages_customer_select on app.messages for select to fieldops_customer
  using (
    company_id = (select app.company_id()) and not internal
    and (exists (select 1 from app.job_requests r where r.company_id = messages.company_id and r.id = messages.request_id offset 0)
         or exists (select 1 from app.jobs j where j.company_id = messages.company_id and j.id = messages.job_id offset 0))
  );

create policy messages_customer_insert on app.messages for insert to fieldops_customer
  with check (
    company_id = (select app.company_id()) and author_id = (select app.user_id()) and not internal
    and (exists (select 1 from app.job_requests r where r.company_id = messages.company_id and r.id = messages.request_id offset 0)
         or exists (select 1 from app.jobs j where j.company_id = messages.company_id and j.id = messages.job_id offset 0))
  );
