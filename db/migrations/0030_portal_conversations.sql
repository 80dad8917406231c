-- The customer portal's conversations and notifications (issue #17).
--
-- A conversation is the messages of one job request or one job, between the
-- customer and the shop. Staff may write internal notes there, which no
-- customer ever reads: the customer's policy on app.messages leaves them out,
-- whatever a handler asks. Each user keeps a read marker per thread
-- (app.message_reads) for unread counts.
--
-- Notification mails (a new message, a job's new status, a request decided)
-- are queued by triggers, in the statement of the change that causes them,
-- on that row's own shard on Citus: a definer function called beside the
-- request role's own writes is refused there (docs/scaling.md). The server
-- renders the mail (templates in the company's name and colour) and hands it
-- to the trigger in a transient jsonb column, as 0022's "request received"
-- mail travels; the trigger picks the recipients (their preference,
-- app.notification_preferences, and their location scope), gives each mail
-- its own one-click unsubscribe token (a digest in app.unsubscribe_tokens)
-- and clears the column, so no mail is ever stored on the row.
--
-- Shapes for Citus: every table keyed (company_id, id), every key and
-- foreign key includes company_id; the functions are PL/pgSQL.

-- ---------------------------------------------------------------------------
-- Preferences and unsubscribe tokens.
-- ---------------------------------------------------------------------------

-- A user's choice about notification mails. No row: mails are on. Account
-- mails (verification, reset, an account's approval or rejection) are sent
-- whatever it says.
create table app.notification_preferences (
  company_id uuid not null default app.session_company_hint()
    constraint notification_preferences_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  mail_notifications boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint notification_preferences_pkey primary key (company_id, id),
  constraint notification_preferences_user_key unique (company_id, user_id),
  constraint notification_preferences_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade
);

create trigger notification_preferences_stamp before insert or update on app.notification_preferences
  for each row execute function app.stamp_row();
create trigger notification_preferences_audit after insert or update or delete on app.notification_preferences
  for each row execute function app.audit_row('company_id');

-- One token per notification mail (its link's digest, SHA-256 of the
-- token): the link turns that user's notification mails off, once or many
-- times, without signing in. No request role reads them.
create table app.unsubscribe_tokens (
  company_id uuid not null default app.session_company_hint()
    constraint unsubscribe_tokens_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  token_hash bytea not null,
  created_at timestamptz not null default now(),
  constraint unsubscribe_tokens_pkey primary key (company_id, id),
  constraint unsubscribe_tokens_token_key unique (company_id, token_hash),
  constraint unsubscribe_tokens_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade,
  constraint unsubscribe_tokens_hash_length check (octet_length(token_hash) = 32)
);

create index unsubscribe_tokens_user_idx on app.unsubscribe_tokens (company_id, user_id);

-- Whether a user wants notification mails.
create function app.wants_mail(p_company_id uuid, p_user_id uuid) returns boolean
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return not exists (select 1 from app.notification_preferences p
                     where p.company_id = p_company_id and p.user_id = p_user_id and not p.mail_notifications);
end
$$;

-- Queues one notification mail to a user: a fresh unsubscribe token (two
-- random UUIDs, 244 random bits; its digest is stored) replaces the
-- placeholder `{unsubscribe_token}` in the rendered mail. Called by the
-- definer triggers below only (it takes a company as a parameter).
create function app.queue_notification(p_company_id uuid, p_user_id uuid, p_recipient text, p_kind text,
                                       p_mail jsonb) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_token text := pg_catalog.replace(pg_catalog.gen_random_uuid()::text || pg_catalog.gen_random_uuid()::text,
                                     '-', '');
begin
  insert into app.unsubscribe_tokens (company_id, user_id, token_hash)
  values (p_company_id, p_user_id, pg_catalog.sha256(pg_catalog.convert_to(v_token, 'UTF8')));
  insert into app.mail_outbox (company_id, kind, recipient, subject, text_body, html_body)
  values (p_company_id, p_kind, p_recipient, p_mail ->> 'subject',
          pg_catalog.replace(p_mail ->> 'text', '{unsubscribe_token}', v_token),
          pg_catalog.replace(p_mail ->> 'html', '{unsubscribe_token}', v_token));
end
$$;

-- Queues a notification to every login of a customer that sees the place
-- (a login limited to some locations hears only of its own) and wants mail.
-- Answers how many were queued.
create function app.notify_customer(p_company_id uuid, p_customer_id uuid, p_location_id uuid, p_kind text,
                                    p_mail jsonb) returns integer
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user record;
  v_scope uuid[];
  v_count integer := 0;
begin
  for v_user in
    select u.id, u.email, u.contact_id from app.users u
     where u.company_id = p_company_id and u.customer_id = p_customer_id and u.role = 'CUSTOMER'
       and u.is_active and u.deleted_at is null
  loop
    if v_user.contact_id is not null then
      v_scope := app.contact_location_scope(p_company_id, v_user.contact_id);
      continue when v_scope is not null and not coalesce(p_location_id = any (v_scope), false);
    end if;
    continue when not app.wants_mail(p_company_id, v_user.id);
    perform app.queue_notification(p_company_id, v_user.id, v_user.email, p_kind, p_mail);
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

-- The one-click unsubscribe (over the sign-in pool, as the portal's other
-- public actions): a known token turns its user's notification mails off.
-- Answers whether the token was known.
create function auth.portal_unsubscribe(p_company_id uuid, p_token_hash bytea) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user uuid;
begin
  select t.user_id into v_user from app.unsubscribe_tokens t
   where t.company_id = p_company_id and t.token_hash = p_token_hash;
  if v_user is null then
    return false;
  end if;
  insert into app.notification_preferences (company_id, user_id, mail_notifications)
  values (p_company_id, v_user, false)
  on conflict (company_id, user_id) do update set mail_notifications = false;
  return true;
end
$$;

-- ---------------------------------------------------------------------------
-- Messages.
-- ---------------------------------------------------------------------------

create table app.messages (
  company_id uuid not null default app.session_company_hint()
    constraint messages_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- The thread: a job request's or a job's, exactly one.
  request_id uuid,
  job_id uuid,
  -- Who wrote it, from the verified context (app.message_written()), by name
  -- and role as it was then: the customer sees who wrote without reading
  -- app.users.
  author_id uuid not null,
  author_name text not null,
  author_role text not null,
  body text not null,
  -- A staff-only note: no customer reads it (the customer's policy).
  internal boolean not null default false,
  -- The notification the server rendered for this message, read and cleared
  -- by app.message_written(): never stored.
  mail jsonb,
  -- Whether this message mailed the other side: the next mail of the same
  -- side in the thread waits until the coalescing window has passed.
  mailed boolean not null default false,
  created_at timestamptz not null default now(),
  constraint messages_pkey primary key (company_id, id),
  constraint messages_request_fkey foreign key (company_id, request_id)
    references app.job_requests (company_id, id) on delete cascade,
  constraint messages_job_fkey foreign key (company_id, job_id) references app.jobs (company_id, id),
  constraint messages_author_fkey foreign key (company_id, author_id) references app.users (company_id, id),
  constraint messages_one_thread check (num_nonnulls(request_id, job_id) = 1),
  constraint messages_body_length check (char_length(btrim(body)) between 1 and 5000),
  constraint messages_author_role check (author_role in ('ADMIN', 'WORKER', 'CUSTOMER')),
  constraint messages_customer_not_internal check (not (internal and author_role = 'CUSTOMER'))
);

create index messages_request_idx on app.messages (company_id, request_id, created_at, id) where request_id is not null;
create index messages_job_idx on app.messages (company_id, job_id, created_at, id) where job_id is not null;

create trigger messages_audit after insert or update or delete on app.messages
  for each row execute function app.audit_row('company_id', 'job_id');

-- The author from the verified context, then the other side's mail: a
-- customer's message mails the company's admins, a staff reply the
-- customer's logins that see the thread. Internal notes mail nobody; a side
-- that mailed in the thread within the last 10 minutes does not mail again
-- (the unread counts show the rest). As the owner: it reads users the
-- author may not read and writes the outbox.
create function app.message_written() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user uuid := app.user_id();
  v_customer uuid;
  v_location uuid;
  v_admin record;
  v_count integer := 0;
begin
  if v_user is not null then
    new.author_id := v_user;
    new.author_role := app.role()::text;
    select u.name into new.author_name from app.users u where u.company_id = new.company_id and u.id = v_user;
  end if;
  new.mailed := false;
  if new.mail is null or new.internal then
    new.mail := null;
    return new;
  end if;
  perform 1 from app.messages m
   where m.company_id = new.company_id
     and ((new.request_id is not null and m.request_id = new.request_id)
          or (new.job_id is not null and m.job_id = new.job_id))
     and m.mailed and (m.author_role = 'CUSTOMER') = (new.author_role = 'CUSTOMER')
     and m.created_at > pg_catalog.now() - interval '10 minutes';
  if found then
    new.mail := null;
    return new;
  end if;
  if new.author_role = 'CUSTOMER' then
    for v_admin in
      select u.id, u.email from app.users u
       where u.company_id = new.company_id and u.role = 'ADMIN' and u.is_active and u.deleted_at is null
    loop
      continue when not app.wants_mail(new.company_id, v_admin.id);
      perform app.queue_notification(new.company_id, v_admin.id, v_admin.email, 'new_message', new.mail);
      v_count := v_count + 1;
    end loop;
  else
    if new.request_id is not null then
      select r.customer_id, r.service_location_id into v_customer, v_location
        from app.job_requests r where r.company_id = new.company_id and r.id = new.request_id;
    else
      select j.customer_id, j.service_location_id into v_customer, v_location
        from app.jobs j where j.company_id = new.company_id and j.id = new.job_id;
    end if;
    if v_customer is not null then
      v_count := app.notify_customer(new.company_id, v_customer, v_location, 'new_message', new.mail);
    end if;
  end if;
  new.mailed := v_count > 0;
  new.mail := null;
  return new;
end
$$;

create trigger messages_written before insert on app.messages
  for each row execute function app.message_written();

-- A user's read marker per thread: messages after last_read_at, by others,
-- are unread for that user.
create table app.message_reads (
  company_id uuid not null default app.session_company_hint()
    constraint message_reads_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  request_id uuid,
  job_id uuid,
  last_read_at timestamptz not null,
  constraint message_reads_pkey primary key (company_id, id),
  constraint message_reads_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade,
  constraint message_reads_request_fkey foreign key (company_id, request_id)
    references app.job_requests (company_id, id) on delete cascade,
  constraint message_reads_job_fkey foreign key (company_id, job_id)
    references app.jobs (company_id, id) on delete cascade,
  constraint message_reads_one_thread check (num_nonnulls(request_id, job_id) = 1)
);

create unique index message_reads_request_key on app.message_reads (company_id, user_id, request_id)
  where request_id is not null;
create unique index message_reads_job_key on app.message_reads (company_id, user_id, job_id)
  where job_id is not null;

-- ---------------------------------------------------------------------------
-- Job status mails and request decisions.
-- ---------------------------------------------------------------------------

-- The status mail the server rendered for a status change, cleared by the
-- trigger below; never stored.
alter table app.jobs add column status_mail jsonb;

-- A job's new status mails its customer's logins that see the job, when the
-- company's portal settings say so (app.portal_settings.job_status_mails,
-- true without a row). As the owner: it reads the settings and users.
create function app.job_status_mailed() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_wanted boolean;
begin
  if new.status_mail is not null and new.status_id is distinct from old.status_id and not new.is_archived then
    select s.job_status_mails into v_wanted from app.portal_settings s where s.company_id = new.company_id;
    if coalesce(v_wanted, true) then
      perform app.notify_customer(new.company_id, new.customer_id, new.service_location_id, 'job_status',
                                  new.status_mail);
    end if;
  end if;
  new.status_mail := null;
  return new;
end
$$;

create trigger jobs_status_mailed before update on app.jobs
  for each row when (new.status_mail is not null) execute function app.job_status_mailed();

-- The decision's mail (approved or rejected) to the login that wrote the
-- request, if it wants mail; rendered by the server, cleared here.
alter table app.job_requests add column decided_mail jsonb;

create function app.job_request_decided_mail() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_email text;
begin
  if new.decided_mail is not null and new.state in ('approved', 'rejected') and old.state is distinct from new.state
     and new.created_by is not null then
    select u.email into v_email from app.users u
     where u.company_id = new.company_id and u.id = new.created_by and u.is_active and u.deleted_at is null;
    if v_email is not null and app.wants_mail(new.company_id, new.created_by) then
      perform app.queue_notification(new.company_id, new.created_by, v_email,
                                     case new.state when 'approved' then 'request_approved' else 'request_rejected' end,
                                     new.decided_mail);
    end if;
  end if;
  new.decided_mail := null;
  return new;
end
$$;

create trigger job_requests_decided_mail before update on app.job_requests
  for each row when (new.decided_mail is not null) execute function app.job_request_decided_mail();

-- ---------------------------------------------------------------------------
-- The profile: a customer renames itself (db/policies/users.sql) and changes
-- its email by confirming the new address.
-- ---------------------------------------------------------------------------

-- A new address waiting for its confirmation: the link mailed to it (a
-- SHA-256 digest here, 24 hours, single use) makes it the login's email. Over
-- the sign-in pool only, as registration is: no request role reads or writes
-- it (the server names the user from the verified session).
create table app.email_changes (
  company_id uuid not null default app.session_company_hint()
    constraint email_changes_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  new_email text not null,
  token_hash bytea not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  constraint email_changes_pkey primary key (company_id, id),
  constraint email_changes_token_key unique (company_id, token_hash),
  constraint email_changes_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade,
  constraint email_changes_email_format check (new_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(new_email) <= 254),
  constraint email_changes_hash_length check (octet_length(token_hash) = 32)
);

create index email_changes_user_idx on app.email_changes (company_id, user_id);

-- Records a change of a user's email to p_new_email, unless another user of
-- the company has that address (false then: the server answers the same).
create function auth.email_change_request(p_company_id uuid, p_user_id uuid, p_new_email text, p_token_hash bytea,
                                          p_expires_at timestamptz) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_email text := auth.login_normal(p_new_email);
begin
  perform 1 from app.users u
   where u.company_id = p_company_id and pg_catalog.lower(u.email) = pg_catalog.lower(v_email)
     and u.deleted_at is null;
  if found then
    return false;
  end if;
  insert into app.email_changes (company_id, user_id, new_email, token_hash, expires_at)
  values (p_company_id, p_user_id, v_email, p_token_hash, p_expires_at);
  return true;
end
$$;

-- Spends a live confirmation link: the login's email becomes the confirmed
-- address. Answers the user, or nothing for a link unknown, used or expired,
-- or an address taken since.
create function auth.email_change_confirm(p_company_id uuid, p_token_hash bytea) returns uuid
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_change app.email_changes%rowtype;
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
  update app.users u set email = v_change.new_email
   where u.company_id = p_company_id and u.id = v_change.user_id and u.deleted_at is null;
  return v_change.user_id;
end
$$;
