-- Idempotent creation: a client (a worker's phone on a bad connection) may send
-- a POST again with the same Idempotency-Key; within 24 hours it gets the first
-- answer back and nothing new is created. Keys belong to one user of one company.

create table app.idempotency_keys (
  company_id uuid not null default app.company_id()
    constraint idempotency_keys_company_fkey references app.companies (id) on delete cascade,
  user_id uuid not null default app.user_id(),
  key text not null,
  -- SHA-256 of method, path and body: the same key with another request is refused.
  request_hash bytea not null,
  -- NULL while the first request is still being handled.
  response_status integer,
  response_content_type text,
  response_location text,
  response_body bytea,
  created_at timestamptz not null default now(),
  constraint idempotency_keys_pkey primary key (company_id, user_id, key),
  constraint idempotency_keys_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade,
  constraint idempotency_keys_key_length check (char_length(key) between 1 and 255)
);

create index idempotency_keys_company_created_idx on app.idempotency_keys (company_id, created_at);
