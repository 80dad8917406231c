-- The job list's first pages walk a tenant's newest active jobs. Archived jobs
-- are most of a long-lived tenant's history, so the active ones get an index of
-- their own, in list order.
create index jobs_company_active_created_idx on app.jobs (company_id, created_at desc, id desc)
  where not is_archived;
