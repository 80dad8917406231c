-- app.unsubscribe_tokens: the digests of the one-click unsubscribe links of
-- notification mails (migration 0030), written by app.queue_notification()
-- and spent by auth.portal_unsubscribe(), both as the owner.
--
-- owner:    everything.
-- admin, worker, customer, authenticator: nothing (a digest is a secret).

alter table app.unsubscribe_tokens enable row level security;
alter table app.unsubscribe_tokens force row level security;

revoke all on app.unsubscribe_tokens from public, fieldops_authenticator, fieldops_admin, fieldops_worker,
  fieldops_customer;

create policy unsubscribe_tokens_owner_all on app.unsubscribe_tokens to fieldops_owner
  using (true) with check (true);
