-- Core schema: companies, customers, users, sessions and refresh tokens, the
-- request-context functions the policies read, and the narrow SECURITY DEFINER
-- functions the authenticator may call before it knows who is asking.
--
-- Runs as fieldops_owner. Roles are created beforehand by db/roles.sql (a
-- superuser step); grants and policies live in db/policies/ and are re-applied
-- by `fieldops migrate` after every migration run.

create schema app;
-- SECURITY DEFINER functions only: the login-flow steps the authenticator calls
-- before it knows who is asking, and the few context-keyed reads tenant roles
-- need. No tables; EXECUTE is granted function by function.
create schema auth;

revoke all on schema app from public;
revoke all on schema auth from public;
-- Functions are executable by PUBLIC by default; nothing here should be.
alter default privileges in schema app revoke execute on functions from public;
alter default privileges in schema auth revoke execute on functions from public;

create type app.user_role as enum ('ADMIN', 'WORKER', 'CUSTOMER');

-- Request context. A setting once set on a pooled connection reads '' (not NULL)
-- afterwards, so nullif keeps a stale connection failing closed.
create function app.company_id() returns uuid
language sql stable parallel safe
as $$ select nullif(current_setting('app.company_id', true), '')::uuid $$;

create function app.user_id() returns uuid
language sql stable parallel safe
as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$;

create function app.customer_id() returns uuid
language sql stable parallel safe
as $$ select nullif(current_setting('app.customer_id', true), '')::uuid $$;

create function app.session_id() returns uuid
language sql stable parallel safe
as $$ select nullif(current_setting('app.session_id', true), '')::uuid $$;

create function app.role() returns app.user_role
language sql stable parallel safe
as $$ select nullif(current_setting('app.role', true), '')::app.user_role $$;

-- One trigger maintains the bookkeeping columns of every table: timestamps, the
-- acting user, and the row version that ETags are made of.
create function app.stamp_row() returns trigger
language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    new.created_at := now();
    new.created_by := app.user_id();
    new.version := 1;
  else
    new.created_at := old.created_at;
    new.created_by := old.created_by;
    new.version := old.version + 1;
  end if;
  new.updated_at := now();
  new.updated_by := app.user_id();
  return new;
end
$$;

create table app.companies (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text not null,
  color text not null default '#2563eb',
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint companies_slug_key unique (slug),
  constraint companies_name_length check (char_length(name) between 1 and 200),
  constraint companies_slug_format check (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  constraint companies_color_format check (color ~ '^#[0-9a-fA-F]{6}$')
);

create trigger companies_stamp before insert or update on app.companies
for each row execute function app.stamp_row();

create table app.customers (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id()
    constraint customers_company_fkey references app.companies (id) on delete cascade,
  name text not null,
  email text,
  phone text,
  address text,
  deleted_at timestamptz,
  deleted_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint customers_company_id_id_key unique (company_id, id),
  constraint customers_name_length check (char_length(name) between 1 and 200),
  constraint customers_email_format check (email is null or email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  constraint customers_phone_format check (phone is null or phone ~ '^\+?[0-9 ()./-]{3,40}$'),
  constraint customers_address_length check (address is null or char_length(address) <= 500)
);

create index customers_company_name_idx on app.customers (company_id, lower(name), id);

create trigger customers_stamp before insert or update on app.customers
for each row execute function app.stamp_row();

create table app.users (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id()
    constraint users_company_fkey references app.companies (id) on delete cascade,
  name text not null,
  email text not null,
  password_hash text not null,
  role app.user_role not null,
  customer_id uuid,
  is_active boolean not null default true,
  deleted_at timestamptz,
  deleted_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint users_company_id_id_key unique (company_id, id),
  -- Composite: a customer login can only ever point at its own company's customer.
  constraint users_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id),
  constraint users_customer_link check ((role = 'CUSTOMER') = (customer_id is not null)),
  constraint users_name_length check (char_length(name) between 1 and 200),
  constraint users_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 254)
);

-- A deleted user frees its address for a new account.
create unique index users_company_email_key on app.users (company_id, lower(email))
  where deleted_at is null;
create index users_company_role_idx on app.users (company_id, role, id);
create index users_company_customer_idx on app.users (company_id, customer_id)
  where customer_id is not null;

create trigger users_stamp before insert or update on app.users
for each row execute function app.stamp_row();

-- A company always keeps at least one active admin. The advisory lock makes two
-- admins demoting each other at once take turns, so one of them is refused.
create function app.keep_last_admin() returns trigger
language plpgsql
as $$
begin
  if old.role = 'ADMIN' and old.is_active and old.deleted_at is null
     and (tg_op = 'DELETE' or new.role <> 'ADMIN' or not new.is_active or new.deleted_at is not null)
  then
    perform pg_advisory_xact_lock(hashtextextended(old.company_id::text, 0));
    if not exists (
      select 1 from app.users u
      where u.company_id = old.company_id
        and u.id <> old.id
        and u.role = 'ADMIN' and u.is_active and u.deleted_at is null
    ) then
      raise exception 'the company must keep at least one active admin'
        using errcode = 'FO409', constraint = 'users_last_admin';
    end if;
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;

create trigger users_keep_last_admin before update or delete on app.users
for each row execute function app.keep_last_admin();

create table app.sessions (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id(),
  user_id uuid not null,
  user_agent text,
  client_ip text,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint sessions_company_id_id_key unique (company_id, id),
  constraint sessions_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade
);

create index sessions_company_user_idx on app.sessions (company_id, user_id);

create trigger sessions_stamp before insert or update on app.sessions
for each row execute function app.stamp_row();

-- Refresh tokens are stored as SHA-256 digests; a spent one is kept so that its
-- reuse (a stolen token) can be recognised and the whole session revoked.
create table app.refresh_tokens (
  token_hash bytea primary key,
  company_id uuid not null,
  session_id uuid not null,
  expires_at timestamptz not null,
  spent_at timestamptz,
  created_at timestamptz not null default now(),
  constraint refresh_tokens_session_fkey foreign key (company_id, session_id)
    references app.sessions (company_id, id) on delete cascade,
  constraint refresh_tokens_hash_length check (octet_length(token_hash) = 32)
);

create index refresh_tokens_company_session_idx on app.refresh_tokens (company_id, session_id);

-- ---------------------------------------------------------------------------
-- SECURITY DEFINER functions: each reads exactly what its step of the login
-- flow needs and nothing more. search_path is pinned to pg_catalog and every
-- name is schema-qualified, so a caller cannot redirect them.
-- ---------------------------------------------------------------------------

-- Login: the one user row a (company slug, email) pair names, only when the
-- company is active and the user active and not deleted. No row otherwise; the
-- caller then verifies against a dummy hash so timing does not tell why.
create function auth.login_lookup(p_company_slug text, p_email text)
returns table (
  user_id uuid,
  company_id uuid,
  role app.user_role,
  customer_id uuid,
  password_hash text,
  name text,
  email text,
  company_name text,
  company_slug text,
  company_color text
)
language sql stable security definer
set search_path = pg_catalog
as $$
  select u.id, u.company_id, u.role, u.customer_id, u.password_hash,
         u.name, u.email, c.name, c.slug, c.color
  from app.companies c
  join app.users u on u.company_id = c.id
  where c.slug = lower(p_company_slug)
    and c.is_active
    and lower(u.email) = lower(p_email)
    and u.deleted_at is null
    and u.is_active
$$;

create function auth.create_session(
  p_user_id uuid,
  p_company_id uuid,
  p_refresh_hash bytea,
  p_session_expires_at timestamptz,
  p_refresh_expires_at timestamptz,
  p_user_agent text,
  p_client_ip text
) returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog
as $$
declare
  v_session_id uuid;
begin
  insert into app.sessions (company_id, user_id, user_agent, client_ip, expires_at)
  values (p_company_id, p_user_id, left(p_user_agent, 500), left(p_client_ip, 100), p_session_expires_at)
  returning id into v_session_id;

  insert into app.refresh_tokens (token_hash, company_id, session_id, expires_at)
  values (p_refresh_hash, p_company_id, v_session_id, least(p_refresh_expires_at, p_session_expires_at));

  return v_session_id;
end
$$;

-- Refresh rotation. 'ok': the old token is spent and the new one stored.
-- 'reused': a spent token came back, so the session is revoked at once.
-- 'invalid': unknown, expired, or its session/user/company is no longer usable.
create function auth.rotate_refresh_token(
  p_old_hash bytea,
  p_new_hash bytea,
  p_new_expires_at timestamptz
) returns table (
  outcome text,
  session_id uuid,
  user_id uuid,
  company_id uuid,
  role app.user_role,
  customer_id uuid
)
language plpgsql volatile security definer
set search_path = pg_catalog
as $$
declare
  v_token app.refresh_tokens%rowtype;
  v_user app.users%rowtype;
  v_session app.sessions%rowtype;
begin
  select * into v_token from app.refresh_tokens t where t.token_hash = p_old_hash for update;
  if not found then
    return query select 'invalid'::text, null::uuid, null::uuid, null::uuid, null::app.user_role, null::uuid;
    return;
  end if;

  select * into v_session from app.sessions s
  where s.company_id = v_token.company_id and s.id = v_token.session_id for update;

  if v_token.spent_at is not null then
    update app.sessions s set revoked_at = coalesce(s.revoked_at, now()),
                              revoked_reason = coalesce(s.revoked_reason, 'refresh token reused')
    where s.company_id = v_session.company_id and s.id = v_session.id;
    return query select 'reused'::text, v_session.id, v_session.user_id, v_session.company_id,
                        null::app.user_role, null::uuid;
    return;
  end if;

  select u.* into v_user from app.users u
  join app.companies c on c.id = u.company_id
  where u.company_id = v_session.company_id and u.id = v_session.user_id
    and u.deleted_at is null and u.is_active and c.is_active;

  if not found or v_session.revoked_at is not null or v_session.expires_at <= now()
     or v_token.expires_at <= now() then
    return query select 'invalid'::text, null::uuid, null::uuid, null::uuid, null::app.user_role, null::uuid;
    return;
  end if;

  update app.refresh_tokens t set spent_at = now() where t.token_hash = p_old_hash;
  insert into app.refresh_tokens (token_hash, company_id, session_id, expires_at)
  values (p_new_hash, v_session.company_id, v_session.id, least(p_new_expires_at, v_session.expires_at));

  return query select 'ok'::text, v_session.id, v_user.id, v_user.company_id, v_user.role, v_user.customer_id;
end
$$;

-- Runs first in every authenticated request's context batch (before the role
-- switch): the session must be live, and the user and company still as the
-- token describes them. Raises FO401 otherwise, which the API answers with 401.
create function auth.require_session(
  p_session_id uuid,
  p_user_id uuid,
  p_company_id uuid,
  p_role app.user_role
) returns void
language plpgsql stable security definer
set search_path = pg_catalog
as $$
begin
  perform 1
  from app.sessions s
  join app.users u on u.company_id = s.company_id and u.id = s.user_id
  join app.companies c on c.id = s.company_id
  where s.company_id = p_company_id
    and s.id = p_session_id
    and s.user_id = p_user_id
    and s.revoked_at is null
    and s.expires_at > now()
    and u.deleted_at is null
    and u.is_active
    and u.role = p_role
    and c.is_active;
  if not found then
    raise exception 'session is not valid' using errcode = 'FO401';
  end if;
end
$$;

-- The signed-in user's own profile (GET /auth/me). Tenant roles cannot read
-- every column of app.users (customers see names only), so their own row comes
-- through here, keyed by the request context and nothing else.
create function auth.current_profile()
returns table (
  user_id uuid,
  name text,
  email text,
  role app.user_role,
  customer_id uuid,
  company_id uuid,
  company_name text,
  company_slug text,
  company_color text
)
language sql stable security definer
set search_path = pg_catalog
as $$
  select u.id, u.name, u.email, u.role, u.customer_id, c.id, c.name, c.slug, c.color
  from app.users u
  join app.companies c on c.id = u.company_id
  where u.company_id = app.company_id()
    and u.id = app.user_id()
    and u.deleted_at is null
$$;
