-- Self-service sign-up (issue #15): a person creates a new company with
-- themselves as its first admin, and confirms the address by a mailed link.
--
-- Until the link is opened the company exists, inactive, under a placeholder
-- slug: the confirmation mail is queued in the company's own outbox (every
-- mail belongs to a company, and on Citus lives on its shard), and the link's
-- token names the company as every token does (src/auth/tokens.rs). Nobody
-- signs in to an inactive company, no portal shows it, and no slug anyone
-- asked for is held by a sign-up that is never confirmed: the slug is given
-- on confirmation. Signing up again from the same address reuses its pending
-- company, so an address holds at most one.
--
-- Everything runs over the sign-in pool through the definer functions below,
-- before anyone is signed in, as portal registration does (0022).

create table app.company_signups (
  company_id uuid not null default app.session_company_hint()
    constraint company_signups_company_fkey references app.companies (id) on delete cascade,
  -- The slug asked for, or the one derived from the company's name; the
  -- confirmation adds -2, -3, … when it has been taken since.
  slug text not null,
  name text not null,
  email text not null,
  -- Cleared on confirmation: the person's password is then the person's.
  password_hash text,
  token_hash bytea not null,
  expires_at timestamptz not null,
  confirmed_at timestamptz,
  user_id uuid,
  client_ip text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint company_signups_pkey primary key (company_id),
  constraint company_signups_token_key unique (company_id, token_hash),
  constraint company_signups_user_fkey foreign key (company_id, user_id) references app.users (company_id, id),
  constraint company_signups_token_length check (octet_length(token_hash) = 32),
  constraint company_signups_slug_format check (slug ~ '^[a-z0-9]([a-z0-9-]{0,53}[a-z0-9])?$'),
  constraint company_signups_name_length check (char_length(name) between 1 and 200),
  constraint company_signups_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 254),
  constraint company_signups_password_until_confirmed check ((confirmed_at is null) = (password_hash is not null))
);

create index company_signups_pending_email_idx on app.company_signups (pg_catalog.lower(email))
  where confirmed_at is null;

-- One throttled sign-up, counted before anything else under per-address and
-- per-email advisory locks, in app.login_failures under keys of its own (as
-- auth.portal_attempt does). Answers the seconds to wait, 0 when it may go on.
create function auth.signup_attempt(p_email text, p_client_ip text, p_limit integer, p_window interval)
returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_key text := 'signup:' || pg_catalog.lower(auth.login_normal(p_email));
  v_address text := 'signup:' || p_client_ip;
  v_retry integer;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.signup.account:' || v_key, 0));
  if p_client_ip is not null then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.signup.address:' || v_address, 0));
  end if;
  v_retry := auth.login_retry_after(v_key, v_address, p_limit, p_window);
  if v_retry = 0 then
    insert into app.login_failures (account_key, client_ip) values (v_key, v_address);
  end if;
  return v_retry;
end
$$;

-- The pending company of an address's unconfirmed sign-up, if it has one:
-- its link's token must name that company. (A statement of its own, before
-- the sign-up's transaction: on Citus it reads every shard, and a reference
-- table is not written after that in one transaction.)
-- (PL/pgSQL: Citus plans no parameters of SQL functions.)
create function auth.signup_pending_company(p_email text)
returns uuid
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_email text := pg_catalog.lower(auth.login_normal(p_email));
  v_company uuid;
begin
  select s.company_id into v_company from app.company_signups s
   where pg_catalog.lower(s.email) = v_email and s.confirmed_at is null
   order by s.created_at desc
   limit 1;
  return v_company;
end
$$;

-- Starts, or starts again, the sign-up of p_company_id (new, or the address's
-- pending company): the inactive company and the sign-up with its link's
-- digest. Answers 'started', 'started_existing' when the address already
-- signs in to FieldOps (its mail says so), or 'slug_taken' when the slug asked
-- for belongs to another company.
create function auth.signup_start(
  p_company_id uuid,
  p_company_name text,
  p_slug text,
  p_slug_chosen boolean,
  p_name text,
  p_email text,
  p_password_hash text,
  p_token_hash bytea,
  p_expires_at timestamptz,
  p_client_ip text
) returns text
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_email text := auth.login_normal(p_email);
  -- A few distinct, legible brand colours: the company switcher tells
  -- companies apart by colour, and an admin changes it later.
  v_palette text[] := array['#2563eb', '#0f766e', '#b45309', '#7c3aed', '#be123c', '#0369a1', '#4d7c0f', '#c2410c'];
  v_person uuid;
  -- A value, not now(): Citus takes only immutable functions in an upsert's
  -- DO UPDATE of a distributed table.
  v_now timestamptz := pg_catalog.now();
begin
  if p_slug_chosen then
    perform 1 from app.companies c where c.slug = p_slug and c.id <> p_company_id;
    if found then
      return 'slug_taken';
    end if;
  end if;
  insert into app.companies (id, name, slug, color, is_active)
  values (p_company_id, pg_catalog.btrim(p_company_name), 'signup-' || pg_catalog.replace(p_company_id::text, '-', ''),
          v_palette[1 + (pg_catalog.hashtext(p_slug) & 2147483647) % pg_catalog.array_length(v_palette, 1)], false)
  on conflict (id) do update set name = excluded.name
    where app.companies.is_active = false;
  insert into app.company_signups (company_id, slug, name, email, password_hash, token_hash, expires_at, client_ip)
  values (p_company_id, p_slug, pg_catalog.btrim(p_name), v_email, p_password_hash, p_token_hash, p_expires_at,
          p_client_ip)
  on conflict (company_id) do update
    set slug = excluded.slug, name = excluded.name, email = excluded.email, password_hash = excluded.password_hash,
        token_hash = excluded.token_hash, expires_at = excluded.expires_at, client_ip = excluded.client_ip,
        updated_at = v_now
    where app.company_signups.confirmed_at is null;
  -- (A person with no live membership signs in nowhere: the confirmation
  -- gives it this sign-up's password, as to a new one.)
  select i.id into v_person from app.identities i where pg_catalog.lower(i.email) = pg_catalog.lower(v_email);
  if v_person is not null
     and exists (select 1 from app.users u where u.identity_id = v_person and u.deleted_at is null) then
    return 'started_existing';
  end if;
  return 'started';
end
$$;

-- Opens a sign-up's link: the company gets its slug (the one asked for, or
-- with -2, -3, … when it has been taken since) and becomes active, with the
-- person of the address as its first admin. An address that already signs in
-- to FieldOps keeps its person and password: the company is one more of
-- theirs. Answers 'confirmed' with the membership, or 'invalid'.
create function auth.signup_confirm(p_company_id uuid, p_token_hash bytea)
returns table (
  outcome text,
  user_id uuid,
  company_slug text,
  company_name text,
  company_color text,
  email text,
  existing_account boolean
)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_signup app.company_signups%rowtype;
  v_company app.companies%rowtype;
  v_identity app.identities%rowtype;
  v_existing boolean := false;
  v_person uuid;
  v_slug text;
  v_suffix integer := 1;
  v_user uuid;
begin
  select * into v_signup from app.company_signups s
   where s.company_id = p_company_id and s.token_hash = p_token_hash
   for update;
  if not found or v_signup.confirmed_at is not null or v_signup.expires_at <= pg_catalog.now() then
    return query select 'invalid'::text, null::uuid, null::text, null::text, null::text, null::text, null::boolean;
    return;
  end if;

  v_slug := v_signup.slug;
  while exists (select 1 from app.companies c where c.slug = v_slug) loop
    v_suffix := v_suffix + 1;
    v_slug := v_signup.slug || '-' || v_suffix;
  end loop;
  update app.companies c set slug = v_slug, is_active = true
   where c.id = p_company_id
  returning * into v_company;

  select * into v_identity from app.identities i where pg_catalog.lower(i.email) = pg_catalog.lower(v_signup.email);
  if found then
    v_person := v_identity.id;
    v_existing := exists (select 1 from app.users u where u.identity_id = v_identity.id and u.deleted_at is null);
    -- A person with no live membership anywhere is nobody's yet (as in
    -- auth.accept_invitation): the address's owner, who opened the link,
    -- takes it over with the name and password of the sign-up.
    if not v_existing then
      update app.identities i
         set name = v_signup.name, password_hash = v_signup.password_hash, updated_at = pg_catalog.now()
       where i.id = v_identity.id;
    end if;
  else
    select l.identity_id into v_person
      from app.link_identity(p_company_id, null, v_signup.email, v_signup.name, v_signup.password_hash) l;
  end if;

  -- The membership has no password of its own: it opens with the person's.
  insert into app.users (company_id, name, email, password_hash, role, identity_id)
  values (p_company_id, coalesce(case when v_existing then v_identity.name end, v_signup.name),
          coalesce(v_identity.email, v_signup.email), null, 'ADMIN', v_person)
  returning id into v_user;

  update app.company_signups s
     set confirmed_at = pg_catalog.now(), user_id = v_user, password_hash = null, updated_at = pg_catalog.now()
   where s.company_id = p_company_id;

  return query select 'confirmed'::text, v_user, v_company.slug, v_company.name, v_company.color,
                      coalesce(v_identity.email, v_signup.email), v_existing;
end
$$;
