-- app.mail_outbox: every mail FieldOps sends, written in the transaction of
-- the change that causes it and delivered by the sender in `fieldops serve`
-- (db/migrations/0021, src/mail/).
--
-- owner:                     everything (the auth.*mail* definer functions run as
--                            owner; an operator inspects and retries failed mail
--                            with psql, docs/operations.md).
-- login (fieldops_login):    nothing directly; writes through auth.enqueue_mail and
--                            delivers through auth.mail_due, auth.mail_claim,
--                            auth.mail_delivered and auth.mail_failed.
-- authenticator:             nothing.
-- admin:                     queues mail of its own company (a portal invitation,
--                            migration 0022) and reads nothing, not even the rows
--                            it wrote: a mail's body may hold a link that signs
--                            someone in (a password reset).
-- worker, customer:          nothing.

alter table app.mail_outbox enable row level security;
alter table app.mail_outbox force row level security;

revoke all on app.mail_outbox from public, fieldops_login, fieldops_authenticator, fieldops_admin,
  fieldops_worker, fieldops_customer;

grant insert (kind, recipient, subject, text_body, html_body) on app.mail_outbox to fieldops_admin;

create policy mail_outbox_owner_all on app.mail_outbox to fieldops_owner
  using (true) with check (true);

create policy mail_outbox_admin_insert on app.mail_outbox for insert to fieldops_admin
  with check (company_id = (select app.company_id()));
