-- Customer search: a contact's name, whole or leading, is found through a
-- btree in the first pass, as a customer's name already is (issue #16).
--
-- Measured on the bench tenant (100,000 customers, 250,000 contacts): a
-- person's whole name ("karen smith") matched no key, so every search for one
-- went on to the four trigram scans, and the contacts' one collected all 125
-- contacts of that name before the page was cut: 8 to 11 ms of a core per
-- keystroke, the slowest of the type-ahead's queries. With the contact's name
-- among the keys, a common name fills the page from the btree and the trigram
-- scans are skipped; a rare one still reaches them.
-- The branch reads the index in its own order, so an exact name comes before
-- the longer names it begins; an ORDER BY would not help (a text_pattern_ops
-- index cannot give the collation's order) and would sort every match.

create index contacts_company_name_prefix_idx on app.contacts (company_id, lower(name) text_pattern_ops);

create or replace function auth.search_customer_matches(p_query text, p_limit integer)
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
      union all
      (select k.customer_id, 'contact_name', case when lower(k.name) = $3 then 85 else 70 end
       from app.contacts k
       where k.company_id = $1 and lower(k.name) like $4
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
