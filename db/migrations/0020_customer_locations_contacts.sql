-- Customers as service businesses have them (issue #16, part 1): the bill-to
-- customer gains an account number, tags, a do-not-service flag, notes and an
-- optional parent; it has service locations (at least one), whose gate codes
-- and access notes live in a table of their own so that a policy, not a
-- handler, decides who reads them; and contacts with typed methods. Jobs name
-- the location they happen at (required once the customer has several) and
-- optionally a site contact.
--
-- Born distributable (docs/scaling.md): every key is (company_id, …), every
-- foreign key carries company_id. A location or contact a job names must be
-- its customer's: the keys are (company_id, customer_id, id), so no trigger
-- has to check it.
--
-- Today's customers keep everything: the address becomes their first
-- location, phone and email a primary contact with those methods; the old
-- columns stay (deprecated in the OpenAPI document).

-- ---------------------------------------------------------------------------
-- The customer, as the bill-to party.
-- ---------------------------------------------------------------------------
alter table app.customers
  add column account_number integer,
  add column tags text[] not null default '{}',
  add column do_not_service boolean not null default false,
  add column notes text,
  add column parent_customer_id uuid;

-- ---------------------------------------------------------------------------
-- The new tables. Their foreign keys come after the block that distributes
-- them: on a database that is already a Citus cluster, a plain table may not
-- reference a distributed one, so each is distributed (co-located with
-- app.customers) before its keys are added. On one server, and on a cluster
-- still being built, `fieldops migrate` distributes them afterwards
-- (src/db/citus.rs, TABLES).
-- ---------------------------------------------------------------------------
create table app.service_locations (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  customer_id uuid not null,
  name text not null,
  line1 text,
  line2 text,
  city text,
  region text,
  postal_code text,
  country text,
  latitude double precision,
  longitude double precision,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint service_locations_pkey primary key (company_id, id),
  -- The target of the keys that must stay within one customer (jobs).
  constraint service_locations_customer_key unique (company_id, customer_id, id),
  constraint service_locations_name_length check (char_length(btrim(name)) between 1 and 200),
  constraint service_locations_line1_length check (line1 is null or char_length(line1) <= 500),
  constraint service_locations_line2_length check (line2 is null or char_length(line2) <= 200),
  constraint service_locations_city_length check (city is null or char_length(city) <= 100),
  constraint service_locations_region_length check (region is null or char_length(region) <= 100),
  constraint service_locations_postal_code_length check (postal_code is null or char_length(postal_code) <= 20),
  constraint service_locations_country_length check (country is null or char_length(country) <= 100),
  constraint service_locations_latitude_range check (latitude is null or latitude between -90 and 90),
  constraint service_locations_longitude_range check (longitude is null or longitude between -180 and 180),
  constraint service_locations_coordinates_pair check ((latitude is null) = (longitude is null))
);

-- Gate codes and access notes: for staff and for the worker assigned to an
-- open job there, never for customers or share links
-- (db/policies/service_location_access.sql). One row per location.
create table app.service_location_access (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  location_id uuid not null,
  gate_code text,
  access_notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint service_location_access_pkey primary key (company_id, id),
  constraint service_location_access_location_key unique (company_id, location_id),
  constraint service_location_access_gate_code_length check (gate_code is null or char_length(gate_code) <= 100),
  constraint service_location_access_notes_length check (access_notes is null or char_length(access_notes) <= 2000)
);

create table app.contacts (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  customer_id uuid not null,
  name text not null,
  title text,
  notes text,
  is_primary boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint contacts_pkey primary key (company_id, id),
  constraint contacts_customer_key unique (company_id, customer_id, id),
  constraint contacts_name_length check (char_length(btrim(name)) between 1 and 200),
  constraint contacts_title_length check (title is null or char_length(title) <= 200),
  constraint contacts_notes_length check (notes is null or char_length(notes) <= 5000)
);

-- One primary contact per customer.
create unique index contacts_one_primary_key on app.contacts (company_id, customer_id) where is_primary;

-- A contact's ways of being reached. customer_id is the contact's (the key
-- says so), so the policies read it from the row, as they do for contacts.
create table app.contact_methods (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  customer_id uuid not null,
  contact_id uuid not null,
  kind text not null,
  value text not null,
  is_primary boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint contact_methods_pkey primary key (company_id, id),
  constraint contact_methods_kind check (kind in ('mobile', 'office_phone', 'email', 'fax')),
  constraint contact_methods_email_format check (
    kind <> 'email' or (value ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(value) <= 254)),
  constraint contact_methods_phone_format check (kind = 'email' or value ~ '^\+?[0-9 ()./-]{3,40}$')
);

-- One primary method of each kind per contact.
create unique index contact_methods_one_primary_key on app.contact_methods (company_id, contact_id, kind)
  where is_primary;

-- (Nested, and through EXECUTE: the Citus catalog exists only there, and
-- PL/pgSQL plans a statement when it first runs it.)
do $$
declare
  v_distributed boolean := false;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute 'select exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = ''app.customers''::regclass)'
      into v_distributed;
  end if;
  if v_distributed then
    execute 'select create_distributed_table(''app.service_locations'', ''company_id'', colocate_with => ''app.customers'')';
    execute 'select create_distributed_table(''app.service_location_access'', ''company_id'', colocate_with => ''app.customers'')';
    execute 'select create_distributed_table(''app.contacts'', ''company_id'', colocate_with => ''app.customers'')';
    execute 'select create_distributed_table(''app.contact_methods'', ''company_id'', colocate_with => ''app.customers'')';
  end if;
end
$$;

alter table app.service_locations
  add constraint service_locations_company_fkey foreign key (company_id)
    references app.companies (id) on delete cascade,
  add constraint service_locations_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id);

alter table app.service_location_access
  add constraint service_location_access_location_fkey foreign key (company_id, location_id)
    references app.service_locations (company_id, id) on delete cascade;

alter table app.contacts
  add constraint contacts_company_fkey foreign key (company_id)
    references app.companies (id) on delete cascade,
  add constraint contacts_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id);

alter table app.contact_methods
  add constraint contact_methods_contact_fkey foreign key (company_id, customer_id, contact_id)
    references app.contacts (company_id, customer_id, id) on delete cascade;

create index contact_methods_company_contact_idx on app.contact_methods (company_id, customer_id, contact_id);

alter table app.customers
  add constraint customers_parent_fkey foreign key (company_id, parent_customer_id)
    references app.customers (company_id, id),
  add constraint customers_parent_not_self check (parent_customer_id is distinct from id),
  add constraint customers_tags_count check (cardinality(tags) <= 20),
  add constraint customers_notes_length check (notes is null or char_length(notes) <= 10000);

alter table app.jobs
  add column service_location_id uuid,
  add column site_contact_id uuid,
  add constraint jobs_service_location_fkey foreign key (company_id, customer_id, service_location_id)
    references app.service_locations (company_id, customer_id, id),
  add constraint jobs_site_contact_fkey foreign key (company_id, customer_id, site_contact_id)
    references app.contacts (company_id, customer_id, id);

-- The worker's gate-code policy asks for open jobs at a location; deleting a
-- location or contact asks whether a job still names it.
create index jobs_company_location_idx on app.jobs (company_id, service_location_id);
create index jobs_company_site_contact_idx on app.jobs (company_id, site_contact_id)
  where site_contact_id is not null;

-- ---------------------------------------------------------------------------
-- Today's rows, carried over. As in migration 0013, the backfill is no edit
-- by anyone: the bookkeeping and history triggers of the rows it completes
-- are off while it runs (the new tables get theirs below).
-- ---------------------------------------------------------------------------
alter table app.customers disable trigger customers_stamp;
alter table app.customers disable trigger customers_audit;
update app.customers c set account_number = n.account_number
from (select company_id, id, row_number() over (partition by company_id order by created_at, id) as account_number
      from app.customers) n
where n.company_id = c.company_id and n.id = c.id;
alter table app.customers enable trigger customers_stamp;
alter table app.customers enable trigger customers_audit;

alter table app.customers alter column account_number set not null,
  add constraint customers_account_number_key unique (company_id, account_number),
  add constraint customers_account_number_positive check (account_number > 0);

-- Deleted customers too: a customer always has a location, and restoring one
-- must not leave it without.
insert into app.service_locations (company_id, customer_id, name, line1, created_at, updated_at)
select c.company_id, c.id, c.name, c.address, c.created_at, c.created_at
from app.customers c;

insert into app.contacts (company_id, customer_id, name, is_primary, created_at, updated_at)
select c.company_id, c.id, c.name, true, c.created_at, c.created_at
from app.customers c
where c.phone is not null or c.email is not null;

insert into app.contact_methods (company_id, customer_id, contact_id, kind, value, is_primary, created_at, updated_at)
select k.company_id, k.customer_id, k.id, 'office_phone', c.phone, true, k.created_at, k.created_at
from app.contacts k
join app.customers c on c.company_id = k.company_id and c.id = k.customer_id
where c.phone is not null;

insert into app.contact_methods (company_id, customer_id, contact_id, kind, value, is_primary, created_at, updated_at)
select k.company_id, k.customer_id, k.id, 'email', c.email, true, k.created_at, k.created_at
from app.contacts k
join app.customers c on c.company_id = k.company_id and c.id = k.customer_id
where c.email is not null and char_length(c.email) <= 254;

-- Every customer has exactly one location now: its jobs happen there.
alter table app.jobs disable trigger jobs_stamp;
alter table app.jobs disable trigger jobs_audit;
update app.jobs j set service_location_id = l.id
from app.service_locations l
where l.company_id = j.company_id and l.customer_id = j.customer_id;
alter table app.jobs enable trigger jobs_stamp;
alter table app.jobs enable trigger jobs_audit;

-- ---------------------------------------------------------------------------
-- Bookkeeping and history of the new tables.
-- ---------------------------------------------------------------------------
create trigger service_locations_stamp before insert or update on app.service_locations
for each row execute function app.stamp_row();
create trigger service_location_access_stamp before insert or update on app.service_location_access
for each row execute function app.stamp_row();
create trigger contacts_stamp before insert or update on app.contacts
for each row execute function app.stamp_row();
create trigger contact_methods_stamp before insert or update on app.contact_methods
for each row execute function app.stamp_row();

create trigger service_locations_audit after insert or update or delete on app.service_locations
for each row execute function app.audit_row('company_id');
create trigger service_location_access_audit after insert or update or delete on app.service_location_access
for each row execute function app.audit_row('company_id');
create trigger contacts_audit after insert or update or delete on app.contacts
for each row execute function app.audit_row('company_id');
create trigger contact_methods_audit after insert or update or delete on app.contact_methods
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- The rules, in the database, whoever writes (API, CLI, psql).
-- ---------------------------------------------------------------------------

-- Account numbers count up per company, never reused (deleted customers keep
-- theirs). The advisory lock makes concurrent creations of one company take
-- turns; the statement after it sees what the previous one committed. All of
-- a company's rows, and so its contenders, are on one node on Citus too.
create function app.assign_account_number() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('account-number:' || new.company_id::text, 0));
  select coalesce(max(c.account_number), 0) + 1 into new.account_number
  from app.customers c where c.company_id = new.company_id;
  return new;
end
$$;

create trigger customers_account_number before insert on app.customers
for each row execute function app.assign_account_number();

-- A parent is a customer of the same company (the key) and never the customer
-- itself or one of its descendants. Parent changes of a company take turns,
-- so two edits cannot close a loop between them.
create function app.check_customer_parent() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ancestor uuid := new.parent_customer_id;
  v_steps integer := 0;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('customer-parent:' || new.company_id::text, 0));
  -- No loop exists (this trigger refuses the edit that would close one), so
  -- the walk ends at a customer without a parent; the bound is a safety net.
  while v_ancestor is not null and v_steps < 1000 loop
    if v_ancestor = new.id then
      raise exception 'a customer cannot be its own ancestor'
        using errcode = 'FO422', constraint = 'customers_parent_cycle';
    end if;
    select c.parent_customer_id into v_ancestor
    from app.customers c where c.company_id = new.company_id and c.id = v_ancestor;
    v_steps := v_steps + 1;
  end loop;
  return new;
end
$$;

create trigger customers_check_parent before update of parent_customer_id on app.customers
for each row when (new.parent_customer_id is not null)
execute function app.check_customer_parent();

-- A customer has at least one location from its first moment: a new customer
-- gets one, named after it, at its address (the API then fills in the
-- structured address it was sent). As the owner: the location is the new
-- customer's own, in its company, and an admin may not name a company_id
-- (db/policies/service_locations.sql), which a row made outside a request
-- (the CLI, psql) has no default for.
create function app.create_first_location() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into app.service_locations (company_id, customer_id, name, line1)
  values (new.company_id, new.id, new.name, new.address);
  return null;
end
$$;

create trigger customers_first_location after insert on app.customers
for each row execute function app.create_first_location();

-- ... and keeps it: deleting the last one is refused. Locations of one
-- customer are deleted in turns, so two deletes cannot each leave the other
-- as the last. A company being deleted (its row gone) takes them all.
create function app.keep_a_service_location() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if not exists (select 1 from app.companies co where co.id = old.company_id) then
    return old;
  end if;
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('service-locations:' || old.company_id::text || ':' || old.customer_id::text, 0));
  if not exists (
    select 1 from app.service_locations l
    where l.company_id = old.company_id and l.customer_id = old.customer_id and l.id <> old.id
  ) then
    raise exception 'a customer keeps at least one service location'
      using errcode = 'FO409', constraint = 'service_locations_last_location';
  end if;
  return old;
end
$$;

create trigger service_locations_keep_one before delete on app.service_locations
for each row execute function app.keep_a_service_location();

-- A job happens at one of its customer's locations: with a single location
-- that one is taken, with several the job must name one. A job moved to
-- another customer leaves the old one's location and site contact behind,
-- unless the same statement names new ones.
create function app.check_job_location() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_locations uuid[];
begin
  if tg_op = 'UPDATE' and new.customer_id is distinct from old.customer_id then
    if new.service_location_id is not distinct from old.service_location_id then
      new.service_location_id := null;
    end if;
    if new.site_contact_id is not distinct from old.site_contact_id then
      new.site_contact_id := null;
    end if;
  end if;
  if new.service_location_id is not null then
    return new;
  end if;
  v_locations := array(
    select l.id from app.service_locations l
    where l.company_id = new.company_id and l.customer_id = new.customer_id
    limit 2);
  if pg_catalog.cardinality(v_locations) = 1 then
    new.service_location_id := v_locations[1];
  elsif pg_catalog.cardinality(v_locations) > 1 then
    raise exception 'the customer has several service locations: the job must name one'
      using errcode = 'FO422', constraint = 'jobs_location_required';
  end if;
  return new;
end
$$;

create trigger jobs_check_location before insert or update of customer_id, service_location_id on app.jobs
for each row execute function app.check_job_location();

-- ---------------------------------------------------------------------------
-- "Does the caller have an open job at this location?" as a function, for
-- the gate-code policy on Citus (as the probes of migration 0016; invoker's
-- rights, so app.jobs' own policies decide which jobs count).
-- ---------------------------------------------------------------------------
create function app.location_has_visible_open_job(p_company_id uuid, p_location_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (
    select 1 from app.jobs j
    where j.company_id = p_company_id and j.service_location_id = p_location_id and not j.is_archived);
end
$$;
