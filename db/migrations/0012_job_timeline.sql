-- The job's timeline: the part of its history that its worker and its customer
-- may see. A customer following a job wants to know when it was created, when
-- its status or appointment changed and which tasks were done, without the
-- staff-only columns (internal notes, assignment, descriptions' edits) that
-- the full diff in `changes` holds.
--
-- The timeline is a column of app.audit_log, derived from `changes` by an
-- allow-list, so the database decides what is exposed: workers and customers
-- get a column grant on it (never on `changes`) and a policy that shows them
-- the rows of the jobs they can already see (db/policies/audit_log.sql).
-- Every shape is {column: [old, new]}: creations as [null, new], deletions as
-- [old, null], so a reader handles one form.
create function app.timeline_changes(p_table text, p_action text, p_changes jsonb) returns jsonb
language sql immutable parallel safe
set search_path = pg_catalog
as $$
  select nullif(
    pg_catalog.jsonb_object_agg(
      c.key,
      case p_action
        when 'UPDATE' then c.value
        when 'INSERT' then pg_catalog.jsonb_build_array(null, c.value)
        else pg_catalog.jsonb_build_array(c.value, null)
      end),
    '{}')
  from pg_catalog.jsonb_each(p_changes) c
  where case
    -- A job: its status and its appointment, from creation on. Deleting a
    -- job is not something the API does; archiving hides it from customers.
    when p_table = 'jobs' and p_action = 'INSERT' then c.key in ('status_id', 'scheduled_at') and c.value <> 'null'
    when p_table = 'jobs' and p_action = 'UPDATE' then c.key in ('status_id', 'scheduled_at')
    -- A task: added and removed (by title), done and undone.
    when p_table = 'job_tasks' and p_action in ('INSERT', 'DELETE') then c.key = 'title'
    when p_table = 'job_tasks' and p_action = 'UPDATE' then c.key = 'is_completed'
    else false
  end
$$;

-- Stored, so reading a timeline costs no JSON work and existing history gets
-- its timeline now (the table is rewritten once).
alter table app.audit_log
  add column timeline jsonb generated always as (app.timeline_changes(table_name, action, changes)) stored;

-- No index of its own: a job's timeline is a filter on the same short range of
-- audit_log_company_job_idx that its full history reads, and a second index
-- would cost every audited write (a worker's task tick among them).
