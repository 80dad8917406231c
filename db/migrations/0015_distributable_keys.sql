-- Every key of a tenant table carries company_id (docs/scaling.md, "Citus").
--
-- A table distributed by company_id can only enforce a primary key or a unique
-- constraint that includes company_id: each shard checks its own rows. The
-- tenant tables had `primary key (id)` plus `unique (company_id, id)` as the
-- target of the composite foreign keys; the pair becomes one
-- `primary key (company_id, id)`, and every foreign key points at it. On one
-- server this drops an index per table and changes no plan: every request's
-- policy compares company_id, so lookups by id were already (company_id, id).
--
-- app.sessions and app.refresh_tokens too: on Citus they live on the shards of
-- their company, next to its users, so that the triggers that pin and revoke
-- sessions and the audit trail stay on one node. What used to find them
-- without a company (the verified context by session id, a refresh by token
-- digest) now says the company as well (migration 0016); the plain indexes on
-- the id and the digest serve lookups that cannot.
--
-- share_links' token digest was unique across companies, which no distributed
-- table can enforce; the digest of 256 random bits does not collide, so the
-- index that finds a link by its token stays, without the constraint.

alter table app.users drop constraint users_customer_fkey;
alter table app.jobs drop constraint jobs_customer_fkey;
alter table app.jobs drop constraint jobs_status_fkey;
alter table app.jobs drop constraint jobs_worker_fkey;
alter table app.sessions drop constraint sessions_user_fkey;
alter table app.job_notes drop constraint job_notes_author_fkey;
alter table app.job_notes drop constraint job_notes_job_fkey;
alter table app.job_tasks drop constraint job_tasks_job_fkey;
alter table app.share_links drop constraint share_links_job_fkey;
alter table app.share_link_opens drop constraint share_link_opens_link_fkey;
alter table app.idempotency_keys drop constraint idempotency_keys_user_fkey;
alter table app.refresh_tokens drop constraint refresh_tokens_session_fkey;

alter table app.customers drop constraint customers_company_id_id_key, drop constraint customers_pkey,
  add constraint customers_pkey primary key (company_id, id);
alter table app.users drop constraint users_company_id_id_key, drop constraint users_pkey,
  add constraint users_pkey primary key (company_id, id);
alter table app.job_statuses drop constraint job_statuses_company_id_id_key, drop constraint job_statuses_pkey,
  add constraint job_statuses_pkey primary key (company_id, id);
alter table app.jobs drop constraint jobs_company_id_id_key, drop constraint jobs_pkey,
  add constraint jobs_pkey primary key (company_id, id);
alter table app.job_tasks drop constraint job_tasks_company_id_id_key, drop constraint job_tasks_pkey,
  add constraint job_tasks_pkey primary key (company_id, id);
alter table app.job_notes drop constraint job_notes_company_id_id_key, drop constraint job_notes_pkey,
  add constraint job_notes_pkey primary key (company_id, id);
alter table app.share_links drop constraint share_links_company_id_id_key, drop constraint share_links_pkey,
  add constraint share_links_pkey primary key (company_id, id);
alter table app.share_link_opens drop constraint share_link_opens_pkey,
  add constraint share_link_opens_pkey primary key (company_id, id);
alter table app.audit_log drop constraint audit_log_pkey,
  add constraint audit_log_pkey primary key (company_id, id);
alter table app.sessions drop constraint sessions_company_id_id_key, drop constraint sessions_pkey,
  add constraint sessions_pkey primary key (company_id, id);
create index sessions_id_idx on app.sessions (id);
alter table app.refresh_tokens drop constraint refresh_tokens_pkey,
  add constraint refresh_tokens_pkey primary key (company_id, token_hash);
create index refresh_tokens_token_hash_idx on app.refresh_tokens (token_hash);

alter table app.share_links drop constraint share_links_token_hash_key;
create index share_links_token_hash_idx on app.share_links (token_hash);

alter table app.users add constraint users_customer_fkey foreign key (company_id, customer_id)
  references app.customers (company_id, id);
alter table app.jobs add constraint jobs_customer_fkey foreign key (company_id, customer_id)
  references app.customers (company_id, id);
alter table app.jobs add constraint jobs_status_fkey foreign key (company_id, status_id)
  references app.job_statuses (company_id, id);
alter table app.jobs add constraint jobs_worker_fkey foreign key (company_id, assigned_worker_id)
  references app.users (company_id, id);
alter table app.job_tasks add constraint job_tasks_job_fkey foreign key (company_id, job_id)
  references app.jobs (company_id, id) on delete cascade;
alter table app.job_notes add constraint job_notes_job_fkey foreign key (company_id, job_id)
  references app.jobs (company_id, id) on delete cascade;
alter table app.job_notes add constraint job_notes_author_fkey foreign key (company_id, author_id)
  references app.users (company_id, id);
alter table app.share_links add constraint share_links_job_fkey foreign key (company_id, job_id)
  references app.jobs (company_id, id) on delete cascade;
alter table app.share_link_opens add constraint share_link_opens_link_fkey foreign key (company_id, share_link_id)
  references app.share_links (company_id, id) on delete cascade;
alter table app.idempotency_keys add constraint idempotency_keys_user_fkey foreign key (company_id, user_id)
  references app.users (company_id, id) on delete cascade;
alter table app.sessions add constraint sessions_user_fkey foreign key (company_id, user_id)
  references app.users (company_id, id) on delete cascade;
alter table app.refresh_tokens add constraint refresh_tokens_session_fkey foreign key (company_id, session_id)
  references app.sessions (company_id, id) on delete cascade;
