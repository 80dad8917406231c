-- Likely duplicates (issue #16): an address is compared with its common
-- abbreviations folded, so "12 Quay Street" and "12 Quay St." are one address,
-- as are "North Main Ave" and "N Main Avenue". The words of the parts (line1,
-- line2, city, region, postal code), lower-case, each replaced by its short
-- form (the USPS street suffixes, unit designators and directions people
-- actually type), joined with nothing between them: a key that the index and
-- the duplicate check compute the same way.
--
-- Immutable (the index needs it): the list is part of the function, and a
-- change to it is a new migration that rebuilds the index.

create function app.address_key(p_line1 text, p_line2 text, p_city text, p_region text, p_postal_code text)
returns text
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(string_agg(coalesce(a.short, w.word), '' order by w.n), '')
  from regexp_split_to_table(
         lower(concat_ws(' ', p_line1, p_line2, p_city, p_region, p_postal_code)), '[^[:alnum:]]+')
       with ordinality as w(word, n)
  left join (values
      ('street', 'st'), ('saint', 'st'), ('avenue', 'ave'), ('av', 'ave'), ('road', 'rd'),
      ('drive', 'dr'), ('boulevard', 'blvd'), ('lane', 'ln'), ('court', 'ct'), ('place', 'pl'),
      ('square', 'sq'), ('terrace', 'ter'), ('parkway', 'pkwy'), ('highway', 'hwy'), ('circle', 'cir'),
      ('trail', 'trl'), ('alley', 'aly'), ('crescent', 'cres'), ('expressway', 'expy'), ('freeway', 'fwy'),
      ('heights', 'hts'), ('junction', 'jct'), ('mount', 'mt'), ('mountain', 'mtn'), ('point', 'pt'),
      ('route', 'rte'), ('turnpike', 'tpke'), ('center', 'ctr'), ('centre', 'ctr'), ('suite', 'ste'),
      ('apartment', 'apt'), ('building', 'bldg'), ('floor', 'fl'), ('room', 'rm'), ('north', 'n'),
      ('south', 's'), ('east', 'e'), ('west', 'w'), ('northeast', 'ne'), ('northwest', 'nw'),
      ('southeast', 'se'), ('southwest', 'sw')
    ) as a(long, short) on a.long = w.word
$$;

drop index app.service_locations_company_address_key_idx;
create index service_locations_company_address_key_idx on app.service_locations
  (company_id, app.address_key(line1, line2, city, region, postal_code))
  where line1 is not null;

create or replace function auth.find_customer_duplicates(p_phones text[], p_emails text[], p_address text)
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
  v_address := nullif(app.address_key(p_address, null, null, null, null), '');
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
        and app.address_key(l.line1, l.line2, l.city, l.region, l.postal_code) = v_address
    ) d
    join app.customers c on c.company_id = v_company and c.id = d.customer_id and c.deleted_at is null
    order by d.matched, d.customer_id, d.record_id
    limit 20;
end
$$;
