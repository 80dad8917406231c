-- app.imports: every import run (dry run or applied), who ran it, its counts
-- and refused rows, and whether it was undone (migration 0029); a background
-- import's progress and failure (migration 0037).
--
-- owner:    everything.
-- admin:    reads its own company's imports, records new ones and updates
--           their counts, state, errors and progress; no DELETE (the record
--           stays).
-- worker:   nothing.
-- customer: nothing.

alter table app.imports enable row level security;
alter table app.imports force row level security;

revoke all on app.imports from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select,
      insert (kind, file_name, source, mapping, created_by, state, headers, rows_total, rows_done),
      update (created_count, updated_count, skipped_count, refused_count, state, applied_xact, undo_deadline,
              undone_at, errors, rows_total, rows_done, failure, undo_started_at)
  on app.imports to fieldops_admin;

create policy imports_owner_all on app.imports to fieldops_owner
  using (true) with check (true);

create policy imports_admin_select on app.imports for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));

create policy imports_admin_insert on app.imports for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));

create policy imports_admin_update on app.imports for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('imports.run')))
  with check (company_id = (select app.company_id()) and (select app.has_permission('imports.run')));
