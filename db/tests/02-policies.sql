-- The policies, as a DBA reads them with `table app.policy_report`: which
-- policies each table has, the command each one governs and the roles it names.
-- Any policy added, dropped, widened to another role or command fails here.
begin;
set local search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

create temporary table expected_policy (tbl name, policy name, cmd text, roles name[]) on commit drop;
insert into expected_policy values
  ('audit_log',        'audit_log_owner_all',           'ALL',    '{fieldops_owner}'),
  ('imports',          'imports_owner_all',             'ALL',    '{fieldops_owner}'),
  ('imports',          'imports_admin_select',          'SELECT', '{fieldops_admin}'),
  ('imports',          'imports_admin_insert',          'INSERT', '{fieldops_admin}'),
  ('imports',          'imports_admin_update',          'UPDATE', '{fieldops_admin}'),
  ('external_refs',    'external_refs_owner_all',       'ALL',    '{fieldops_owner}'),
  ('external_refs',    'external_refs_admin_select',    'SELECT', '{fieldops_admin}'),
  ('external_refs',    'external_refs_admin_insert',    'INSERT', '{fieldops_admin}'),
  ('external_refs',    'external_refs_admin_delete',    'DELETE', '{fieldops_admin}'),
  ('import_mappings',  'import_mappings_owner_all',     'ALL',    '{fieldops_owner}'),
  ('import_mappings',  'import_mappings_admin_select',  'SELECT', '{fieldops_admin}'),
  ('import_mappings',  'import_mappings_admin_insert',  'INSERT', '{fieldops_admin}'),
  ('import_mappings',  'import_mappings_admin_update',  'UPDATE', '{fieldops_admin}'),
  ('import_mappings',  'import_mappings_admin_delete',  'DELETE', '{fieldops_admin}'),
  ('audit_log',        'audit_log_admin_select',        'SELECT', '{fieldops_admin}'),
  ('audit_log',        'audit_log_timeline_select',     'SELECT', '{fieldops_worker,fieldops_customer}'),
  ('communications',   'communications_owner_all',      'ALL',    '{fieldops_owner}'),
  ('communications',   'communications_admin_select',   'SELECT', '{fieldops_admin}'),
  ('communications',   'communications_admin_insert',   'INSERT', '{fieldops_admin}'),
  ('communications',   'communications_admin_update',   'UPDATE', '{fieldops_admin}'),
  ('communications',   'communications_admin_delete',   'DELETE', '{fieldops_admin}'),
  ('companies',        'companies_owner_all',           'ALL',    '{fieldops_owner}'),
  ('companies',        'companies_select_own',          'SELECT', '{fieldops_admin,fieldops_worker,fieldops_customer}'),
  ('companies',        'companies_admin_update',        'UPDATE', '{fieldops_admin}'),
  ('contact_locations', 'contact_locations_owner_all',   'ALL',    '{fieldops_owner}'),
  ('contact_locations', 'contact_locations_admin_select', 'SELECT', '{fieldops_admin}'),
  ('contact_locations', 'contact_locations_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('contact_locations', 'contact_locations_admin_delete', 'DELETE', '{fieldops_admin}'),
  ('contact_methods',  'contact_methods_owner_all',     'ALL',    '{fieldops_owner}'),
  ('contact_methods',  'contact_methods_admin_select',   'SELECT', '{fieldops_admin}'),
  ('contact_methods',  'contact_methods_admin_insert',   'INSERT', '{fieldops_admin}'),
  ('contact_methods',  'contact_methods_admin_update',   'UPDATE', '{fieldops_admin}'),
  ('contact_methods',  'contact_methods_admin_delete',   'DELETE', '{fieldops_admin}'),
  ('contact_methods',  'contact_methods_worker_select', 'SELECT', '{fieldops_worker}'),
  ('contact_methods',  'contact_methods_customer_select', 'SELECT', '{fieldops_customer}'),
  ('contacts',         'contacts_owner_all',            'ALL',    '{fieldops_owner}'),
  ('contacts',         'contacts_admin_select',          'SELECT', '{fieldops_admin}'),
  ('contacts',         'contacts_admin_insert',          'INSERT', '{fieldops_admin}'),
  ('contacts',         'contacts_admin_update',          'UPDATE', '{fieldops_admin}'),
  ('contacts',         'contacts_admin_delete',          'DELETE', '{fieldops_admin}'),
  ('contacts',         'contacts_worker_select',        'SELECT', '{fieldops_worker}'),
  ('contacts',         'contacts_customer_select',      'SELECT', '{fieldops_customer}'),
  ('customers',        'customers_owner_all',           'ALL',    '{fieldops_owner}'),
  ('branches',         'branches_owner_all',            'ALL',    '{fieldops_owner}'),
  ('branches',         'branches_admin_select',         'SELECT', '{fieldops_admin}'),
  ('branches',         'branches_admin_insert',         'INSERT', '{fieldops_admin}'),
  ('branches',         'branches_admin_update',         'UPDATE', '{fieldops_admin}'),
  ('branches',         'branches_admin_delete',         'DELETE', '{fieldops_admin}'),
  ('branches',         'branches_worker_select',        'SELECT', '{fieldops_worker}'),
  ('customers',        'customers_admin_select',        'SELECT', '{fieldops_admin}'),
  ('customers',        'customers_admin_insert',        'INSERT', '{fieldops_admin}'),
  ('customers',        'customers_admin_update',        'UPDATE', '{fieldops_admin}'),
  ('customers',        'customers_worker_select',       'SELECT', '{fieldops_worker}'),
  ('customers',        'customers_customer_select',     'SELECT', '{fieldops_customer}'),
  ('job_notes',        'job_notes_owner_all',           'ALL',    '{fieldops_owner}'),
  ('job_notes',        'job_notes_admin_select',         'SELECT', '{fieldops_admin}'),
  ('job_notes',        'job_notes_admin_insert',         'INSERT', '{fieldops_admin}'),
  ('job_notes',        'job_notes_admin_update',         'UPDATE', '{fieldops_admin}'),
  ('job_notes',        'job_notes_admin_delete',         'DELETE', '{fieldops_admin}'),
  ('job_notes',        'job_notes_worker_select',       'SELECT', '{fieldops_worker}'),
  ('job_notes',        'job_notes_worker_insert',       'INSERT', '{fieldops_worker}'),
  ('job_notes',        'job_notes_customer_select',     'SELECT', '{fieldops_customer}'),
  ('job_request_changes', 'job_request_changes_owner_all', 'ALL', '{fieldops_owner}'),
  ('job_request_changes', 'job_request_changes_admin_select', 'SELECT', '{fieldops_admin}'),
  ('job_request_changes', 'job_request_changes_customer_select', 'SELECT', '{fieldops_customer}'),
  ('job_requests',     'job_requests_owner_all',        'ALL',    '{fieldops_owner}'),
  ('job_requests',     'job_requests_admin_select',     'SELECT', '{fieldops_admin}'),
  ('job_requests',     'job_requests_admin_update',     'UPDATE', '{fieldops_admin}'),
  ('job_requests',     'job_requests_customer_select',  'SELECT', '{fieldops_customer}'),
  ('job_requests',     'job_requests_customer_insert',  'INSERT', '{fieldops_customer}'),
  ('job_requests',     'job_requests_customer_update',  'UPDATE', '{fieldops_customer}'),
  ('attachments', 'attachments_owner_all',       'ALL',    '{fieldops_owner}'),
  ('attachments', 'attachments_admin_select',    'SELECT', '{fieldops_admin}'),
  ('attachments', 'attachments_admin_insert',    'INSERT', '{fieldops_admin}'),
  ('attachments', 'attachments_admin_update',    'UPDATE', '{fieldops_admin}'),
  ('attachments', 'attachments_admin_delete',    'DELETE', '{fieldops_admin}'),
  ('attachments', 'attachments_worker_select',   'SELECT', '{fieldops_worker}'),
  ('attachments', 'attachments_worker_insert',   'INSERT', '{fieldops_worker}'),
  ('attachments', 'attachments_worker_update',   'UPDATE', '{fieldops_worker}'),
  ('attachments', 'attachments_worker_delete',   'DELETE', '{fieldops_worker}'),
  ('attachments', 'attachments_customer_select', 'SELECT', '{fieldops_customer}'),
  ('attachments', 'attachments_customer_insert', 'INSERT', '{fieldops_customer}'),
  ('attachments', 'attachments_customer_update', 'UPDATE', '{fieldops_customer}'),
  ('attachments', 'attachments_customer_delete', 'DELETE', '{fieldops_customer}'),
  ('job_statuses',     'job_statuses_owner_all',        'ALL',    '{fieldops_owner}'),
  ('job_statuses',     'job_statuses_admin_select',      'SELECT', '{fieldops_admin}'),
  ('job_statuses',     'job_statuses_admin_insert',      'INSERT', '{fieldops_admin}'),
  ('job_statuses',     'job_statuses_admin_update',      'UPDATE', '{fieldops_admin}'),
  ('job_statuses',     'job_statuses_admin_delete',      'DELETE', '{fieldops_admin}'),
  ('job_statuses',     'job_statuses_select',           'SELECT', '{fieldops_worker,fieldops_customer}'),
  ('job_tasks',        'job_tasks_owner_all',           'ALL',    '{fieldops_owner}'),
  ('job_tasks',        'job_tasks_admin_select',         'SELECT', '{fieldops_admin}'),
  ('job_tasks',        'job_tasks_admin_insert',         'INSERT', '{fieldops_admin}'),
  ('job_tasks',        'job_tasks_admin_update',         'UPDATE', '{fieldops_admin}'),
  ('job_tasks',        'job_tasks_admin_delete',         'DELETE', '{fieldops_admin}'),
  ('job_tasks',        'job_tasks_worker_select',       'SELECT', '{fieldops_worker}'),
  ('job_tasks',        'job_tasks_worker_update',       'UPDATE', '{fieldops_worker}'),
  ('job_tasks',        'job_tasks_customer_select',     'SELECT', '{fieldops_customer}'),
  ('jobs',             'jobs_owner_all',                'ALL',    '{fieldops_owner}'),
  ('jobs',             'jobs_admin_select',             'SELECT', '{fieldops_admin}'),
  ('jobs',             'jobs_admin_insert',             'INSERT', '{fieldops_admin}'),
  ('jobs',             'jobs_admin_update',             'UPDATE', '{fieldops_admin}'),
  ('jobs',             'jobs_worker_select',            'SELECT', '{fieldops_worker}'),
  ('jobs',             'jobs_worker_update',            'UPDATE', '{fieldops_worker}'),
  ('jobs',             'jobs_customer_select',          'SELECT', '{fieldops_customer}'),
  ('idempotency_keys', 'idempotency_keys_owner_all',    'ALL',    '{fieldops_owner}'),
  ('idempotency_keys', 'idempotency_keys_own',          'ALL',    '{fieldops_admin,fieldops_worker}'),
  ('identities',       'identities_owner_all',          'ALL',    '{fieldops_owner}'),
  ('permissions',      'permissions_owner_all',         'ALL',    '{fieldops_owner}'),
  ('permissions',      'permissions_select',            'SELECT', '{fieldops_admin,fieldops_worker,fieldops_customer}'),
  ('roles',            'roles_owner_all',               'ALL',    '{fieldops_owner}'),
  ('roles',            'roles_admin_select',            'SELECT', '{fieldops_admin}'),
  ('roles',            'roles_admin_insert',            'INSERT', '{fieldops_admin}'),
  ('roles',            'roles_admin_update',            'UPDATE', '{fieldops_admin}'),
  ('roles',            'roles_admin_delete',            'DELETE', '{fieldops_admin}'),
  ('role_permissions', 'role_permissions_owner_all',    'ALL',    '{fieldops_owner}'),
  ('role_permissions', 'role_permissions_admin_select', 'SELECT', '{fieldops_admin}'),
  ('role_permissions', 'role_permissions_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('role_permissions', 'role_permissions_admin_delete', 'DELETE', '{fieldops_admin}'),
  ('invitations',      'invitations_owner_all',         'ALL',    '{fieldops_owner}'),
  ('invitations',      'invitations_admin_select',      'SELECT', '{fieldops_admin}'),
  ('invitations',      'invitations_admin_insert',      'INSERT', '{fieldops_admin}'),
  ('invitations',      'invitations_admin_update',      'UPDATE', '{fieldops_admin}'),
  ('login_failures',   'login_failures_owner_all',      'ALL',    '{fieldops_owner}'),
  ('mail_outbox',      'mail_outbox_owner_all',         'ALL',    '{fieldops_owner}'),
  ('mail_outbox',      'mail_outbox_admin_insert',      'INSERT', '{fieldops_admin}'),
  ('messages',         'messages_owner_all',            'ALL',    '{fieldops_owner}'),
  ('messages',         'messages_admin_select',         'SELECT', '{fieldops_admin}'),
  ('messages',         'messages_admin_insert',         'INSERT', '{fieldops_admin}'),
  ('messages',         'messages_worker_select',        'SELECT', '{fieldops_worker}'),
  ('messages',         'messages_worker_insert',        'INSERT', '{fieldops_worker}'),
  ('messages',         'messages_customer_select',      'SELECT', '{fieldops_customer}'),
  ('messages',         'messages_customer_insert',      'INSERT', '{fieldops_customer}'),
  ('message_reads',    'message_reads_owner_all',       'ALL',    '{fieldops_owner}'),
  ('message_reads', 'message_reads_admin_select', 'SELECT', '{fieldops_admin}'),
  ('message_reads', 'message_reads_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('message_reads', 'message_reads_admin_update', 'UPDATE', '{fieldops_admin}'),
  ('message_reads', 'message_reads_worker_select', 'SELECT', '{fieldops_worker}'),
  ('message_reads', 'message_reads_worker_insert', 'INSERT', '{fieldops_worker}'),
  ('message_reads', 'message_reads_worker_update', 'UPDATE', '{fieldops_worker}'),
  ('message_reads', 'message_reads_customer_select', 'SELECT', '{fieldops_customer}'),
  ('message_reads', 'message_reads_customer_insert', 'INSERT', '{fieldops_customer}'),
  ('message_reads', 'message_reads_customer_update', 'UPDATE', '{fieldops_customer}'),
  ('notification_preferences', 'notification_preferences_owner_all', 'ALL', '{fieldops_owner}'),
  ('notification_preferences', 'notification_preferences_admin_select', 'SELECT', '{fieldops_admin}'),
  ('notification_preferences', 'notification_preferences_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('notification_preferences', 'notification_preferences_admin_update', 'UPDATE', '{fieldops_admin}'),
  ('notification_preferences', 'notification_preferences_worker_select', 'SELECT', '{fieldops_worker}'),
  ('notification_preferences', 'notification_preferences_worker_insert', 'INSERT', '{fieldops_worker}'),
  ('notification_preferences', 'notification_preferences_worker_update', 'UPDATE', '{fieldops_worker}'),
  ('notification_preferences', 'notification_preferences_customer_select', 'SELECT', '{fieldops_customer}'),
  ('notification_preferences', 'notification_preferences_customer_insert', 'INSERT', '{fieldops_customer}'),
  ('notification_preferences', 'notification_preferences_customer_update', 'UPDATE', '{fieldops_customer}'),
  ('unsubscribe_tokens', 'unsubscribe_tokens_owner_all', 'ALL', '{fieldops_owner}'),
  ('email_changes', 'email_changes_owner_all', 'ALL', '{fieldops_owner}'),
  ('users', 'users_customer_update', 'UPDATE', '{fieldops_customer}'),
  ('password_reset_tokens', 'password_reset_tokens_owner_all', 'ALL', '{fieldops_owner}'),
  ('portal_accounts',  'portal_accounts_owner_all',     'ALL',    '{fieldops_owner}'),
  ('portal_accounts',  'portal_accounts_admin_select',  'SELECT', '{fieldops_admin}'),
  ('portal_accounts',  'portal_accounts_admin_update',  'UPDATE', '{fieldops_admin}'),
  ('portal_invitations', 'portal_invitations_owner_all', 'ALL',   '{fieldops_owner}'),
  ('portal_invitations', 'portal_invitations_admin_select', 'SELECT', '{fieldops_admin}'),
  ('portal_invitations', 'portal_invitations_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('portal_invitations', 'portal_invitations_admin_delete', 'DELETE', '{fieldops_admin}'),
  ('digest_recipients', 'digest_recipients_owner_all', 'ALL', '{fieldops_owner}'),
  ('digest_recipients', 'digest_recipients_admin_select', 'SELECT', '{fieldops_admin}'),
  ('digest_recipients', 'digest_recipients_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('digest_recipients', 'digest_recipients_admin_delete', 'DELETE', '{fieldops_admin}'),
  ('digest_runs', 'digest_runs_owner_all', 'ALL', '{fieldops_owner}'),
  ('digest_runs', 'digest_runs_admin_select', 'SELECT', '{fieldops_admin}'),
  ('portal_verification_tokens', 'portal_verification_tokens_owner_all', 'ALL', '{fieldops_owner}'),
  ('company_signups', 'company_signups_owner_all', 'ALL', '{fieldops_owner}'),
  ('portal_settings',  'portal_settings_owner_all',     'ALL',    '{fieldops_owner}'),
  ('portal_settings',  'portal_settings_admin_select',  'SELECT', '{fieldops_admin}'),
  ('portal_settings',  'portal_settings_admin_insert',  'INSERT', '{fieldops_admin}'),
  ('portal_settings',  'portal_settings_admin_update',  'UPDATE', '{fieldops_admin}'),
  ('refresh_tokens',   'refresh_tokens_owner_all',      'ALL',    '{fieldops_owner}'),
  ('service_location_access', 'service_location_access_owner_all', 'ALL', '{fieldops_owner}'),
  ('service_location_access', 'service_location_access_admin_select', 'SELECT', '{fieldops_admin}'),
  ('service_location_access', 'service_location_access_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('service_location_access', 'service_location_access_admin_update', 'UPDATE', '{fieldops_admin}'),
  ('service_location_access', 'service_location_access_worker_select', 'SELECT', '{fieldops_worker}'),
  ('custom_field_definitions', 'custom_field_definitions_owner_all', 'ALL', '{fieldops_owner}'),
  ('custom_field_definitions', 'custom_field_definitions_admin_select', 'SELECT', '{fieldops_admin}'),
  ('custom_field_definitions', 'custom_field_definitions_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('custom_field_definitions', 'custom_field_definitions_admin_update', 'UPDATE', '{fieldops_admin}'),
  ('custom_field_definitions', 'custom_field_definitions_admin_delete', 'DELETE', '{fieldops_admin}'),
  ('custom_field_definitions', 'custom_field_definitions_worker_select', 'SELECT', '{fieldops_worker}'),
  ('custom_field_definitions', 'custom_field_definitions_customer_select', 'SELECT', '{fieldops_customer}'),
  ('service_locations', 'service_locations_owner_all',  'ALL',    '{fieldops_owner}'),
  ('service_locations', 'service_locations_admin_select', 'SELECT', '{fieldops_admin}'),
  ('service_locations', 'service_locations_admin_insert', 'INSERT', '{fieldops_admin}'),
  ('service_locations', 'service_locations_admin_update', 'UPDATE', '{fieldops_admin}'),
  ('service_locations', 'service_locations_admin_delete', 'DELETE', '{fieldops_admin}'),
  ('service_locations', 'service_locations_worker_select', 'SELECT', '{fieldops_worker}'),
  ('service_locations', 'service_locations_customer_select', 'SELECT', '{fieldops_customer}'),
  ('sessions',         'sessions_owner_all',            'ALL',    '{fieldops_owner}'),
  ('sessions',         'sessions_select_own',           'SELECT', '{fieldops_admin,fieldops_worker,fieldops_customer}'),
  ('sessions',         'sessions_revoke_own',           'UPDATE', '{fieldops_admin,fieldops_worker,fieldops_customer}'),
  ('share_link_opens', 'share_link_opens_owner_all',    'ALL',    '{fieldops_owner}'),
  ('share_link_opens', 'share_link_opens_admin_select', 'SELECT', '{fieldops_admin}'),
  ('share_links',      'share_links_owner_all',         'ALL',    '{fieldops_owner}'),
  ('share_links',      'share_links_admin_select',      'SELECT', '{fieldops_admin}'),
  ('share_links',      'share_links_admin_insert',      'INSERT', '{fieldops_admin}'),
  ('share_links',      'share_links_admin_update',      'UPDATE', '{fieldops_admin}'),
  ('users',            'users_owner_all',               'ALL',    '{fieldops_owner}'),
  ('users',            'users_admin_select',            'SELECT', '{fieldops_admin}'),
  ('users',            'users_admin_insert',            'INSERT', '{fieldops_admin}'),
  ('users',            'users_admin_update',            'UPDATE', '{fieldops_admin}'),
  ('users',            'users_worker_select',           'SELECT', '{fieldops_worker}'),
  ('users',            'users_customer_select',         'SELECT', '{fieldops_customer}');
grant select on expected_policy to public;

-- One policies_are per table, one policy_cmd_is and one policy_roles_are per
-- policy, and the checks below.
select plan((select (count(distinct tbl) + 2 * count(*))::int + 16 from expected_policy));

select set_eq($$ select tbl::text from expected_policy $$, $$
  select c.relname::text from pg_class c where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
$$, 'every table of schema app has its expected policies listed here');

select policies_are('app', tbl, array_agg(policy), format('app.%s has exactly its expected policies', tbl))
from expected_policy group by tbl order by tbl;

select policy_cmd_is('app', tbl, policy, cmd, format('%s governs %s', policy, cmd))
from expected_policy order by tbl, policy;

select policy_roles_are('app', tbl, policy, roles, format('%s applies to %s', policy, roles))
from expected_policy order by tbl, policy;

-- The rules that matter most, word for word: as written in db/policies/ on
-- one server, and as fieldops migrate writes them on Citus (src/db/citus.rs,
-- policy_sql: context functions called directly, the jobs probe through
-- app.job_is_visible, which asks app.jobs under the caller's own policies).
select exists (select 1 from pg_extension where extname = 'citus') as citus \gset

select is((select using_expr from app.policy_report where policy = 'audit_log_admin_select'),
  case when :'citus' then '((company_id = app.company_id()) AND app.has_permission(''history.read''::text) AND (app.branch_unscoped() OR app.job_is_visible(company_id, job_id)))'
       else E'((company_id = ( SELECT app.company_id() AS company_id)) AND ( SELECT app.has_permission(''history.read''::text) AS has_permission) AND ((( SELECT app.branch_id() AS branch_id) IS NULL) OR (EXISTS ( SELECT 1\n   FROM app.jobs j\n  WHERE ((j.company_id = audit_log.company_id) AND (j.id = audit_log.job_id))\n OFFSET 0))))' end,
  'an office member reads the history of its own company only, with history.read, and a branch-scoped one only its branch''s jobs''');

select is((select using_expr from app.policy_report where policy = 'audit_log_timeline_select'),
  case when :'citus'
    then '((company_id = app.company_id()) AND (timeline IS NOT NULL) AND app.job_is_visible(company_id, job_id))'
    else E'((company_id = ( SELECT app.company_id() AS company_id)) AND (timeline IS NOT NULL) AND (EXISTS ( SELECT 1\n   FROM app.jobs j\n  WHERE (j.id = audit_log.job_id)\n OFFSET 0)))' end,
  'workers and customers read the timeline of the jobs that app.jobs'' own policy shows them, nothing else');

select is_empty($$
  select policy from app.policy_report
  where table_name = 'audit_log' and command in ('INSERT', 'UPDATE', 'DELETE', 'ALL')
    and roles <> '{fieldops_owner}'
$$, 'no policy lets any role but the owner write the history');

select is((select using_expr from app.policy_report where policy = 'jobs_worker_select'),
  case when :'citus' then '((company_id = app.company_id()) AND (assigned_worker_id = app.user_id()) AND (app.branch_unscoped() OR (branch_id = app.branch_id())))'
       else '((company_id = ( SELECT app.company_id() AS company_id)) AND (assigned_worker_id = ( SELECT app.user_id() AS user_id)) AND ((( SELECT app.branch_id() AS branch_id) IS NULL) OR (branch_id = ( SELECT app.branch_id() AS branch_id))))' end,
  'a worker reads the jobs assigned to it, in its company, within its branch when scoped');

select is((select check_expr from app.policy_report where policy = 'jobs_worker_update'),
  case when :'citus' then $e$((company_id = app.company_id()) AND app.has_permission('jobs.update_status'::text) AND (assigned_worker_id = app.user_id()))$e$
       else $e$((company_id = ( SELECT app.company_id() AS company_id)) AND ( SELECT app.has_permission('jobs.update_status'::text) AS has_permission) AND (assigned_worker_id = ( SELECT app.user_id() AS user_id)))$e$ end,
  'a worker''s job update must leave the job assigned to it');

select is((select using_expr from app.policy_report where policy = 'jobs_customer_select'),
  case when :'citus' then '((company_id = app.company_id()) AND (customer_id = app.customer_id()) AND (NOT is_archived) AND app.in_location_scope(service_location_id))'
       else '((company_id = ( SELECT app.company_id() AS company_id)) AND (customer_id = ( SELECT app.customer_id() AS customer_id)) AND (NOT is_archived) AND ((( SELECT app.location_scope() AS location_scope) IS NULL) OR (service_location_id = ANY (( SELECT app.location_scope() AS location_scope)::uuid[]))))' end,
  'a customer reads its own customer''s unarchived jobs, at the locations its contact is limited to if it is');

select matches((select using_expr from app.policy_report where policy = 'job_notes_customer_select'),
  $re$visibility = 'customer'::app\.note_visibility$re$,
  'a customer reads only notes marked for customers');

select is((select with_check from pg_policies where policyname = 'job_notes_admin_insert'),
  case when :'citus' then '((company_id = app.company_id()) AND app.has_permission(''jobs.write''::text) AND (author_id = app.user_id()) AND (app.branch_unscoped() OR app.job_is_visible(company_id, job_id)))'
       else E'((company_id = ( SELECT app.company_id() AS company_id)) AND ( SELECT app.has_permission(''jobs.write''::text) AS has_permission) AND (author_id = ( SELECT app.user_id() AS user_id)) AND ((( SELECT app.branch_id() AS branch_id) IS NULL) OR (EXISTS ( SELECT 1\n   FROM app.jobs j\n  WHERE ((j.company_id = job_notes.company_id) AND (j.id = job_notes.job_id))\n OFFSET 0))))' end,
  'notes are written as their author, never in someone else''s name, on a job of its branch when scoped');

select is_empty($$
  select policy from app.policy_report where table_name = 'refresh_tokens' and roles <> '{fieldops_owner}'
$$, 'refresh tokens are the owner''s alone');

-- Gate codes and access notes (migration 0020): admins, and a worker only at
-- a location where app.jobs shows it an open job; no customer policy at all.
select is((select using_expr from app.policy_report where policy = 'service_location_access_worker_select'),
  case when :'citus'
    then '((company_id = app.company_id()) AND app.location_has_visible_open_job(company_id, location_id))'
    else E'((company_id = ( SELECT app.company_id() AS company_id)) AND (EXISTS ( SELECT 1\n   FROM app.jobs j\n  WHERE ((j.company_id = service_location_access.company_id) AND (j.service_location_id = service_location_access.location_id) AND (NOT j.is_archived))\n OFFSET 0)))' end,
  'a worker reads the gate codes of the locations of its open jobs only');

select is_empty($$
  select policy from app.policy_report
  where table_name = 'service_location_access' and 'fieldops_customer' = any (roles)
$$, 'no policy lets a customer read a gate code or access notes');

select is((select using_expr from app.policy_report where policy = 'service_locations_customer_select'),
  case when :'citus' then '((company_id = app.company_id()) AND (customer_id = app.customer_id()) AND app.in_location_scope(id))'
       else '((company_id = ( SELECT app.company_id() AS company_id)) AND (customer_id = ( SELECT app.customer_id() AS customer_id)) AND ((( SELECT app.location_scope() AS location_scope) IS NULL) OR (id = ANY (( SELECT app.location_scope() AS location_scope)::uuid[]))))' end,
  'a customer reads its own customer''s locations, those its contact is limited to if it is');

-- Portal accounts (migration 0022): an admin decides only a pending account,
-- and only into a decision.
select is((select using_expr || ' / ' || check_expr from app.policy_report where policy = 'portal_accounts_admin_update'),
  case when :'citus'
    then $e$((company_id = app.company_id()) AND app.has_permission('portal.manage'::text) AND (state = 'pending'::text)) / ((company_id = app.company_id()) AND app.has_permission('portal.manage'::text) AND (state = ANY (ARRAY['approved'::text, 'rejected'::text])))$e$
    else $e$((company_id = ( SELECT app.company_id() AS company_id)) AND ( SELECT app.has_permission('portal.manage'::text) AS has_permission) AND (state = 'pending'::text)) / ((company_id = ( SELECT app.company_id() AS company_id)) AND ( SELECT app.has_permission('portal.manage'::text) AS has_permission) AND (state = ANY (ARRAY['approved'::text, 'rejected'::text])))$e$ end,
  'an admin moves a pending portal account to approved or rejected, nothing else');

select is((select using_expr from app.policy_report where policy = 'job_requests_customer_select'),
  case when :'citus' then '((company_id = app.company_id()) AND (customer_id = app.customer_id()) AND app.in_location_scope(service_location_id))'
       else '((company_id = ( SELECT app.company_id() AS company_id)) AND (customer_id = ( SELECT app.customer_id() AS customer_id)) AND ((( SELECT app.location_scope() AS location_scope) IS NULL) OR (service_location_id = ANY (( SELECT app.location_scope() AS location_scope)::uuid[]))))' end,
  'a customer reads its own customer''s job requests only, at the locations its contact is limited to if it is (0026)');

select is_empty($$
  select policy from app.policy_report
  where table_name = 'job_request_changes' and command <> 'SELECT' and roles <> '{fieldops_owner}'
$$, 'no role but the owner writes the request history');

select * from finish();
rollback;
