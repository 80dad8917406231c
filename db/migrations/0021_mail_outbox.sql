-- Mail that really leaves (issue #17): a transactional outbox, and password
-- reset by mail as its first use.
--
-- A mail is a row of app.mail_outbox, written in the same transaction as the
-- change that causes it: a change rolled back sends nothing. The sender inside
-- `fieldops serve` (src/mail/sender.rs) claims due rows, delivers them and
-- records the outcome, all through the auth.mail_* functions below, over the
-- sign-in pool: no request role reads or writes either table (mail bodies hold
-- links that sign people in; token digests are secrets).
--
-- Shapes for Citus (docs/scaling.md): both tables are keyed (company_id, id)
-- and distributed by company; every function binds the company on every
-- statement but one, the sender's "what is due?" (auth.mail_due), which asks
-- every shard by design and locks nothing. Each row is then claimed by
-- (company, id) with FOR UPDATE SKIP LOCKED, which Citus runs on one shard.

create table app.mail_outbox (
  company_id uuid not null default app.session_company_hint()
    constraint mail_outbox_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- What the mail is, for operators: 'password_reset', later 'invitation', ...
  kind text not null,
  recipient text not null,
  subject text not null,
  text_body text not null,
  html_body text not null,
  -- queued: waiting for its next attempt; sending: claimed by a sender until
  -- next_attempt_at (a lease: a sender that died mid-way leaves it due again);
  -- sent; failed: given up after the last attempt.
  state text not null default 'queued',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  constraint mail_outbox_pkey primary key (company_id, id),
  constraint mail_outbox_state check (state in ('queued', 'sending', 'sent', 'failed')),
  constraint mail_outbox_sent_at check ((state = 'sent') = (sent_at is not null)),
  constraint mail_outbox_kind_format check (kind ~ '^[a-z][a-z_]{0,39}$'),
  constraint mail_outbox_recipient_length check (length(recipient) between 3 and 254),
  constraint mail_outbox_subject_length check (length(subject) between 1 and 300),
  constraint mail_outbox_attempts check (attempts >= 0)
);

-- The sender's question, "what is due?", across companies: only rows still
-- to be delivered are in it, so it stays as small as the backlog.
create index mail_outbox_due_idx on app.mail_outbox (next_attempt_at)
  where state in ('queued', 'sending');
-- An operator's "what happened to this company's mail?".
create index mail_outbox_company_created_idx on app.mail_outbox (company_id, created_at desc);

create table app.password_reset_tokens (
  company_id uuid not null default app.session_company_hint()
    constraint password_reset_tokens_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  -- SHA-256 of the token in the link (src/auth/tokens.rs: company id + 32 random bytes).
  token_hash bytea not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  constraint password_reset_tokens_pkey primary key (company_id, id),
  constraint password_reset_tokens_token_key unique (company_id, token_hash),
  constraint password_reset_tokens_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade,
  constraint password_reset_tokens_hash_length check (octet_length(token_hash) = 32)
);

create index password_reset_tokens_user_idx on app.password_reset_tokens (company_id, user_id);

-- ---------------------------------------------------------------------------
-- The outbox writer: one mail, in the caller's transaction.
-- ---------------------------------------------------------------------------
create function auth.enqueue_mail(
  p_company_id uuid,
  p_kind text,
  p_recipient text,
  p_subject text,
  p_text_body text,
  p_html_body text
) returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id uuid;
begin
  insert into app.mail_outbox (company_id, kind, recipient, subject, text_body, html_body)
  values (p_company_id, p_kind, p_recipient, p_subject, p_text_body, p_html_body)
  returning id into v_id;
  return v_id;
end
$$;

-- ---------------------------------------------------------------------------
-- The sender.
-- ---------------------------------------------------------------------------

-- Due mail of every company, oldest first. Reads only: the rows are claimed
-- one by one, by company, below. (On Citus, a query of every shard: fine for
-- a background task that asks every few seconds.)
create function auth.mail_due(p_limit integer)
returns table (company_id uuid, id uuid)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select o.company_id, o.id from app.mail_outbox o
  where o.state in ('queued', 'sending') and o.next_attempt_at <= pg_catalog.now()
  order by o.next_attempt_at
  limit p_limit;
end
$$;

-- Claims one due mail for p_lease: counts the attempt and answers the mail,
-- or nothing when it is not due any more or another sender holds it (SKIP
-- LOCKED: a sender never waits for another). Once claimed, the row is not due
-- until the lease ends, so a second sender finds nothing either.
create function auth.mail_claim(p_company_id uuid, p_id uuid, p_lease interval)
returns table (kind text, recipient text, subject text, text_body text, html_body text, attempts integer)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_mail app.mail_outbox%rowtype;
begin
  select * into v_mail from app.mail_outbox o
  where o.company_id = p_company_id and o.id = p_id
    and o.state in ('queued', 'sending') and o.next_attempt_at <= pg_catalog.now()
  for update skip locked;
  if not found then
    return;
  end if;
  update app.mail_outbox o
     set state = 'sending', attempts = o.attempts + 1, next_attempt_at = pg_catalog.now() + p_lease
   where o.company_id = p_company_id and o.id = p_id;
  return query select v_mail.kind, v_mail.recipient, v_mail.subject, v_mail.text_body, v_mail.html_body,
                      v_mail.attempts + 1;
end
$$;

create function auth.mail_delivered(p_company_id uuid, p_id uuid)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  update app.mail_outbox o
     set state = 'sent', sent_at = pg_catalog.now(), last_error = null
   where o.company_id = p_company_id and o.id = p_id and o.state = 'sending';
end
$$;

-- An attempt failed: due again after p_retry_in, or, when that is NULL, given
-- up for good ('failed'). Two statements, not a CASE: Citus refuses now()
-- inside CASE or COALESCE of a distributed UPDATE.
create function auth.mail_failed(p_company_id uuid, p_id uuid, p_error text, p_retry_in interval)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_retry_in is null then
    update app.mail_outbox o
       set state = 'failed', last_error = pg_catalog.left(p_error, 2000)
     where o.company_id = p_company_id and o.id = p_id and o.state = 'sending';
  else
    update app.mail_outbox o
       set state = 'queued', last_error = pg_catalog.left(p_error, 2000),
           next_attempt_at = pg_catalog.now() + p_retry_in
     where o.company_id = p_company_id and o.id = p_id and o.state = 'sending';
  end if;
end
$$;

-- ---------------------------------------------------------------------------
-- Password reset.
-- ---------------------------------------------------------------------------

-- One reset request, throttled before anything else, as a sign-in attempt is
-- (auth.login_attempt, migration 0014): under per-account and per-address
-- advisory locks, count the requests in the window and, if there is room,
-- record this one. Requests share app.login_failures with failed sign-ins,
-- under keys of their own ('reset:' before the account and the address), so
-- the two never count against each other. Every request counts, whether the
-- account exists or not: the answer is the same either way.
create function auth.password_reset_request(
  p_company text,
  p_email text,
  p_client_ip text,
  p_limit integer,
  p_window interval
) returns table (
  retry_after integer,
  user_id uuid,
  company_id uuid,
  name text,
  email text,
  company_name text,
  company_slug text,
  company_color text
)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company text := auth.login_normal(p_company);
  v_email text := auth.login_normal(p_email);
  v_key text := 'reset:' || pg_catalog.lower(v_company) || ':' || pg_catalog.lower(v_email);
  v_address text := 'reset:' || p_client_ip;
  v_retry integer;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.reset.account:' || v_key, 0));
  if p_client_ip is not null then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.reset.address:' || v_address, 0));
  end if;
  v_retry := auth.login_retry_after(v_key, v_address, p_limit, p_window);
  if v_retry > 0 then
    return query select v_retry, null::uuid, null::uuid, null::text, null::text, null::text, null::text,
                        null::text;
    return;
  end if;
  insert into app.login_failures (account_key, client_ip) values (v_key, v_address);
  delete from app.login_failures where failed_at < pg_catalog.now() - interval '1 day';
  return query
    select 0, l.user_id, l.company_id, l.name, l.email, l.company_name, l.company_slug, l.company_color
    from (select 1) one
    left join auth.login_lookup(v_company, v_email) l on true
    limit 1;
end
$$;

-- A reset token for a user the request above found; its mail goes into the
-- outbox in the same transaction (auth.enqueue_mail).
create function auth.create_password_reset(
  p_company_id uuid,
  p_user_id uuid,
  p_token_hash bytea,
  p_expires_at timestamptz
) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into app.password_reset_tokens (company_id, user_id, token_hash, expires_at)
  values (p_company_id, p_user_id, p_token_hash, p_expires_at);
end
$$;

-- The account a live token resets (unused, unexpired, its user and company
-- still active): what the strength check compares the new password with.
create function auth.password_reset_account(p_company_id uuid, p_token_hash bytea)
returns table (user_id uuid, name text, email text, company_name text, company_slug text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select u.id, u.name, u.email, c.name, c.slug
  from app.password_reset_tokens t
  join app.users u on u.company_id = t.company_id and u.id = t.user_id
  join app.companies c on c.id = t.company_id
  where t.company_id = p_company_id and t.token_hash = p_token_hash
    and u.company_id = p_company_id
    and t.used_at is null and t.expires_at > pg_catalog.now()
    and u.deleted_at is null and u.is_active and c.is_active;
end
$$;

-- Spends a live token: the user's password becomes p_password_hash, every
-- session of the user ends (whoever knew the old password is signed out), and
-- every other reset token of the user is spent too. Answers the user, or NULL
-- for a token that is unknown, used, expired or of an inactive account.
create function auth.complete_password_reset(p_company_id uuid, p_token_hash bytea, p_password_hash text)
returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_token app.password_reset_tokens%rowtype;
begin
  select * into v_token from app.password_reset_tokens t
  where t.company_id = p_company_id and t.token_hash = p_token_hash
  for update;
  if not found or v_token.used_at is not null or v_token.expires_at <= pg_catalog.now() then
    return null;
  end if;
  perform 1 from app.users u
  where u.company_id = v_token.company_id and u.id = v_token.user_id
    and u.deleted_at is null and u.is_active;
  if not found then
    return null;
  end if;
  perform 1 from app.companies c where c.id = v_token.company_id and c.is_active;
  if not found then
    return null;
  end if;

  update app.password_reset_tokens t set used_at = pg_catalog.now()
  where t.company_id = v_token.company_id and t.user_id = v_token.user_id and t.used_at is null;
  -- Before the password changes, so the sessions carry this reason rather
  -- than the trigger's (app.revoke_sessions_on_password_change, 0011).
  update app.sessions s set revoked_at = pg_catalog.now(), revoked_reason = 'password reset'
  where s.company_id = v_token.company_id and s.user_id = v_token.user_id and s.revoked_at is null;
  update app.users u set password_hash = p_password_hash
  where u.company_id = v_token.company_id and u.id = v_token.user_id;
  return v_token.user_id;
end
$$;
