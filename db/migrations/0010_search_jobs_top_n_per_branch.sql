-- Search for a common word: in the 1,000,000-job tenant "boiler" matches 1,370
-- active jobs. A union of the two branches had to collect every match to
-- de-duplicate before taking the newest page (9.7 ms, 884 heap pages). Each
-- branch now takes its own newest page first, which lets a common word walk the
-- newest-first index and stop after one page of matches (1.3 ms), while a rare
-- word still goes through the trigram index. The newest page of the union is
-- always among the newest pages of its branches.
create or replace function auth.search_jobs(
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
      (select j.id, j.created_at from app.jobs j
       where j.company_id = $1 and lower(j.title) like $2
         and j.is_archived = $3
         and ($4::uuid is null or j.status_id = $4)
         and ($5::uuid is null or j.assigned_worker_id = $5)
         and ($6::uuid is null or j.customer_id = $6)
         and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
       order by j.created_at desc, j.id desc
       limit $9)
      union
      (select j.id, j.created_at from app.customers c
       join app.jobs j on j.company_id = c.company_id and j.customer_id = c.id
       where c.company_id = $1
         and lower(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.phone, '')) like $2
         and lower(c.name) like $2
         and j.is_archived = $3
         and ($4::uuid is null or j.status_id = $4)
         and ($5::uuid is null or j.assigned_worker_id = $5)
         and ($6::uuid is null or j.customer_id = $6)
         and ($7::timestamptz is null or (j.created_at, j.id) < ($7, $8))
       order by j.created_at desc, j.id desc
       limit $9)
    ) m
    order by m.created_at desc, m.id desc
    limit $9
  $sql$
  using v_company, p_pattern, p_archived, p_status_id, p_worker_id, p_customer_id,
        p_after_created, p_after_id, p_limit;
end
$$;
