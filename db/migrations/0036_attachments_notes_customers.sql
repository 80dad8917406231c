-- Files on job notes and on customers (issue #18), beside jobs and job
-- requests (0028). A file still has exactly one parent, and is exactly as
-- visible as that parent under the parent's own policies
-- (db/policies/attachments.sql): a note's file as the note (an internal
-- note's files never reach a customer), a customer's file to the staff who
-- see that customer and, when customer-visible, to the customer itself.
--
-- Composite keys, as everywhere: a file can name no other company's note or
-- customer. Notes are never deleted and customers only softly, so the plain
-- (restricting) keys never stand in the way of the API.

alter table app.attachments
  add column note_id uuid,
  add column customer_id uuid,
  add constraint attachments_note_fkey foreign key (company_id, note_id) references app.job_notes (company_id, id),
  add constraint attachments_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id);

alter table app.attachments drop constraint attachments_one_parent;
alter table app.attachments add constraint attachments_one_parent
  check (num_nonnulls(job_id, job_request_id, note_id, customer_id) = 1);

-- A note's and a customer's files in upload order; the policies probe the parent by key.
create index attachments_company_note_idx on app.attachments (company_id, note_id, created_at, id)
  where note_id is not null;
create index attachments_company_customer_idx on app.attachments (company_id, customer_id, created_at, id)
  where customer_id is not null;

-- The policies probe a file's note or customer with `exists (… offset 0)`
-- under the parent's own policies (db/policies/attachments.sql). Citus
-- refuses subqueries in policies, so there each probe is one of these
-- (src/db/citus.rs, PROBES): invoker's rights, so the caller's policies on
-- app.job_notes and app.customers still decide.
create function app.job_note_is_visible(p_company_id uuid, p_note_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (select 1 from app.job_notes n where n.company_id = p_company_id and n.id = p_note_id);
end
$$;

create function app.customer_is_visible(p_company_id uuid, p_customer_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (select 1 from app.customers c where c.company_id = p_company_id and c.id = p_customer_id);
end
$$;
