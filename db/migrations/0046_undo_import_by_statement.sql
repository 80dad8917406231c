-- Undoing an import, a statement per table instead of one per row (issue
-- #19: every import can be undone within 24 hours as one step). 0029's
-- app.undo_import walked the import's audit rows one at a time, each a
-- statement with its policies and triggers: on one server the undo of
-- 20,000 customer rows (100,000 audit rows) took 33.5 s, past a request's
-- 30 s, and on Citus, where each of those statements is a distributed one,
-- 1,200 rows were already too many. Now it reads the import's audit rows once
-- per kind of change and reverts each kind in one statement, in the order
-- the row-by-row walk gave the same result in:
--
-- 1. updated rows (customers, service locations, jobs) get back, column by
--    column, the value they had before the import's first change to it (the
--    walk, newest first, laid every older image over the newer ones);
-- 2. contact methods, contacts and external ids it made are deleted (methods
--    before their contacts, as the walk did);
-- 3. customers it made are soft-deleted and jobs it made archived.
--
-- The same rows come out as before, under the same invoker's rights: the
-- admin's own grants and policies check every row. Each statement names its
-- rows by id inside the company (a list, never a join of the audit log into
-- a write), so on Citus each is one router statement on the company's shard.
-- Returns how many rows it reverted.
create or replace function app.undo_import(p_xact bigint)
returns integer
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.session_company_hint();
  v_user uuid := app.session_user_hint();
  v_images jsonb;
  v_rows jsonb;
  v_methods uuid[];
  v_contacts uuid[];
  v_refs uuid[];
  v_customers uuid[];
  v_jobs uuid[];
  v_reverted integer := 0;
  v_count integer;
begin
  -- 1. The images before the import of what it updated.
  for v_images in
    select pg_catalog.jsonb_build_object(
             'table', i.table_name,
             'rows', pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.row_id, 'image', i.image)))
    from (
      select c.table_name, c.row_id, pg_catalog.jsonb_object_agg(c.key, c.old) as image
      from (
        select distinct on (a.table_name, a.row_id, e.key) a.table_name, a.row_id, e.key, e.value -> 0 as old
        from app.audit_log a, pg_catalog.jsonb_each(a.changes) e
        where a.company_id = v_company and a.xact_id = p_xact and a.action = 'UPDATE'
          and a.table_name in ('customers', 'service_locations', 'jobs')
        order by a.table_name, a.row_id, e.key, a.id
      ) c
      group by c.table_name, c.row_id
    ) i
    group by i.table_name
  loop
    -- Each row as it is now (locked), the old values laid over it; then
    -- one UPDATE from those rows. (The new values are plain columns of the
    -- rows: Citus takes no function of a row inside a CASE of an UPDATE.)
    if v_images ->> 'table' = 'customers' then
      select coalesce(pg_catalog.jsonb_agg(s.image), '[]') into v_rows
      from (select pg_catalog.to_jsonb(c) || o.image as image
              from app.customers c
              join (select (r ->> 'id')::uuid as id, r -> 'image' as image
                      from pg_catalog.jsonb_array_elements(v_images -> 'rows') r) o on o.id = c.id
             where c.company_id = v_company
               for update of c) s;
      update app.customers c
      set name = o.name, email = o.email, phone = o.phone, address = o.address, notes = o.notes, tags = o.tags
      from pg_catalog.jsonb_populate_recordset(null::app.customers, v_rows) o
      where c.company_id = v_company and c.id = o.id;
    elsif v_images ->> 'table' = 'service_locations' then
      select coalesce(pg_catalog.jsonb_agg(s.image), '[]') into v_rows
      from (select pg_catalog.to_jsonb(l) || o.image as image
              from app.service_locations l
              join (select (r ->> 'id')::uuid as id, r -> 'image' as image
                      from pg_catalog.jsonb_array_elements(v_images -> 'rows') r) o on o.id = l.id
             where l.company_id = v_company
               for update of l) s;
      update app.service_locations l
      set line1 = o.line1, line2 = o.line2, city = o.city, region = o.region, postal_code = o.postal_code,
          country = o.country
      from pg_catalog.jsonb_populate_recordset(null::app.service_locations, v_rows) o
      where l.company_id = v_company and l.id = o.id;
    else
      select coalesce(pg_catalog.jsonb_agg(s.image), '[]') into v_rows
      from (select pg_catalog.to_jsonb(j) || o.image as image
              from app.jobs j
              join (select (r ->> 'id')::uuid as id, r -> 'image' as image
                      from pg_catalog.jsonb_array_elements(v_images -> 'rows') r) o on o.id = j.id
             where j.company_id = v_company
               for update of j) s;
      update app.jobs j
      set customer_id = o.customer_id, status_id = o.status_id, assigned_worker_id = o.assigned_worker_id,
          title = o.title, description = o.description, scheduled_at = o.scheduled_at,
          service_location_id = o.service_location_id, is_archived = o.is_archived, archived_at = o.archived_at,
          archived_by = o.archived_by
      from pg_catalog.jsonb_populate_recordset(null::app.jobs, v_rows) o
      where j.company_id = v_company and j.id = o.id;
    end if;
    get diagnostics v_count = row_count;
    v_reverted := v_reverted + v_count;
  end loop;

  -- 2. What it made that goes away.
  select coalesce(pg_catalog.array_agg(a.row_id) filter (where a.table_name = 'contact_methods'), '{}'),
         coalesce(pg_catalog.array_agg(a.row_id) filter (where a.table_name = 'contacts'), '{}'),
         coalesce(pg_catalog.array_agg(a.row_id) filter (where a.table_name = 'external_refs'), '{}'),
         coalesce(pg_catalog.array_agg(a.row_id) filter (where a.table_name = 'customers'), '{}'),
         coalesce(pg_catalog.array_agg(a.row_id) filter (where a.table_name = 'jobs'), '{}')
    into v_methods, v_contacts, v_refs, v_customers, v_jobs
    from app.audit_log a
   where a.company_id = v_company and a.xact_id = p_xact and a.action = 'INSERT'
     and a.table_name in ('contact_methods', 'contacts', 'external_refs', 'customers', 'jobs');
  delete from app.contact_methods m where m.company_id = v_company and m.id = any (v_methods);
  get diagnostics v_count = row_count;
  v_reverted := v_reverted + v_count;
  delete from app.contacts k where k.company_id = v_company and k.id = any (v_contacts);
  get diagnostics v_count = row_count;
  v_reverted := v_reverted + v_count;
  delete from app.external_refs r where r.company_id = v_company and r.id = any (v_refs);
  get diagnostics v_count = row_count;
  v_reverted := v_reverted + v_count;

  -- 3. What it made that stays, out of sight.
  update app.customers c set deleted_at = pg_catalog.now(), deleted_by = v_user
  where c.company_id = v_company and c.id = any (v_customers) and c.deleted_at is null;
  get diagnostics v_count = row_count;
  v_reverted := v_reverted + v_count;
  update app.jobs j set is_archived = true, archived_at = pg_catalog.now(), archived_by = v_user
  where j.company_id = v_company and j.id = any (v_jobs) and not j.is_archived;
  get diagnostics v_count = row_count;
  v_reverted := v_reverted + v_count;
  return v_reverted;
end
$$;


-- An undo too large for a request runs in the background (src/http/imports):
-- the import is `undoing` meanwhile, then `undone` (in the undo's own
-- transaction), or back to `applied` with the reason if it failed.
alter table app.imports drop constraint imports_state;
alter table app.imports
  add constraint imports_state check (state in ('running', 'dry_run', 'applied', 'undoing', 'undone', 'failed'));
-- When its background undo began: an import `undoing` for longer than that
-- undo may run lost it with the server (nothing was undone), and a new undo
-- may take over (src/http/imports/run.rs, undoable).
alter table app.imports add column undo_started_at timestamptz;
