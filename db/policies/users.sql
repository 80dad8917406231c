-- app.users: everyone who can sign in, by company.
--
-- owner:    everything.
-- admin:    reads every column but password_hash, creates and edits users of its
--           own company; deleting is soft (deleted_at), there is no DELETE grant.
--           The keep_last_admin trigger refuses to leave a company without an
--           active admin.
-- worker:   reads id, name and role of its own company's staff (admins, workers),
--           for note authors and assignment names.
-- customer: reads id, name and role of itself and of the workers assigned to its
--           visible jobs (the worker's name is all it gets); renames itself
--           (its profile, migration 0030; its email changes only by
--           confirming the new address, over the sign-in pool).
-- password_hash is readable by no request role at all; the login step reads it
-- through auth.login_lookup().

alter table app.users enable row level security;
alter table app.users force row level security;

revoke all on app.users from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
-- identity_id: the person auth.link_membership() answered for a new
-- membership or a new address (db/migrations/0034); an opaque id, the
-- person's row stays out of reach.
grant select (id, company_id, name, email, role, customer_id, contact_id, is_active, deleted_at, deleted_by,
              created_at, updated_at, created_by, updated_by, version, identity_id, role_id, branch_id)
  on app.users to fieldops_admin;
grant insert (name, email, password_hash, role, customer_id, contact_id, is_active, identity_id, role_id, branch_id)
  on app.users to fieldops_admin;
grant update (name, email, password_hash, role, customer_id, contact_id, is_active, deleted_at, deleted_by,
              identity_id, role_id, branch_id)
  on app.users to fieldops_admin;
grant select (id, company_id, name, role) on app.users to fieldops_worker, fieldops_customer;
grant update (name) on app.users to fieldops_customer;

create policy users_owner_all on app.users to fieldops_owner
  using (true) with check (true);

create policy users_admin_select on app.users for select to fieldops_admin
  using (company_id = (select app.company_id())
  -- branch scope (0040): a scoped admin sees its branch's staff, the company-wide staff, and
  -- the customer logins of the customers it sees
  and ((select app.branch_id()) is null
       or branch_id = (select app.branch_id())
       or (branch_id is null and role <> 'CUSTOMER')
       or exists (select 1 from app.customers c where c.company_id = users.company_id and c.id = users.customer_id offset 0)));

create policy users_admin_insert on app.users for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('users.manage'))
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())));

-- Without users.manage an office member still edits its own row (its name,
-- its password), and app.check_role_grant() keeps its role out of its reach.
create policy users_admin_update on app.users for update to fieldops_admin
  using (company_id = (select app.company_id())
  and ((select app.has_permission('users.manage')) or id = (select app.user_id()))
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())))
  with check (company_id = (select app.company_id())
  and ((select app.has_permission('users.manage')) or id = (select app.user_id()))
  -- branch scope (0040): a scoped member's own branch only
  and ((select app.branch_id()) is null or branch_id = (select app.branch_id())));

create policy users_worker_select on app.users for select to fieldops_worker
  using (company_id = (select app.company_id()) and role in ('ADMIN', 'WORKER'));

-- `offset 0` keeps each `exists` below a per-row probe of app.jobs by key. Without
-- it the planner may instead hash every job the caller can see (for a worker, years
-- of history) on every query, so cost would grow with the caller's history.
create policy users_customer_select on app.users for select to fieldops_customer
  using (
    company_id = (select app.company_id())
    and (
      id = (select app.user_id())
      -- app.jobs is itself filtered for the customer: only its own jobs count.
      or (role = 'WORKER' and exists (
            select 1 from app.jobs j where j.company_id = users.company_id and j.assigned_worker_id = users.id offset 0))
    )
  );

create policy users_customer_update on app.users for update to fieldops_customer
  using (company_id = (select app.company_id()) and id = (select app.user_id()))
  with check (company_id = (select app.company_id()) and id = (select app.user_id()));
