-- app.custom_field_definitions: each company's custom fields for customers,
-- locations and jobs (migration 0023, docs/custom-fields.md).
--
-- owner:    everything.
-- admin:    full CRUD inside its company. key, entity and type are fixed once
--           created (no UPDATE grant): stored values are keyed and typed by
--           them. A definition with values cannot be deleted (trigger
--           app.keep_used_custom_field: archive it instead).
-- worker:   reads its company's unarchived definitions visible to workers (the
--           labels of what it is shown).
-- customer: reads its company's unarchived definitions visible to customers.
-- authenticator: nothing.

alter table app.custom_field_definitions enable row level security;
alter table app.custom_field_definitions force row level security;

revoke all on app.custom_field_definitions from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant select, delete,
      insert (entity, key, label, field_type, options, is_required, visible_to_workers, visible_to_customers,
              position, is_archived),
      update (label, options, is_required, visible_to_workers, visible_to_customers, position, is_archived)
  on app.custom_field_definitions to fieldops_admin;
grant select (id, company_id, entity, key, label, field_type, options, is_required, visible_to_workers,
              visible_to_customers, position, is_archived, version)
  on app.custom_field_definitions to fieldops_worker, fieldops_customer;

create policy custom_field_definitions_owner_all on app.custom_field_definitions to fieldops_owner
  using (true) with check (true);

create policy custom_field_definitions_admin_select on app.custom_field_definitions for select to fieldops_admin
  using (company_id = (select app.company_id()));

create policy custom_field_definitions_admin_insert on app.custom_field_definitions for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('custom_fields.manage')));

create policy custom_field_definitions_admin_update on app.custom_field_definitions for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('custom_fields.manage')))
  with check (company_id = (select app.company_id()) and (select app.has_permission('custom_fields.manage')));

create policy custom_field_definitions_admin_delete on app.custom_field_definitions for delete to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('custom_fields.manage')));

create policy custom_field_definitions_worker_select on app.custom_field_definitions for select to fieldops_worker
  using (company_id = (select app.company_id()) and visible_to_workers and not is_archived);

create policy custom_field_definitions_customer_select on app.custom_field_definitions for select to fieldops_customer
  using (company_id = (select app.company_id()) and visible_to_customers and not is_archived);
