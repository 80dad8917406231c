-- app.audit_log: the change history, append-only by construction.
--
-- owner:          everything (retention deletes; a trigger refuses UPDATE even
--                 to the owner). The only writer is app.audit_row(), the
--                 SECURITY DEFINER trigger on every tenant table, running as owner.
-- admin:          reads its own company's history, nothing else; writes nothing.
--                 This includes its users' sign-ins (session rows: when, from which
--                 IP and user agent, when revoked and why) and row images of every
--                 table, minus password and token hashes, which are never copied.
-- worker:         nothing.
-- customer:       nothing.
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

revoke all on function app.audit_row(), app.refuse_audit_update() from public;

create policy audit_log_owner_all on app.audit_log to fieldops_owner
  using (true) with check (true);

create policy audit_log_admin_select on app.audit_log for select to fieldops_admin
  using (company_id = (select app.company_id()));

revoke all on app.policy_report, app.grant_report
  from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
