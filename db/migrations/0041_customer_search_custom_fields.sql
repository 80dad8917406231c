-- Customer search (issue #16): custom-field values are searched, and the
-- type-ahead keeps one plan per connection instead of planning every call.
--
-- * Custom fields: `GET /customers/search` and `GET /customers?q=` find a
--   customer by the text of its custom-field values. Both are the admins'
--   only (the functions return nothing to any other role, and the handlers
--   answer 403), and admins read every field, so no value is searched for
--   someone who may not read it. The index is a trigram index on the values'
--   JSON text, led by the company, as the job search's (migration 0023), and
--   partial: only the rows that hold a value are in it.
-- * Speed: the type-ahead's p99 at 16 connections follows the CPU each
--   request costs, and most of a search's cost was planning its one dynamic
--   statement, every call: 0.6 to 1 ms of a backend, where running it took
--   0.1 to 0.3 ms for most queries (EXPLAIN's planning time, and
--   scripts/bench/customer_search_queries.py). Now the statement is static,
--   with the values as parameters, and its plan is kept for the connection
--   (plan_cache_mode = force_generic_plan on the function): prefixes are
--   ranges of the text_pattern_ops indexes, a branch whose value is null is a
--   one-time filter, and the customers are probed per match. And a query
--   with a word of letters and digits reads the trigram indexes for that
--   word only (the whole query is then a filter). Backend CPU per call over
--   the bench's 13 queries: 1.84 -> 0.94 ms, each query cheaper.
--   What is found, and its order, is unchanged (customer_search_queries.py
--   dump before, check after: 46 of 46 (query, limit) pairs the same).

create index customers_company_custom_values_trgm_idx on app.customers
  using gin (company_id, lower(jsonb_path_query_array(custom_fields, '$.*')::text) gin_trgm_ops)
  where custom_fields <> '{}'::jsonb;

create or replace function auth.search_customer_matches(p_query text, p_limit integer)
returns table (customer_id uuid, matched text, rank integer)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
-- The planner cannot estimate how many rows a LIKE on these expressions
-- matches; betting on a few, it may read the table until it has a page (for
-- a rare pattern, the whole tenant). The indexes below are always right here.
set enable_seqscan = off
-- One plan per connection, kept: planning the statement cost three to four
-- times as much as running it (docs/performance.md). Every condition below
-- is an index condition with the values as parameters (the prefixes as
-- ranges), so the one plan is the right plan whatever is typed.
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
declare
  v_company uuid := app.company_id();
  v_text text := pg_catalog.lower(pg_catalog.btrim(pg_catalog.left(coalesce(p_query, ''), 200)));
  v_digits text := pg_catalog.regexp_replace(coalesce(p_query, ''), '[^0-9]', '', 'g');
  v_limit integer := least(greatest(coalesce(p_limit, 20), 1), 100);
  v_escaped text;
  v_contains text;
  v_prefix text;
  v_prefix_end text;
  v_account integer;
  v_phone text;
  v_phone_end text;
  v_phone_national text;
  v_phone_national_end text;
  v_email boolean;
  v_values_pattern text;
  v_narrow text;
  v_token text;
begin
  if v_company is null or app.role() is distinct from 'ADMIN' or v_text = '' then
    return;
  end if;
  v_escaped := pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(v_text, '\', '\\'), '%', '\%'), '_', '\_');
  v_prefix := v_escaped || '%';
  -- A prefix as a range of the text_pattern_ops indexes (byte order), so a
  -- kept plan reads it from the index: a text that starts with v_text sorts
  -- before v_text followed by the highest code point (unless that
  -- noncharacter, U+10FFFF, is what follows). The LIKE stays, as the meaning.
  v_prefix_end := v_text || pg_catalog.chr(1114111);
  -- An email holds no white space (contact_methods_email_format), so a query
  -- with a space in it ("karen smith", "quay st") cannot be one or be in one.
  v_email := v_text !~ '\s';
  -- Searching inside names, emails and addresses starts at four characters:
  -- shorter ones make a trigram or two that most rows share (measured: 17,000
  -- of 250,000 contacts for "har"), so they search customer names by prefix
  -- only (the text_pattern_ops index).
  if pg_catalog.char_length(v_text) >= 4 then
    v_contains := '%' || v_escaped || '%';
    -- The trigram indexes are read for the query's rarest word when it has
    -- one, and the whole query is then compared with each row found (an
    -- expression no index holds, so it stays a filter): a word of letters
    -- and digits ("7809 station street", "crescent warehouse 7957") is in a
    -- few rows, while reading every trigram of the common words ("str",
    -- "tre", "eet") walked their long posting lists for each candidate (330
    -- index pages against 57 for "7809" alone). A phone's groups, with their
    -- punctuation, are no such word: all of them together are rarer.
    v_narrow := v_contains;
    if v_text ~ '\s' then
      select t into v_token
      from pg_catalog.regexp_split_to_table(v_text, '\s+') t
      where t ~ '^[[:alnum:]]*[0-9][[:alnum:]]*$' and pg_catalog.char_length(t) >= 3
      order by pg_catalog.char_length(t) desc, t
      limit 1;
      if v_token is not null then
        v_narrow := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(v_token, '\', '\\'), '%', '\%'), '_', '\_') || '%';
      end if;
    end if;
    -- The custom-field values are searched in their JSON text, where a
    -- quote, a backslash or a control character is escaped: the index's
    -- pattern has a wildcard in their place, and each value is then compared
    -- as itself.
    v_values_pattern := pg_catalog.regexp_replace(v_narrow, '\\\\|"|[\x01-\x1f]', '%', 'g');
  end if;
  if v_text ~ '^#?[0-9]{1,9}$' then
    v_account := pg_catalog.ltrim(v_text, '#')::integer;
  end if;
  -- A phone search needs a few digits, and a query that is mostly digits. It
  -- matches numbers whose last ten digits begin with the digits typed, or
  -- with them less a leading country code 1 ("+1 603 55…"). Digits only: a
  -- prefix's range ends before ':', the character after '9'.
  if pg_catalog.char_length(v_digits) >= 3
     and pg_catalog.char_length(v_digits) * 2 >= pg_catalog.char_length(pg_catalog.regexp_replace(v_text, '\s', '', 'g')) then
    v_phone := pg_catalog.right(v_digits, 10);
    v_phone_end := v_phone || ':';
    if v_digits like '1%' and pg_catalog.char_length(v_digits) between 2 and 11 then
      v_phone_national := pg_catalog.substr(v_digits, 2);
      v_phone_national_end := v_phone_national || ':';
    end if;
  end if;
  -- Keys and prefixes go through btree indexes in order: a page of them is a
  -- page of reading. When they fill the page (a name's first word, a phone's
  -- area code), the trigram indexes are not read at all: for a word that
  -- many rows contain, each would build a bitmap of all of them. The keys are
  -- read once, into a CTE, and a containment CTE runs only while they leave
  -- the page short (its gate is an InitPlan, decided before its scan starts).
  -- Containment goes through the trigram indexes: each CTE is planned for all
  -- of its rows (a bitmap scan of the index, never a walk of the table in key
  -- order betting on the LIMIT) and read only as far as the LIMIT. A branch
  -- whose value is null is a one-time filter of the plan: it reads nothing.
  return query
    with keys as materialized (
      (select c.id as customer_id, 'account_number'::text as matched, 100 as rank
       from app.customers c
       where c.company_id = v_company and v_account is not null and c.account_number = v_account
         and c.deleted_at is null)
      union all
      (select c.id, 'name', 90 from app.customers c
       where c.company_id = v_company and lower(c.name) = v_text and c.deleted_at is null
       limit v_limit)
      union all
      (select c.id, 'name', 80 from app.customers c
       where c.company_id = v_company and lower(c.name) ~>=~ v_text and lower(c.name) ~<~ v_prefix_end
         and lower(c.name) like v_prefix and c.deleted_at is null
       limit v_limit)
      union all
      (select m.customer_id, 'phone',
              case when right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) = right(v_digits, 10) then 95 else 60 end
       from app.contact_methods m
       where m.company_id = v_company and m.kind <> 'email' and v_phone is not null
         and right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) ~>=~ v_phone
         and right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) ~<~ v_phone_end
       limit v_limit)
      union all
      (select m.customer_id, 'phone', 60
       from app.contact_methods m
       where m.company_id = v_company and m.kind <> 'email' and v_phone_national is not null
         and right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) ~>=~ v_phone_national
         and right(regexp_replace(m.value, '[^0-9]', '', 'g'), 10) ~<~ v_phone_national_end
       limit v_limit)
      union all
      (select m.customer_id, 'email', 95 from app.contact_methods m
       where m.company_id = v_company and m.kind = 'email' and v_email and lower(m.value) = v_text
       limit v_limit)
      union all
      (select k.customer_id, 'contact_name', case when lower(k.name) = v_text then 85 else 70 end
       from app.contacts k
       where k.company_id = v_company and lower(k.name) ~>=~ v_text and lower(k.name) ~<~ v_prefix_end
         and lower(k.name) like v_prefix
       limit v_limit)
    ), page_short as materialized (
      select v_contains is not null and count(distinct customer_id) < v_limit as open from keys
    ), name_contains as materialized (
      select c.id as customer_id, 'name'::text as matched, 50 as rank from app.customers c
      where c.company_id = v_company and (select open from page_short)
        and lower(c.name) like v_narrow and (lower(c.name) || '') like v_contains and c.deleted_at is null
    ), contact_names as materialized (
      select k.customer_id, 'contact_name'::text as matched,
             case when lower(k.name) = v_text then 85 when lower(k.name) like v_prefix then 70 else 40 end as rank
      from app.contacts k
      where k.company_id = v_company and (select open from page_short)
        and lower(k.name) like v_narrow and (lower(k.name) || '') like v_contains
    ), emails as materialized (
      select m.customer_id, 'email'::text as matched, case when lower(m.value) like v_prefix then 75 else 45 end as rank
      from app.contact_methods m
      where m.company_id = v_company and m.kind = 'email' and v_email and (select open from page_short)
        and lower(m.value) like v_contains
    ), custom_values as materialized (
      select c.id as customer_id, 'custom_field'::text as matched, 35 as rank from app.customers c
      where c.company_id = v_company and (select open from page_short)
        and c.custom_fields <> '{}'::jsonb
        and lower(jsonb_path_query_array(c.custom_fields, '$.*')::text) like v_values_pattern
        and c.deleted_at is null
        and exists (select 1 from jsonb_each_text(c.custom_fields) v where lower(v.value) like v_contains)
    ), addresses as materialized (
      select l.customer_id, 'address'::text as matched, 30 as rank
      from app.service_locations l
      where l.company_id = v_company and (select open from page_short)
        and lower(l.name || ' ' || coalesce(l.line1, '') || ' ' || coalesce(l.line2, '') || ' '
          || coalesce(l.city, '') || ' ' || coalesce(l.region, '') || ' ' || coalesce(l.postal_code, '')) like v_narrow
        and (lower(l.name || ' ' || coalesce(l.line1, '') || ' ' || coalesce(l.line2, '') || ' '
          || coalesce(l.city, '') || ' ' || coalesce(l.region, '') || ' ' || coalesce(l.postal_code, '')) || '') like v_contains
    )
    select b.customer_id, (array_agg(b.matched order by b.rank desc, b.matched))[1], max(b.rank)::integer
    from (select * from keys
      union all
      (select * from name_contains limit v_limit)
      union all
      (select * from contact_names limit v_limit)
      union all
      (select * from emails limit v_limit)
      union all
      (select * from custom_values limit v_limit)
      union all
      (select * from addresses limit v_limit)
    ) b
    -- Probed per match (offset 0 keeps the subquery apart): a kept plan
    -- cannot know the page is small, and would hash the whole tenant.
    cross join lateral (
      select lower(c.name) as name from app.customers c
      where c.company_id = v_company and c.id = b.customer_id and c.deleted_at is null
      offset 0
    ) c
    group by b.customer_id, c.name
    order by max(b.rank) desc, c.name, b.customer_id
    limit v_limit;
end
$$;

-- Not on Citus: a generic plan leaves the company a parameter, and Citus
-- cannot route or plan a distributed statement on an unresolved parameter
-- ("could not create distributed plan", citusdata/citus#7813). There the
-- function follows the request's plan_cache_mode (force_custom_plan): each
-- call planned with its values, as before this migration.
do $$
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    alter function auth.search_customer_matches(text, integer) reset plan_cache_mode;
  end if;
end
$$;

-- The customers list's `q` (name, email or phone, in name order) also finds
-- a customer by a custom-field value: a bitmap OR of the two trigram indexes.
create or replace function auth.search_customers(p_pattern text, p_after_name text, p_after_id uuid, p_limit integer)
returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := app.company_id();
begin
  if v_company is null or app.role() is distinct from 'ADMIN' then
    return;
  end if;
  -- See auth.search_customer_matches: the values' JSON text escapes quotes,
  -- backslashes and control characters, so the index's pattern has a
  -- wildcard in their place, and each value is then compared as itself.
  return query execute $sql$
    select c.id from app.customers c
    where c.company_id = $1 and c.deleted_at is null
      and ((lower(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.phone, '')) like $2
            -- The index narrows, this keeps the meaning "name, email or phone".
            and (lower(c.name) like $2 or lower(c.email) like $2 or c.phone like $2))
        or (c.custom_fields <> '{}'::jsonb
            and lower(jsonb_path_query_array(c.custom_fields, '$.*')::text) like $6
            and exists (select 1 from jsonb_each_text(c.custom_fields) v where lower(v.value) like $2)))
      and ($3::text is null or (lower(c.name), c.id) > ($3, $4))
    order by lower(c.name), c.id
    limit $5
  $sql$
  using v_company, p_pattern, p_after_name, p_after_id, p_limit,
        pg_catalog.regexp_replace(p_pattern, '\\\\|"|[\x01-\x1f]', '%', 'g');
end
$$;

-- The same meaning of `q` beside `cf.` filters.
create or replace function auth.filter_customers(
  p_custom_fields jsonb,
  p_pattern text,
  p_after_name text,
  p_after_id uuid,
  p_limit integer
) returns setof uuid
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
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
      and c.custom_fields @> $2
      and ($6::text is null or lower(c.name) like $6 or lower(c.email) like $6 or c.phone like $6
           or exists (select 1 from jsonb_each_text(c.custom_fields) v where lower(v.value) like $6))
      and ($3::text is null or (lower(c.name), c.id) > ($3, $4))
    order by lower(c.name), c.id
    limit $5
  $sql$
  using v_company, p_custom_fields, p_after_name, p_after_id, p_limit, p_pattern;
end
$$;
