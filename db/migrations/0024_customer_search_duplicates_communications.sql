-- Customers, found and kept apart (issue #16, part 2): one search over a
-- customer's name, account number, contacts, phones (by digits), emails and
-- location addresses; the likely duplicates of a new customer, location or
-- contact; and the communication log, every call, email, text or visit noted
-- against a customer.
--
-- Search and duplicates read as the owner through narrow SECURITY DEFINER
-- functions (as auth.search_customers, migration 0006): under row-level
-- security a query's own LIKE, lower() or regexp_replace() is not leakproof,
-- so PostgreSQL would apply it after the policy, row by row, and never use
-- the indexes below. The functions take the company only from the verified
-- context, answer admins only, and return ids; the caller loads the rows
-- under its own policies.

-- ---------------------------------------------------------------------------
-- Indexes of the search, each led by company_id (one tenant's slice of the
-- index; the shard's on Citus). The expressions are repeated verbatim in the
-- functions below: the planner matches an index by its expression.
-- ---------------------------------------------------------------------------
create index customers_company_name_trgm_idx on app.customers
  using gin (company_id, lower(name) gin_trgm_ops);
-- Queries shorter than a trigram search by prefix.
create index customers_company_name_prefix_idx on app.customers (company_id, lower(name) text_pattern_ops);
create index contacts_company_name_trgm_idx on app.contacts
  using gin (company_id, lower(name) gin_trgm_ops);
create index contact_methods_company_email_trgm_idx on app.contact_methods
  using gin (company_id, lower(value) gin_trgm_ops) where kind = 'email';
create index service_locations_company_address_trgm_idx on app.service_locations
  using gin (company_id, lower(name || ' ' || coalesce(line1, '') || ' ' || coalesce(line2, '') || ' '
    || coalesce(city, '') || ' ' || coalesce(region, '') || ' ' || coalesce(postal_code, '')) gin_trgm_ops);

-- Phones by their digits, whatever the formatting: a phone's last ten digits
-- ("+1 (555) 010-2000" and "555.010.2000" are one number). Equality for the
-- duplicate check, prefix (text_pattern_ops) for the search: people type a
-- number from its start. (A trigram index on the digits was measured and
-- dropped: every number of a region shares its first trigrams, so each
-- keystroke walked most of the tenant's posting lists.)
create index contact_methods_company_phone_key_idx on app.contact_methods
  (company_id, right(regexp_replace(value, '[^0-9]', '', 'g'), 10) text_pattern_ops) where kind <> 'email';

-- Indexes of the duplicate check: equality on a normalized key.
create index contact_methods_company_email_key_idx on app.contact_methods
  (company_id, lower(value)) where kind = 'email';
-- An address as its letters and digits only, lower-case, in the order line1,
-- line2, city, region, postal code: "12 Main St., Springfield IL 62701" typed
-- on one line matches the same address typed into the structured fields.
create index service_locations_company_address_key_idx on app.service_locations
  (company_id, regexp_replace(lower(coalesce(line1, '') || coalesce(line2, '') || coalesce(city, '')
    || coalesce(region, '') || coalesce(postal_code, '')), '[^[:alnum:]]+', '', 'g'))
  where line1 is not null;

-- ---------------------------------------------------------------------------
-- The search. Every branch reads at most a page of its matches, never all of
-- them: a common word ("smith": 5,000 of 250,000 contacts) would otherwise
-- fetch and rank thousands of rows per keystroke.
-- The best matches are their own branches (an exact or leading name, an
-- exact email or phone), so they are never crowded out by mere containment.
-- A customer found several ways is counted once, under its best match.
-- ---------------------------------------------------------------------------
create function auth.search_customer_matches(p_query text, p_limit integer)
returns table (customer_id uuid, matched text, rank integer)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
-- The planner cannot estimate how many rows a LIKE on these expressions
-- matches; betting on a few, it may read the table until it has a page (for
-- a rare pattern, the whole tenant). The indexes below are always right here.
set enable_seqscan = off
as $$
declare
  v_company uuid := app.company_id();
  v_text text := pg_catalog.lower(pg_catalog.btrim(pg_catalog.left(coalesce(p_query, ''), 200)));
  v_digits text := pg_catalog.regexp_replace(coalesce(p_query, ''), '[^0-9]', '', 'g');
  v_limit integer := least(greatest(coalesce(p_limit, 20), 1), 100);
  v_escaped text;
  v_contains text;
  v_prefix text;
  v_account integer;
  v_phone text;
  v_phone_national text;
  v_keys text;
  v_found integer;
begin
  if v_company is null or app.role() is distinct from 'ADMIN' or v_text = '' then
    return;
  end if;
  v_escaped := pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(v_text, '\', '\\'), '%', '\%'), '_', '\_');
  v_prefix := v_escaped || '%';
  -- Searching inside names, emails and addresses starts at four characters:
  -- shorter ones make a trigram or two that most rows share (measured: 17,000
  -- of 250,000 contacts for "har"), so they search customer names by prefix
  -- only (the text_pattern_ops index).
  if pg_catalog.char_length(v_text) >= 4 then
    v_contains := '%' || v_escaped || '%';
  end if;
  if v_text ~ '^#?[0-9]{1,9}$' then
    v_account := pg_catalog.ltrim(v_text, '#')::integer;
  end if;
  -- A phone search needs a few digits, and a query that is mostly digits. It
  -- matches numbers whose last ten digits begin with the digits typed, or
  -- with them less a leading country code 1 ("+1 603 55…").
  if pg_catalog.char_length(v_digits) >= 3
     and pg_catalog.char_length(v_digits) * 2 >= pg_catalog.char_length(pg_catalog.regexp_replace(v_text, '\s', '', 'g')) then
    v_phone := pg_catalog.right(v_digits, 10) || '%';
    if v_digits like '1%' and pg_catalog.char_length(v_digits) between 2 and 11 then
      v_phone_national := pg_catalog.substr(v_digits, 2) || '%';
    end if;
  end if;
  -- Keys and prefixes go through btree indexes in order: a page of them is a
  -- page of reading. Dynamic SQL throughout: planned with the real values,
  -- so a branch whose value is null folds away and each LIKE sees its
  -- constant pattern.
  v_keys := $sql$
      (select c.id as customer_id, 'account_number'::text as matched, 100 as rank
       from app.customers c
       where c.company_id = $1 and $2::integer is not null and c.account_number = $2 and c.deleted_at is null)
      union all
      (select c.id, 'name', 90 from app.customers c
       where c.company_id = $1 and lower(c.name) = $3 and c.deleted_at is null
       limit $7)
      union all
      (select c.id, 'name', 80 from app.customers c
       where c.company_id = $1 and lower(c.name) like $4 and c.deleted_at is null
       limit $7)
      union all
      (select m.customer_id, 'phone',
              case when right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) = right($8, 10) then 95 else 60 end
       from app.contact_methods m
       where m.company_id = $1 and m.kind <> 'email' and $6::text is not null
         and right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) like $6
       limit $7)
      union all
      (select m.customer_id, 'phone', 60
       from app.contact_methods m
       where m.company_id = $1 and m.kind <> 'email' and $9::text is not null
         and right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) like $9
       limit $7)
      union all
      (select m.customer_id, 'email', 95 from app.contact_methods m
       where m.company_id = $1 and m.kind = 'email' and lower(m.value) = $3
       limit $7)
  $sql$;
  -- When the keys and prefixes fill the page (a name's first word, a phone's
  -- area code), the trigram indexes are not read at all: for a word that
  -- many rows contain, each would build a bitmap of all of them.
  if v_contains is not null then
    execute 'select count(distinct k.customer_id) from (' || v_keys || ') k'
      into v_found
      using v_company, v_account, v_text, v_prefix, v_contains, v_phone, v_limit, v_digits, v_phone_national;
    if v_found >= v_limit then
      v_contains := null;
    end if;
  end if;
  -- Containment goes through the trigram indexes: each CTE is planned for all
  -- of its rows (a bitmap scan of the index, never a walk of the table in key
  -- order betting on the LIMIT) and read only as far as the LIMIT.
  return query execute $sql$
    with name_contains as materialized (
      select c.id as customer_id, 'name'::text as matched, 50 as rank from app.customers c
      where c.company_id = $1 and $5::text is not null and lower(c.name) like $5 and c.deleted_at is null
    ), contact_names as materialized (
      select k.customer_id, 'contact_name'::text as matched,
             case when lower(k.name) = $3 then 85 when lower(k.name) like $4 then 70 else 40 end as rank
      from app.contacts k
      where k.company_id = $1 and $5::text is not null and lower(k.name) like $5
    ), emails as materialized (
      select m.customer_id, 'email'::text as matched, case when lower(m.value) like $4 then 75 else 45 end as rank
      from app.contact_methods m
      where m.company_id = $1 and m.kind = 'email' and $5::text is not null and lower(m.value) like $5
    ), addresses as materialized (
      select l.customer_id, 'address'::text as matched, 30 as rank
      from app.service_locations l
      where l.company_id = $1 and $5::text is not null
        and lower(l.name || ' ' || coalesce(l.line1, '') || ' ' || coalesce(l.line2, '') || ' '
          || coalesce(l.city, '') || ' ' || coalesce(l.region, '') || ' ' || coalesce(l.postal_code, '')) like $5
    )
    select b.customer_id, (array_agg(b.matched order by b.rank desc, b.matched))[1], max(b.rank)::integer
    from ($sql$ || v_keys || $sql$
      union all
      (select * from name_contains limit $7)
      union all
      (select * from contact_names limit $7)
      union all
      (select * from emails limit $7)
      union all
      (select * from addresses limit $7)
    ) b
    join app.customers c on c.company_id = $1 and c.id = b.customer_id and c.deleted_at is null
    group by b.customer_id, lower(c.name)
    order by max(b.rank) desc, lower(c.name), b.customer_id
    limit $7
  $sql$
  using v_company, v_account, v_text, v_prefix, v_contains, v_phone, v_limit, v_digits, v_phone_national;
end
$$;

-- ---------------------------------------------------------------------------
-- Duplicates: the company's contacts sharing a phone (last ten digits, at
-- least seven given) or an email (case-insensitive), and its locations at the
-- same normalized address (p_address: the parts concatenated, normalized
-- here). Admins only; at most 20.
-- ---------------------------------------------------------------------------
create function auth.find_customer_duplicates(p_phones text[], p_emails text[], p_address text)
returns table (customer_id uuid, record_id uuid, kind text, matched text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.company_id();
  v_phones text[];
  v_emails text[];
  v_address text;
begin
  if v_company is null or app.role() is distinct from 'ADMIN' then
    return;
  end if;
  v_phones := array(
    select distinct pg_catalog.right(pg_catalog.regexp_replace(p, '[^0-9]', '', 'g'), 10)
    from pg_catalog.unnest(coalesce(p_phones, '{}')) p
    where pg_catalog.char_length(pg_catalog.regexp_replace(p, '[^0-9]', '', 'g')) >= 7
    limit 20);
  v_emails := array(
    select distinct pg_catalog.lower(pg_catalog.btrim(e)) from pg_catalog.unnest(coalesce(p_emails, '{}')) e
    where pg_catalog.btrim(e) <> '' limit 20);
  v_address := nullif(pg_catalog.regexp_replace(pg_catalog.lower(coalesce(p_address, '')), '[^[:alnum:]]+', '', 'g'), '');
  return query
    select d.customer_id, d.record_id, d.kind, d.matched
    from (
      select m.customer_id, m.contact_id as record_id, 'contact'::text as kind, 'phone'::text as matched
      from app.contact_methods m
      where m.company_id = v_company and m.kind <> 'email'
        and pg_catalog.right(pg_catalog.regexp_replace(m.value, '[^0-9]', '', 'g'), 10) = any (v_phones)
      union
      select m.customer_id, m.contact_id, 'contact', 'email'
      from app.contact_methods m
      where m.company_id = v_company and m.kind = 'email' and pg_catalog.lower(m.value) = any (v_emails)
      union
      select l.customer_id, l.id, 'location', 'address'
      from app.service_locations l
      where l.company_id = v_company and l.line1 is not null and v_address is not null
        and pg_catalog.regexp_replace(pg_catalog.lower(coalesce(l.line1, '') || coalesce(l.line2, '')
              || coalesce(l.city, '') || coalesce(l.region, '') || coalesce(l.postal_code, '')),
              '[^[:alnum:]]+', '', 'g') = v_address
    ) d
    join app.customers c on c.company_id = v_company and c.id = d.customer_id and c.deleted_at is null
    order by d.matched, d.customer_id, d.record_id
    limit 20;
end
$$;

-- ---------------------------------------------------------------------------
-- The communication log. Who wrote an entry is created_by (app.stamp_row,
-- from the verified context), so nobody can log in another's name; the
-- policies let only its author edit or delete it. Location, contact and job
-- are optional and must be the customer's own: the keys of the location and
-- contact carry customer_id; the job's customer is checked on write.
-- ---------------------------------------------------------------------------

create table app.communications (
  id uuid not null default gen_random_uuid(),
  company_id uuid not null default app.session_company_hint(),
  customer_id uuid not null,
  service_location_id uuid,
  contact_id uuid,
  job_id uuid,
  occurred_at timestamptz not null default now(),
  channel text not null,
  direction text not null,
  summary text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint communications_pkey primary key (company_id, id),
  constraint communications_channel check (channel in ('call', 'email', 'text', 'visit')),
  constraint communications_direction check (direction in ('inbound', 'outbound')),
  constraint communications_summary_length check (char_length(btrim(summary)) between 1 and 5000)
);

-- (As in migration 0020: distributed before its keys on a running cluster.)
do $$
declare
  v_distributed boolean := false;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute 'select exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = ''app.customers''::regclass)'
      into v_distributed;
  end if;
  if v_distributed then
    execute 'select create_distributed_table(''app.communications'', ''company_id'', colocate_with => ''app.customers'')';
  end if;
end
$$;

alter table app.communications
  add constraint communications_company_fkey foreign key (company_id)
    references app.companies (id) on delete cascade,
  add constraint communications_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id),
  add constraint communications_location_fkey foreign key (company_id, customer_id, service_location_id)
    references app.service_locations (company_id, customer_id, id),
  add constraint communications_contact_fkey foreign key (company_id, customer_id, contact_id)
    references app.contacts (company_id, customer_id, id),
  -- By company only: a job may later move to another customer (app.jobs
  -- has no (company_id, customer_id, id) key, and a log entry must not pin
  -- the job), so the customer is checked when the entry is written, below.
  add constraint communications_job_fkey foreign key (company_id, job_id)
    references app.jobs (company_id, id),
  add constraint communications_author_fkey foreign key (company_id, created_by)
    references app.users (company_id, id);

-- The customer's log, newest first (the list's keyset order).
create index communications_company_customer_idx on app.communications
  (company_id, customer_id, occurred_at desc, id desc);
-- Deleting a location, contact or job asks whether an entry names it.
create index communications_company_location_idx on app.communications (company_id, service_location_id)
  where service_location_id is not null;
create index communications_company_contact_idx on app.communications (company_id, contact_id)
  where contact_id is not null;
create index communications_company_job_idx on app.communications (company_id, job_id)
  where job_id is not null;
-- The update and delete policies compare the author.
create index communications_company_author_idx on app.communications (company_id, created_by);

create trigger communications_stamp before insert or update on app.communications
for each row execute function app.stamp_row();
create trigger communications_audit after insert or update or delete on app.communications
for each row execute function app.audit_row('company_id');

-- The job an entry names is its customer's when the entry is written (a job
-- moved to another customer afterwards keeps its history). Invoker's rights:
-- the writer's own policies decide which jobs it can name at all.
create function app.check_communication_job() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if not exists (
    select 1 from app.jobs j
    where j.company_id = new.company_id and j.id = new.job_id and j.customer_id = new.customer_id
  ) then
    raise exception 'the job belongs to another customer'
      using errcode = 'FO422', constraint = 'communications_job_customer';
  end if;
  return new;
end
$$;

create trigger communications_check_job before insert or update of job_id, customer_id on app.communications
for each row when (new.job_id is not null)
execute function app.check_communication_job();
