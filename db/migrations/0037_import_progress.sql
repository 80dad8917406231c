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
