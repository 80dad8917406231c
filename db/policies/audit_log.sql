-- app.audit_log: the change history, append-only by construction.
--
-- owner:          everything (retention deletes; a trigger refuses UPDATE even
--                 to the owner). The only writer is app.audit_row(), the
--                 SECURITY DEFINER trigger on every tenant table, running as owner.
-- admin:          reads its own company's history, nothing else; writes nothing.
--                 This includes its users' sign-ins (session rows: when, from which
--                 IP and user agent, when revoked and why) and row images of every
--                 table, minus password and token hashes, which are never copied.
-- worker:         the timeline of the jobs assigned to it: the columns id,
--                 company_id, table_name, row_id, job_id, action, actor_role, at
--                 and timeline (an allow-listed projection of `changes`: status,
--                 appointment, tasks added, removed, done) of rows that have
--                 one. Never `changes`, actor ids or database roles.
-- customer:       the same, for its own customer's visible (unarchived) jobs.
-- authenticator:  nothing.
-- No request role has INSERT, UPDATE, DELETE or TRUNCATE on it, so even an admin
-- cannot forge or erase history; no role can EXECUTE the trigger function.
--
-- app.policy_report, app.grant_report: catalog reports for DBAs (owner and
-- superusers); no request role may read them.

alter table app.audit_log enable row level security;
alter table app.audit_log force row level security;

revoke all on app.audit_log from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select on app.audit_log to fieldops_admin;
grant select (id, company_id, table_name, row_id, job_id, action, actor_role, at, timeline)
  on app.audit_log to fieldops_worker, fieldops_customer;

revoke all on function app.audit_row(), app.refuse_audit_update() from public;

create policy audit_log_owner_all on app.audit_log to fieldops_owner
  using (true) with check (true);

create policy audit_log_admin_select on app.audit_log for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('history.read'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = audit_log.company_id and j.id = audit_log.job_id offset 0)));

-- Which jobs a worker or customer sees is app.jobs' own policy, applied to the
-- caller in the subquery: the timeline can never show more jobs than the job
-- list does. (`offset 0` keeps it a per-row probe of the jobs index.)
create policy audit_log_timeline_select on app.audit_log for select to fieldops_worker, fieldops_customer
  using (
    company_id = (select app.company_id())
    and timeline is not null
    and exists (select 1 from app.jobs j where j.id = audit_log.job_id offset 0)
  );

revoke all on app.policy_report, app.grant_report
  from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
