-- Branches (issue #15, "Branches"): a franchise's North and South offices.
-- A membership may be scoped to one branch; a scoped member reads and writes
-- only its branch's jobs (and what hangs off them), the customers and
-- locations of its branch or of none (shared), and the staff of its branch.
-- A company-wide membership (no branch) sees everything, as before.
--
-- Like the role and the customer, the branch is part of the verified
-- context: the session pins the membership's branch when it is created, a
-- change of branch ends the membership's sessions, and the policies compare
-- rows with `(select app.branch_id())`, once per statement. The rules in
-- words: docs/organizations.md, "Branches".

-- ---------------------------------------------------------------------------
-- The branches.
-- ---------------------------------------------------------------------------
create table app.branches (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  name text not null,
  address text not null default '',
  color text not null default '#64748b',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint branches_pkey primary key (company_id, id),
  constraint branches_name_length check (char_length(btrim(name)) between 1 and 100),
  constraint branches_address_length check (char_length(address) <= 500),
  constraint branches_color_format check (color ~ '^#[0-9a-f]{6}$')
);

-- On a cluster distributed before this migration, the new table joins the
-- others by company (as 0023 does).
do $$
declare
  v_distributed boolean := false;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute 'select exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = ''app.customers''::regclass)'
      into v_distributed;
  end if;
  if v_distributed then
    execute 'select create_distributed_table(''app.branches'', ''company_id'', colocate_with => ''app.customers'')';
  end if;
end
$$;

alter table app.branches
  add constraint branches_company_fkey foreign key (company_id)
    references app.companies (id) on delete cascade;

-- "North" and "north" are one branch to the people choosing from a list.
create unique index branches_company_name_key on app.branches (company_id, lower(name));

create trigger branches_stamp before insert or update on app.branches
for each row execute function app.stamp_row();

create trigger branches_audit after insert or update or delete on app.branches
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- What may be scoped to a branch.
-- ---------------------------------------------------------------------------
-- `on delete restrict` everywhere: a branch still in use is not deleted
-- (the API answers 409); moving its rows first is a decision for a person.
alter table app.users
  add column branch_id uuid,
  add constraint users_branch_fkey foreign key (company_id, branch_id)
    references app.branches (company_id, id) on delete restrict,
  -- A customer login sees its own customer's jobs whatever their branch.
  add constraint users_branch_only_staff check (branch_id is null or role in ('ADMIN', 'WORKER'));

create index users_company_branch_idx on app.users (company_id, branch_id) where branch_id is not null;

alter table app.jobs
  add column branch_id uuid,
  add constraint jobs_branch_fkey foreign key (company_id, branch_id)
    references app.branches (company_id, id) on delete restrict;

create index jobs_company_branch_idx on app.jobs (company_id, branch_id, created_at desc, id desc);

alter table app.customers
  add column branch_id uuid,
  add constraint customers_branch_fkey foreign key (company_id, branch_id)
    references app.branches (company_id, id) on delete restrict;

create index customers_company_branch_idx on app.customers (company_id, branch_id) where branch_id is not null;

alter table app.service_locations
  add column branch_id uuid,
  add constraint service_locations_branch_fkey foreign key (company_id, branch_id)
    references app.branches (company_id, id) on delete restrict;

create index service_locations_company_branch_idx on app.service_locations (company_id, branch_id)
  where branch_id is not null;

-- The job list's view names the branch too (appended: a view keeps its
-- columns' order). Still security_invoker: the policies decide.
create or replace view app.job_summaries with (security_invoker = true) as
select
  j.id,
  j.company_id,
  j.title,
  j.description,
  j.status_id,
  s.name as status_name,
  s.color as status_color,
  s.is_final as status_is_final,
  s.order_index as status_order,
  j.customer_id,
  c.name as customer_name,
  j.assigned_worker_id,
  w.name as worker_name,
  j.scheduled_at,
  j.completed_at,
  j.is_archived,
  j.created_at,
  j.updated_at,
  j.version,
  coalesce(t.total, 0)::integer as tasks_total,
  coalesce(t.done, 0)::integer as tasks_done,
  j.branch_id
from app.jobs j
join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
left join app.customers c on c.company_id = j.company_id and c.id = j.customer_id
left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id
left join lateral (
  select count(*) as total, count(*) filter (where t.is_completed) as done
  from app.job_tasks t
  where t.company_id = j.company_id and t.job_id = j.id
) t on true;

-- ---------------------------------------------------------------------------
-- A job's branch agrees with its customer, location and worker.
-- ---------------------------------------------------------------------------
-- Invoker's rights on purpose: the lookups see what the caller's policies
-- let it see, so a North-scoped admin naming South's worker, customer or
-- location finds nothing and is refused (composite foreign keys ignore RLS
-- and would accept any row of the company). A new job without a branch takes
-- the branch of a scoped caller, else its customer's. Errors are FO422 with a constraint, which
-- the API turns into a 422 on the field.
create function app.check_job_branch() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_branch uuid;
  v_scope uuid := app.branch_id();
begin
  if tg_op = 'INSERT' and new.branch_id is null then
    new.branch_id := v_scope;
    if new.branch_id is null then
      select c.branch_id into new.branch_id
        from app.customers c
       where c.company_id = new.company_id and c.id = new.customer_id;
    end if;
  end if;

  if new.customer_id is not null
     and (tg_op = 'INSERT' or new.customer_id is distinct from old.customer_id
          or new.branch_id is distinct from old.branch_id) then
    select c.branch_id into v_branch
      from app.customers c
     where c.company_id = new.company_id and c.id = new.customer_id;
    -- Not found: another company's (its foreign key says so) or, for a
    -- scoped caller, another branch's.
    if not found and v_scope is not null then
      raise exception 'the customer belongs to another branch'
        using errcode = 'FO422', constraint = 'jobs_branch_customer';
    end if;
    if v_branch is not null and v_branch is distinct from new.branch_id then
      raise exception 'the customer belongs to another branch'
        using errcode = 'FO422', constraint = 'jobs_branch_customer';
    end if;
  end if;

  if new.service_location_id is not null
     and (tg_op = 'INSERT' or new.service_location_id is distinct from old.service_location_id
          or new.branch_id is distinct from old.branch_id) then
    select l.branch_id into v_branch
      from app.service_locations l
     where l.company_id = new.company_id and l.id = new.service_location_id;
    if (not found and v_scope is not null)
       or (v_branch is not null and v_branch is distinct from new.branch_id) then
      raise exception 'the service location belongs to another branch'
        using errcode = 'FO422', constraint = 'jobs_branch_location';
    end if;
  end if;

  if new.assigned_worker_id is not null
     and (tg_op = 'INSERT' or new.assigned_worker_id is distinct from old.assigned_worker_id
          or new.branch_id is distinct from old.branch_id) then
    select u.branch_id into v_branch
      from app.users u
     where u.company_id = new.company_id and u.id = new.assigned_worker_id;
    -- Not found: app.check_job_assignee() refuses it next.
    if v_branch is not null and v_branch is distinct from new.branch_id then
      raise exception 'the worker is scoped to another branch'
        using errcode = 'FO422', constraint = 'jobs_branch_worker';
    end if;
  end if;
  return new;
end
$$;

-- Named to run before jobs_check_location and jobs_check_assignee (triggers
-- of one event fire in name order): the branch is set before they look.
create trigger jobs_branch_check before insert or update of branch_id, customer_id, service_location_id,
  assigned_worker_id on app.jobs
for each row execute function app.check_job_branch();

-- A customer's or location's branch defaults to a scoped caller's.
create function app.default_branch() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.branch_id is null then
    new.branch_id := app.branch_id();
  end if;
  return new;
end
$$;

create trigger customers_default_branch before insert on app.customers
for each row execute function app.default_branch();

create trigger service_locations_default_branch before insert on app.service_locations
for each row execute function app.default_branch();

-- ===========================================================================
-- SHARED CONTEXT FUNCTIONS: the session pins the branch, the request
-- context carries it, and a change of branch ends the membership's
-- sessions. Each `create or replace` below starts from its latest version
-- (0039, with the role and its permissions) and adds only the branch.
-- ===========================================================================
alter table app.sessions add column branch_id uuid;

alter type auth.request_context add attribute branch_id uuid;

create or replace function app.pin_session_identity() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  select u.role, u.customer_id, u.contact_id, u.role_id, u.branch_id
    into new.role, new.customer_id, new.contact_id, new.role_id, new.branch_id
  from app.users u
  where u.company_id = new.company_id and u.id = new.user_id;
  new.location_scope := case when new.contact_id is not null
                             then app.contact_location_scope(new.company_id, new.contact_id) end;
  new.permissions := case when new.role_id is not null
                          then app.role_permission_names(new.company_id, new.role_id) else '{}' end;
  return new;
end
$$;

drop trigger users_identity_revokes_sessions on app.users;
create trigger users_identity_revokes_sessions
after update of role, customer_id, contact_id, branch_id, is_active, deleted_at on app.users
for each row when (
  old.role is distinct from new.role
  or old.customer_id is distinct from new.customer_id
  or old.contact_id is distinct from new.contact_id
  or old.branch_id is distinct from new.branch_id
  or (old.is_active and not new.is_active)
  or (old.deleted_at is null and new.deleted_at is not null)
)
execute function app.revoke_sessions_on_identity_change();

-- The body of 0039 with the branch; definer and one plan per connection as
-- 0018 and 0019 set them. db/citus.sql makes it an invoker with custom plans
-- on Citus.
create or replace function auth.request_context() returns auth.request_context
language plpgsql stable security definer parallel restricted
set search_path = pg_catalog, pg_temp
set plan_cache_mode = auto
as $$
declare
  v_context auth.request_context;
  -- A malformed id or company (never sent by the server) raises: failing closed, loudly.
  v_session_id uuid := nullif(pg_catalog.current_setting('app.session_id', true), '')::uuid;
  v_company_id uuid := nullif(pg_catalog.current_setting('app.session_company', true), '')::uuid;
  v_role text := pg_catalog.current_setting('role');
begin
  if v_company_id is null then
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope, s.permissions, s.branch_id
      into v_context
      from app.sessions s
     where s.id = v_session_id
       and s.revoked_at is null
       and s.expires_at > pg_catalog.now()
       and v_role = case s.role
             when 'ADMIN' then 'fieldops_admin'
             when 'WORKER' then 'fieldops_worker'
             when 'CUSTOMER' then 'fieldops_customer'
           end;
  else
    -- On a Citus worker, inside the query of a shard: the caller's rows live
    -- only on the node of its session (every table is co-located by company),
    -- so where that session is not, no row is the caller's and there is no
    -- context (0016).
    if pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') is not null then
      if not exists (
           select 1 from pg_catalog.pg_dist_local_group g
           where g.groupid = 0
              or exists (select 1 from pg_catalog.pg_dist_placement p
                         where p.shardid = pg_catalog.get_shard_id_for_distribution_column('app.sessions', v_company_id)
                           and p.groupid = g.groupid)) then
        return null;
      end if;
    end if;
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope, s.permissions, s.branch_id
      into v_context
      from app.sessions s
     where s.company_id = v_company_id
       and s.id = v_session_id
       and s.revoked_at is null
       and s.expires_at > pg_catalog.now()
       and v_role = case s.role
             when 'ADMIN' then 'fieldops_admin'
             when 'WORKER' then 'fieldops_worker'
             when 'CUSTOMER' then 'fieldops_customer'
           end;
  end if;
  return v_context;
end
$$;
-- ===========================================================================
-- END OF SHARED CONTEXT FUNCTIONS
-- ===========================================================================

-- The policies' function, inlined like its siblings (0013, 0025): null for a
-- company-wide member (and for no context at all, where company_id() is null
-- too and every policy matches nothing anyway).
create function app.branch_id() returns uuid
language sql stable parallel restricted
as $$ select (auth.request_context()).branch_id $$;

-- A staff membership made by a branch-scoped admin is of its branch.
create trigger users_default_branch before insert on app.users
for each row when (new.role <> 'CUSTOMER') execute function app.default_branch();

-- A location's gate code follows the location (branch scope): the policies'
-- per-row probe of app.service_locations in one-server form, and this
-- function on Citus (src/db/citus.rs PROBES), with the caller's rights like
-- app.customer_is_visible (0036).
create function app.location_is_visible(p_company_id uuid, p_location_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (select 1 from app.service_locations l where l.company_id = p_company_id and l.id = p_location_id);
end
$$;

-- The same question as `app.branch_id() is null`, as a call: Citus cannot
-- carry a context function inside IS NULL into a policy on a distributed
-- table ("unrecognized node type"), so src/db/citus.rs writes the policies'
-- test as this function there.
create function app.branch_unscoped() returns boolean
language sql stable parallel restricted
as $$ select (auth.request_context()).branch_id is null $$;
