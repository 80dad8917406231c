-- app.email_changes: a login's new email waiting for its confirmation
-- (migration 0030), written and spent by auth.email_change_request() and
-- auth.email_change_confirm() over the sign-in pool.
--
-- owner:    everything (the functions run as owner).
-- admin, worker, customer, authenticator: nothing (a digest is a secret, and
--           the change is the confirmed address's to make).

alter table app.email_changes enable row level security;
alter table app.email_changes force row level security;

revoke all on app.email_changes from public, fieldops_authenticator, fieldops_admin, fieldops_worker,
  fieldops_customer;

create policy email_changes_owner_all on app.email_changes to fieldops_owner
  using (true) with check (true);
