-- Per-database hardening, run by a superuser *in the FieldOps database* after
-- db/roles.sql (`fieldops db start` / migrations through the embedded cluster,
-- the test harness and docker/initdb.sh all do). Idempotent.
--
-- Every server connection logs in as fieldops_authenticator, and PostgreSQL
-- shows a backend's current query text to any session of the same login role.
-- SQL inside a request can `reset role` back to the authenticator and would
-- then read other requests' context batches, and so their session ids. Only
-- superusers and members of pg_read_all_stats (pg_monitor) may read other
-- backends' activity here; monitoring keeps working through those roles.
revoke select on pg_catalog.pg_stat_activity from public;
revoke execute on function pg_catalog.pg_stat_get_activity(integer) from public;
revoke execute on function pg_catalog.pg_stat_get_backend_activity(integer) from public;
grant select on pg_catalog.pg_stat_activity to pg_read_all_stats;
grant execute on function pg_catalog.pg_stat_get_activity(integer),
                          pg_catalog.pg_stat_get_backend_activity(integer)
  to pg_read_all_stats;

-- Nor may it signal them: any role may cancel or terminate the backends of its
-- own login role, so a request could end every other request in flight.
revoke execute on function pg_catalog.pg_cancel_backend(integer) from public;
revoke execute on function pg_catalog.pg_terminate_backend(integer, bigint) from public;
grant execute on function pg_catalog.pg_cancel_backend(integer),
                          pg_catalog.pg_terminate_backend(integer, bigint)
  to pg_signal_backend;

-- No temporary objects for any FieldOps role (also re-applied by every
-- `fieldops migrate` through db/policies/00_schemas.sql).
do $$
begin
  execute format('revoke temporary on database %I from public', current_database());
end
$$;
