-- Search that stays indexed under row-level security, and the worker queue's index.
--
-- Under RLS a query's own LIKE is not leakproof, so PostgreSQL applies it after
-- the policy and cannot use a trigram index: a search would read a whole tenant
-- (a million jobs in a large one). For admins, whose policy is "the whole
-- company" anyway, these SECURITY DEFINER functions run the search as the owner,
-- take the company only from the request context, and return ids; the caller
-- then loads the rows under its own policies, so even a wrong id could not leak.
-- Workers and customers keep the plain (RLS-filtered) search: their visible
-- sets are small.

create extension if not exists btree_gin;

create index jobs_company_title_trgm_idx on app.jobs using gin (company_id, lower(title) gin_trgm_ops);
create index customers_company_search_trgm_idx on app.customers
  using gin (company_id, lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '')) gin_trgm_ops);

-- The worker's active queue without reading its archived history.
create index jobs_company_worker_active_idx on app.jobs (company_id, assigned_worker_id, status_id)
  where not is_archived;

-- Job ids of the caller's company whose title or customer name matches
-- p_pattern (a LIKE pattern on lower-case text), newest first, keyset-paged.
-- Admins only: any other role, or no context, gets nothing.
create function auth.search_jobs(
  p_pattern text,
  p_archived boolean,
  p_status_id uuid,
  p_worker_id uuid,
  p_customer_id uuid,
  p_after_created timestamptz,
  p_after_id uuid,
  p_limit integer
) returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog
as $$
declare
  v_company uuid := app.company_id();
begin
  if v_company is null or app.role() is distinct from 'ADMIN' then
    return;
  end if;
  -- Dynamic SQL: planned with the real pattern, so the planner can weigh the
  -- trigram index against walking the newest jobs first.
  return query execute $sql$
    select m.id from (
      select j.id, j.created_at from app.jobs j
      where j.company_id = $1 and lower(j.title) like $2
        and j.is_archived = $3
        and ($4::uuid is null or j.status_id = $4)
        and ($5::uuid is null or j.assigned_worker_id = $5)
        and ($6::uuid is null or j.customer_id = $6)
        and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
      union
      select j.id, j.created_at from app.customers c
      join app.jobs j on j.company_id = c.company_id and j.customer_id = c.id
      where c.company_id = $1
        and lower(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.phone, '')) like $2
        and lower(c.name) like $2
        and j.is_archived = $3
        and ($4::uuid is null or j.status_id = $4)
        and ($5::uuid is null or j.assigned_worker_id = $5)
        and ($6::uuid is null or j.customer_id = $6)
        and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
    ) m
    order by m.created_at desc, m.id desc
    limit $9
  $sql$
  using v_company, p_pattern, p_archived, p_status_id, p_worker_id, p_customer_id,
        p_after_created, p_after_id, p_limit;
end
$$;

-- Customer ids of the caller's company whose name, email or phone matches,
-- by name, keyset-paged. Admins only.
create function auth.search_customers(p_pattern text, p_after_name text, p_after_id uuid, p_limit integer)
returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog
as $$
declare
  v_company uuid := app.company_id();
begin
  if v_company is null or app.role() is distinct from 'ADMIN' then
    return;
  end if;
  return query execute $sql$
    select c.id from app.customers c
    where c.company_id = $1 and c.deleted_at is null
      and lower(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.phone, '')) like $2
      -- The index narrows; this keeps the meaning "name, email or phone".
      and (lower(c.name) like $2 or lower(c.email) like $2 or c.phone like $2)
      and ($3::text is null or (lower(c.name), c.id) > ($3, $4))
    order by lower(c.name), c.id
    limit $5
  $sql$
  using v_company, p_pattern, p_after_name, p_after_id, p_limit;
end
$$;
