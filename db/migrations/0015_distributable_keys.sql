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
-- app.sessions and app.refresh_tokens keep their global keys: they are looked
-- up by session id and token digest before a company is known, and on Citus
-- they are reference tables (a copy on every node), like app.companies.
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
-- A session belongs to a user of its company. On Citus a reference table cannot
-- reference a distributed one, so `fieldops migrate` drops this key there and
-- keeps sessions_company_fkey; sessions are only written by auth.* functions,
-- which read the user row first.
alter table app.sessions add constraint sessions_user_fkey foreign key (company_id, user_id)
  references app.users (company_id, id) on delete cascade;
alter table app.sessions add constraint sessions_company_fkey foreign key (company_id)
  references app.companies (id) on delete cascade;
