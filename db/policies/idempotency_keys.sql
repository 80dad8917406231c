-- app.idempotency_keys: stored first answers to retried POST requests.
--
-- owner:                     everything.
-- admin, worker:             read and write only their own keys (their company,
--                            their user id); another user's key does not exist.
-- customer:                  nothing: customers create nothing, so they write no
--                            keys either (a keyed POST of theirs is refused, 403).
-- authenticator:             nothing.

alter table app.idempotency_keys enable row level security;
alter table app.idempotency_keys force row level security;

revoke all on app.idempotency_keys from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete, insert (key, request_hash),
      update (response_status, response_content_type, response_location, response_body)
  on app.idempotency_keys to fieldops_admin, fieldops_worker;

create policy idempotency_keys_owner_all on app.idempotency_keys to fieldops_owner
  using (true) with check (true);

create policy idempotency_keys_own on app.idempotency_keys for all
  to fieldops_admin, fieldops_worker
  using (company_id = (select app.company_id()) and user_id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and user_id = (select app.user_id()));
