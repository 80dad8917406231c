-- Two shapes Citus refuses, found by running the API tests on a 3-node cluster
-- (docs/scaling.md, "Citus: status of the port").

-- ---------------------------------------------------------------------------
-- The signed-in user's profile, read over the sign-in pool.
--
-- auth.current_profile() was a definer function called inside the request's
-- transaction. On Citus a definer's query of a distributed table runs over a
-- worker connection on which Citus replays the transaction's `SET LOCAL role`,
-- so it ran with the request role's rights after all ("permission denied for
-- table users_102043": a customer may not read e-mail addresses). A definer
-- keeps its rights on Citus only outside a request's transaction, as the
-- sign-in functions do. auth.session_profile runs there: the server calls it
-- over the login role's pool with the verified token's claims, and it answers
-- only for a live session that matches them, with the same checks as
-- auth.require_session.
-- ---------------------------------------------------------------------------
drop function auth.current_profile();

create function auth.session_profile(
  p_session_id uuid,
  p_user_id uuid,
  p_company_id uuid,
  -- Text, not app.user_role: the login role may not use schema app, so it
  -- cannot name the type (nor can the server's driver look it up for it).
  p_role text
) returns table (user_id uuid, name text, email text, role app.user_role, customer_id uuid, company_id uuid,
                 company_name text, company_slug text, company_color text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select u.id, u.name, u.email, u.role, u.customer_id, c.id, c.name, c.slug, c.color
  from app.sessions s
  join app.users u on u.company_id = s.company_id and u.id = s.user_id
  join app.companies c on c.id = s.company_id
  left join app.customers cu on cu.company_id = s.company_id and cu.id = s.customer_id
  where s.company_id = p_company_id
    and s.id = p_session_id
    and s.user_id = p_user_id
    and s.revoked_at is null
    and s.expires_at > now()
    and s.role::text = p_role
    and u.role::text = p_role
    and u.customer_id is not distinct from s.customer_id
    and (s.customer_id is null or (cu.id is not null and cu.deleted_at is null))
    and u.deleted_at is null
    and u.is_active
    and c.is_active;
end
$$;

-- ---------------------------------------------------------------------------
-- A reused refresh token revokes its session without now() inside COALESCE.
--
-- Citus evaluates a distributed UPDATE's functions on the coordinator and
-- refuses a non-immutable one inside CASE or COALESCE ("non-IMMUTABLE
-- functions are not allowed in CASE or COALESCE statements"). Revoking only a
-- session not revoked yet keeps the first revocation's time and reason, as the
-- COALESCEs did. Otherwise unchanged from 0016.
-- ---------------------------------------------------------------------------
create or replace function auth.rotate_refresh_token(
  p_company_id uuid,
  p_old_hash bytea,
  p_new_hash bytea,
  p_new_expires_at timestamptz
) returns table (outcome text, session_id uuid, user_id uuid, company_id uuid, role app.user_role,
                 customer_id uuid)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid := p_company_id;
  v_token app.refresh_tokens%rowtype;
  v_user app.users%rowtype;
  v_session app.sessions%rowtype;
begin
  if v_company_id is null then
    select t.company_id into v_company_id from app.refresh_tokens t where t.token_hash = p_old_hash;
  end if;
  select * into v_token from app.refresh_tokens t
  where t.company_id = v_company_id and t.token_hash = p_old_hash for update;
  if not found then
    return query select 'invalid'::text, null::uuid, null::uuid, null::uuid, null::app.user_role, null::uuid;
    return;
  end if;

  select * into v_session from app.sessions s
  where s.company_id = v_token.company_id and s.id = v_token.session_id for update;

  if v_token.spent_at is not null then
    update app.sessions s set revoked_at = now(), revoked_reason = 'refresh token reused'
    where s.company_id = v_session.company_id and s.id = v_session.id and s.revoked_at is null;
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

  update app.refresh_tokens t set spent_at = now()
  where t.company_id = v_token.company_id and t.token_hash = p_old_hash;
  insert into app.refresh_tokens (token_hash, company_id, session_id, expires_at)
  values (p_new_hash, v_session.company_id, v_session.id, least(p_new_expires_at, v_session.expires_at));

  return query select 'ok'::text, v_session.id, v_user.id, v_user.company_id, v_user.role, v_user.customer_id;
end
$$;

-- ---------------------------------------------------------------------------
-- The sign-in flow's writes on a Citus worker are recorded as 'auth'.
--
-- On one server the flow's definer functions run in a login of
-- fieldops_login, which is how app.audit_row() knows them. On Citus they write
-- to a worker's shard over a connection of their owner, indistinguishable
-- there from a DBA's. The flow marks its transaction with
-- `SET LOCAL app.flow = 'sign-in'` (src/http/shared/sign_in.rs), which Citus
-- forwards to that connection. The mark only names where a change came from;
-- only the owner (who may write anything anyway) can make it count.
-- Otherwise unchanged from 0016.
-- ---------------------------------------------------------------------------
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
  -- On Citus the trigger fires on a shard: app.jobs_102209 is app.jobs.
  v_table text := pg_catalog.regexp_replace(tg_table_name, '_[0-9]+$', '');
begin
  if v_table = 'companies' and not app.is_primary_copy() then
    return null;
  end if;
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
  if v_table = 'sessions' then
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
  -- A request: a request role with a live session of its own. On one server
  -- the login is the authenticator; on a Citus worker the coordinator logged
  -- in as the request role itself, so the verified session is what says so.
  v_source := case
    when v_db_role = any (c_request_roles) and app.session_id() is not null then 'api'
    when session_user = 'fieldops_authenticator' and v_db_role = any (c_request_roles) then 'api'
    when session_user = 'fieldops_authenticator' and v_db_role = 'fieldops_authenticator' then 'auth'
    when session_user = 'fieldops_login' then 'auth'
    when session_user = 'fieldops_owner' and pg_catalog.current_setting('app.flow', true) = 'sign-in' then 'auth'
    else 'direct'
  end;

  insert into app.audit_log (company_id, table_name, row_id, job_id, action, actor_id, actor_role,
                             db_role, db_user, source, changes)
  values (
    (v_row ->> tg_argv[0])::uuid,
    v_table,
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
