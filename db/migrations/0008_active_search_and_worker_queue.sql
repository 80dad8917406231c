-- From the full benchmark (1,000,000 jobs in one tenant): a search for a common
-- word matched 41,667 jobs of which 40,297 were archived, and read them all
-- before filtering. Active jobs, what lists and searches show by default, get
-- a trigram index of their own; the full one still serves archive searches.
create index jobs_company_active_title_trgm_idx on app.jobs using gin (company_id, lower(title) gin_trgm_ops)
  where not is_archived;

-- The worker's queue is its open jobs and those finished in the last week
-- (completed_at is set exactly while a job is in a final status).
create index jobs_company_worker_queue_idx on app.jobs (company_id, assigned_worker_id, completed_at)
  where not is_archived;
drop index app.jobs_company_worker_active_idx;
