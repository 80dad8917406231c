-- Imports that run in the background (issue #19): a large file's import
-- answers at once and goes on after the request, still in one transaction
-- of its own. Its record is written first, in a transaction of its own, so
-- that the web app and the CLI can follow it: `running` until the import's
-- transaction commits (`dry_run` or `applied`) or fails (`failed`, with
-- the reason), and the rows done so far out of the file's rows.
--
-- No defaults on the new columns: on Citus an admin's insert would need a
-- grant on every defaulted column (db/tests/03-grants.sql).

alter table app.imports
  add column rows_total integer,
  add column rows_done integer,
  add column failure text;

alter table app.imports drop constraint imports_state;
alter table app.imports
  add constraint imports_state check (state in ('running', 'dry_run', 'applied', 'undone', 'failed')),
  add constraint imports_rows_positive check (rows_total >= 0 and rows_done >= 0),
  add constraint imports_failure_length check (char_length(failure) <= 2000);

-- A new customer's account number is the company's largest plus one
-- (migration 0020's app.assign_account_number). An import runs its rows
-- with plan_cache_mode = auto (src/http/imports/run.rs), and a generic plan
-- of that lookup, made while the company had few customers, aggregates every
-- customer of the company instead of reading the index's last entry: each
-- row then costs as much as the company is large, and 100,000 rows took
-- many minutes. Planned for its value every time, as a request plans it.
alter function app.assign_account_number() set plan_cache_mode = force_custom_plan;
