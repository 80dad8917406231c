-- Company-defined roles from code-defined permissions (issue #15,
-- docs/policies.md "Roles and permissions").
--
-- A membership's `role` (ADMIN, WORKER, CUSTOMER) stays what it was: the
-- kind of member, which decides the PostgreSQL role a request runs as and so
-- the columns it may touch. On top of it each membership now holds one of
-- its company's roles (`role_id`), whose base is that kind, and the role's
-- permissions decide what the member may do inside its kind: a "Dispatcher"
-- is an ADMIN-based role without `users.manage`, an "Apprentice" a
-- WORKER-based one without `notes.write`. The policies ask
-- `(select app.has_permission('jobs.read'))`: one answer per statement, from
-- the verified session, which pins the role's permissions when it is created
-- and is refreshed when they change.
--
-- Every company starts with roles that reproduce the three fixed roles
-- exactly (Admin, Worker, Customer: every permission of their kind), plus a
-- Dispatcher. A permission added to the catalogue later is given to the
-- default role of its kind by the migration that adds it.

-- ---------------------------------------------------------------------------
-- The catalogue, defined here and nowhere else. A reference table on Citus.
-- ---------------------------------------------------------------------------
create table app.permissions (
  name text primary key,
  -- The kind of membership that may hold it: ADMIN permissions gate the
  -- office's policies, WORKER ones the field's.
  base app.user_role not null,
  description text not null,
  position integer not null,
  constraint permissions_name_format check (name ~ '^[a-z_]+\.[a-z_]+$'),
  constraint permissions_name_base_key unique (name, base)
);

insert into app.permissions (name, base, position, description) values
  ('jobs.read',           'ADMIN', 10, 'See every job of the company, its tasks, notes and timeline'),
  ('jobs.write',          'ADMIN', 20, 'Create and edit jobs, their tasks and notes; handle customers'' requests'),
  ('jobs.assign',         'ADMIN', 30, 'Assign a job to a worker, or unassign it'),
  ('jobs.archive',        'ADMIN', 40, 'Archive and restore jobs'),
  ('customers.read',      'ADMIN', 50, 'See customers, their locations, contacts and communication log'),
  ('customers.write',     'ADMIN', 60, 'Create and edit customers, locations, contacts; log communications'),
  ('share_links.manage',  'ADMIN', 70, 'Create and revoke a job''s share links'),
  ('history.read',        'ADMIN', 80, 'Read the company''s change history'),
  ('statuses.manage',     'ADMIN', 90, 'Define the company''s job statuses'),
  ('custom_fields.manage','ADMIN', 100, 'Define the company''s custom fields'),
  ('users.manage',        'ADMIN', 110, 'Invite, change and remove members'),
  ('roles.manage',        'ADMIN', 120, 'Create, rename and delete roles and choose their permissions'),
  ('portal.manage',       'ADMIN', 130, 'Run the customer portal: settings, sign-ups, invitations'),
  ('imports.run',         'ADMIN', 140, 'Import customers and jobs from files, and undo imports'),
  ('company.manage',      'ADMIN', 150, 'Change the company''s name and colour'),
  ('branches.manage',     'ADMIN', 160, 'Create, edit and delete the company''s branches'),
  ('jobs.update_status',  'WORKER', 210, 'Move an assigned job to another status'),
  ('tasks.complete',      'WORKER', 220, 'Tick off the tasks of an assigned job'),
  ('notes.write',         'WORKER', 230, 'Add notes to an assigned job');

-- ---------------------------------------------------------------------------
-- A company's roles.
-- ---------------------------------------------------------------------------
create table app.roles (
  company_id uuid not null default app.session_company_hint()
    constraint roles_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null,
  base app.user_role not null,
  -- The role a new membership of this kind gets when none is named (one per
  -- kind; the three the company started with). It cannot be deleted.
  is_default boolean not null default false,
  description text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint roles_pkey primary key (company_id, id),
  -- The target of the memberships' and grants' keys: a role of that kind.
  constraint roles_company_id_base_key unique (company_id, id, base),
  constraint roles_name_length check (char_length(btrim(name)) between 1 and 80),
  constraint roles_description_length check (char_length(description) <= 500)
);
create unique index roles_company_name_key on app.roles (company_id, lower(btrim(name)));
create unique index roles_company_default_key on app.roles (company_id, base) where is_default;

create trigger roles_stamp before insert or update on app.roles
for each row execute function app.stamp_row();
create trigger roles_audit after insert or update or delete on app.roles
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- What each role may do: one row per permission it holds.
-- ---------------------------------------------------------------------------
create table app.role_permissions (
  company_id uuid not null default app.session_company_hint()
    constraint role_permissions_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  role_id uuid not null,
  permission text not null,
  -- The role's kind, repeated so that both keys below can check that the
  -- permission is one of that kind.
  base app.user_role not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint role_permissions_pkey primary key (company_id, id),
  constraint role_permissions_role_permission_key unique (company_id, role_id, permission),
  constraint role_permissions_role_fkey foreign key (company_id, role_id, base)
    references app.roles (company_id, id, base) on delete cascade,
  constraint role_permissions_permission_fkey foreign key (permission, base)
    references app.permissions (name, base)
);

create trigger role_permissions_stamp before insert or update on app.role_permissions
for each row execute function app.stamp_row();
create trigger role_permissions_audit after insert or update or delete on app.role_permissions
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- Every company's first roles, and those of the companies there are.
-- ---------------------------------------------------------------------------
-- The Dispatcher's permissions: the jobs and the customers, nothing of the
-- company's people, roles or settings.
create function app.dispatcher_permissions() returns text[]
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select array['jobs.read', 'jobs.write', 'jobs.assign', 'jobs.archive', 'customers.read', 'customers.write',
               'share_links.manage', 'history.read']
$$;

-- PL/pgSQL with plain statements: the trigger of app.companies (a reference
-- table) writes these rows to the company's shards on Citus, as
-- app.create_default_statuses() does (db/migrations/0016).
create function app.seed_company_roles(p_company_id uuid) returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_admin uuid := gen_random_uuid();
  v_dispatcher uuid := gen_random_uuid();
  v_worker uuid := gen_random_uuid();
  v_customer uuid := gen_random_uuid();
  v_permission record;
begin
  insert into app.roles (company_id, id, name, base, is_default, description)
  values (p_company_id, v_admin, 'Admin', 'ADMIN', true, 'Everything in the office: the company''s people, roles and settings too'),
         (p_company_id, v_dispatcher, 'Dispatcher', 'ADMIN', false, 'Jobs and customers: schedules, assigns, follows up'),
         (p_company_id, v_worker, 'Worker', 'WORKER', true, 'Works the jobs assigned to them'),
         (p_company_id, v_customer, 'Customer', 'CUSTOMER', true, 'Follows their own jobs');
  -- One statement per grant: Citus refuses INSERT … SELECT into a
  -- distributed table from a reference table inside this trigger.
  for v_permission in select p.name, p.base from app.permissions p order by p.position loop
    if v_permission.base = 'ADMIN' then
      insert into app.role_permissions (company_id, role_id, permission, base)
      values (p_company_id, v_admin, v_permission.name, 'ADMIN');
      if v_permission.name = any (app.dispatcher_permissions()) then
        insert into app.role_permissions (company_id, role_id, permission, base)
        values (p_company_id, v_dispatcher, v_permission.name, 'ADMIN');
      end if;
    elsif v_permission.base = 'WORKER' then
      insert into app.role_permissions (company_id, role_id, permission, base)
      values (p_company_id, v_worker, v_permission.name, 'WORKER');
    end if;
  end loop;
end
$$;

create function app.create_default_roles() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if not app.is_primary_copy() then
    return new;
  end if;
  perform app.seed_company_roles(new.id);
  return new;
end
$$;

-- Named to fire after companies_default_statuses (alphabetical order).
create trigger companies_default_roles after insert on app.companies
for each row execute function app.create_default_roles();

select app.seed_company_roles(c.id) from app.companies c;

-- ---------------------------------------------------------------------------
-- Memberships hold a role of their own kind.
-- ---------------------------------------------------------------------------
alter table app.users add column role_id uuid;

update app.users u
   set role_id = r.id
  from app.roles r
 where r.company_id = u.company_id and r.base = u.role and r.is_default;

alter table app.users
  alter column role_id set not null,
  add constraint users_role_fkey foreign key (company_id, role_id, role)
    references app.roles (company_id, id, base);

create index users_company_role_id_idx on app.users (company_id, role_id);

-- The two columns say the same thing twice, and either may be written: a
-- membership written with a kind only (`role`, as before roles existed) gets
-- that kind's default role; one written with a role gets the role's kind.
-- Fires before users_keep_last_admin, which judges the kind this sets.
create function app.users_follow_role() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_base app.user_role;
begin
  if tg_op = 'INSERT' and new.role_id is null
     or tg_op = 'UPDATE' and new.role is distinct from old.role and new.role_id is not distinct from old.role_id then
    select r.id into new.role_id
      from app.roles r
     where r.company_id = new.company_id and r.base = new.role and r.is_default;
  elsif tg_op = 'INSERT' or new.role_id is distinct from old.role_id then
    select r.base into v_base
      from app.roles r
     where r.company_id = new.company_id and r.id = new.role_id;
    -- An unknown role leaves the kind as written; the key then refuses the row.
    if found then
      new.role := v_base;
    end if;
  end if;
  return new;
end
$$;

create trigger users_follow_role before insert or update of role, role_id on app.users
for each row execute function app.users_follow_role();

-- ---------------------------------------------------------------------------
-- The verified context carries the role's permissions.
-- ---------------------------------------------------------------------------
alter table app.sessions
  add column role_id uuid,
  add column permissions text[] not null default '{}';

create index sessions_company_role_idx on app.sessions (company_id, role_id) where revoked_at is null;

-- The permissions of a role, sorted. Called by the triggers below only.
create function app.role_permission_names(p_company_id uuid, p_role_id uuid) returns text[]
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_names text[];
begin
  select coalesce(pg_catalog.array_agg(rp.permission order by rp.permission), '{}')
    into v_names
    from app.role_permissions rp
   where rp.company_id = p_company_id and rp.role_id = p_role_id;
  return v_names;
end
$$;

-- Whoever inserts a session, its identity comes from the user row (0013,
-- 0025), now with the role and its permissions.
create or replace function app.pin_session_identity() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  select u.role, u.customer_id, u.contact_id, u.role_id
    into new.role, new.customer_id, new.contact_id, new.role_id
  from app.users u
  where u.company_id = new.company_id and u.id = new.user_id;
  new.location_scope := case when new.contact_id is not null
                             then app.contact_location_scope(new.company_id, new.contact_id) end;
  new.permissions := case when new.role_id is not null
                          then app.role_permission_names(new.company_id, new.role_id) else '{}' end;
  return new;
end
$$;

alter table app.sessions disable trigger sessions_stamp;
update app.sessions s
   set role_id = u.role_id,
       permissions = app.role_permission_names(u.company_id, u.role_id)
  from app.users u
 where u.company_id = s.company_id and u.id = s.user_id;
alter table app.sessions enable trigger sessions_stamp;

-- A role's permissions changed, or a member got another role of the same
-- kind (another kind ends its sessions: users_identity_revokes_sessions): its
-- live sessions carry the new permissions from the next request on. SECURITY
-- DEFINER because only the owner writes sessions; it touches only the
-- sessions of the changed role or member, in the changed row's company. Its
-- argument says which table fired it (on Citus tg_table_name is the shard's).
create function app.refresh_role_sessions() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid;
  v_role_id uuid;
  v_names text[];
begin
  if tg_argv[0] = 'users' then
    v_names := app.role_permission_names(new.company_id, new.role_id);
    update app.sessions s
       set role_id = new.role_id, permissions = v_names
     where s.company_id = new.company_id and s.user_id = new.id and s.revoked_at is null;
    return null;
  end if;
  if tg_op = 'DELETE' then
    v_company_id := old.company_id;
    v_role_id := old.role_id;
  else
    v_company_id := new.company_id;
    v_role_id := new.role_id;
  end if;
  v_names := app.role_permission_names(v_company_id, v_role_id);
  update app.sessions s
     set permissions = v_names
   where s.company_id = v_company_id and s.role_id = v_role_id and s.revoked_at is null;
  return null;
end
$$;

create trigger role_permissions_refresh_sessions
after insert or delete on app.role_permissions
for each row execute function app.refresh_role_sessions('role_permissions');

create trigger users_role_refreshes_sessions
after update of role, role_id on app.users
for each row when (old.role_id is distinct from new.role_id and old.role = new.role)
execute function app.refresh_role_sessions('users');

alter type auth.request_context add attribute permissions text[];

-- The body of 0025 with the new column; definer and one plan per connection
-- as 0018 and 0019 set them. db/citus.sql makes it an invoker with custom
-- plans on Citus.
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
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope, s.permissions
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
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope, s.permissions
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

-- The policies' question, written `(select app.has_permission('jobs.read'))`
-- so that it is answered once per statement. PL/pgSQL so that it is never
-- inlined: Citus cannot carry the `= any` of the context into a policy on a
-- distributed table (0025). False without a verified context.
create function app.has_permission(p_permission text) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return coalesce(p_permission = any ((auth.request_context()).permissions), false);
end
$$;

-- ---------------------------------------------------------------------------
-- What the policies cannot say: who may change a job's worker or archive it
-- (columns of an update the policy allows), who may give which role.
-- ---------------------------------------------------------------------------
create function app.check_job_permissions() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  -- Only the office's requests: a worker cannot write these columns at all
  -- (column grants), the owner and the sign-in pool's functions are trusted.
  if current_user <> 'fieldops_admin' then
    return new;
  end if;
  if (tg_op = 'INSERT' and new.assigned_worker_id is not null
      or tg_op = 'UPDATE' and new.assigned_worker_id is distinct from old.assigned_worker_id)
     and not app.has_permission('jobs.assign') then
    raise exception 'assigning a job needs the permission jobs.assign'
      using errcode = '42501', constraint = 'jobs_assign_permission';
  end if;
  if (tg_op = 'INSERT' and new.is_archived
      or tg_op = 'UPDATE' and new.is_archived is distinct from old.is_archived)
     and not app.has_permission('jobs.archive') then
    raise exception 'archiving a job needs the permission jobs.archive'
      using errcode = '42501', constraint = 'jobs_archive_permission';
  end if;
  return new;
end
$$;

create trigger jobs_check_permissions before insert or update of assigned_worker_id, is_archived on app.jobs
for each row execute function app.check_job_permissions();

-- A member never gives what it does not hold: not a permission to a role,
-- not a role with a permission it lacks to a member, itself included (so it
-- may step down, never up). The last member who may manage roles keeps that.
create function app.check_role_grant() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if current_user not in ('fieldops_admin', 'fieldops_worker', 'fieldops_customer') then
    return coalesce(new, old);
  end if;
  -- The office's permissions are compared: only the office manages roles and
  -- members, and what a field or customer role may do gives no office power
  -- (an admin gives the Worker role without holding jobs.update_status).
  if tg_argv[0] = 'role_permissions' then
    if coalesce(new.base, old.base) = 'ADMIN'
       and not app.has_permission(coalesce(new.permission, old.permission)) then
      raise exception 'a member can only give or take away permissions it holds'
        using errcode = '42501', constraint = 'role_permissions_held_by_granter';
    end if;
    return coalesce(new, old);
  end if;
  -- app.users: a new membership, or another role for one.
  if tg_op = 'UPDATE' and new.role_id is not distinct from old.role_id then
    return new;
  end if;
  if exists (select 1 from app.role_permissions rp
              where rp.company_id = new.company_id and rp.role_id = new.role_id
                and rp.base = 'ADMIN' and not app.has_permission(rp.permission)) then
    raise exception 'a member can only give roles whose permissions it holds'
      using errcode = '42501', constraint = 'users_role_held_by_granter';
  end if;
  return new;
end
$$;

create trigger role_permissions_check_grant before insert or delete on app.role_permissions
for each row execute function app.check_role_grant('role_permissions');
-- Named to fire after users_follow_role, which names the role a membership
-- written by kind gets (triggers fire in the order of their names).
create trigger users_role_granted before insert or update of role, role_id on app.users
for each row execute function app.check_role_grant('users');

-- Whether the company keeps an active member whose role holds roles.manage,
-- not counting `p_except_user`, and counting role `p_role_id` without
-- `p_except_permission`. The advisory lock (as app.keep_last_admin's) makes
-- two such changes at once take turns.
create function app.keeps_a_roles_manager(p_company_id uuid, p_except_user uuid, p_role_id uuid)
returns boolean
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_company_id::text, 1));
  return exists (
    select 1
      from app.users u
      join app.role_permissions rp
        on rp.company_id = u.company_id and rp.role_id = u.role_id and rp.permission = 'roles.manage'
     where u.company_id = p_company_id
       and u.id is distinct from p_except_user
       and u.role_id is distinct from p_role_id
       and u.is_active and u.deleted_at is null);
end
$$;

create function app.keep_a_roles_manager() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_held boolean;
begin
  if tg_argv[0] = 'role_permissions' then
    if old.permission = 'roles.manage'
       and not app.keeps_a_roles_manager(old.company_id, null, old.role_id) then
      raise exception 'the company must keep a member who may manage roles'
        using errcode = 'FO409', constraint = 'roles_last_manager';
    end if;
    return old;
  end if;
  -- app.users: a member who may manage roles loses its role, is deactivated or removed.
  if not (old.is_active and old.deleted_at is null) then
    return coalesce(new, old);
  end if;
  select exists (select 1 from app.role_permissions rp
                  where rp.company_id = old.company_id and rp.role_id = old.role_id
                    and rp.permission = 'roles.manage')
    into v_held;
  if v_held
     and (tg_op = 'DELETE' or new.role_id is distinct from old.role_id or not new.is_active
          or new.deleted_at is not null)
     and not app.keeps_a_roles_manager(old.company_id, old.id, null) then
    -- The member's new role may hold it too.
    if tg_op = 'UPDATE' and new.is_active and new.deleted_at is null
       and exists (select 1 from app.role_permissions rp
                    where rp.company_id = new.company_id and rp.role_id = new.role_id
                      and rp.permission = 'roles.manage') then
      return new;
    end if;
    raise exception 'the company must keep a member who may manage roles'
      using errcode = 'FO409', constraint = 'roles_last_manager';
  end if;
  return coalesce(new, old);
end
$$;

create trigger role_permissions_keep_a_roles_manager before delete on app.role_permissions
for each row execute function app.keep_a_roles_manager('role_permissions');
create trigger users_keep_a_roles_manager before update of role, role_id, is_active, deleted_at or delete on app.users
for each row execute function app.keep_a_roles_manager('users');

-- A default role is what a membership written by kind gets: it stays.
create function app.keep_default_roles() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'DELETE' then
    -- (Deleting the company deletes its roles: then the company is gone.)
    if old.is_default and exists (select 1 from app.companies c where c.id = old.company_id) then
      raise exception 'a default role cannot be deleted'
        using errcode = 'FO409', constraint = 'roles_default_kept';
    end if;
    return old;
  end if;
  if new.base is distinct from old.base or new.is_default is distinct from old.is_default then
    raise exception 'a role''s kind and whether it is the default are fixed'
      using errcode = 'FO409', constraint = 'roles_kind_fixed';
  end if;
  return new;
end
$$;

create trigger roles_keep_defaults before update or delete on app.roles
for each row execute function app.keep_default_roles();

-- ---------------------------------------------------------------------------
-- The sign-in pool: the admin's linking functions (0034) now ask for
-- users.manage, and /auth/me names the role and its permissions.
-- ---------------------------------------------------------------------------
create or replace function auth.admin_session_is_live(p_session_id uuid, p_user_id uuid, p_company_id uuid)
returns boolean
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (
    select 1
    from app.sessions s
    join app.users u on u.company_id = s.company_id and u.id = s.user_id
    where s.company_id = p_company_id
      and s.id = p_session_id
      and s.user_id = p_user_id
      and s.revoked_at is null
      and s.expires_at > pg_catalog.now()
      and s.role = 'ADMIN'
      and 'users.manage' = any (s.permissions)
      and u.role = 'ADMIN'
      and u.deleted_at is null
      and u.is_active)
    and exists (select 1 from app.companies c where c.id = p_company_id and c.is_active);
end
$$;

-- The role and permissions of a live session, for GET /auth/me: what the
-- web app shows and hides (the database decides regardless).
create function auth.session_role(p_session_id uuid, p_user_id uuid, p_company_id uuid)
returns table (role_id uuid, role_name text, permissions text[])
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select r.id, r.name, s.permissions
    from app.sessions s
    join app.roles r on r.company_id = s.company_id and r.id = s.role_id
   where s.company_id = p_company_id
     and s.id = p_session_id
     and s.user_id = p_user_id
     and s.revoked_at is null
     and s.expires_at > pg_catalog.now();
end
$$;
