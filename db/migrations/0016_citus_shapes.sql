-- Shapes that run the same on one server and on Citus (docs/scaling.md,
-- "Citus"), where sessions, refresh tokens and share links live on the shards
-- of their company (migration 0015).

-- ---------------------------------------------------------------------------
-- The verified context finds the session by company and id.
--
-- The server sends the session's company beside its id (`set local
-- app.session_company`). It is a routing hint, not a credential: the row must
-- match both, and the id is 122 random bits, so naming another company finds
-- nothing. On Citus it is what keeps the lookup on the node of the shard being
-- read (a query by id alone would ask every shard, from inside a shard query).
-- Without the hint (psql, the pgTAP fixtures) the id alone is looked up, as
-- before.
--
-- And it reads with the caller's rights, no longer the owner's: on Citus the
-- coordinator evaluates it for an INSERT (to route the row and check it), and
-- a definer's lookup there would reach a worker over the owner's connection,
-- which Citus refuses once the request has written on that worker as the
-- request role. What a request role may read of app.sessions is its own
-- session's row, found by the id it holds (db/policies/sessions.sql): the
-- same 122 random bits that were the credential before.
-- ---------------------------------------------------------------------------
create or replace function auth.request_context() returns auth.request_context
language plpgsql stable security invoker parallel restricted
set search_path = pg_catalog, pg_temp
as $$
declare
  v_context auth.request_context;
  -- A malformed id or company (never sent by the server) raises: failing closed, loudly.
  v_session_id uuid := nullif(pg_catalog.current_setting('app.session_id', true), '')::uuid;
  v_company_id uuid := nullif(pg_catalog.current_setting('app.session_company', true), '')::uuid;
  v_role text := pg_catalog.current_setting('role');
begin
  if v_company_id is null then
    select s.id, s.company_id, s.user_id, s.role, s.customer_id
      into v_context
      from app.sessions s
     where s.id = v_session_id
       and s.revoked_at is null
       and s.expires_at > pg_catalog.now()
       and v_role = case s.role
             when 'ADMIN' then 'fieldops_admin'
             when 'WORKER' then 'fieldops_worker'
             when 'CUSTOMER' then 'fieldops_customer'
           end;
  else
    -- On a Citus worker, inside the query of a shard: the caller's rows live
    -- only on the node of its session (every table is co-located by company),
    -- so where that session is not, no row is the caller's and there is no
    -- context. A query of every shard then finds nothing on those nodes
    -- instead of reaching across the cluster from each of them.
    -- (Nested: the Citus catalog exists only there, and PL/pgSQL plans a
    -- statement when it first runs it.)
    if pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') is not null then
      if not exists (
           select 1 from pg_catalog.pg_dist_local_group g
           where g.groupid = 0
              or exists (select 1 from pg_catalog.pg_dist_placement p
                         where p.shardid = pg_catalog.get_shard_id_for_distribution_column('app.sessions', v_company_id)
                           and p.groupid = g.groupid)) then
        return null;
      end if;
    end if;
    select s.id, s.company_id, s.user_id, s.role, s.customer_id
      into v_context
      from app.sessions s
     where s.company_id = v_company_id
       and s.id = v_session_id
       and s.revoked_at is null
       and s.expires_at > pg_catalog.now()
       and v_role = case s.role
             when 'ADMIN' then 'fieldops_admin'
             when 'WORKER' then 'fieldops_worker'
             when 'CUSTOMER' then 'fieldops_customer'
           end;
  end if;
  return v_context;
end
$$;

-- ---------------------------------------------------------------------------
-- Tokens that carry their company.
--
-- Refresh and share-link tokens issued from now on start with their company's
-- id (src/auth/tokens.rs), so the lookup names the company and touches one
-- shard; the digest covers the whole token, so the prefix cannot be swapped.
-- A token issued before has no prefix (p_company_id NULL): its company is
-- found by the digest first (on Citus, a query of every shard; such tokens
-- expire within their 30 days).
-- ---------------------------------------------------------------------------
drop function auth.rotate_refresh_token(bytea, bytea, timestamptz);

create function auth.rotate_refresh_token(
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

  update app.refresh_tokens t set spent_at = now()
  where t.company_id = v_token.company_id and t.token_hash = p_old_hash;
  insert into app.refresh_tokens (token_hash, company_id, session_id, expires_at)
  values (p_new_hash, v_session.company_id, v_session.id, least(p_new_expires_at, v_session.expires_at));

  return query select 'ok'::text, v_session.id, v_user.id, v_user.company_id, v_user.role, v_user.customer_id;
end
$$;

drop function auth.open_share_link(bytea, text);

create function auth.open_share_link(p_company_id uuid, p_token_hash bytea, p_user_agent text)
returns jsonb
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid := p_company_id;
  v_link app.share_links%rowtype;
  v_view jsonb;
begin
  if v_company_id is null then
    select l.company_id into v_company_id from app.share_links l where l.token_hash = p_token_hash;
  end if;
  select * into v_link from app.share_links l
  where l.company_id = v_company_id and l.token_hash = p_token_hash
    and l.revoked_at is null and l.expires_at > now();
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
-- One history row per change of app.companies.
--
-- On Citus app.companies is a reference table: each change is applied to the
-- copy on every node, and its row triggers fire once per copy. What they
-- write elsewhere (its history, a new company's statuses) must be written
-- once: by the coordinator's copy (group 0). On one server there is one copy.
-- ---------------------------------------------------------------------------
create function app.is_primary_copy() returns boolean
language plpgsql stable parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  v_group integer;
begin
  if pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') is null then
    return true;
  end if;
  execute 'select groupid from pg_catalog.pg_dist_local_group' into v_group;
  return v_group = 0;
end
$$;

create or replace function app.create_default_statuses() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if not app.is_primary_copy() then
    return new;
  end if;
  insert into app.job_statuses (company_id, name, color, order_index, is_final)
  values (new.id, 'New', '#64748b', 0, false),
         (new.id, 'Scheduled', '#2563eb', 1, false),
         (new.id, 'In progress', '#d97706', 2, false),
         (new.id, 'Completed', '#16a34a', 3, true);
  return new;
end
$$;

-- ---------------------------------------------------------------------------
-- The audit trail, as a shard's trigger sees it: the table's own name (not
-- the shard's) and a request's changes recorded as 'api'.
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

-- ---------------------------------------------------------------------------
-- "Can the caller see this job?" as functions, for Citus.
--
-- The worker and customer rules ask app.jobs, under the caller's own policies,
-- whether a job they may see exists. On one server that is an `exists`
-- subquery in the policy (db/policies/), which the planner runs as a per-row
-- index probe. Citus refuses subqueries in policies on distributed tables, so
-- `fieldops migrate` writes the same rules there with these functions
-- (src/db/citus.rs). Invoker's rights: app.jobs' policies decide, as in the
-- subquery.
-- ---------------------------------------------------------------------------
create function app.job_is_visible(p_company_id uuid, p_job_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (select 1 from app.jobs j where j.company_id = p_company_id and j.id = p_job_id);
end
$$;

create function app.customer_has_visible_job(p_company_id uuid, p_customer_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (select 1 from app.jobs j where j.company_id = p_company_id and j.customer_id = p_customer_id);
end
$$;

create function app.worker_has_visible_job(p_company_id uuid, p_user_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (select 1 from app.jobs j where j.company_id = p_company_id and j.assigned_worker_id = p_user_id);
end
$$;

-- ---------------------------------------------------------------------------
-- Sign-in and the profile in PL/pgSQL, with the company bound.
--
-- Citus cannot plan a LANGUAGE sql function's query that has parameters
-- ("could not create distributed plan"), and a query on app.users without
-- company_id = <value> asks every shard. The company comes first (by slug,
-- from the reference table app.companies; from the context for the profile),
-- then the user by (company_id, …): one shard.
-- ---------------------------------------------------------------------------
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
  select u.id, u.company_id, u.role, u.customer_id, u.password_hash,
         u.name, u.email, v_company.name, v_company.slug, v_company.color
  from app.users u
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

create or replace function auth.current_profile()
returns table (user_id uuid, name text, email text, role app.user_role, customer_id uuid, company_id uuid,
               company_name text, company_slug text, company_color text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid := app.company_id();
  v_user_id uuid := app.user_id();
begin
  return query
  select u.id, u.name, u.email, u.role, u.customer_id, c.id, c.name, c.slug, c.color
  from app.users u
  join app.companies c on c.id = u.company_id
  where u.company_id = v_company_id
    and u.id = v_user_id
    and u.deleted_at is null;
end
$$;

-- ---------------------------------------------------------------------------
-- Defaults from the request's hints, checked by the policies.
--
-- A row's company_id (and a note's author, an idempotency key's user) used to
-- default to the verified context. Citus evaluates an INSERT's defaults on the
-- coordinator, to find the shard, where the verified context is a lookup on
-- another node, inside a transaction that may already have written there as
-- the request role (Citus refuses that mix). The defaults now read the hints
-- the server sends beside the session id (app.session_company,
-- app.session_user_id). A hint is no credential: every table's WITH CHECK still
-- compares the row with the verified context, so a forged hint makes the
-- insert fail, as a wrong company_id always did.
-- ---------------------------------------------------------------------------
create function app.session_company_hint() returns uuid
language sql stable parallel safe
as $$ select nullif(pg_catalog.current_setting('app.session_company', true), '')::uuid $$;

create function app.session_user_hint() returns uuid
language sql stable parallel safe
as $$ select nullif(pg_catalog.current_setting('app.session_user_id', true), '')::uuid $$;

alter table app.customers alter column company_id set default app.session_company_hint();
alter table app.users alter column company_id set default app.session_company_hint();
alter table app.sessions alter column company_id set default app.session_company_hint();
alter table app.job_statuses alter column company_id set default app.session_company_hint();
alter table app.jobs alter column company_id set default app.session_company_hint();
alter table app.job_tasks alter column company_id set default app.session_company_hint();
alter table app.job_notes alter column company_id set default app.session_company_hint();
alter table app.job_notes alter column author_id set default app.session_user_hint();
alter table app.share_links alter column company_id set default app.session_company_hint();
alter table app.idempotency_keys alter column company_id set default app.session_company_hint();
alter table app.idempotency_keys alter column user_id set default app.session_user_hint();
