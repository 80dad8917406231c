-- Import and export (issue #19): a company brings its customers and jobs from
-- spreadsheets and other field-service systems, with a dry run, no
-- duplicates on re-import, and an undo within 24 hours.
--
-- app.imports records every run (who, when, file, mapping, counts, the
-- refused rows and why). app.external_refs links a source system's id to the
-- record it became, so next month's file updates the same records.
-- app.import_mappings keeps a company's column mappings for next time.
--
-- The rows are written by app.import_rows (with app.import_customer_row and
-- app.import_job_row): invoker's rights, so every row goes through the importing admin's policies, grants
-- and constraints exactly as an API write would. They exist only to save
-- round trips (one call per chunk of rows instead of several per row); each
-- row runs in its own subtransaction (an exception block), so a refused row
-- never half-applies.

create table app.imports (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  kind text not null,
  file_name text not null,
  source text not null,
  mapping jsonb not null default '{}',
  created_by uuid,
  created_at timestamptz not null default now(),
  created_count integer not null default 0,
  updated_count integer not null default 0,
  skipped_count integer not null default 0,
  refused_count integer not null default 0,
  state text not null,
  -- The transaction that applied it: its audit_log rows are what undo reverts.
  applied_xact bigint,
  undo_deadline timestamptz,
  undone_at timestamptz,
  -- The refused rows: [{"row": n, "column": header, "message": reason, "values": {header: value}}].
  errors jsonb not null default '[]',
  headers text[] not null default '{}',
  updated_at timestamptz not null default now(),
  updated_by uuid,
  version integer not null default 1,
  constraint imports_pkey primary key (company_id, id),
  constraint imports_kind check (kind in ('customers', 'jobs')),
  constraint imports_state check (state in ('dry_run', 'applied', 'undone')),
  constraint imports_file_name_length check (char_length(file_name) between 1 and 255),
  constraint imports_source_format check (source ~ '^[a-z0-9_-]{1,40}$'),
  constraint imports_mapping_object check (jsonb_typeof(mapping) = 'object'),
  constraint imports_errors_array check (jsonb_typeof(errors) = 'array'),
  constraint imports_counts_positive check (
    created_count >= 0 and updated_count >= 0 and skipped_count >= 0 and refused_count >= 0)
);

create index imports_company_created_idx on app.imports (company_id, created_at desc, id desc);

create table app.external_refs (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  source text not null,
  kind text not null,
  external_id text not null,
  -- A customer's or a job's id (kind says which); no foreign key, as it
  -- points into one of two tables.
  record_id uuid not null,
  import_id uuid not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint external_refs_pkey primary key (company_id, id),
  constraint external_refs_key unique (company_id, source, kind, external_id),
  constraint external_refs_kind check (kind in ('customer', 'job')),
  constraint external_refs_source_format check (source ~ '^[a-z0-9_-]{1,40}$'),
  constraint external_refs_external_id_length check (char_length(external_id) between 1 and 200)
);

create index external_refs_company_record_idx on app.external_refs (company_id, record_id);

create table app.import_mappings (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  kind text not null,
  name text not null,
  source text not null,
  mapping jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint import_mappings_pkey primary key (company_id, id),
  constraint import_mappings_name_key unique (company_id, kind, name),
  constraint import_mappings_kind check (kind in ('customers', 'jobs')),
  constraint import_mappings_name_length check (char_length(btrim(name)) between 1 and 100),
  constraint import_mappings_source_format check (source ~ '^[a-z0-9_-]{1,40}$'),
  constraint import_mappings_mapping_object check (jsonb_typeof(mapping) = 'object')
);

-- As in migration 0020: on a database that is already a Citus cluster, the
-- new tables are distributed before their foreign keys are added.
do $$
declare
  v_distributed boolean := false;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute 'select exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = ''app.customers''::regclass)'
      into v_distributed;
  end if;
  if v_distributed then
    execute 'select create_distributed_table(''app.imports'', ''company_id'', colocate_with => ''app.customers'')';
    execute 'select create_distributed_table(''app.external_refs'', ''company_id'', colocate_with => ''app.customers'')';
    execute 'select create_distributed_table(''app.import_mappings'', ''company_id'', colocate_with => ''app.customers'')';
  end if;
end
$$;

alter table app.imports
  add constraint imports_company_fkey foreign key (company_id) references app.companies (id) on delete cascade;
alter table app.external_refs
  add constraint external_refs_company_fkey foreign key (company_id) references app.companies (id) on delete cascade,
  add constraint external_refs_import_fkey foreign key (company_id, import_id) references app.imports (company_id, id);
alter table app.import_mappings
  add constraint import_mappings_company_fkey foreign key (company_id) references app.companies (id) on delete cascade;

create index external_refs_company_import_idx on app.external_refs (company_id, import_id);

-- Undo reads one transaction's history of one company.
create index audit_log_company_xact_idx on app.audit_log (company_id, xact_id);

create trigger imports_stamp before insert or update on app.imports
for each row execute function app.stamp_row();
create trigger external_refs_stamp before insert or update on app.external_refs
for each row execute function app.stamp_row();
create trigger import_mappings_stamp before insert or update on app.import_mappings
for each row execute function app.stamp_row();

create trigger imports_audit after insert or update or delete on app.imports
for each row execute function app.audit_row('company_id');
create trigger external_refs_audit after insert or update or delete on app.external_refs
for each row execute function app.audit_row('company_id');
create trigger import_mappings_audit after insert or update or delete on app.import_mappings
for each row execute function app.audit_row('company_id');

-- ---------------------------------------------------------------------------
-- One chunk of rows: p_rows is a JSON array of row objects (n, the file's
-- row number, and the fields below). Each row runs in its own
-- subtransaction (the exception block), so a refused row leaves nothing
-- behind. Returns one line per row: created, updated, skipped (nothing
-- changed) or refused, with the record and what matched it, or the reason.
-- ---------------------------------------------------------------------------
create function app.import_rows(p_kind text, p_import uuid, p_source text, p_rows jsonb)
returns table (row_number integer, outcome text, record_id uuid, matched_by text,
               sql_state text, constraint_name text, column_name text, message text)
language plpgsql
set search_path = pg_catalog, pg_temp
-- A thousand rows a call run the same few statements a thousand times: their
-- plans are kept (as for app.audit_row, migration 0019) rather than made
-- again for each row as the request's force_custom_plan would.
set plan_cache_mode = auto
as $$
declare
  v_row jsonb;
  v_state text;
  v_constraint text;
  v_column text;
  v_message text;
begin
  for v_row in select * from pg_catalog.jsonb_array_elements(p_rows) loop
    row_number := (v_row ->> 'n')::integer;
    outcome := null;
    record_id := null;
    matched_by := null;
    sql_state := null;
    constraint_name := null;
    column_name := null;
    message := null;
    begin
      if p_kind = 'customers' then
        select r.outcome, r.record_id, r.matched_by into outcome, record_id, matched_by
        from app.import_customer_row(p_import, p_source, v_row) r;
      else
        select r.outcome, r.record_id, r.matched_by into outcome, record_id, matched_by
        from app.import_job_row(p_import, p_source, v_row) r;
      end if;
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_constraint = constraint_name,
                              v_column = column_name, v_message = message_text;
      outcome := 'refused';
      record_id := null;
      matched_by := null;
      sql_state := v_state;
      constraint_name := nullif(v_constraint, '');
      column_name := nullif(v_column, '');
      message := v_message;
    end;
    return next;
  end loop;
end
$$;

-- ---------------------------------------------------------------------------
-- A customer row: external_id, name, email, phone, line1, line2, city,
-- region, postal_code, country, notes, tags (array), contact_name. Matched
-- by the source's external id, else (rows without one) by phone, email or
-- address as auth.find_customer_duplicates normalizes them.
--
-- The company (and below, the user) is the request's hint, not the verified
-- context: every statement binds it, and the policies check each row against
-- the verified context, so a forged hint finds and writes nothing. (The
-- verified context is a definer's lookup; called here, on Citus's
-- coordinator, it would read the sessions over the owner's connection, which
-- Citus refuses once the admin's has written to the company's shards.)
-- ---------------------------------------------------------------------------
create function app.import_customer_row(p_import uuid, p_source text, p_row jsonb,
                                        out outcome text, out record_id uuid, out matched_by text)
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.session_company_hint();
  v_customer uuid;
  v_location uuid;
  v_digits text;
  v_key text;
  v_tags text[];
  v_primary boolean;
  v_contact uuid;
  v_matched text;
  v_changed boolean;
  v_address text;
  v_name text;
  v_kind text;
  v_value text;
begin
  v_name := p_row ->> 'name';
  v_address := nullif(pg_catalog.concat_ws(', ', p_row ->> 'line1', p_row ->> 'line2', p_row ->> 'city',
                                           p_row ->> 'region', p_row ->> 'postal_code'), '');
  if p_row ->> 'external_id' is not null then
    select r.record_id into v_customer from app.external_refs r
    where r.company_id = v_company and r.source = p_source and r.kind = 'customer'
      and r.external_id = p_row ->> 'external_id';
    if v_customer is not null then
      v_matched := 'external_id';
    end if;
  end if;
  -- Rows without an id: the likely duplicates, normalized as
  -- auth.find_customer_duplicates does (the phone's last ten digits, the
  -- email without case, the address without case, spaces or punctuation),
  -- looked up here under the admin's own policies. Not through that
  -- function: a definer's query runs over the owner's connection, and on
  -- Citus it may not read shards this transaction has written as the admin.
  if v_customer is null and p_row ->> 'external_id' is null then
    v_digits := pg_catalog.regexp_replace(coalesce(p_row ->> 'phone', ''), '[^0-9]', '', 'g');
    if pg_catalog.char_length(v_digits) >= 7 then
      select m.customer_id into v_customer
      from app.contact_methods m
      join app.customers c on c.company_id = m.company_id and c.id = m.customer_id and c.deleted_at is null
      where m.company_id = v_company and m.kind <> 'email'
        and pg_catalog.right(pg_catalog.regexp_replace(m.value, '[^0-9]', '', 'g'), 10) = pg_catalog.right(v_digits, 10)
      order by m.customer_id limit 1;
      v_matched := case when v_customer is not null then 'phone' end;
    end if;
    if v_customer is null and p_row ? 'email' then
      select m.customer_id into v_customer
      from app.contact_methods m
      join app.customers c on c.company_id = m.company_id and c.id = m.customer_id and c.deleted_at is null
      where m.company_id = v_company and m.kind = 'email'
        and pg_catalog.lower(m.value) = pg_catalog.lower(pg_catalog.btrim(p_row ->> 'email'))
      order by m.customer_id limit 1;
      v_matched := case when v_customer is not null then 'email' end;
    end if;
    -- The duplicate check's own address key, abbreviations folded
    -- (app.address_key, migration 0032; resolved when this runs).
    v_key := nullif(app.address_key(p_row ->> 'line1', p_row ->> 'line2', p_row ->> 'city',
                                    p_row ->> 'region', p_row ->> 'postal_code'), '');
    if v_customer is null and p_row ? 'line1' and v_key is not null then
      select l.customer_id, l.id into v_customer, v_location
      from app.service_locations l
      join app.customers c on c.company_id = l.company_id and c.id = l.customer_id and c.deleted_at is null
      where l.company_id = v_company and l.line1 is not null
        and app.address_key(l.line1, l.line2, l.city, l.region, l.postal_code) = v_key
      order by l.customer_id, l.id limit 1;
      v_matched := case when v_customer is not null then 'address' end;
    end if;
  end if;

  -- Computed here, not as subqueries inside the writes (Citus refuses a
  -- subquery in INSERT … VALUES).
  v_tags := case when p_row ? 'tags' then array(select pg_catalog.jsonb_array_elements_text(p_row -> 'tags')) end;

  if v_customer is null then
    if v_name is null then
      raise exception 'a new customer needs a name' using errcode = 'FO422', column = 'name';
    end if;
    insert into app.customers (name, email, phone, address, notes, tags)
    values (v_name, p_row ->> 'email', p_row ->> 'phone', v_address, p_row ->> 'notes',
            coalesce(v_tags, '{}'))
    returning id into v_customer;
    -- Its first location was made by app.create_first_location.
    update app.service_locations l
    set line1 = p_row ->> 'line1', line2 = p_row ->> 'line2', city = p_row ->> 'city',
        region = p_row ->> 'region', postal_code = p_row ->> 'postal_code', country = p_row ->> 'country'
    where l.company_id = v_company and l.customer_id = v_customer
      and (p_row ? 'line1' or p_row ? 'city' or p_row ? 'postal_code');
    outcome := 'created';
    v_changed := true;
  else
    update app.customers c
    set name = coalesce(v_name, c.name),
        email = coalesce(p_row ->> 'email', c.email),
        phone = coalesce(p_row ->> 'phone', c.phone),
        address = coalesce(v_address, c.address),
        notes = coalesce(p_row ->> 'notes', c.notes),
        tags = coalesce(v_tags, c.tags)
    where c.company_id = v_company and c.id = v_customer and c.deleted_at is null
      and (c.name, c.email, c.phone, c.address, c.notes, c.tags) is distinct from
          (coalesce(v_name, c.name), coalesce(p_row ->> 'email', c.email), coalesce(p_row ->> 'phone', c.phone),
           coalesce(v_address, c.address), coalesce(p_row ->> 'notes', c.notes),
           coalesce(v_tags, c.tags));
    v_changed := found;
    if p_row ? 'line1' then
      if v_location is null then
        select l.id into v_location from app.service_locations l
        where l.company_id = v_company and l.customer_id = v_customer
        order by l.created_at, l.id limit 1;
      end if;
      update app.service_locations l
      set line1 = p_row ->> 'line1', line2 = p_row ->> 'line2', city = p_row ->> 'city',
          region = p_row ->> 'region', postal_code = p_row ->> 'postal_code',
          country = coalesce(p_row ->> 'country', l.country)
      where l.company_id = v_company and l.id = v_location
        and (l.line1, l.line2, l.city, l.region, l.postal_code) is distinct from
            (p_row ->> 'line1', p_row ->> 'line2', p_row ->> 'city', p_row ->> 'region', p_row ->> 'postal_code');
      v_changed := v_changed or found;
    end if;
    outcome := case when v_changed then 'updated' else 'skipped' end;
  end if;

  -- The phone and email become the primary contact's methods, as a
  -- customer created through the API gets them; ones it has are kept.
  if p_row ? 'phone' or p_row ? 'email' then
    select k.id into v_contact from app.contacts k
    where k.company_id = v_company and k.customer_id = v_customer
    order by k.is_primary desc, k.created_at, k.id limit 1;
    if v_contact is null then
      insert into app.contacts (customer_id, name, is_primary)
      values (v_customer, coalesce(p_row ->> 'contact_name', v_name, 'Contact'), true)
      returning id into v_contact;
    end if;
    foreach v_kind in array array['office_phone', 'email'] loop
      v_value := p_row ->> case when v_kind = 'email' then 'email' else 'phone' end;
      continue when v_value is null;
      if not exists (
        select 1 from app.contact_methods m
        where m.company_id = v_company and m.customer_id = v_customer
          and case when v_kind = 'email' then m.kind = 'email' and pg_catalog.lower(m.value) = pg_catalog.lower(v_value)
                   -- The last ten digits, as auth.find_customer_duplicates compares them.
                   else m.kind <> 'email'
                     and pg_catalog.right(pg_catalog.regexp_replace(m.value, '[^0-9]', '', 'g'), 10)
                       = pg_catalog.right(pg_catalog.regexp_replace(v_value, '[^0-9]', '', 'g'), 10) end
      ) then
        v_primary := not exists (select 1 from app.contact_methods m
                                 where m.company_id = v_company and m.contact_id = v_contact and m.kind = v_kind
                                   and m.is_primary);
        insert into app.contact_methods (customer_id, contact_id, kind, value, is_primary)
        values (v_customer, v_contact, v_kind, v_value, v_primary);
        if outcome = 'skipped' then
          outcome := 'updated';
        end if;
      end if;
    end loop;
  end if;

  if p_row ->> 'external_id' is not null and v_matched is distinct from 'external_id' then
    insert into app.external_refs (source, kind, external_id, record_id, import_id)
    values (p_source, 'customer', p_row ->> 'external_id', v_customer, p_import);
  end if;
  record_id := v_customer;
  matched_by := v_matched;
end
$$;

-- ---------------------------------------------------------------------------
-- A job row: external_id, title, description, status (a status name of the
-- company), scheduled_at, completed (boolean: comes in archived), worker
-- (name or email), customer_external_id, customer_name, location (the first
-- address line of one of the customer's locations).
-- ---------------------------------------------------------------------------
create function app.import_job_row(p_import uuid, p_source text, p_row jsonb,
                                   out outcome text, out record_id uuid, out matched_by text)
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.session_company_hint();
  v_job uuid;
  v_customer uuid;
  v_status uuid;
  v_final boolean;
  v_worker uuid;
  v_location uuid;
  v_count integer;
begin
  if p_row ->> 'customer_external_id' is not null then
    select r.record_id into v_customer from app.external_refs r
    where r.company_id = v_company and r.source = p_source and r.kind = 'customer'
      and r.external_id = p_row ->> 'customer_external_id';
  end if;
  if v_customer is null and p_row ->> 'customer_name' is not null then
    select pg_catalog.min(c.id::text)::uuid, pg_catalog.count(*) into v_customer, v_count
    from app.customers c
    where c.company_id = v_company and c.deleted_at is null
      and pg_catalog.lower(c.name) = pg_catalog.lower(p_row ->> 'customer_name');
    if v_count > 1 then
      raise exception 'several customers are named "%"', p_row ->> 'customer_name'
        using errcode = 'FO422', column = 'customer';
    end if;
  end if;
  if v_customer is null then
    raise exception 'no customer matches this row' using errcode = 'FO422', column = 'customer';
  end if;

  if p_row ->> 'status' is not null then
    select s.id, s.is_final into v_status, v_final from app.job_statuses s
    where s.company_id = v_company and pg_catalog.lower(s.name) = pg_catalog.lower(p_row ->> 'status')
    order by s.order_index limit 1;
    if v_status is null then
      raise exception 'status "%" is not one of the company''s statuses', p_row ->> 'status'
        using errcode = 'FO422', column = 'status';
    end if;
  else
    select s.id, s.is_final into v_status, v_final from app.job_statuses s
    where s.company_id = v_company and s.is_final = coalesce((p_row ->> 'completed')::boolean, false)
    order by s.order_index limit 1;
  end if;

  if p_row ->> 'worker' is not null then
    select u.id into v_worker from app.users u
    where u.company_id = v_company and u.role = 'WORKER' and u.deleted_at is null
      and (pg_catalog.lower(u.email) = pg_catalog.lower(p_row ->> 'worker')
           or pg_catalog.lower(u.name) = pg_catalog.lower(p_row ->> 'worker'))
    order by u.created_at limit 1;
    if v_worker is null then
      raise exception 'no worker is named or has the email "%"', p_row ->> 'worker'
        using errcode = 'FO422', column = 'worker';
    end if;
  end if;

  if p_row ->> 'location' is not null then
    select l.id into v_location from app.service_locations l
    where l.company_id = v_company and l.customer_id = v_customer
      and app.address_key(l.line1, null, null, null, null) = app.address_key(p_row ->> 'location', null, null, null, null)
    order by l.created_at limit 1;
    if v_location is null then
      raise exception 'the customer has no location at "%"', p_row ->> 'location'
        using errcode = 'FO422', column = 'location';
    end if;
  end if;

  if p_row ->> 'external_id' is not null then
    select r.record_id into v_job from app.external_refs r
    where r.company_id = v_company and r.source = p_source and r.kind = 'job'
      and r.external_id = p_row ->> 'external_id';
  end if;

  if v_job is null then
    insert into app.jobs (customer_id, status_id, assigned_worker_id, title, description, scheduled_at,
                          service_location_id)
    values (v_customer, v_status, v_worker, p_row ->> 'title', coalesce(p_row ->> 'description', ''),
            (p_row ->> 'scheduled_at')::timestamptz, v_location)
    returning id into v_job;
    outcome := 'created';
    if p_row ->> 'external_id' is not null then
      insert into app.external_refs (source, kind, external_id, record_id, import_id)
      values (p_source, 'job', p_row ->> 'external_id', v_job, p_import);
    end if;
  else
    update app.jobs j
    set customer_id = v_customer, status_id = v_status, assigned_worker_id = v_worker,
        title = coalesce(p_row ->> 'title', j.title), description = coalesce(p_row ->> 'description', j.description),
        scheduled_at = (p_row ->> 'scheduled_at')::timestamptz,
        service_location_id = coalesce(v_location, j.service_location_id)
    where j.company_id = v_company and j.id = v_job
      and (j.customer_id, j.status_id, j.assigned_worker_id, j.title, j.description, j.scheduled_at)
          is distinct from (v_customer, v_status, v_worker, coalesce(p_row ->> 'title', j.title),
                            coalesce(p_row ->> 'description', j.description),
                            (p_row ->> 'scheduled_at')::timestamptz);
    outcome := case when found then 'updated' else 'skipped' end;
    matched_by := 'external_id';
  end if;
  -- Past completed jobs come in done and out of the way.
  if v_final then
    update app.jobs j set is_archived = true, archived_at = pg_catalog.now(), archived_by = app.session_user_hint()
    where j.company_id = v_company and j.id = v_job and not j.is_archived;
  end if;
  record_id := v_job;
end
$$;

-- ---------------------------------------------------------------------------
-- Undo: the applying transaction's history, newest first. What it created is
-- taken back (customers deleted as the API deletes them, softly; jobs, which
-- no admin may delete, archived; contacts, methods and links deleted); what
-- it updated gets the old values the audit log kept. Invoker's rights: the
-- admin's own policies decide, and the audit rows it reads are its company's.
-- Returns how many changes it reverted.
-- ---------------------------------------------------------------------------
create function app.undo_import(p_xact bigint)
returns integer
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.session_company_hint();
  v_entry record;
  v_old jsonb;
  v_count integer := 0;
  v_customer app.customers%rowtype;
  v_location app.service_locations%rowtype;
  v_job app.jobs%rowtype;
begin
  for v_entry in
    select a.table_name, a.row_id, a.action, a.changes from app.audit_log a
    where a.company_id = v_company and a.xact_id = p_xact
      and a.table_name in ('customers', 'service_locations', 'contacts', 'contact_methods', 'jobs', 'external_refs')
    order by a.id desc
  loop
    -- An UPDATE's changes are {"column": [old, new]}: the old image.
    if v_entry.action = 'UPDATE' then
      select pg_catalog.jsonb_object_agg(c.key, c.value -> 0) into v_old
      from pg_catalog.jsonb_each(v_entry.changes) c;
    end if;
    if v_entry.table_name = 'customers' and v_entry.action = 'INSERT' then
      update app.customers c set deleted_at = pg_catalog.now(), deleted_by = app.session_user_hint()
      where c.company_id = v_company and c.id = v_entry.row_id and c.deleted_at is null;
    elsif v_entry.table_name = 'customers' and v_entry.action = 'UPDATE' then
      -- The row as it is, with the old values laid over it (read first, not
      -- joined into the UPDATE: one plain statement per shard for Citus).
      select * into v_customer from app.customers c where c.company_id = v_company and c.id = v_entry.row_id;
      v_customer := pg_catalog.jsonb_populate_record(v_customer, v_old);
      update app.customers c
      set name = v_customer.name, email = v_customer.email, phone = v_customer.phone, address = v_customer.address,
          notes = v_customer.notes, tags = v_customer.tags
      where c.company_id = v_company and c.id = v_entry.row_id;
    elsif v_entry.table_name = 'service_locations' and v_entry.action = 'UPDATE' then
      select * into v_location from app.service_locations l where l.company_id = v_company and l.id = v_entry.row_id;
      v_location := pg_catalog.jsonb_populate_record(v_location, v_old);
      update app.service_locations l
      set line1 = v_location.line1, line2 = v_location.line2, city = v_location.city, region = v_location.region,
          postal_code = v_location.postal_code, country = v_location.country
      where l.company_id = v_company and l.id = v_entry.row_id;
    elsif v_entry.table_name = 'contact_methods' and v_entry.action = 'INSERT' then
      delete from app.contact_methods m where m.company_id = v_company and m.id = v_entry.row_id;
    elsif v_entry.table_name = 'contacts' and v_entry.action = 'INSERT' then
      delete from app.contacts k where k.company_id = v_company and k.id = v_entry.row_id;
    elsif v_entry.table_name = 'external_refs' and v_entry.action = 'INSERT' then
      delete from app.external_refs r where r.company_id = v_company and r.id = v_entry.row_id;
    elsif v_entry.table_name = 'jobs' and v_entry.action = 'INSERT' then
      update app.jobs j set is_archived = true, archived_at = pg_catalog.now(), archived_by = app.session_user_hint()
      where j.company_id = v_company and j.id = v_entry.row_id and not j.is_archived;
    elsif v_entry.table_name = 'jobs' and v_entry.action = 'UPDATE' then
      select * into v_job from app.jobs j where j.company_id = v_company and j.id = v_entry.row_id;
      v_job := pg_catalog.jsonb_populate_record(v_job, v_old);
      update app.jobs j
      set customer_id = v_job.customer_id, status_id = v_job.status_id, assigned_worker_id = v_job.assigned_worker_id,
          title = v_job.title, description = v_job.description, scheduled_at = v_job.scheduled_at,
          service_location_id = v_job.service_location_id, is_archived = v_job.is_archived,
          archived_at = v_job.archived_at, archived_by = v_job.archived_by
      where j.company_id = v_company and j.id = v_entry.row_id;
    else
      continue;
    end if;
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;
