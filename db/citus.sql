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
alter function app.job_is_visible(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.customer_has_visible_job(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;
alter function app.worker_has_visible_job(uuid, uuid)
  set citus.allow_nested_distributed_execution = on
  set citus.enable_local_execution = on;

-- The triggers of app.companies (a reference table) run on the coordinator's
-- copy and write the company's history and statuses to shards on the workers
-- (db/migrations/0016, app.is_primary_copy()).
alter function app.audit_row() set citus.allow_nested_distributed_execution = on;
alter function app.create_default_statuses() set citus.allow_nested_distributed_execution = on;
