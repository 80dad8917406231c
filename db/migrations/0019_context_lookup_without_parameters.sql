-- The verified context's session lookup holds no PL/pgSQL variables.
--
-- Every request sets `plan_cache_mode = force_custom_plan` (so a policy's
-- `(select app.company_id())` is planned with the request's values). PL/pgSQL
-- passes a variable to its query as a parameter, and a query with parameters
-- is then planned afresh on every call. 0016 moved the settings into
-- variables, and auth.request_context() — called about 14 times by a worker's
-- task update, once per `(select app.…())` of the policies and the audit
-- trigger — went from 5.5 µs to 33 µs a call: the update lost a quarter of its
-- throughput in the database (pgbench, one client: 850 → 650 tx/s; back to
-- 815 with this form; docs/scaling.md, "Single-node speed after the port").
-- Written with the settings inline, the queries have no parameters and keep
-- one cached plan for the connection, as 0013's did.
--
-- Otherwise the function is 0016's: the company hint when the server sends it,
-- the id alone without it (psql, the pgTAP fixtures); nothing on a Citus node
-- that does not hold the session's shard; the row must be live and issued for
-- the role in force. A malformed id or company (never sent by the server)
-- raises: failing closed, loudly. A definer on one server (0018); `fieldops
-- migrate` makes it an invoker on Citus (db/citus.sql), which it re-applies
-- after every migration, with the function's Citus settings.
create or replace function auth.request_context() returns auth.request_context
language plpgsql stable security definer parallel restricted
set search_path = pg_catalog, pg_temp
as $$
declare
  v_context auth.request_context;
begin
  if coalesce(pg_catalog.current_setting('app.session_company', true), '') = '' then
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
              or exists (
                   select 1 from pg_catalog.pg_dist_placement p
                   where p.shardid = pg_catalog.get_shard_id_for_distribution_column(
                           'app.sessions', pg_catalog.current_setting('app.session_company', true)::uuid)
                     and p.groupid = g.groupid)) then
        return null;
      end if;
    end if;
    select s.id, s.company_id, s.user_id, s.role, s.customer_id
      into v_context
      from app.sessions s
     where s.company_id = pg_catalog.current_setting('app.session_company', true)::uuid
       and s.id = nullif(pg_catalog.current_setting('app.session_id', true), '')::uuid
       and s.revoked_at is null
       and s.expires_at > pg_catalog.now()
       and pg_catalog.current_setting('role') = case s.role
             when 'ADMIN' then 'fieldops_admin'
             when 'WORKER' then 'fieldops_worker'
             when 'CUSTOMER' then 'fieldops_customer'
           end;
  end if;
  return v_context;
end
$$;
