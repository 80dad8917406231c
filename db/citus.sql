-- Applied by `fieldops migrate` as the owner, on Citus only, after the tables
-- are distributed (src/db/citus.rs). Idempotent. docs/scaling.md, "Citus",
-- says why each line is here and what it was measured at.

-- A request's context is `SET LOCAL`s (role, session id); Citus forwards them
-- to the worker connections of the transaction only with this setting.
do $$
begin
  execute format('alter database %I set citus.propagate_set_commands = %L', current_database(), 'local');
end
$$;

-- The verified context and the policies' "can the caller see this job?" run
-- inside the query of a shard and query a shard themselves: the same company's,
-- which lives on the same node. Citus refuses such nested queries unless
-- allowed, and the lookup must stay on this node even when a request turns
-- local execution off. Both settings apply inside these functions only.
alter function auth.request_context()
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
-- And with the caller's rights (db/migrations/0018 makes it a definer for one
-- server): the coordinator reads the session row over the request's own
-- worker connections, through the policy sessions_select_own.
alter function auth.request_context() security invoker;
alter function app.job_is_visible(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.customer_has_visible_job(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.worker_has_visible_job(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.location_has_visible_open_job(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.job_request_is_visible(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.job_note_is_visible(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.customer_is_visible(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.location_is_visible(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;

-- The triggers of migration 0020 run on a shard and read or write the same
-- company's rows of other tables (its customers, locations, jobs), which live
-- on the same node.
alter function app.assign_account_number() set citus.allow_nested_distributed_execution = on;
alter function app.check_customer_parent() set citus.allow_nested_distributed_execution = on;
alter function app.create_first_location() set citus.allow_nested_distributed_execution = on;
alter function app.keep_a_service_location() set citus.allow_nested_distributed_execution = on;
alter function app.check_job_location() set citus.allow_nested_distributed_execution = on;
-- The portal's approval (db/migrations/0022) writes the same company's
-- customer, contact and user beside the account, on the same node.
alter function app.portal_account_decided() set citus.allow_nested_distributed_execution = on;
alter function app.check_job_request() set citus.allow_nested_distributed_execution = on;
alter function app.job_request_history() set citus.allow_nested_distributed_execution = on;
-- And those of 0025: a contact's changed locations reach its sessions, same company.
alter function app.refresh_contact_sessions() set citus.allow_nested_distributed_execution = on;
alter function app.contact_location_scope(uuid, uuid) set citus.allow_nested_distributed_execution = on;
-- Branches (0040): a job's branch check reads the same company's customer,
-- location and worker on the same node.
alter function app.check_job_branch() set citus.allow_nested_distributed_execution = on;
alter function app.default_branch() set citus.allow_nested_distributed_execution = on;
-- The custom-field triggers of migration 0023 read the company's definitions
-- (the values' check) or the company's rows holding a field (the projections'
-- refresh, the delete guard), on the same node.
alter function app.check_custom_fields() set citus.allow_nested_distributed_execution = on;
alter function app.refresh_custom_field_projections() set citus.allow_nested_distributed_execution = on;
alter function app.keep_used_custom_field() set citus.allow_nested_distributed_execution = on;

-- The triggers of app.companies (a reference table) run on the coordinator's
-- copy and write the company's history and statuses to shards on the workers
-- (db/migrations/0016, app.is_primary_copy()).
alter function app.audit_row() set citus.allow_nested_distributed_execution = on;
-- On one server the context and the audit trigger keep one plan per
-- connection (db/migrations/0019). Here their queries must be planned with
-- their values: Citus routes a statement to its shard when it plans it. (A
-- context lookup planned without the company's value, tried with the settings
-- read inline, ran on every shard; inside the coordinator's trigger on
-- app.companies that is a parallel operation, after which the reference
-- table cannot be modified in the transaction: "cannot modify table
-- companies because there was a parallel operation on a distributed table".)
alter function auth.request_context() reset plan_cache_mode;
alter function app.audit_row() reset plan_cache_mode;
-- The import's rows likewise (db/migrations/0029).
alter function app.import_rows(text, uuid, text, jsonb) reset plan_cache_mode;
alter function app.create_default_statuses() set citus.allow_nested_distributed_execution = on;

-- Citus writes an INSERT to a shard with every defaulted column spelled out
-- (evaluated on the coordinator), so a request role needs INSERT on those
-- columns too, not only on the ones it may name. Each of them is still
-- decided for it: company_id, author_id and user_id by the policies' WITH
-- CHECK, created_at, created_by, updated_at and version by app.stamp_row(),
-- and id is a fresh uuid inside the caller's own company. Runs after the
-- policy files, which revoke and re-grant everything.
do $$
declare
  g record;
begin
  for g in
    select distinct c.oid::regclass as tbl, a.attname, r.rolname
    from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.atthasdef
    cross join (values ('fieldops_admin'), ('fieldops_worker'), ('fieldops_customer')) r (rolname)
    where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
      and exists (select 1 from pg_attribute i
                  where i.attrelid = c.oid and i.attnum > 0 and not i.attisdropped
                    and has_column_privilege(r.rolname, c.oid, i.attnum, 'INSERT'))
      and not has_column_privilege(r.rolname, c.oid, a.attnum, 'INSERT')
  loop
    execute format('grant insert (%I) on %s to %I', g.attname, g.tbl, g.rolname);
  end loop;
end
$$;

-- People (db/migrations/0034). A membership's shard may not write
-- app.identities (a reference table) from a trigger inside a request: nested
-- execution there replayed the request's SET LOCALs on new connections and
-- once crashed a worker on COMMIT PREPARED. So on Citus every write of a
-- membership finds or makes its person first, on the coordinator
-- (app.link_identity() and its callers), and names it; the linking trigger
-- of one server is not here. The foreign key goes too: a request's person is
-- written over the definer's connections, its membership over the request
-- role's, and a shard checking the key on the second cannot see the first's
-- uncommitted row. The sign-in functions compare a membership's address with
-- its person's, so a membership naming somebody else's person speaks for
-- nobody.
drop trigger if exists users_link_identity on app.users;
alter table app.users drop constraint if exists users_identity_fkey;

-- Roles and permissions (db/migrations/0039). The memberships' and grants'
-- triggers run on a shard and read the same company's roles, grants,
-- members and sessions (or refresh the sessions), on the same node; the
-- companies' trigger writes a new company's roles to its shards, as
-- app.create_default_statuses() does.
alter function app.users_follow_role() set citus.allow_nested_distributed_execution = on;
alter function app.check_role_grant() set citus.allow_nested_distributed_execution = on;
alter function app.keep_a_roles_manager() set citus.allow_nested_distributed_execution = on;
alter function app.keeps_a_roles_manager(uuid, uuid, uuid) set citus.allow_nested_distributed_execution = on;
alter function app.refresh_role_sessions() set citus.allow_nested_distributed_execution = on;
alter function app.role_permission_names(uuid, uuid) set citus.allow_nested_distributed_execution = on;
alter function app.keep_default_roles() set citus.allow_nested_distributed_execution = on;
alter function app.create_default_roles() set citus.allow_nested_distributed_execution = on;
alter function app.seed_company_roles(uuid) set citus.allow_nested_distributed_execution = on;
