-- Organizations (issue #15): one person, several companies.
--
-- app.users stays what every foreign key, audit actor and request context
-- already names: a membership of one company, keyed (company_id, id), with its
-- role, customer and active flag. The person behind it, the one who signs in,
-- is a new global row, app.identities: the email (unique, case-insensitively),
-- the password and the company used last. Each membership points at its
-- identity (app.users.identity_id).
--
-- Passwords. Before this migration every user row had its own password, and
-- one address could have different passwords in different companies. To keep
-- every one of those logins working:
--   * app.users.password_hash becomes the membership's *own* password and is
--     null for a membership that signs in with its identity's password;
--   * the backfill gives each identity the password of the address's most
--     recently changed live membership, and clears the hash of every
--     membership whose password was that same hash;
--   * a sign-in that names a company checks that membership's own password
--     when it has one, else the identity's (auth.login_lookup below), so
--     `company + email + old password` keeps working for everybody;
--   * a sign-in without a company checks the identity's password;
--   * only a session of a membership that uses the identity's password may
--     list the person's other memberships or switch into them: a membership's
--     own password (set by one company's admin) proves nothing about the
--     person's other companies;
--   * a password reset (the person proves the address) sets the identity's
--     password and clears every own password of its memberships: from then
--     on one password opens all of them.
-- The rules of who writes which password are in app.users_link_identity().

create table app.identities (
  id uuid not null default gen_random_uuid(),
  email text not null,
  name text not null,
  password_hash text not null,
  -- The company of the last sign-in or switch: a sign-in without a company
  -- goes straight back into it.
  last_company_id uuid,
  created_at timestamptz not null default now(),
  -- Set by the functions that change the row (app.stamp_row() would record a
  -- user id, which names a membership in one company, not a person).
  updated_at timestamptz not null default now(),
  constraint identities_pkey primary key (id),
  constraint identities_last_company_fkey foreign key (last_company_id)
    references app.companies (id) on delete set null,
  constraint identities_name_length check (char_length(name) between 1 and 200),
  constraint identities_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 254)
);
create unique index identities_email_key on app.identities (lower(email));

-- One identity per address, named and keyed by its newest live membership.
insert into app.identities (email, name, password_hash)
select distinct on (lower(u.email)) u.email, u.name, u.password_hash
from app.users u
order by lower(u.email), (u.deleted_at is null) desc, u.updated_at desc, u.created_at desc, u.id;

alter table app.users add column identity_id uuid,
  -- When the membership's password (its own or its identity's) last changed:
  -- the history records a change even when the hash lives on the identity.
  add column password_changed_at timestamptz;

update app.users u set identity_id = i.id
from app.identities i
where lower(i.email) = lower(u.email);

-- The memberships whose password is the identity's use it from now on.
alter table app.users alter column password_hash drop not null;
update app.users u set password_hash = null
from app.identities i
where i.id = u.identity_id and u.password_hash = i.password_hash;

alter table app.users alter column identity_id set not null,
  add constraint users_identity_fkey foreign key (identity_id) references app.identities (id);
create index users_identity_idx on app.users (identity_id, company_id);

-- Keeps a membership and its identity together on every path that writes a
-- user (an admin's create or edit, a portal registration, create-company, the
-- demo, a DBA): a request role cannot reach app.identities itself.
--
-- * A new address gets a new identity holding the password given; the
--   membership keeps none of its own.
-- * An address that already has an identity joins it, and the password given
--   stays the membership's own: one company's admin never sets the password
--   a person uses for the other companies. (Unless the identity has no other
--   live membership: then the password becomes the identity's.)
-- * An email change moves the membership: a sole membership renames its
--   identity (if the new address is free), any other joins or creates the new
--   address's identity, taking the password it signed in with along.
-- * A new password for a membership goes to the identity when the identity
--   has no other live membership, else it stays the membership's own.
create function app.users_link_identity() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_old app.identities%rowtype;
  v_target uuid;
  v_sole boolean;
begin
  -- A writer that linked the person itself (app.link_identity(): a portal
  -- approval, an invitation, an email change) names it.
  if (tg_op = 'INSERT' and new.identity_id is not null)
     or (tg_op = 'UPDATE' and new.identity_id is distinct from old.identity_id) then
    return new;
  end if;
  if tg_op = 'UPDATE' then
    select * into v_old from app.identities i where i.id = old.identity_id;
  end if;

  if tg_op = 'INSERT' or lower(new.email) is distinct from lower(old.email) then
    select i.id into v_target from app.identities i where lower(i.email) = lower(new.email);
    if tg_op = 'UPDATE' and v_target is null and not exists (
      select 1 from app.users u
      where u.identity_id = old.identity_id and not (u.company_id = old.company_id and u.id = old.id)
        and u.deleted_at is null
    ) then
      update app.identities i set email = new.email, updated_at = pg_catalog.now() where i.id = old.identity_id;
    elsif v_target is null then
      insert into app.identities (email, name, password_hash)
      values (new.email, new.name, coalesce(new.password_hash, v_old.password_hash))
      returning id into v_target;
      new.identity_id := v_target;
      new.password_hash := null;
      return new;
    else
      -- The password the membership signed in with goes along.
      new.identity_id := v_target;
      new.password_hash := coalesce(new.password_hash, v_old.password_hash);
    end if;
  end if;

  if tg_op = 'UPDATE' and new.password_hash is distinct from old.password_hash then
    new.password_changed_at := pg_catalog.now();
  end if;
  if new.password_hash is not null
     and (tg_op = 'INSERT' or new.password_hash is distinct from old.password_hash
          or new.identity_id is distinct from old.identity_id) then
    select not exists (
      select 1 from app.users u
      where u.identity_id = new.identity_id and not (u.company_id = new.company_id and u.id = new.id)
        and u.deleted_at is null
    ) into v_sole;
    -- Nobody else signs in with this identity (a new address, or one whose
    -- other memberships are all deleted): the password becomes the
    -- identity's, and an old password of a deleted membership stops working.
    if v_sole then
      update app.identities i set password_hash = new.password_hash, name = new.name, updated_at = pg_catalog.now()
      where i.id = new.identity_id;
      new.password_hash := null;
      if tg_op = 'UPDATE' then
        -- The after-update trigger sees no change of this row's hash now:
        -- end the membership's other sessions here, as it would have.
        update app.sessions s set revoked_at = pg_catalog.now(), revoked_reason = 'password changed'
        where s.company_id = new.company_id and s.user_id = new.id and s.revoked_at is null
          and s.id is distinct from app.session_id();
      end if;
    end if;
  end if;
  return new;
end
$$;

-- What a request writes (an admin's create or edit): the person was found or
-- made by auth.link_membership() before, in a standalone call on the
-- coordinator, and the row names it. This trigger never reaches
-- app.identities: on Citus it runs on the membership's shard, which may not
-- write a reference table inside a request. A membership whose address is not
-- its identity's (raw SQL could write one) speaks for nobody: every function
-- that acts for a person compares the two.
create function app.users_request_identity() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  -- A membership with no password of its own signs in with its identity's.
  -- Only the sign-in flow and the owner make one: an admin's request that
  -- could would add any address's person to its company without a word.
  if new.password_hash is null and (tg_op = 'INSERT' or old.password_hash is not null) then
    raise exception 'a membership made or edited in a request keeps a password' using errcode = '42501';
  end if;
  if new.identity_id is null then
    raise exception 'a membership written in a request names the person auth.link_membership() answered'
      using errcode = '23502';
  end if;
  if tg_op = 'UPDATE' and new.password_hash is distinct from old.password_hash then
    new.password_changed_at := pg_catalog.now();
  end if;
  return new;
end
$$;

-- current_user in WHEN is the role writing the row (the trigger functions
-- above run as their owner): a request role takes the request's path, the
-- owner, a DBA and the sign-in pool's definers the linking one.
create trigger users_link_identity before insert or update of email, password_hash, identity_id on app.users
for each row when (current_user not in ('fieldops_admin', 'fieldops_worker', 'fieldops_customer'))
execute function app.users_link_identity();
create trigger users_request_identity before insert or update of email, password_hash, identity_id on app.users
for each row when (current_user in ('fieldops_admin', 'fieldops_worker', 'fieldops_customer'))
execute function app.users_request_identity();

-- The person a membership write names, decided before the row is written
-- (see app.users_request_identity()), by the rules of
-- app.users_link_identity() above, except that a new address is always a new
-- person: the old one is never renamed, because an edit refused after this
-- ran must leave the membership with its own person. `p_user_id` is the
-- membership edited (null for a new one), `p_email` its address after the
-- edit, `p_password_hash` a new password or null. Answers the identity to
-- write and, when the membership used its old identity's password and moves
-- to another person, that password as its own (null otherwise: keep what the
-- row has). A person with no live membership left is nobody's: the next
-- membership with a password, or an accepted invitation, takes it over.
create function app.link_identity(p_company_id uuid, p_user_id uuid, p_email text, p_name text,
                                  p_password_hash text)
returns table (identity_id uuid, own_password_hash text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user app.users%rowtype;
  v_old app.identities%rowtype;
  v_email text := pg_catalog.normalize(pg_catalog.btrim(p_email), 'NFKC');
  v_target uuid;
  v_carried text;
  v_sole boolean;
begin
  if p_user_id is not null then
    select * into v_user from app.users u
    where u.company_id = p_company_id and u.id = p_user_id and u.deleted_at is null;
    if not found then
      return;
    end if;
    select * into v_old from app.identities i where i.id = v_user.identity_id;
    v_email := coalesce(v_email, v_user.email);
  end if;

  if p_user_id is null or pg_catalog.lower(v_email) is distinct from pg_catalog.lower(v_user.email) then
    select i.id into v_target from app.identities i where pg_catalog.lower(i.email) = pg_catalog.lower(v_email);
    -- A new address is a new person, with the password the membership signs
    -- in with. (Never a rename of the old person: this runs before the
    -- membership is written, and an edit refused after it must leave the
    -- membership with its own person.)
    if v_target is null then
      insert into app.identities (email, name, password_hash)
      values (v_email, pg_catalog.btrim(coalesce(p_name, v_user.name)),
              coalesce(p_password_hash, v_user.password_hash, v_old.password_hash))
      returning id into v_target;
      return query select v_target, case when p_password_hash is null and v_user.password_hash is null
                                         then v_old.password_hash end;
      return;
    elsif p_password_hash is null and v_user.password_hash is null then
      -- The password it signed in with goes along, as its own.
      v_carried := v_old.password_hash;
    end if;
  else
    v_target := v_user.identity_id;
  end if;

  if p_password_hash is not null then
    select not exists (
      select 1 from app.users u
      where u.identity_id = v_target and not (u.company_id = p_company_id and u.id is not distinct from p_user_id)
        and u.deleted_at is null
    ) into v_sole;
    -- Nobody else signs in with this person: the password becomes theirs.
    if v_sole then
      update app.identities i
         set password_hash = p_password_hash, name = pg_catalog.btrim(coalesce(p_name, v_user.name, i.name)),
             updated_at = pg_catalog.now()
       where i.id = v_target;
    end if;
  end if;
  return query select v_target, v_carried;
end
$$;

-- The caller behind a live admin session: the same checks as
-- auth.session_identity() below. The linking runs over the sign-in pool, in
-- a transaction of its own, before the request's: on Citus a request's
-- SET LOCAL ROLE reaches every connection of its transaction, so a definer
-- function inside it reads and writes the workers with the request role's
-- rights, which reach no person.
create function auth.admin_session_is_live(p_session_id uuid, p_user_id uuid, p_company_id uuid)
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
      and u.role = 'ADMIN'
      and u.deleted_at is null
      and u.is_active)
    and exists (select 1 from app.companies c where c.id = p_company_id and c.is_active);
end
$$;

-- app.link_identity() for an admin's edit of users (the session names the
-- admin and the company), before the request writes the membership.
create function auth.link_membership(p_session_id uuid, p_caller_id uuid, p_company_id uuid, p_user_id uuid,
                                     p_email text, p_name text, p_password_hash text)
returns table (identity_id uuid, own_password_hash text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if not auth.admin_session_is_live(p_session_id, p_caller_id, p_company_id) then
    raise exception 'only a live admin session links a membership to its person' using errcode = '42501';
  end if;
  return query select l.identity_id, l.own_password_hash
    from app.link_identity(p_company_id, p_user_id, p_email, p_name, p_password_hash) l;
end
$$;

-- The person of a pending portal registration an admin approves (its
-- address, name and password), found or made before the approval writes
-- the login. Null for a registration of another company or not pending.
create function auth.link_portal_account(p_session_id uuid, p_caller_id uuid, p_company_id uuid,
                                         p_account_id uuid)
returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_account app.portal_accounts%rowtype;
  v_identity uuid;
begin
  if not auth.admin_session_is_live(p_session_id, p_caller_id, p_company_id) then
    raise exception 'only a live admin session approves a registration' using errcode = '42501';
  end if;
  select * into v_account from app.portal_accounts a
  where a.company_id = p_company_id and a.id = p_account_id and a.state = 'pending';
  if not found then
    return null;
  end if;
  select l.identity_id into v_identity
    from app.link_identity(v_account.company_id, null, v_account.email, v_account.name, v_account.password_hash) l;
  return v_identity;
end
$$;

-- A sign-in naming a company: the membership's own password if it has one,
-- else its identity's.
create or replace function auth.login_lookup(p_company_slug text, p_email text)
returns table (user_id uuid, company_id uuid, role app.user_role, customer_id uuid, password_hash text,
               name text, email text, company_name text, company_slug text, company_color text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company app.companies%rowtype;
begin
  select * into v_company from app.companies c where c.slug = lower(p_company_slug) and c.is_active;
  if not found then
    return;
  end if;
  return query
  select u.id, u.company_id, u.role, u.customer_id,
         coalesce(u.password_hash, case when pg_catalog.lower(i.email) = pg_catalog.lower(u.email)
                                        then i.password_hash end),
         u.name, u.email, v_company.name, v_company.slug, v_company.color
  from app.users u
  join app.identities i on i.id = u.identity_id
  where u.company_id = v_company.id
    and lower(u.email) = lower(p_email)
    and u.deleted_at is null
    and u.is_active
    -- A customer login signs in only while its customer exists.
    and (u.customer_id is null or exists (
      select 1 from app.customers cu
      where cu.company_id = u.company_id and cu.id = u.customer_id and cu.deleted_at is null));
end
$$;

-- The live memberships of an identity a sign-in or a session has proved:
-- active, not deleted, in an active company, a customer login only while its
-- customer exists. `uses_identity_password` says whether the membership signs
-- in with the identity's password (see the header).
create function auth.identity_memberships(p_identity_id uuid)
returns table (user_id uuid, company_id uuid, role app.user_role, customer_id uuid, name text, email text,
               company_name text, company_slug text, company_color text, uses_identity_password boolean)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select u.id, u.company_id, u.role, u.customer_id, u.name, u.email, c.name, c.slug, c.color,
         u.password_hash is null or u.password_hash = i.password_hash
  from app.users u
  join app.companies c on c.id = u.company_id
  join app.identities i on i.id = u.identity_id
  where u.identity_id = p_identity_id
    -- A membership whose address is not its person's is nobody's.
    and pg_catalog.lower(u.email) = pg_catalog.lower(i.email)
    and u.deleted_at is null
    and u.is_active
    and c.is_active
    and (u.customer_id is null or exists (
      select 1 from app.customers cu
      where cu.company_id = u.company_id and cu.id = u.customer_id and cu.deleted_at is null))
  order by c.name, c.slug;
end
$$;

-- A sign-in without a company: throttled and counted like auth.login_attempt
-- (its account key is the address alone, `*:` then the email), answering the
-- identity's password and the company it used last.
create function auth.identity_login_attempt(
  p_email text,
  p_client_ip text,
  p_limit integer,
  p_window interval
) returns table (attempt_id bigint, retry_after integer, identity_id uuid, password_hash text, last_company_id uuid)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_email text := auth.login_normal(p_email);
  v_key text := '*:' || pg_catalog.lower(v_email);
  v_retry integer;
  v_attempt bigint;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.login.account:' || v_key, 0));
  if p_client_ip is not null then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.login.address:' || p_client_ip, 0));
  end if;
  v_retry := auth.login_retry_after(v_key, p_client_ip, p_limit, p_window);
  if v_retry > 0 then
    return query select null::bigint, v_retry, null::uuid, null::text, null::uuid;
    return;
  end if;
  insert into app.login_failures (account_key, client_ip) values (v_key, p_client_ip)
  returning id into v_attempt;
  delete from app.login_failures where failed_at < pg_catalog.now() - interval '1 day';
  return query
    select v_attempt, 0, i.id, i.password_hash, i.last_company_id
    from (select 1) one
    left join app.identities i on pg_catalog.lower(i.email) = pg_catalog.lower(v_email)
    limit 1;
end
$$;

-- The identity behind a live session (same checks as auth.require_session),
-- and whether the session may speak for it: only when its membership signs in
-- with the identity's password. No row: the session is not live.
create function auth.session_identity(p_session_id uuid, p_user_id uuid, p_company_id uuid, p_role text)
returns table (identity_id uuid, speaks_for_identity boolean)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select u.identity_id,
         pg_catalog.lower(u.email) = pg_catalog.lower(i.email)
           and (u.password_hash is null or u.password_hash = i.password_hash)
  from app.sessions s
  join app.users u on u.company_id = s.company_id and u.id = s.user_id
  join app.identities i on i.id = u.identity_id
  join app.companies c on c.id = s.company_id
  where s.company_id = p_company_id
    and s.id = p_session_id
    and s.user_id = p_user_id
    and s.revoked_at is null
    and s.expires_at > pg_catalog.now()
    and s.role::text = p_role
    and u.role::text = p_role
    and u.customer_id is not distinct from s.customer_id
    and u.deleted_at is null
    and u.is_active
    and c.is_active;
end
$$;

-- Remembers the company an identity signed in to or switched to last. Not
-- a sign-in with a membership's own password: that proves nothing about the
-- person, who should not land in that company by default because of it.
create function auth.remember_company(p_user_id uuid, p_company_id uuid)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user app.users%rowtype;
begin
  -- Two statements: on Citus an UPDATE of a reference table cannot join a
  -- distributed one.
  select * into v_user from app.users u where u.company_id = p_company_id and u.id = p_user_id;
  update app.identities i set last_company_id = p_company_id
  where i.id = v_user.identity_id and i.last_company_id is distinct from p_company_id
    and pg_catalog.lower(i.email) = pg_catalog.lower(v_user.email)
    and (v_user.password_hash is null or v_user.password_hash = i.password_hash);
end
$$;

-- A password reset proves the address: it sets the identity's password and
-- clears every membership's own, and ends the sessions of all of them.
create or replace function auth.complete_password_reset(p_company_id uuid, p_token_hash bytea, p_password_hash text)
returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_token app.password_reset_tokens%rowtype;
  v_identity uuid;
  v_email text;
begin
  select * into v_token from app.password_reset_tokens t
  where t.company_id = p_company_id and t.token_hash = p_token_hash
  for update;
  if not found or v_token.used_at is not null or v_token.expires_at <= pg_catalog.now() then
    return null;
  end if;
  select u.identity_id into v_identity from app.users u
  where u.company_id = v_token.company_id and u.id = v_token.user_id
    and u.deleted_at is null and u.is_active;
  if not found then
    return null;
  end if;
  -- The token proves the membership's address: the person's only when it
  -- is the person's address (raw SQL could have moved one without the other).
  perform 1 from app.identities i join app.users u on u.identity_id = i.id
  where u.company_id = v_token.company_id and u.id = v_token.user_id
    and pg_catalog.lower(i.email) = pg_catalog.lower(u.email);
  if not found then
    v_identity := null;
  end if;
  perform 1 from app.companies c where c.id = v_token.company_id and c.is_active;
  if not found then
    return null;
  end if;

  update app.password_reset_tokens t set used_at = pg_catalog.now()
  where t.company_id = v_token.company_id and t.user_id = v_token.user_id and t.used_at is null;
  if v_identity is null then
    update app.sessions s set revoked_at = pg_catalog.now(), revoked_reason = 'password reset'
    where s.company_id = v_token.company_id and s.user_id = v_token.user_id and s.revoked_at is null;
    update app.users u set password_hash = p_password_hash
    where u.company_id = v_token.company_id and u.id = v_token.user_id;
    return v_token.user_id;
  end if;
  select pg_catalog.lower(i.email) into v_email from app.identities i where i.id = v_identity;
  update app.sessions s set revoked_at = pg_catalog.now(), revoked_reason = 'password reset'
  from app.users u
  where u.identity_id = v_identity and pg_catalog.lower(u.email) = v_email
    and s.company_id = u.company_id and s.user_id = u.id and s.revoked_at is null;
  update app.identities i set password_hash = p_password_hash, updated_at = pg_catalog.now() where i.id = v_identity;
  update app.users u set password_hash = null
  where u.identity_id = v_identity and pg_catalog.lower(u.email) = v_email and u.password_hash is not null;
  return v_token.user_id;
end
$$;

-- ---------------------------------------------------------------------------
-- A portal login's person. Every approval (an admin's, an open portal's
-- verification, an invitation's registration) finds or makes the person
-- first, on the coordinator, and names it in the row it approves; the
-- approval trigger writes the login with it. On Citus that trigger runs on
-- the account's shard, where nothing may write the people's reference table.
-- ---------------------------------------------------------------------------
alter table app.portal_accounts add column identity_id uuid;

create or replace function app.portal_account_decided() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_contact uuid;
begin
  if new.state = 'approved' and old.state is distinct from 'approved' then
    if new.customer_id is null then
      insert into app.customers (company_id, name, address)
      values (new.company_id, new.name, new.address)
      returning id into new.customer_id;
      insert into app.contacts (company_id, customer_id, name, is_primary)
      values (new.company_id, new.customer_id, new.name, true)
      returning id into v_contact;
      insert into app.contact_methods (company_id, customer_id, contact_id, kind, value, is_primary)
      values (new.company_id, new.customer_id, v_contact, 'email', new.email, true);
      if new.phone is not null then
        insert into app.contact_methods (company_id, customer_id, contact_id, kind, value, is_primary)
        values (new.company_id, new.customer_id, v_contact, 'mobile', new.phone, true);
      end if;
    end if;
    insert into app.users (company_id, name, email, password_hash, role, customer_id, identity_id)
    values (new.company_id, new.name, new.email, new.password_hash, 'CUSTOMER', new.customer_id, new.identity_id)
    returning id into new.user_id;
    new.decided_at := pg_catalog.now();
  elsif new.state = 'rejected' and old.state is distinct from 'rejected' then
    new.decided_at := pg_catalog.now();
  end if;
  return new;
end
$$;

create or replace function auth.portal_verify(p_company_id uuid, p_token_hash bytea)
returns table (account_id uuid, state text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_token app.portal_verification_tokens%rowtype;
  v_mode text;
  v_account app.portal_accounts%rowtype;
  v_identity uuid;
begin
  select * into v_token from app.portal_verification_tokens t
  where t.company_id = p_company_id and t.token_hash = p_token_hash
  for update;
  if not found or v_token.used_at is not null or v_token.expires_at <= pg_catalog.now() then
    return;
  end if;
  perform 1 from app.companies c where c.id = p_company_id and c.is_active;
  if not found then
    return;
  end if;
  update app.portal_verification_tokens t set used_at = pg_catalog.now()
  where t.company_id = p_company_id and t.account_id = v_token.account_id and t.used_at is null;
  select s.registration_mode into v_mode from app.portal_settings s where s.company_id = p_company_id;
  if coalesce(v_mode, 'invitation') = 'open' then
    select * into v_account from app.portal_accounts a
    where a.company_id = p_company_id and a.id = v_token.account_id and a.state = 'unverified';
    if found then
      select l.identity_id into v_identity
        from app.link_identity(p_company_id, null, v_account.email, v_account.name, v_account.password_hash) l;
    end if;
  end if;
  return query
    update app.portal_accounts a
       set email_verified_at = pg_catalog.now(),
           state = case when coalesce(v_mode, 'invitation') = 'open' then 'approved' else 'pending' end,
           identity_id = v_identity
     where a.company_id = p_company_id and a.id = v_token.account_id and a.state = 'unverified'
    returning a.id, a.state;
end
$$;

create or replace function auth.portal_register_invited(
  p_company_id uuid,
  p_invitation_hash bytea,
  p_name text,
  p_email text,
  p_phone text,
  p_password_hash text
) returns text
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_invitation app.portal_invitations%rowtype;
  v_email text := auth.login_normal(p_email);
  v_id uuid;
  v_identity uuid;
begin
  select * into v_invitation from app.portal_invitations i
  where i.company_id = p_company_id and i.token_hash = p_invitation_hash
  for update;
  if not found or v_invitation.used_at is not null or v_invitation.expires_at <= pg_catalog.now() then
    return 'invalid';
  end if;
  if pg_catalog.lower(v_invitation.email) <> pg_catalog.lower(v_email) then
    return 'email_mismatch';
  end if;
  perform 1 from app.users u
  where u.company_id = p_company_id and pg_catalog.lower(u.email) = pg_catalog.lower(v_email) and u.deleted_at is null;
  if found then
    return 'exists';
  end if;
  -- An open registration of the same address gives way to the invitation.
  delete from app.portal_verification_tokens t
  using app.portal_accounts a
  where t.company_id = p_company_id and a.company_id = p_company_id and t.account_id = a.id
    and pg_catalog.lower(a.email) = pg_catalog.lower(v_email) and a.state in ('unverified', 'pending');
  update app.portal_accounts a set state = 'rejected', rejected_reason = 'replaced by an invitation',
         email_verified_at = coalesce(a.email_verified_at, v_invitation.created_at)
  where a.company_id = p_company_id and pg_catalog.lower(a.email) = pg_catalog.lower(v_email)
    and a.state in ('unverified', 'pending');
  insert into app.portal_accounts (company_id, name, email, phone, password_hash, terms_accepted_at, customer_id,
                                   invitation_id)
  values (p_company_id, pg_catalog.btrim(p_name), v_email, p_phone, p_password_hash, pg_catalog.now(),
          v_invitation.customer_id, v_invitation.id)
  returning id into v_id;
  select l.identity_id into v_identity
    from app.link_identity(p_company_id, null, v_email, pg_catalog.btrim(p_name), p_password_hash) l;
  update app.portal_accounts a set state = 'approved', email_verified_at = pg_catalog.now(), identity_id = v_identity
  where a.company_id = p_company_id and a.id = v_id;
  update app.portal_invitations i set used_at = pg_catalog.now(), account_id = v_id
  where i.company_id = p_company_id and i.id = v_invitation.id;
  return 'registered';
end
$$;

-- Invitations: an admin invites an address to join the company with a role.
-- The link's token is stored as its digest, works once, for 7 days, until
-- revoked. Accepting makes the membership: for a new address a new person
-- (name and password given), else the existing person, who proves itself by
-- being signed in or by its password (auth.accept_invitation).
create table app.invitations (
  company_id uuid not null default app.session_company_hint()
    constraint invitations_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  email text not null,
  -- Staff only: customers join through the portal and its own invitations.
  role app.user_role not null,
  token_hash bytea not null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  user_id uuid,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint invitations_pkey primary key (company_id, id),
  constraint invitations_token_key unique (company_id, token_hash),
  constraint invitations_user_fkey foreign key (company_id, user_id) references app.users (company_id, id),
  constraint invitations_role_staff check (role in ('ADMIN', 'WORKER')),
  constraint invitations_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 254),
  constraint invitations_hash_length check (octet_length(token_hash) = 32),
  constraint invitations_accepted check ((accepted_at is null) = (user_id is null)),
  constraint invitations_settled_once check (accepted_at is null or revoked_at is null)
);
create index invitations_pending_idx on app.invitations (company_id, created_at desc, id)
  where accepted_at is null and revoked_at is null;

create trigger invitations_stamp before insert or update on app.invitations
for each row execute function app.stamp_row();
create trigger invitations_audit after insert or update or delete on app.invitations
for each row execute function app.audit_row('company_id');

-- The invitation a link names, for the accept page and the accepting: its
-- company, address, role and state, and whether the address has a person
-- (who must then prove itself). Nothing for an unknown digest.
create function auth.invitation_status(p_company_id uuid, p_token_hash bytea)
returns table (email text, role app.user_role, company_name text, company_slug text, company_color text,
               state text, identity_id uuid)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select v.email, v.role, c.name, c.slug, c.color,
         case when v.accepted_at is not null then 'accepted'
              when v.revoked_at is not null then 'revoked'
              when v.expires_at <= pg_catalog.now() then 'expired'
              else 'pending' end,
         i.id
  from app.invitations v
  join app.companies c on c.id = v.company_id and c.is_active
  left join app.identities i on pg_catalog.lower(i.email) = pg_catalog.lower(v.email)
  where v.company_id = p_company_id and v.token_hash = p_token_hash;
end
$$;

-- Spends an invitation: the membership of the person `p_identity_id` (whom
-- the server verified: signed in as them, or their password), or, for an
-- address with no person yet, a new one with `p_name` and `p_password_hash`.
-- Answers the outcome ('accepted', 'invalid', 'member' already, 'identity'
-- when the address has a person the server did not verify) and the
-- membership made.
create function auth.accept_invitation(p_company_id uuid, p_token_hash bytea, p_identity_id uuid, p_name text,
                                       p_password_hash text)
returns table (outcome text, user_id uuid)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_invitation app.invitations%rowtype;
  v_identity app.identities%rowtype;
  v_user uuid;
  v_person uuid;
begin
  select * into v_invitation from app.invitations v
  where v.company_id = p_company_id and v.token_hash = p_token_hash
  for update;
  if not found or v_invitation.accepted_at is not null or v_invitation.revoked_at is not null
     or v_invitation.expires_at <= pg_catalog.now() then
    return query select 'invalid'::text, null::uuid;
    return;
  end if;
  perform 1 from app.companies c where c.id = p_company_id and c.is_active;
  if not found then
    return query select 'invalid'::text, null::uuid;
    return;
  end if;
  select * into v_identity from app.identities i where pg_catalog.lower(i.email) = pg_catalog.lower(v_invitation.email);
  -- A person with no live membership anywhere is nobody's yet (left behind
  -- by an address change, or made for an edit that was then refused): the
  -- one who holds the invitation's link takes it over with the name and
  -- password given.
  if found and p_identity_id is null and p_password_hash is not null and not exists (
    select 1 from app.users u where u.identity_id = v_identity.id and u.deleted_at is null
  ) then
    update app.identities i set name = pg_catalog.btrim(p_name), password_hash = p_password_hash,
                                updated_at = pg_catalog.now()
    where i.id = v_identity.id;
    p_identity_id := v_identity.id;
  end if;
  if found and v_identity.id is distinct from p_identity_id then
    return query select 'identity'::text, null::uuid;
    return;
  end if;
  if not found and p_identity_id is not null then
    return query select 'identity'::text, null::uuid;
    return;
  end if;
  perform 1 from app.users u
  where u.company_id = p_company_id and pg_catalog.lower(u.email) = pg_catalog.lower(v_invitation.email)
    and u.deleted_at is null;
  if found then
    return query select 'member'::text, null::uuid;
    return;
  end if;
  -- The membership has no password of its own: it opens with the person's
  -- (a new person is made first, on the coordinator, with the one given).
  v_person := v_identity.id;
  if v_person is null then
    select l.identity_id into v_person
      from app.link_identity(p_company_id, null, v_invitation.email, p_name, p_password_hash) l;
  end if;
  insert into app.users (company_id, name, email, password_hash, role, identity_id)
  values (p_company_id,
          coalesce(v_identity.name, pg_catalog.btrim(p_name)),
          coalesce(v_identity.email, v_invitation.email),
          null,
          v_invitation.role,
          v_person)
  returning id into v_user;
  update app.invitations v set accepted_at = pg_catalog.now(), user_id = v_user
  where v.company_id = p_company_id and v.id = v_invitation.id;
  return query select 'accepted'::text, v_user;
end
$$;

-- A login's confirmed new address (migration 0030) moves its membership to
-- the address's person the way an admin's edit does.
create or replace function auth.email_change_confirm(p_company_id uuid, p_token_hash bytea) returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_change app.email_changes%rowtype;
  v_identity uuid;
  v_carried text;
begin
  select * into v_change from app.email_changes c
   where c.company_id = p_company_id and c.token_hash = p_token_hash
  for update;
  if not found or v_change.used_at is not null or v_change.expires_at <= pg_catalog.now() then
    return null;
  end if;
  perform 1 from app.users u
   where u.company_id = p_company_id and pg_catalog.lower(u.email) = pg_catalog.lower(v_change.new_email)
     and u.deleted_at is null;
  if found then
    return null;
  end if;
  update app.email_changes c set used_at = pg_catalog.now()
   where c.company_id = p_company_id and c.id = v_change.id;
  -- The person first, on the coordinator (see app.link_identity()).
  select l.identity_id, l.own_password_hash into v_identity, v_carried
    from app.link_identity(p_company_id, v_change.user_id, v_change.new_email, null, null) l;
  update app.users u set email = v_change.new_email, identity_id = v_identity,
         password_hash = coalesce(v_carried, u.password_hash)
   where u.company_id = p_company_id and u.id = v_change.user_id and u.deleted_at is null;
  return v_change.user_id;
end
$$;
