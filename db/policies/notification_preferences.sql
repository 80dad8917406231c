-- app.notification_preferences: whether a user wants notification mails
-- (migration 0030). No row: yes. Account mails are sent regardless.
--
-- owner:              everything (the unsubscribe link, auth.portal_unsubscribe,
--                     writes as owner).
-- admin, worker,      read, create and change their own row only. No delete.
-- customer:

alter table app.notification_preferences enable row level security;
alter table app.notification_preferences force row level security;

revoke all on app.notification_preferences from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, insert (user_id, mail_notifications), update (mail_notifications)
  on app.notification_preferences to fieldops_admin, fieldops_worker, fieldops_customer;

create policy notification_preferences_owner_all on app.notification_preferences to fieldops_owner
  using (true) with check (true);

create policy notification_preferences_admin_select on app.notification_preferences for select to fieldops_admin
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_admin_insert on app.notification_preferences for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_admin_update on app.notification_preferences for update to fieldops_admin
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_worker_select on app.notification_preferences for select to fieldops_worker
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_worker_insert on app.notification_preferences for insert to fieldops_worker
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_worker_update on app.notification_preferences for update to fieldops_worker
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_customer_select on app.notification_preferences for select to fieldops_customer
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_customer_insert on app.notification_preferences for insert to fieldops_customer
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));

create policy notification_preferences_customer_update on app.notification_preferences for update to fieldops_customer
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));
