-- A customer login is a contact, and a contact may be limited to some of the
-- customer's locations (issue #16, "Customer portal scope"): the manager of
-- Building C signs in and sees Building C's jobs, and nothing of Buildings A
-- and B. A contact without the limit, and a login linked to no contact (every
-- login before this migration), sees all of its customer's jobs, as before.
--
-- The limit is part of the verified context, like the customer itself: the
-- session pins the login's contact, and carries the list of locations the
-- contact is limited to (null: not limited). The policies compare a job's or
-- a location's id with that list, so they read no other table per row (on
-- Citus too, where a policy may not run a query), and the list is kept up to
-- date by triggers: a change to a contact's limit or locations reaches its
-- live sessions in the same transaction, so it holds from the member's next
-- request on, without a new sign-in.

-- ---------------------------------------------------------------------------
-- Which locations a contact is limited to.
-- ---------------------------------------------------------------------------
-- An explicit flag rather than "limited when it has any location": deleting
-- the last of a limited contact's locations must leave it seeing nothing, not
-- everything.
alter table app.contacts add column restricted_to_locations boolean not null default false;

create table app.contact_locations (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  -- The contact's customer, so that both keys below hold the pair to one
  -- customer: a contact is never linked to another customer's location.
  customer_id uuid not null,
  contact_id uuid not null,
  service_location_id uuid not null,
  created_at timestamptz not null default now(),
  constraint contact_locations_pkey primary key (company_id, id),
  constraint contact_locations_pair_key unique (company_id, contact_id, service_location_id)
);

alter table app.contact_locations
  add constraint contact_locations_company_fkey foreign key (company_id)
    references app.companies (id),
  add constraint contact_locations_contact_fkey foreign key (company_id, customer_id, contact_id)
    references app.contacts (company_id, customer_id, id) on delete cascade,
  add constraint contact_locations_location_fkey foreign key (company_id, customer_id, service_location_id)
    references app.service_locations (company_id, customer_id, id) on delete cascade;

create index contact_locations_company_location_idx
  on app.contact_locations (company_id, service_location_id);

create trigger contact_locations_audit after insert or update or delete on app.contact_locations
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- A customer login is one of its customer's contacts.
-- ---------------------------------------------------------------------------
-- `on delete restrict`: deleting the contact of a login must not quietly
-- widen what the login sees (a login with no contact sees every location).
alter table app.users
  add column contact_id uuid,
  add constraint users_contact_fkey foreign key (company_id, customer_id, contact_id)
    references app.contacts (company_id, customer_id, id) on delete restrict,
  add constraint users_contact_only_customers check (contact_id is null or role = 'CUSTOMER');

create index users_company_contact_idx on app.users (company_id, contact_id)
  where contact_id is not null;

-- ---------------------------------------------------------------------------
-- The session pins the contact and carries its locations.
-- ---------------------------------------------------------------------------
alter table app.sessions
  add column contact_id uuid,
  add column location_scope uuid[];

create index sessions_company_contact_idx on app.sessions (company_id, contact_id)
  where contact_id is not null;

-- The locations a contact is limited to, or null when it is not limited.
-- Called by the triggers below only (no request role may execute it: it takes
-- a company and a contact as parameters). PL/pgSQL, two plain lookups: Citus
-- cannot plan a SQL function's parameters inside a distributed query.
create function app.contact_location_scope(p_company_id uuid, p_contact_id uuid) returns uuid[]
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_restricted boolean;
  v_scope uuid[];
begin
  select c.restricted_to_locations into v_restricted
    from app.contacts c
   where c.company_id = p_company_id and c.id = p_contact_id;
  if not coalesce(v_restricted, false) then
    return null;
  end if;
  select coalesce(pg_catalog.array_agg(cl.service_location_id order by cl.service_location_id), '{}')
    into v_scope
    from app.contact_locations cl
   where cl.company_id = p_company_id and cl.contact_id = p_contact_id;
  return v_scope;
end
$$;

-- Whoever inserts a session, its identity comes from the user row (0013),
-- now with the contact and the contact's locations.
create or replace function app.pin_session_identity() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  select u.role, u.customer_id, u.contact_id into new.role, new.customer_id, new.contact_id
  from app.users u
  where u.company_id = new.company_id and u.id = new.user_id;
  new.location_scope := case when new.contact_id is not null
                             then app.contact_location_scope(new.company_id, new.contact_id) end;
  return new;
end
$$;

-- Another contact is another identity: the login's sessions end, as for a
-- change of role or customer (0013).
drop trigger users_identity_revokes_sessions on app.users;
create trigger users_identity_revokes_sessions
after update of role, customer_id, contact_id, is_active, deleted_at on app.users
for each row when (
  old.role is distinct from new.role
  or old.customer_id is distinct from new.customer_id
  or old.contact_id is distinct from new.contact_id
  or (old.is_active and not new.is_active)
  or (old.deleted_at is null and new.deleted_at is not null)
)
execute function app.revoke_sessions_on_identity_change();

-- A contact's limit or locations changed: its live sessions carry the new
-- list from the next request on. SECURITY DEFINER because only the owner
-- writes sessions; it touches only the sessions of the changed contact, in
-- the changed row's company. Its argument says which table fired it (on
-- Citus tg_table_name is the shard's, contacts_102040).
create function app.refresh_contact_sessions() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid;
  v_contact_id uuid;
  v_scope uuid[];
begin
  if tg_argv[0] = 'contacts' then
    v_company_id := new.company_id;
    v_contact_id := new.id;
  elsif tg_op = 'DELETE' then
    v_company_id := old.company_id;
    v_contact_id := old.contact_id;
  else
    v_company_id := new.company_id;
    v_contact_id := new.contact_id;
  end if;
  -- Computed once (Citus refuses a STABLE function of the row's columns in
  -- an UPDATE), for every session of the contact alike.
  v_scope := app.contact_location_scope(v_company_id, v_contact_id);
  update app.sessions s
     set location_scope = v_scope
   where s.company_id = v_company_id
     and s.contact_id = v_contact_id
     and s.revoked_at is null;
  return null;
end
$$;

create trigger contacts_restriction_refreshes_sessions
after update of restricted_to_locations on app.contacts
for each row when (old.restricted_to_locations is distinct from new.restricted_to_locations)
execute function app.refresh_contact_sessions('contacts');

create trigger contact_locations_refresh_sessions
after insert or delete on app.contact_locations
for each row execute function app.refresh_contact_sessions('contact_locations');

-- ---------------------------------------------------------------------------
-- The verified context names the locations.
-- ---------------------------------------------------------------------------
alter type auth.request_context add attribute location_scope uuid[];

-- The body of 0016 with the new column; definer and one plan per connection
-- as 0018 and 0019 set them (`create or replace` resets what it does not
-- repeat). db/citus.sql makes it an invoker with custom plans on Citus.
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
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope
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
    select s.id, s.company_id, s.user_id, s.role, s.customer_id, s.location_scope
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

-- The policies' function, inlined like its siblings (0013): null when the
-- caller is not limited to locations.
create function app.location_scope() returns uuid[]
language sql stable parallel restricted
as $$ select (auth.request_context()).location_scope $$;

-- The same comparison as one call, for Citus: it cannot carry `= any (…)` of
-- the context into a policy on a distributed table ("unrecognized node
-- type"), so src/db/citus.rs writes the policies' test as this function.
-- True when the caller is not limited or the location is one of its own.
create function app.in_location_scope(p_location_id uuid) returns boolean
language sql stable parallel restricted
as $$ select coalesce(p_location_id = any (app.location_scope()), app.location_scope() is null) $$;
