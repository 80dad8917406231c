-- The customer portal (issue #17): each company's portal settings.
--
-- A company's portal lives at /p/{slug}. Who may register there, which fields
-- of a job request stay locked once staff approved it, and whether customers
-- get job status mails are the company's choice, kept in one row of
-- app.portal_settings per company. A company without a row has the defaults
-- of the columns below (registration by invitation only: nobody can sign up
-- to a portal its company has not opened), so creating a company needs no
-- second write here; the admin's first save creates the row.
--
-- Shapes for Citus (docs/scaling.md): keyed (company_id, id) like every
-- tenant table, with one row per company (unique (company_id)), so the
-- admin's upsert names its shard; the public lookup joins the reference table
-- app.companies with a distributed table on the company's id.

create table app.portal_settings (
  company_id uuid not null default app.session_company_hint()
    constraint portal_settings_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- open: anyone registers and gets a new customer; approval: staff approve
  -- each account (to a customer of theirs, or a new one) or reject it;
  -- invitation: only the invited register.
  registration_mode text not null default 'invitation',
  -- The job request fields a customer may no longer edit once the request is
  -- approved (the job exists and work is planned around them).
  locked_fields text[] not null default array['title', 'description', 'preferred_windows', 'service_location_id',
                                              'urgency']::text[],
  -- Whether customers get a mail when one of their jobs changes status.
  job_status_mails boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint portal_settings_pkey primary key (company_id, id),
  constraint portal_settings_company_key unique (company_id),
  constraint portal_settings_registration_mode check (registration_mode in ('open', 'approval', 'invitation')),
  constraint portal_settings_locked_fields check (
    locked_fields <@ array['title', 'description', 'preferred_windows', 'service_location_id', 'urgency']::text[]
    and array_position(locked_fields, null) is null)
);

create trigger portal_settings_stamp before insert or update on app.portal_settings
  for each row execute function app.stamp_row();
create trigger portal_settings_audit after insert or update or delete on app.portal_settings
  for each row execute function app.audit_row('company_id');

-- The public portal page (GET /api/v1/portal/{slug}), before anyone signs in:
-- an active company's display name, colour and registration mode, nothing
-- else. Over the sign-in pool only (fieldops_login), as sign-in is.
-- Two lookups, not an outer join of the reference table app.companies with
-- the distributed app.portal_settings: on Citus the company's settings are
-- then one routed read by its id.
create function auth.portal_lookup(p_company_slug text)
returns table (company_id uuid, company_name text, company_color text, registration_mode text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id uuid;
  v_name text;
  v_color text;
  v_mode text;
begin
  select c.id, c.name, c.color into v_id, v_name, v_color
    from app.companies c
   where c.slug = pg_catalog.lower(p_company_slug) and c.is_active;
  if v_id is null then
    return;
  end if;
  select s.registration_mode into v_mode from app.portal_settings s where s.company_id = v_id;
  return query select v_id, v_name, v_color, coalesce(v_mode, 'invitation');
end
$$;

-- ---------------------------------------------------------------------------
-- Portal accounts: registration, email verification, approval.
-- ---------------------------------------------------------------------------
--
-- A customer login is an app.users row with role CUSTOMER and its customer
-- (users_customer_link). Someone who registers has neither a verified email
-- nor, in most modes, a customer yet, so a registration is first a row of
-- app.portal_accounts and becomes a user only when it is approved:
--
--   unverified --(verify, mode open)------> approved  (a new customer is made)
--   unverified --(verify, mode approval)--> pending --(staff)--> approved | rejected
--   (an invitation's link)                  approved at once, into the invited customer
--
-- Approval is one UPDATE of the row (state 'approved', customer_id or NULL
-- for a new customer); the trigger app.portal_account_decided() does the
-- rest in the same statement: the customer (with its first location, from
-- the address entered, and its primary contact with the email and phone),
-- then the user, with the password hash the person chose. Whoever approves
-- (the verification function, an admin) gets the same result.

create table app.portal_accounts (
  company_id uuid not null default app.session_company_hint()
    constraint portal_accounts_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null,
  email text not null,
  phone text,
  -- Where the work happens, for the new customer's first location.
  address text,
  password_hash text not null,
  terms_accepted_at timestamptz not null,
  state text not null default 'unverified',
  email_verified_at timestamptz,
  customer_id uuid,
  user_id uuid,
  invitation_id uuid,
  rejected_reason text,
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint portal_accounts_pkey primary key (company_id, id),
  constraint portal_accounts_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id),
  constraint portal_accounts_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id),
  constraint portal_accounts_state check (state in ('unverified', 'pending', 'approved', 'rejected')),
  constraint portal_accounts_name_length check (char_length(btrim(name)) between 1 and 200),
  constraint portal_accounts_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 254),
  constraint portal_accounts_phone_length check (phone is null or char_length(phone) between 1 and 50),
  constraint portal_accounts_address_length check (address is null or char_length(address) between 1 and 500),
  -- Past 'unverified', the email is verified; an approved account is a user
  -- of a customer; a rejection says why.
  constraint portal_accounts_verified check ((state = 'unverified') = (email_verified_at is null)),
  constraint portal_accounts_approved check ((state = 'approved') = (user_id is not null and customer_id is not null)),
  constraint portal_accounts_rejected_reason check (
    (state = 'rejected') = (rejected_reason is not null)
    and (rejected_reason is null or char_length(btrim(rejected_reason)) between 1 and 2000))
);

-- One open registration per address and company (a rejected one does not
-- block a new try; an approved one is a user, whose address is unique there).
create unique index portal_accounts_open_email_key on app.portal_accounts (company_id, lower(email))
  where state in ('unverified', 'pending');
-- The staff's queue: pending accounts, oldest first.
create index portal_accounts_state_idx on app.portal_accounts (company_id, state, created_at, id);

create trigger portal_accounts_stamp before insert or update on app.portal_accounts
  for each row execute function app.stamp_row();
create trigger portal_accounts_audit after insert or update or delete on app.portal_accounts
  for each row execute function app.audit_row('company_id');

-- Verification links: SHA-256 digests (src/auth/tokens.rs: company id + 32
-- random bytes), 24 hours, single use. No request role reads them.
create table app.portal_verification_tokens (
  company_id uuid not null default app.session_company_hint()
    constraint portal_verification_tokens_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  account_id uuid not null,
  token_hash bytea not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  constraint portal_verification_tokens_pkey primary key (company_id, id),
  constraint portal_verification_tokens_token_key unique (company_id, token_hash),
  constraint portal_verification_tokens_account_fkey foreign key (company_id, account_id)
    references app.portal_accounts (company_id, id) on delete cascade,
  constraint portal_verification_tokens_hash_length check (octet_length(token_hash) = 32)
);

create index portal_verification_tokens_account_idx on app.portal_verification_tokens (company_id, account_id);

-- The approval, wherever it comes from: makes the customer when none is
-- named, then the user. As the owner (the request roles may not read the
-- password hash it copies, nor write contacts' methods for a customer they
-- are creating in a trigger); it writes only the row's own company, which
-- the caller's policy on app.portal_accounts already let it update.
create function app.portal_account_decided() returns trigger
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
    insert into app.users (company_id, name, email, password_hash, role, customer_id)
    values (new.company_id, new.name, new.email, new.password_hash, 'CUSTOMER', new.customer_id)
    returning id into new.user_id;
    new.decided_at := pg_catalog.now();
  elsif new.state = 'rejected' and old.state is distinct from 'rejected' then
    new.decided_at := pg_catalog.now();
  end if;
  return new;
end
$$;

create trigger portal_accounts_decided before update of state on app.portal_accounts
  for each row execute function app.portal_account_decided();

-- ---------------------------------------------------------------------------
-- The sign-in pool's portal functions (fieldops_login only), as sign-in and
-- password reset are.
-- ---------------------------------------------------------------------------

-- One throttled attempt at a portal action ('register' or 'verify', the
-- re-send of a verification mail), counted before anything else under
-- per-address and per-email advisory locks, in app.login_failures under keys
-- of its own (as auth.password_reset_request does). Answers the wait, or the
-- company (active) with its portal's registration mode.
create function auth.portal_attempt(
  p_action text,
  p_company text,
  p_email text,
  p_client_ip text,
  p_limit integer,
  p_window interval
) returns table (
  retry_after integer,
  company_id uuid,
  company_name text,
  company_slug text,
  company_color text,
  registration_mode text
)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company text := pg_catalog.lower(auth.login_normal(p_company));
  v_key text := p_action || ':' || v_company || ':' || pg_catalog.lower(auth.login_normal(p_email));
  v_address text := p_action || ':' || p_client_ip;
  v_retry integer;
  v_id uuid;
  v_name text;
  v_slug text;
  v_color text;
  v_mode text;
begin
  if p_action not in ('register', 'verify') then
    raise exception 'unknown portal action %', p_action using errcode = '22023';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.portal.account:' || v_key, 0));
  if p_client_ip is not null then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.portal.address:' || v_address, 0));
  end if;
  v_retry := auth.login_retry_after(v_key, v_address, p_limit, p_window);
  if v_retry > 0 then
    return query select v_retry, null::uuid, null::text, null::text, null::text, null::text;
    return;
  end if;
  insert into app.login_failures (account_key, client_ip) values (v_key, v_address);
  -- Two lookups, not outer joins of the reference table app.companies with
  -- the distributed app.portal_settings (Citus's coordinator crashed on that
  -- shape, signal 11): the settings are one routed read by the company's id.
  select c.id, c.name, c.slug, c.color into v_id, v_name, v_slug, v_color
    from app.companies c
   where c.slug = v_company and c.is_active;
  if v_id is not null then
    select s.registration_mode into v_mode from app.portal_settings s where s.company_id = v_id;
  end if;
  return query select 0, v_id, v_name, v_slug, v_color, coalesce(v_mode, 'invitation');
end
$$;

-- A registration of an address that has no account in the company yet: the
-- account (unverified) and its verification token's digest. Answers the
-- account, or NULL when the address already has a user or an open
-- registration there (the server answers the same either way).
create function auth.portal_register(
  p_company_id uuid,
  p_name text,
  p_email text,
  p_phone text,
  p_address text,
  p_password_hash text,
  p_token_hash bytea,
  p_expires_at timestamptz
) returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_email text := auth.login_normal(p_email);
  v_id uuid;
begin
  perform 1 from app.users u
  where u.company_id = p_company_id and pg_catalog.lower(u.email) = pg_catalog.lower(v_email) and u.deleted_at is null;
  if found then
    return null;
  end if;
  insert into app.portal_accounts (company_id, name, email, phone, address, password_hash, terms_accepted_at)
  values (p_company_id, pg_catalog.btrim(p_name), v_email, p_phone, p_address, p_password_hash, pg_catalog.now())
  on conflict (company_id, pg_catalog.lower(email)) where state in ('unverified', 'pending') do nothing
  returning id into v_id;
  if v_id is null then
    return null;
  end if;
  insert into app.portal_verification_tokens (company_id, account_id, token_hash, expires_at)
  values (p_company_id, v_id, p_token_hash, p_expires_at);
  return v_id;
end
$$;

-- The re-send: a new token for the unverified account of an address, if
-- there is one. Answers the account's name and email for the mail, or nothing.
create function auth.portal_resend_verification(
  p_company_id uuid,
  p_email text,
  p_token_hash bytea,
  p_expires_at timestamptz
) returns table (account_id uuid, name text, email text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_account app.portal_accounts%rowtype;
begin
  select * into v_account from app.portal_accounts a
  where a.company_id = p_company_id and pg_catalog.lower(a.email) = pg_catalog.lower(auth.login_normal(p_email))
    and a.state = 'unverified';
  if not found then
    return;
  end if;
  insert into app.portal_verification_tokens (company_id, account_id, token_hash, expires_at)
  values (p_company_id, v_account.id, p_token_hash, p_expires_at);
  return query select v_account.id, v_account.name, v_account.email;
end
$$;

-- Spends a live verification token: the email is verified, and the account
-- goes on as the company's portal says today (open: approved, a customer and
-- a user made by app.portal_account_decided(); otherwise pending, for
-- staff). Answers the new state, or nothing for a token that is unknown,
-- used or expired.
create function auth.portal_verify(p_company_id uuid, p_token_hash bytea)
returns table (account_id uuid, state text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_token app.portal_verification_tokens%rowtype;
  v_mode text;
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
  return query
    update app.portal_accounts a
       set email_verified_at = pg_catalog.now(),
           state = case when coalesce(v_mode, 'invitation') = 'open' then 'approved' else 'pending' end
     where a.company_id = p_company_id and a.id = v_token.account_id and a.state = 'unverified'
    returning a.id, a.state;
end
$$;

-- Why an address that is no user cannot sign in: its registration's state
-- and password hash (the server names the state only to whoever knows the
-- password). Nothing for an address without a registration.
create function auth.portal_account_status(p_company text, p_email text)
returns table (state text, password_hash text, rejected_reason text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid;
begin
  -- The company first, then its accounts by its id: one routed read on Citus.
  select c.id into v_company_id from app.companies c
   where c.slug = pg_catalog.lower(auth.login_normal(p_company));
  if v_company_id is null then
    return;
  end if;
  return query
  select a.state, a.password_hash, a.rejected_reason
  from app.portal_accounts a
  where a.company_id = v_company_id
    and pg_catalog.lower(a.email) = pg_catalog.lower(auth.login_normal(p_email))
    and a.state <> 'approved'
  order by a.created_at desc
  limit 1;
end
$$;

-- ---------------------------------------------------------------------------
-- Invitations: staff invite an email for one of their customers; the mailed
-- link (a digest here, 7 days, single use) registers into that customer, in
-- any registration mode. The link reached the address, so the account is
-- verified and approved at once.
-- ---------------------------------------------------------------------------
create table app.portal_invitations (
  company_id uuid not null default app.session_company_hint()
    constraint portal_invitations_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  customer_id uuid not null,
  email text not null,
  token_hash bytea not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  account_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint portal_invitations_pkey primary key (company_id, id),
  constraint portal_invitations_token_key unique (company_id, token_hash),
  constraint portal_invitations_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id),
  constraint portal_invitations_account_fkey foreign key (company_id, account_id)
    references app.portal_accounts (company_id, id),
  constraint portal_invitations_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 254),
  constraint portal_invitations_hash_length check (octet_length(token_hash) = 32),
  constraint portal_invitations_used check ((used_at is null) = (account_id is null))
);

create index portal_invitations_customer_idx on app.portal_invitations (company_id, customer_id, created_at desc);

create trigger portal_invitations_stamp before insert or update on app.portal_invitations
  for each row execute function app.stamp_row();
create trigger portal_invitations_audit after insert or update or delete on app.portal_invitations
  for each row execute function app.audit_row('company_id');

-- Registers with a live invitation (over the sign-in pool): the account is
-- made verified and then approved into the invited customer (the user by
-- app.portal_account_decided()), and the invitation is spent. The outcome:
-- 'registered', 'invalid' (unknown, used or expired link), 'email_mismatch'
-- (the invitation is for another address) or 'exists' (the address already
-- has a user in the company).
create function auth.portal_register_invited(
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
  update app.portal_accounts a set state = 'approved', email_verified_at = pg_catalog.now()
  where a.company_id = p_company_id and a.id = v_id;
  update app.portal_invitations i set used_at = pg_catalog.now(), account_id = v_id
  where i.company_id = p_company_id and i.id = v_invitation.id;
  return 'registered';
end
$$;

-- ---------------------------------------------------------------------------
-- Job requests: what a customer asks for, from draft to a job.
-- ---------------------------------------------------------------------------
--
--   draft --(customer)--> submitted --(staff)--> approved (a job, linked) | rejected (reason)
--   draft | submitted --(customer)--> withdrawn
--
-- Every change of a field is a row of app.job_request_changes (field, old,
-- new, who by name and role, an optional reason), written by a trigger: the
-- history is append-only and no role writes it directly. After approval the
-- fields the company locks (app.portal_settings.locked_fields) refuse edits.

create table app.job_requests (
  company_id uuid not null default app.session_company_hint()
    constraint job_requests_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  customer_id uuid not null,
  service_location_id uuid,
  title text not null,
  description text not null default '',
  -- When the customer would like the work done, in their words ("mornings
  -- of 10 to 12 December", "any weekday after 3 pm").
  preferred_windows text not null default '',
  urgency text not null default 'normal',
  state text not null default 'draft',
  rejected_reason text,
  job_id uuid,
  -- The reason of the change being written, copied into its history rows by
  -- app.job_request_history() and never stored on the row itself.
  change_reason text,
  -- The "request received" mail the server rendered for a customer's
  -- submission, set in the submitting UPDATE: app.job_request_history()
  -- queues it to the submitter's own address and clears it, so it is never
  -- stored. A trigger on the row, not a function the handler calls: on Citus
  -- the mail is then written on the request's own shard, in its statement.
  received_mail jsonb,
  submitted_at timestamptz,
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint job_requests_pkey primary key (company_id, id),
  constraint job_requests_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id),
  -- One of the customer's own locations (its key is (company, customer, id)).
  constraint job_requests_location_fkey foreign key (company_id, customer_id, service_location_id)
    references app.service_locations (company_id, customer_id, id),
  constraint job_requests_job_fkey foreign key (company_id, job_id) references app.jobs (company_id, id),
  constraint job_requests_title_length check (char_length(btrim(title)) between 1 and 200),
  constraint job_requests_description_length check (char_length(description) <= 10000),
  constraint job_requests_windows_length check (char_length(preferred_windows) <= 500),
  constraint job_requests_urgency check (urgency in ('low', 'normal', 'urgent')),
  constraint job_requests_state check (state in ('draft', 'submitted', 'approved', 'rejected', 'withdrawn')),
  constraint job_requests_approved_job check ((state = 'approved') = (job_id is not null)),
  constraint job_requests_rejected_reason check (
    (state = 'rejected') = (rejected_reason is not null)
    and (rejected_reason is null or char_length(btrim(rejected_reason)) between 1 and 2000)),
  constraint job_requests_change_reason_length check (change_reason is null or char_length(change_reason) <= 2000)
);

create index job_requests_customer_idx on app.job_requests (company_id, customer_id, created_at desc, id);
-- The staff's queue: submitted requests, oldest first.
create index job_requests_state_idx on app.job_requests (company_id, state, submitted_at, id);

create table app.job_request_changes (
  company_id uuid not null default app.session_company_hint()
    constraint job_request_changes_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  request_id uuid not null,
  -- The request's customer, for the customer's policy without a join.
  customer_id uuid not null,
  field text not null,
  old_value text,
  new_value text,
  actor_id uuid,
  actor_name text,
  actor_role text,
  reason text,
  at timestamptz not null default now(),
  constraint job_request_changes_pkey primary key (company_id, id),
  constraint job_request_changes_request_fkey foreign key (company_id, request_id)
    references app.job_requests (company_id, id) on delete cascade
);

create index job_request_changes_request_idx on app.job_request_changes (company_id, request_id, at desc, id);
create index job_request_changes_customer_idx on app.job_request_changes (company_id, customer_id, at);

create trigger job_requests_stamp before insert or update on app.job_requests
  for each row execute function app.stamp_row();
create trigger job_requests_audit after insert or update or delete on app.job_requests
  for each row execute function app.audit_row('company_id');
-- app.job_request_changes is not audited: it is the request's history
-- itself, written only by the trigger below (no role has a write grant).

-- The rules of a change, whoever writes: the state moves only along the
-- arrows above (the customer's arrows for a customer, the staff's for an
-- admin), and once approved the company's locked fields stay as they are.
-- As the owner: it reads the company's portal settings, which customers may
-- not read.
create function app.check_job_request() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_role text := app.role()::text;
  v_locked text[];
  v_field text;
begin
  if tg_op = 'INSERT' then
    if new.state <> 'draft' then
      raise exception 'a request starts as a draft' using errcode = 'FO422', constraint = 'job_requests_transition';
    end if;
    return new;
  end if;
  if new.state is distinct from old.state then
    if not ((v_role = 'CUSTOMER' and (old.state, new.state) in (('draft', 'submitted'), ('draft', 'withdrawn'),
                                                               ('submitted', 'withdrawn')))
            or (v_role = 'ADMIN' and (old.state, new.state) in (('submitted', 'approved'), ('submitted', 'rejected')))
            or v_role is null) then
      raise exception 'a request cannot go from % to % this way', old.state, new.state
        using errcode = 'FO422', constraint = 'job_requests_transition';
    end if;
    if new.state = 'submitted' then
      new.submitted_at := pg_catalog.now();
    elsif new.state in ('approved', 'rejected') then
      new.decided_at := pg_catalog.now();
    end if;
  elsif old.state in ('rejected', 'withdrawn') then
    raise exception 'a % request cannot be changed', old.state
      using errcode = 'FO422', constraint = 'job_requests_closed';
  end if;
  if old.state = 'approved' then
    select s.locked_fields into v_locked from app.portal_settings s where s.company_id = new.company_id;
    v_locked := coalesce(v_locked, array['title', 'description', 'preferred_windows', 'service_location_id', 'urgency']);
    foreach v_field in array v_locked loop
      if (pg_catalog.to_jsonb(new) -> v_field) is distinct from (pg_catalog.to_jsonb(old) -> v_field) then
        raise exception '% is locked: the company does not change it once the request is approved', v_field
          using errcode = 'FO422', constraint = 'job_requests_field_locked';
      end if;
    end loop;
  end if;
  return new;
end
$$;

-- The history of a request: a 'created' row with the request, then one row
-- per changed field, who by name and role (from the verified context), with
-- the reason the change was sent with. As the owner: no role may write the
-- history itself.
create function app.job_request_history() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_actor uuid := app.user_id();
  v_name text;
  v_old jsonb;
  v_new jsonb := pg_catalog.to_jsonb(new);
  v_field text;
  v_email text;
begin
  select u.name, u.email into v_name, v_email
    from app.users u where u.company_id = new.company_id and u.id = v_actor and u.deleted_at is null;
  if tg_op = 'INSERT' then
    insert into app.job_request_changes (company_id, request_id, customer_id, field, old_value, new_value,
                                         actor_id, actor_name, actor_role, reason)
    values (new.company_id, new.id, new.customer_id, 'state', null, new.state, v_actor, v_name,
            app.role()::text, new.change_reason);
    return null;
  end if;
  v_old := pg_catalog.to_jsonb(old);
  foreach v_field in array array['title', 'description', 'preferred_windows', 'service_location_id', 'urgency',
                                 'state', 'rejected_reason', 'job_id'] loop
    if (v_new -> v_field) is distinct from (v_old -> v_field) then
      insert into app.job_request_changes (company_id, request_id, customer_id, field, old_value, new_value,
                                           actor_id, actor_name, actor_role, reason)
      values (new.company_id, new.id, new.customer_id, v_field, v_old ->> v_field, v_new ->> v_field, v_actor,
              v_name, app.role()::text, new.change_reason);
    end if;
  end loop;
  new.change_reason := null;
  -- A customer's own submission mails the customer, at its own address: at
  -- worst a customer mails itself.
  if new.received_mail is not null then
    if app.role() = 'CUSTOMER' and new.state = 'submitted' and old.state is distinct from 'submitted'
       and v_email is not null then
      insert into app.mail_outbox (company_id, kind, recipient, subject, text_body, html_body)
      values (new.company_id, 'request_received', v_email, new.received_mail ->> 'subject',
              new.received_mail ->> 'text', new.received_mail ->> 'html');
    end if;
    new.received_mail := null;
  end if;
  return new;
end
$$;

create trigger job_requests_check before insert or update on app.job_requests
  for each row execute function app.check_job_request();
create trigger job_requests_history before update on app.job_requests
  for each row execute function app.job_request_history();
create trigger job_requests_history_created after insert on app.job_requests
  for each row execute function app.job_request_history();

