-- Company-defined roles from code-defined permissions (db/migrations/0039,
-- docs/policies.md "Roles and permissions"), as a generated matrix.
--
-- `permission_matrix` below says, for every permission of the catalogue,
-- which table and command it gates for which kind of member ('TRIGGER' when
-- a trigger decides, not a policy). From it the file generates:
--   * the catalogue and the matrix name the same permissions: a permission
--     added without a row here fails;
--   * the policies ask exactly what the matrix says: every has_permission()
--     of every policy is a row, every policy row is asked;
--   * for every row, a member of company A whose role holds everything of
--     its kind but that one permission reads, changes and deletes nothing
--     the row names (and, where the fixture has rows, the full role does
--     read them);
-- then the rules no policy can state: assigning and archiving, never giving
-- what one does not hold, one's own role, the last manager of roles, and a
-- change reaching the live session at the next statement.
-- One transaction per acting role (fixtures/tenants.sql says why).
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

-- `limited_to`: the rows the permission decides, where another permission decides
-- the table's other rows (a customer's files are the customers' permissions').
create temporary table permission_matrix (permission text, base text, tbl text, cmd text, limited_to text);
insert into permission_matrix (permission, base, tbl, cmd, limited_to) values
  ('jobs.read', 'ADMIN', 'jobs', 'SELECT', null),
  ('jobs.read', 'ADMIN', 'job_tasks', 'SELECT', null),
  ('jobs.read', 'ADMIN', 'job_notes', 'SELECT', null),
  ('jobs.read', 'ADMIN', 'job_requests', 'SELECT', null),
  ('jobs.read', 'ADMIN', 'job_request_changes', 'SELECT', null),
  ('jobs.read', 'ADMIN', 'attachments', 'SELECT', 'customer_id is null'),
  ('jobs.write', 'ADMIN', 'jobs', 'INSERT', null),
  ('jobs.write', 'ADMIN', 'jobs', 'UPDATE', null),
  ('jobs.write', 'ADMIN', 'job_tasks', 'INSERT', null),
  ('jobs.write', 'ADMIN', 'job_tasks', 'UPDATE', null),
  ('jobs.write', 'ADMIN', 'job_tasks', 'DELETE', null),
  ('jobs.write', 'ADMIN', 'job_notes', 'INSERT', null),
  ('jobs.write', 'ADMIN', 'job_notes', 'UPDATE', null),
  ('jobs.write', 'ADMIN', 'job_notes', 'DELETE', null),
  ('jobs.write', 'ADMIN', 'job_requests', 'UPDATE', null),
  ('jobs.write', 'ADMIN', 'attachments', 'INSERT', null),
  ('jobs.write', 'ADMIN', 'attachments', 'UPDATE', 'customer_id is null'),
  ('jobs.write', 'ADMIN', 'attachments', 'DELETE', 'customer_id is null'),
  ('jobs.assign', 'ADMIN', 'jobs', 'TRIGGER', null),
  ('jobs.archive', 'ADMIN', 'jobs', 'TRIGGER', null),
  ('customers.read', 'ADMIN', 'customers', 'SELECT', null),
  ('customers.read', 'ADMIN', 'service_locations', 'SELECT', null),
  ('customers.read', 'ADMIN', 'service_location_access', 'SELECT', null),
  ('customers.read', 'ADMIN', 'contacts', 'SELECT', null),
  ('customers.read', 'ADMIN', 'contact_methods', 'SELECT', null),
  ('customers.read', 'ADMIN', 'contact_locations', 'SELECT', null),
  ('customers.read', 'ADMIN', 'communications', 'SELECT', null),
  ('customers.read', 'ADMIN', 'messages', 'SELECT', null),
  ('customers.read', 'ADMIN', 'external_refs', 'SELECT', null),
  ('customers.read', 'ADMIN', 'attachments', 'SELECT', 'customer_id is not null'),
  ('customers.write', 'ADMIN', 'customers', 'INSERT', null),
  ('customers.write', 'ADMIN', 'customers', 'UPDATE', null),
  ('customers.write', 'ADMIN', 'service_locations', 'INSERT', null),
  ('customers.write', 'ADMIN', 'service_locations', 'UPDATE', null),
  ('customers.write', 'ADMIN', 'service_locations', 'DELETE', null),
  ('customers.write', 'ADMIN', 'service_location_access', 'INSERT', null),
  ('customers.write', 'ADMIN', 'service_location_access', 'UPDATE', null),
  ('customers.write', 'ADMIN', 'contacts', 'INSERT', null),
  ('customers.write', 'ADMIN', 'contacts', 'UPDATE', null),
  ('customers.write', 'ADMIN', 'contacts', 'DELETE', null),
  ('customers.write', 'ADMIN', 'contact_methods', 'INSERT', null),
  ('customers.write', 'ADMIN', 'contact_methods', 'UPDATE', null),
  ('customers.write', 'ADMIN', 'contact_methods', 'DELETE', null),
  ('customers.write', 'ADMIN', 'contact_locations', 'INSERT', null),
  ('customers.write', 'ADMIN', 'contact_locations', 'DELETE', null),
  ('customers.write', 'ADMIN', 'communications', 'INSERT', null),
  ('customers.write', 'ADMIN', 'communications', 'UPDATE', null),
  ('customers.write', 'ADMIN', 'communications', 'DELETE', null),
  ('customers.write', 'ADMIN', 'messages', 'INSERT', null),
  ('customers.write', 'ADMIN', 'attachments', 'INSERT', null),
  ('customers.write', 'ADMIN', 'attachments', 'UPDATE', 'customer_id is not null'),
  ('customers.write', 'ADMIN', 'attachments', 'DELETE', 'customer_id is not null'),
  ('share_links.manage', 'ADMIN', 'share_links', 'SELECT', null),
  ('share_links.manage', 'ADMIN', 'share_links', 'INSERT', null),
  ('share_links.manage', 'ADMIN', 'share_links', 'UPDATE', null),
  ('share_links.manage', 'ADMIN', 'share_link_opens', 'SELECT', null),
  ('history.read', 'ADMIN', 'audit_log', 'SELECT', null),
  ('statuses.manage', 'ADMIN', 'job_statuses', 'INSERT', null),
  ('statuses.manage', 'ADMIN', 'job_statuses', 'UPDATE', null),
  ('statuses.manage', 'ADMIN', 'job_statuses', 'DELETE', null),
  ('custom_fields.manage', 'ADMIN', 'custom_field_definitions', 'INSERT', null),
  ('custom_fields.manage', 'ADMIN', 'custom_field_definitions', 'UPDATE', null),
  ('custom_fields.manage', 'ADMIN', 'custom_field_definitions', 'DELETE', null),
  ('users.manage', 'ADMIN', 'users', 'INSERT', null),
  ('users.manage', 'ADMIN', 'users', 'UPDATE', null),
  ('users.manage', 'ADMIN', 'invitations', 'SELECT', null),
  ('users.manage', 'ADMIN', 'invitations', 'INSERT', null),
  ('users.manage', 'ADMIN', 'invitations', 'UPDATE', null),
  ('roles.manage', 'ADMIN', 'roles', 'INSERT', null),
  ('roles.manage', 'ADMIN', 'roles', 'UPDATE', null),
  ('roles.manage', 'ADMIN', 'roles', 'DELETE', null),
  ('roles.manage', 'ADMIN', 'role_permissions', 'INSERT', null),
  ('roles.manage', 'ADMIN', 'role_permissions', 'DELETE', null),
  ('portal.manage', 'ADMIN', 'portal_accounts', 'SELECT', null),
  ('portal.manage', 'ADMIN', 'portal_accounts', 'UPDATE', null),
  ('portal.manage', 'ADMIN', 'portal_invitations', 'SELECT', null),
  ('portal.manage', 'ADMIN', 'portal_invitations', 'INSERT', null),
  ('portal.manage', 'ADMIN', 'portal_invitations', 'DELETE', null),
  ('portal.manage', 'ADMIN', 'portal_settings', 'INSERT', null),
  ('portal.manage', 'ADMIN', 'portal_settings', 'UPDATE', null),
  ('imports.run', 'ADMIN', 'imports', 'SELECT', null),
  ('imports.run', 'ADMIN', 'imports', 'INSERT', null),
  ('imports.run', 'ADMIN', 'imports', 'UPDATE', null),
  ('imports.run', 'ADMIN', 'import_mappings', 'SELECT', null),
  ('imports.run', 'ADMIN', 'import_mappings', 'INSERT', null),
  ('imports.run', 'ADMIN', 'import_mappings', 'UPDATE', null),
  ('imports.run', 'ADMIN', 'import_mappings', 'DELETE', null),
  ('imports.run', 'ADMIN', 'external_refs', 'INSERT', null),
  ('imports.run', 'ADMIN', 'external_refs', 'DELETE', null),
  ('company.manage', 'ADMIN', 'companies', 'UPDATE', null),
  ('branches.manage', 'ADMIN', 'branches', 'INSERT', null),
  ('branches.manage', 'ADMIN', 'branches', 'UPDATE', null),
  ('branches.manage', 'ADMIN', 'branches', 'DELETE', null),
  ('jobs.update_status', 'WORKER', 'jobs', 'UPDATE', null),
  ('tasks.complete', 'WORKER', 'job_tasks', 'UPDATE', null),
  ('notes.write', 'WORKER', 'job_notes', 'INSERT', null);
grant select on permission_matrix to public;

-- What each policy asks, read from the catalog: (permission, kind, table, command).
create temporary view policy_permission as
  select m[1] as permission,
         case when 'fieldops_worker' = any (p.roles) then 'WORKER' else 'ADMIN' end as base,
         p.tablename::text as tbl, p.cmd
    from pg_policies p,
         regexp_matches(coalesce(p.qual, '') || ' ' || coalesce(p.with_check, ''),
                        'has_permission\(''([a-z_.]+)''', 'g') m
   where p.schemaname = 'app';
grant select on policy_permission to public;

select plan(
    2                                                            -- catalogue, policies
  + (select count(*)::int from permission_matrix where base = 'ADMIN' and cmd in ('SELECT', 'UPDATE', 'DELETE'))
  + (select count(distinct tbl)::int from permission_matrix where base = 'ADMIN' and cmd = 'SELECT')
  + 31
);
\ir fixtures/tenants.sql

-- Ids as psql variables: on Citus a statement is routed to a shard whole,
-- where pg_temp's functions do not exist.
select pg_temp.id('A') as company_a, pg_temp.id('B') as company_b, pg_temp.id('A.worker') as a_worker,
       pg_temp.id('A.job2') as a_job2, pg_temp.id('A.minus.notes.write') as a_minus_notes \gset

-- ------------------------------------------------------------ the catalogue
select set_eq($$ select name, base::text from app.permissions $$,
              $$ select distinct permission, base from permission_matrix $$,
  'every permission of the catalogue has its rows in the matrix, and the matrix names no other');

select set_eq($$ select distinct permission, base, tbl, case when cmd = 'ALL' then 'ALL' else cmd end from policy_permission $$,
              $$ select permission, base, tbl, cmd from permission_matrix where cmd <> 'TRIGGER' $$,
  'the policies ask for exactly the permissions the matrix gives each table and command');

-- ------------------------------------------------------------ one role per permission left out
-- For each permission, in company A, a role of its kind holding all the
-- others, and a member with it ('A.minus.<permission>'), as the owner.
begin;
set local role fieldops_owner;
do $$
declare
  v_company uuid := pg_temp.id('A');
  v_permission record;
  v_other record;
  v_role uuid;
  v_user uuid;
  v_person uuid;
  v_name text;
begin
  for v_permission in select p.name, p.base from app.permissions p order by p.position loop
    v_name := 'A.minus.' || v_permission.name;
    v_role := pg_temp.id(v_name || '.role');
    v_user := pg_temp.id(v_name);
    insert into app.roles (company_id, id, name, base)
    values (v_company, v_role, 'Without ' || v_permission.name, v_permission.base);
    -- One statement per row: Citus refuses INSERT … SELECT under row-level security.
    for v_other in select p.name from app.permissions p
                    where p.base = v_permission.base and p.name <> v_permission.name loop
      insert into app.role_permissions (company_id, role_id, permission, base)
      values (v_company, v_role, v_other.name, v_permission.base);
    end loop;
    select l.identity_id into strict v_person
      from app.link_identity(v_company, null, 'minus-' || replace(v_permission.name, '.', '-') || '@a.test',
                             'Without ' || v_permission.name,
                             '$argon2id$v=19$m=19456,t=2,p=1$fixture$not-a-real-hash') l;
    insert into app.users (id, company_id, name, email, password_hash, role_id, identity_id)
    values (v_user, v_company, 'Without ' || v_permission.name,
            'minus-' || replace(v_permission.name, '.', '-') || '@a.test', null, v_role, v_person);
    insert into app.sessions (id, company_id, user_id, expires_at)
    values (pg_temp.id(v_name || '.session'), v_company, v_user, now() + interval '1 hour');
  end loop;
end
$$;
commit;

-- Acting as a fixture member named like 'A.minus.jobs.read' or 'A.admin'.
create function pg_temp.as_member(p_user text) returns void
language plpgsql
as $$
begin
  perform pg_temp.set_local('app.session_id', pg_temp.id(p_user || '.session')::text);
  perform pg_temp.set_local('app.session_company', pg_temp.id(split_part(p_user, '.', 1))::text);
  perform pg_temp.set_local('app.session_user_id', pg_temp.id(p_user)::text);
end
$$;

-- The statement that exercises a table's command for company A: rows read,
-- changed (a column the office may change, set to itself) or deleted.
-- A member's own membership is left out: without users.manage it still
-- edits itself (its name, its password).
create function pg_temp.touch(p_table text, p_cmd text, p_only text default null) returns bigint
language plpgsql
as $$
declare
  v_column text;
  v_key text := case when p_table = 'companies' then 'id' else 'company_id' end;
  v_where text := format('%I = %L', v_key, pg_temp.id('A'))
                  || coalesce(' and ' || p_only, '')
                  || case when p_table = 'users' then ' and id is distinct from app.user_id()' else '' end;
begin
  if p_cmd = 'SELECT' then
    return pg_temp.count_of(format('select 1 from app.%I where %s', p_table, v_where));
  elsif p_cmd = 'UPDATE' then
    select c.column_name into v_column
      from information_schema.column_privileges c
     where c.table_schema = 'app' and c.table_name = p_table and c.grantee = current_user
       and c.privilege_type = 'UPDATE'
     order by c.column_name limit 1;
    return pg_temp.affected(format('update app.%I set %I = %I where %s', p_table, v_column, v_column, v_where));
  else
    return pg_temp.affected(format('delete from app.%I where %s', p_table, v_where));
  end if;
end
$$;

-- Without the permission, nothing: one test per row of the matrix the
-- office's policies decide by reading, changing or deleting rows.
-- (A function, so that each test runs after its member's context is set.)
create function pg_temp.matrix_refusals() returns setof text
language plpgsql
as $$
declare
  m record;
begin
  for m in select * from permission_matrix
            where base = 'ADMIN' and cmd in ('SELECT', 'UPDATE', 'DELETE')
            order by permission, tbl, cmd loop
    perform pg_temp.as_member('A.minus.' || m.permission);
    return next is(pg_temp.touch(m.tbl, m.cmd, m.limited_to), 0::bigint,
                   format('without %s an office member %s no row of app.%s%s', m.permission,
                          case m.cmd when 'SELECT' then 'reads' when 'UPDATE' then 'changes' else 'deletes' end,
                          m.tbl, coalesce(' where ' || m.limited_to, '')));
  end loop;
end
$$;

begin;
set local role fieldops_admin;
select * from pg_temp.matrix_refusals();

-- With the role that holds everything, the same tables read: where the
-- fixture has rows, the member sees them (so the tests above are not empty
-- by accident); a table the fixture leaves empty is named as such.
select pg_temp.as_member('A.admin');
select case when pg_temp.touch(t.tbl, 'SELECT') > 0
            then pass(format('the full Admin role reads app.%s', t.tbl))
            else skip(format('the fixture has no row of app.%s for company A', t.tbl)) end
  from (select distinct tbl from permission_matrix where base = 'ADMIN' and cmd = 'SELECT' order by 1) t;
rollback;

-- ------------------------------------------------------------ what a policy cannot say
-- Assigning and archiving are columns of an update jobs.write allows.
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.minus.jobs.assign');
select throws_ok(format($$ update app.jobs set assigned_worker_id = null where company_id = %L and id = %L $$,
                        pg_temp.id('A'), pg_temp.id('A.job1')),
  '42501', 'assigning a job needs the permission jobs.assign',
  'without jobs.assign an office member cannot unassign a job');
rollback;
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.minus.jobs.assign');
select lives_ok(format($$ update app.jobs set title = 'Renamed' where company_id = %L and id = %L $$,
                       pg_temp.id('A'), pg_temp.id('A.job1')),
  '... but still edits the job otherwise');
select pg_temp.as_member('A.minus.jobs.archive');
select throws_ok(format($$ update app.jobs set is_archived = true where company_id = %L and id = %L $$,
                        pg_temp.id('A'), pg_temp.id('A.job1')),
  '42501', 'archiving a job needs the permission jobs.archive',
  'without jobs.archive an office member cannot archive a job');
rollback;
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.minus.jobs.write');
select s.id as new_status from app.job_statuses s where s.company_id = :'company_a' and s.name = 'New' \gset
select throws_ok(format($$ insert into app.jobs (company_id, customer_id, status_id, title)
                           values (%L, %L, %L, 'New job') $$,
                        pg_temp.id('A'), pg_temp.id('A.cust2'), :'new_status'),
  '42501', null, 'without jobs.write an office member creates no job');
rollback;
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.minus.roles.manage');
select throws_ok(format($$ insert into app.roles (company_id, name, base) values (%L, 'Sneaky', 'ADMIN') $$,
                        pg_temp.id('A')),
  '42501', null, 'without roles.manage an office member creates no role');
rollback;

-- The default roles reproduce the fixed ones: the Worker holds every
-- field permission, and a worker without one loses exactly that.
begin;
set local role fieldops_owner;
-- A worker without notes.write, tasks.complete or update_status works
-- A.job1 as A.worker does.
update app.jobs set assigned_worker_id = :'a_minus_notes'
 where company_id = :'company_a' and id = :'a_job2';
commit;
begin;
set local role fieldops_worker;
select pg_temp.as_member('A.minus.jobs.update_status');
select is(pg_temp.affected(format($$ update app.jobs set status_id = status_id where company_id = %L $$,
                                  pg_temp.id('A'))), 0::bigint,
  'without jobs.update_status a worker moves no job');
select pg_temp.as_member('A.minus.tasks.complete');
select is(pg_temp.affected(format($$ update app.job_tasks set is_completed = is_completed where company_id = %L $$,
                                  pg_temp.id('A'))), 0::bigint,
  'without tasks.complete a worker ticks off no task');
select pg_temp.as_member('A.minus.notes.write');
select throws_ok(format($$ insert into app.job_notes (company_id, job_id, author_id, body)
                           values (%L, %L, %L, 'A note') $$,
                        pg_temp.id('A'), pg_temp.id('A.job2'), pg_temp.id('A.minus.notes.write')),
  '42501', null, 'without notes.write a worker adds no note to its own job');
select pg_temp.as_member('A.worker');
select is(pg_temp.affected(format($$ update app.jobs set status_id = status_id where company_id = %L and id = %L $$,
                                  pg_temp.id('A'), pg_temp.id('A.job1'))), 1::bigint,
  'the default Worker role moves its own job, as before roles existed');
rollback;

-- ------------------------------------------------------------ giving only what one holds
-- A.dispatcher-like member: the seeded Dispatcher role, with roles.manage
-- added by the owner so that it may try to grant.
begin;
set local role fieldops_owner;
select r.id as dispatcher_role from app.roles r where r.company_id = :'company_a' and r.name = 'Dispatcher' \gset
select r.id as admin_role from app.roles r where r.company_id = :'company_a' and r.name = 'Admin' \gset
select r.id as worker_role from app.roles r where r.company_id = :'company_a' and r.name = 'Worker' \gset
select r.id as b_admin_role from app.roles r where r.company_id = :'company_b' and r.name = 'Admin' \gset
-- Read first, compared after: on Citus a statement reading a table is routed
-- to its shard whole, and pgTAP's functions are not there.
select array_agg(rp.permission order by rp.permission)::text as dispatcher_permissions
  from app.role_permissions rp
 where rp.company_id = :'company_a' and rp.role_id = :'dispatcher_role' \gset
select count(*) as admin_permission_count from app.role_permissions rp
 where rp.company_id = :'company_a' and rp.role_id = :'admin_role' \gset
select is(:'dispatcher_permissions'::text,
          array['customers.read', 'customers.write', 'history.read', 'jobs.archive', 'jobs.assign', 'jobs.read',
                'jobs.write', 'share_links.manage']::text,
  'the seeded Dispatcher holds the jobs and the customers, nothing of people, roles or settings');
select is(:'admin_permission_count'::bigint,
          (select count(*) from app.permissions where base = 'ADMIN'),
  'the seeded Admin holds every office permission');
commit;

begin;
set local role fieldops_admin;
select pg_temp.as_member('A.minus.users.manage');
select throws_ok(format($$ insert into app.role_permissions (role_id, permission, base)
                           values (%L, 'users.manage', 'ADMIN') $$, :'dispatcher_role'),
  '42501', 'a member can only give or take away permissions it holds',
  'a member who may manage roles but not users cannot give users.manage');
rollback;
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.minus.users.manage');
select throws_ok(format($$ update app.users set role_id = %L where company_id = %L and id = %L $$,
                        :'admin_role', pg_temp.id('A'), pg_temp.id('A.minus.users.manage')),
  '42501', null, 'nor raise its own role (it may not manage users, and it is its own)');
rollback;
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.admin');
select lives_ok(format($$ update app.users set role_id = %L where company_id = %L and id = %L $$,
                       :'dispatcher_role', pg_temp.id('A'), pg_temp.id('A.admin')),
  'a member may step down to a role holding less');
rollback;
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.minus.portal.manage');
-- It manages users (and roles) but not the portal: it cannot make someone an Admin.
select throws_ok(format($$ update app.users set role_id = %L where company_id = %L and id = %L $$,
                        :'admin_role', pg_temp.id('A'), pg_temp.id('A.minus.jobs.read')),
  '42501', 'a member can only give roles whose permissions it holds',
  'a member cannot give a role holding a permission it lacks');
rollback;
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.admin');
select throws_ok(format($$ update app.users set role_id = %L where company_id = %L and id = %L $$,
                        :'b_admin_role', pg_temp.id('A'), pg_temp.id('A.minus.jobs.read')),
  '23503', null, 'another company''s role is no role here');
select is(pg_temp.count_of(format($$ select 1 from app.roles where company_id = %L $$, pg_temp.id('B'))), 0::bigint,
  'an admin of A reads none of B''s roles');
select is(pg_temp.count_of(format($$ select 1 from app.role_permissions where company_id = %L $$, pg_temp.id('B'))),
  0::bigint, 'nor their permissions');
rollback;

-- ------------------------------------------------------------ the last manager of roles
-- In a company of its own, one admin: it cannot lose roles.manage, by its
-- role's grant or by leaving.
begin;
set local role fieldops_admin;
select pg_temp.as_member('A.admin');
-- A has many holders of roles.manage (the fixture's admin, the members
-- without other permissions); removing it from the Admin role is allowed.
select lives_ok(format($$ delete from app.role_permissions where company_id = %L and role_id = %L
                           and permission = 'roles.manage' $$, pg_temp.id('A'), :'admin_role'),
  'roles.manage may be taken from a role while other members hold it');
-- ... and the live session of the Admin role lost it at the next statement.
select is(app.has_permission('roles.manage'), false,
  'a role''s changed permissions reach its members'' live sessions at the next statement');
rollback;
begin;
set local role fieldops_owner;
-- Company B: only B.admin holds roles.manage.
select throws_ok(format($$ delete from app.role_permissions where company_id = %L and role_id = %L
                           and permission = 'roles.manage' $$, pg_temp.id('B'), :'b_admin_role'),
  'FO409', 'the company must keep a member who may manage roles',
  'the last holder''s role keeps roles.manage');
rollback;
begin;
set local role fieldops_owner;
select throws_ok(format($$ update app.users set is_active = false where company_id = %L and id = %L $$,
                        pg_temp.id('B'), pg_temp.id('B.admin')),
  'FO409', null, 'the last member who may manage roles stays active');
rollback;

-- ------------------------------------------------------------ the kinds and defaults
begin;
set local role fieldops_owner;
select throws_ok(format($$ update app.users set role_id = %L where company_id = %L and id = %L $$,
                        :'worker_role', pg_temp.id('A'), pg_temp.id('A.customer')),
  '23514', null, 'a role of another kind changes the kind, which the customer''s link refuses');
select u.role::text as worker_kind, r.name as worker_role_name
  from app.users u join app.roles r on r.company_id = u.company_id and r.id = u.role_id
 where u.company_id = :'company_a' and u.id = :'a_worker' \gset
select is(:'worker_kind'::text,
  'WORKER', 'a membership written by kind alone got that kind''s default role...');
select is(:'worker_role_name'::text,
  'Worker', '... the Worker role');
select throws_ok(format($$ delete from app.roles where company_id = %L and id = %L $$, pg_temp.id('A'), :'worker_role'),
  'FO409', 'a default role cannot be deleted', 'a default role stays');
rollback;
begin;
set local role fieldops_owner;
select throws_ok(format($$ delete from app.roles where company_id = %L and id = %L $$,
                        pg_temp.id('A'), pg_temp.id('A.minus.jobs.read.role')),
  '23503', null, 'a role its members still hold cannot be deleted');
select lives_ok(format($$ update app.roles set name = 'Office manager' where company_id = %L and id = %L $$,
                       pg_temp.id('A'), :'admin_role'),
  'a default role may be renamed');
rollback;

-- The sessions' permissions and the session of another kind.
begin;
set local role fieldops_customer;
select pg_temp.as_member('A.customer');
select is(app.has_permission('jobs.read'), false, 'a customer holds no office permission');
select throws_ok($$ select count(*) from app.roles $$, '42501', null, 'a customer reads no role');
commit;
begin;
set local role fieldops_admin;
select pg_temp.ctx('A.worker');
select is(app.has_permission('jobs.read'), false,
  'a worker''s session under the office''s role has no context, so no permission');
commit;

-- The fixture's drop takes the roles and members made here with it.
select pg_temp.drop_fixture();
select * from finish();
