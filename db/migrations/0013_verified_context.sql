-- Verified request context: SQL running inside a request can no longer choose
-- whom it acts for.
--
-- Until now the policies trusted plain settings (app.company_id, app.user_id,
-- app.role, app.customer_id): anything running inside a request's transaction
-- could `set local` them to another company, or `reset role; set role
-- fieldops_admin`, and RLS obeyed. From here on the only input is the session
-- id (`set local app.session_id`, 122 random bits from the verified token, which
-- SQL inside a request knows only for its own session). Every context function
-- derives company, user, role and customer from that live session row, and
-- answers NULL (fail closed) unless the session is live *and* the database role
-- in force is the one the session was issued for: switching `SET ROLE` buys
-- nothing. Policies call them as `(select app.company_id())`, once per statement.
--
-- The session row is the whole proof, so it pins the identity it was issued
-- for (role, customer) and is revoked when that identity changes.
--
-- Also here: every pinned search_path ends with pg_temp (a temp-schema type
-- must never shadow pg_catalog inside a definer function), functions are no
-- longer executable by PUBLIC by default anywhere, and share links end with
-- what should end them.

-- ---------------------------------------------------------------------------
-- Sessions pin the identity they were issued for.
-- ---------------------------------------------------------------------------
alter table app.sessions
  add column role app.user_role,
  add column customer_id uuid;

alter table app.sessions disable trigger sessions_stamp;
alter table app.sessions disable trigger sessions_audit;
update app.sessions s set role = u.role, customer_id = u.customer_id
from app.users u where u.company_id = s.company_id and u.id = s.user_id;
alter table app.sessions enable trigger sessions_stamp;
alter table app.sessions enable trigger sessions_audit;

alter table app.sessions alter column role set not null;
alter table app.sessions add constraint sessions_customer_link
  check ((role = 'CUSTOMER') = (customer_id is not null));

create index sessions_company_customer_idx on app.sessions (company_id, customer_id)
  where customer_id is not null;

-- Whoever inserts a session (auth.create_session, a fixture, a DBA), the role
-- and customer come from the user row, never from the caller.
create function app.pin_session_identity() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  select u.role, u.customer_id into new.role, new.customer_id
  from app.users u
  where u.company_id = new.company_id and u.id = new.user_id;
  return new;
end
$$;

create trigger sessions_pin_identity before insert on app.sessions
for each row execute function app.pin_session_identity();

-- A session proves one identity: when the user's role or customer link
-- changes, or the user is deactivated or deleted, its sessions end. The
-- session making the change (an admin editing itself) is left to
-- auth.require_session, which refuses it from the next request on.
create function app.revoke_sessions_on_identity_change() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  update app.sessions s
     set revoked_at = now(), revoked_reason = 'role, customer or access changed'
   where s.company_id = new.company_id and s.user_id = new.id
     and s.revoked_at is null
     and s.id is distinct from app.session_id();
  return null;
end
$$;

create trigger users_identity_revokes_sessions
after update of role, customer_id, is_active, deleted_at on app.users
for each row when (
  old.role is distinct from new.role
  or old.customer_id is distinct from new.customer_id
  or (old.is_active and not new.is_active)
  or (old.deleted_at is null and new.deleted_at is not null)
)
execute function app.revoke_sessions_on_identity_change();

-- A deleted customer's logins stop working at once.
create function app.revoke_sessions_on_customer_delete() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  update app.sessions s
     set revoked_at = now(), revoked_reason = 'customer deleted'
   where s.company_id = new.company_id and s.customer_id = new.id
     and s.revoked_at is null;
  return null;
end
$$;

create trigger customers_delete_revokes_sessions
after update of deleted_at on app.customers
for each row when (old.deleted_at is null and new.deleted_at is not null)
execute function app.revoke_sessions_on_customer_delete();

-- ---------------------------------------------------------------------------
-- The verified context.
-- ---------------------------------------------------------------------------
create type auth.request_context as (
  session_id uuid,
  company_id uuid,
  user_id uuid,
  role app.user_role,
  customer_id uuid
);

-- The one place a request's identity is decided. SECURITY DEFINER because no
-- request role may read app.sessions beyond its own row; it takes no argument,
-- so there is nothing to forge: the session id comes from the transaction's
-- setting, everything else from the row. `current_setting('role')` is the
-- caller's SET ROLE even inside this function (current_user is the owner here).
-- plpgsql, not sql: its plan is cached per connection, and Citus can plan it.
create function auth.request_context() returns auth.request_context
language plpgsql stable security definer parallel restricted
set search_path = pg_catalog, pg_temp
as $$
declare
  v_context auth.request_context;
begin
  -- A malformed id (never sent by the server) raises: failing closed, loudly.
  select s.id, s.company_id, s.user_id, s.role, s.customer_id
    into v_context
    from app.sessions s
   where s.id = nullif(pg_catalog.current_setting('app.session_id', true), '')::uuid
     and s.revoked_at is null
     and s.expires_at > pg_catalog.now()
     and pg_catalog.current_setting('role') = case s.role
           when 'ADMIN' then 'fieldops_admin'
           when 'WORKER' then 'fieldops_worker'
           when 'CUSTOMER' then 'fieldops_customer'
         end;
  return v_context;
end
$$;

-- The policies' functions: plain (invoker) SQL over the one definer function,
-- with no SET clause of their own, so the planner inlines them and a policy's
-- `(select app.company_id())` costs one call of auth.request_context().
create or replace function app.session_id() returns uuid
language sql stable parallel restricted
as $$ select (auth.request_context()).session_id $$;

create or replace function app.company_id() returns uuid
language sql stable parallel restricted
as $$ select (auth.request_context()).company_id $$;

create or replace function app.user_id() returns uuid
language sql stable parallel restricted
as $$ select (auth.request_context()).user_id $$;

create or replace function app.role() returns app.user_role
language sql stable parallel restricted
as $$ select (auth.request_context()).role $$;

create or replace function app.customer_id() returns uuid
language sql stable parallel restricted
as $$ select (auth.request_context()).customer_id $$;

-- The session check before the role switch also holds the pinned identity
-- against the user and customer as they are now.
create or replace function auth.require_session(
  p_session_id uuid,
  p_user_id uuid,
  p_company_id uuid,
  p_role app.user_role
) returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform 1
  from app.sessions s
  join app.users u on u.company_id = s.company_id and u.id = s.user_id
  join app.companies c on c.id = s.company_id
  left join app.customers cu on cu.company_id = s.company_id and cu.id = s.customer_id
  where s.company_id = p_company_id
    and s.id = p_session_id
    and s.user_id = p_user_id
    and s.revoked_at is null
    and s.expires_at > now()
    and s.role = p_role
    and u.role = p_role
    and u.customer_id is not distinct from s.customer_id
    and (s.customer_id is null or (cu.id is not null and cu.deleted_at is null))
    and u.deleted_at is null
    and u.is_active
    and c.is_active;
  if not found then
    raise exception 'session is not valid' using errcode = 'FO401';
  end if;
end
$$;

-- Sign-in and refresh refuse a customer login whose customer is deleted, and a
-- refresh the session's pinned identity no longer matches.
create or replace function auth.login_lookup(p_company_slug text, p_email text)
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
set search_path = pg_catalog, pg_temp
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
    -- A customer login signs in only while its customer exists.
    and (u.customer_id is null or exists (
      select 1 from app.customers cu
      where cu.company_id = u.company_id and cu.id = u.customer_id and cu.deleted_at is null))
$$;

create or replace function auth.rotate_refresh_token(
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
set search_path = pg_catalog, pg_temp
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
    and u.deleted_at is null and u.is_active and c.is_active
    and u.role = v_session.role
    and u.customer_id is not distinct from v_session.customer_id
    and (u.customer_id is null or exists (
      select 1 from app.customers cu
      where cu.company_id = u.company_id and cu.id = u.customer_id and cu.deleted_at is null));

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

-- The audit trigger records the verified role, and sign-in work done over the
-- login role as 'auth'.
create or replace function app.audit_row() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  c_secrets constant text[] := array['password_hash', 'token_hash'];
  -- Maintained by app.stamp_row() on every update: noise in a diff.
  c_bookkeeping constant text[] := array['updated_at', 'updated_by', 'version'];
  c_request_roles constant text[] := array['fieldops_admin', 'fieldops_worker', 'fieldops_customer'];
  v_old jsonb;
  v_new jsonb;
  v_row jsonb;
  v_changes jsonb;
  v_db_role text;
  v_source text;
  v_row_id uuid;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := pg_catalog.to_jsonb(old);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    v_new := pg_catalog.to_jsonb(new);
  end if;
  v_row := coalesce(v_new, v_old);

  if tg_op = 'UPDATE' then
    select pg_catalog.jsonb_object_agg(
             n.key,
             case when n.key = any (c_secrets) then '["[redacted]", "[redacted]"]'::jsonb
                  else pg_catalog.jsonb_build_array(o.value, n.value) end)
      into v_changes
      from pg_catalog.jsonb_each(v_new) n
      join pg_catalog.jsonb_each(v_old) o on o.key = n.key
     where n.value is distinct from o.value
       and n.key <> all (c_bookkeeping);
    if v_changes is null then
      -- Only bookkeeping changed (e.g. `set name = name`): nothing to record.
      return null;
    end if;
  else
    v_changes := v_row - c_secrets;
  end if;

  -- A session's id is now what proves a request's identity: its history row
  -- keeps a digest of it instead (admins read their company's sign-ins).
  if tg_table_name = 'sessions' then
    v_row_id := pg_catalog.md5('fieldops-session:' || (v_row ->> 'id'))::uuid;
    v_changes := v_changes - 'id';
  else
    v_row_id := (v_row ->> 'id')::uuid;
  end if;

  -- Inside a SECURITY DEFINER function current_user is the owner; the `role`
  -- setting still holds what the caller's SET ROLE chose ('none' if nothing).
  v_db_role := pg_catalog.current_setting('role');
  if v_db_role = 'none' then
    v_db_role := session_user;
  end if;
  v_source := case
    when session_user = 'fieldops_authenticator' and v_db_role = any (c_request_roles) then 'api'
    when session_user = 'fieldops_authenticator' and v_db_role = 'fieldops_authenticator' then 'auth'
    when session_user = 'fieldops_login' then 'auth'
    else 'direct'
  end;

  insert into app.audit_log (company_id, table_name, row_id, job_id, action, actor_id, actor_role,
                             db_role, db_user, source, changes)
  values (
    (v_row ->> tg_argv[0])::uuid,
    tg_table_name,
    v_row_id,
    case when tg_nargs > 1 then (v_row ->> tg_argv[1])::uuid end,
    tg_op,
    app.user_id(),
    app.role(),
    v_db_role,
    session_user,
    v_source,
    v_changes
  );
  return null;
end
$$;

-- Sign-ins recorded before: the same digest instead of the live session id.
-- History is append-only even for the owner; this one rewrite is the upgrade.
alter table app.audit_log disable trigger audit_log_append_only;
update app.audit_log
   set row_id = md5('fieldops-session:' || row_id::text)::uuid,
       changes = changes - 'id'
 where table_name = 'sessions';
alter table app.audit_log enable trigger audit_log_append_only;

-- ---------------------------------------------------------------------------
-- Share links end with what should end them.
--   company deactivated  -> the link answers nothing while it is inactive
--   customer deleted     -> nothing (soft delete; the customer is gone)
--   job archived         -> nothing while archived
--   job moved to another customer -> the link is revoked: it was made for the
--                           old customer and must never show the new one's job
-- A link pins the customer it was made for; opening it checks all four.
-- ---------------------------------------------------------------------------
alter table app.share_links add column customer_id uuid;

alter table app.share_links disable trigger share_links_stamp;
alter table app.share_links disable trigger share_links_audit;
update app.share_links l set customer_id = j.customer_id
from app.jobs j where j.company_id = l.company_id and j.id = l.job_id;
alter table app.share_links enable trigger share_links_stamp;
alter table app.share_links enable trigger share_links_audit;

alter table app.share_links alter column customer_id set not null;

create function app.pin_share_link_customer() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  select j.customer_id into new.customer_id
  from app.jobs j
  where j.company_id = new.company_id and j.id = new.job_id;
  return new;
end
$$;

create trigger share_links_pin_customer before insert on app.share_links
for each row execute function app.pin_share_link_customer();

create function app.revoke_share_links_on_customer_change() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  update app.share_links l
     set revoked_at = now(), revoked_by = app.user_id()
   where l.company_id = new.company_id and l.job_id = new.id
     and l.revoked_at is null;
  return null;
end
$$;

create trigger jobs_customer_change_revokes_share_links
after update of customer_id on app.jobs
for each row when (old.customer_id is distinct from new.customer_id)
execute function app.revoke_share_links_on_customer_change();

create or replace function auth.open_share_link(p_token_hash bytea, p_user_agent text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_link app.share_links%rowtype;
  v_view jsonb;
begin
  select * into v_link from app.share_links l
  where l.token_hash = p_token_hash and l.revoked_at is null and l.expires_at > now();
  if not found then
    return null;
  end if;

  select jsonb_build_object(
    'title', j.title,
    'description', j.description,
    'scheduled_at', j.scheduled_at,
    'completed_at', j.completed_at,
    'status', jsonb_build_object('name', s.name, 'color', s.color, 'is_final', s.is_final),
    'worker_name', w.name,
    'company', jsonb_build_object('name', c.name, 'color', c.color),
    'expires_at', v_link.expires_at,
    'tasks', coalesce((
      select jsonb_agg(jsonb_build_object('title', t.title, 'is_completed', t.is_completed)
                       order by t.position, t.id)
      from app.job_tasks t where t.company_id = j.company_id and t.job_id = j.id), '[]'::jsonb),
    'notes', coalesce((
      select jsonb_agg(jsonb_build_object('body', n.body, 'created_at', n.created_at)
                       order by n.created_at, n.id)
      from app.job_notes n
      where n.company_id = j.company_id and n.job_id = j.id and n.visibility = 'customer'), '[]'::jsonb)
  ) into v_view
  from app.jobs j
  join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
  join app.companies c on c.id = j.company_id
  join app.customers cu on cu.company_id = j.company_id and cu.id = j.customer_id
  left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id
  where j.company_id = v_link.company_id and j.id = v_link.job_id
    and not j.is_archived
    and j.customer_id = v_link.customer_id
    and cu.deleted_at is null
    and c.is_active;

  if v_view is null then
    return null;
  end if;

  insert into app.share_link_opens (company_id, share_link_id, user_agent)
  values (v_link.company_id, v_link.id, left(p_user_agent, 500));
  update app.share_links l set open_count = l.open_count + 1, last_opened_at = now()
  where l.company_id = v_link.company_id and l.id = v_link.id;

  return v_view;
end
$$;

-- ---------------------------------------------------------------------------
-- search_path: pg_temp last, everywhere a path is pinned. Left out, PostgreSQL
-- searches the session's temporary schema *first* for type and table names,
-- so a temp domain named like a catalog type (its CHECK calling a temp
-- function) would run as the definer.
-- ---------------------------------------------------------------------------
do $$
declare
  f record;
begin
  for f in
    select p.oid::regprocedure as signature
    from pg_catalog.pg_proc p
    where p.pronamespace in ('app'::regnamespace, 'auth'::regnamespace)
      and exists (select 1 from pg_catalog.unnest(p.proconfig) c where c like 'search_path=%')
  loop
    execute format('alter function %s set search_path = pg_catalog, pg_temp', f.signature);
  end loop;
end
$$;

-- `alter default privileges in schema … revoke … from public` is a no-op (a
-- global default cannot be revoked per schema): revoke it for everything the
-- owner creates, so a function is executable only where a policy file grants it.
alter default privileges revoke execute on functions from public;
