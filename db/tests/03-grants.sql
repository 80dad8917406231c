-- Grants: `\dp app.*` and `\df+` as tests. Together with the policies (rows),
-- column grants decide what each role may read and write (columns).
-- Any grant added, dropped or widened fails here.
begin;
set local search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

-- Every grant on schemas app and auth; `columns` NULL means the whole object.
create temporary table expected_grant (object text, grantee text, privilege text, columns text[]) on commit drop;
insert into expected_grant values
  ('app.job_summaries', 'fieldops_admin', 'SELECT', null),
  ('app.job_summaries', 'fieldops_customer', 'SELECT', null),
  ('app.job_summaries', 'fieldops_worker', 'SELECT', null),
  ('app.audit_log', 'fieldops_admin', 'SELECT', null),
  ('app.imports', 'fieldops_admin', 'SELECT', null),
  ('app.imports', 'fieldops_admin', 'INSERT', '{kind,file_name,source,mapping,created_by,state,headers,rows_total,rows_done}'),
  ('app.imports', 'fieldops_admin', 'UPDATE', '{created_count,updated_count,skipped_count,refused_count,state,applied_xact,undo_deadline,undone_at,errors,rows_total,rows_done,failure,undo_started_at}'),
  ('app.external_refs', 'fieldops_admin', 'SELECT', null),
  ('app.external_refs', 'fieldops_admin', 'DELETE', null),
  ('app.external_refs', 'fieldops_admin', 'INSERT', '{source,kind,external_id,record_id,import_id,created_by}'),
  ('app.import_mappings', 'fieldops_admin', 'SELECT', null),
  ('app.import_mappings', 'fieldops_admin', 'DELETE', null),
  ('app.import_mappings', 'fieldops_admin', 'INSERT', '{kind,name,source,mapping}'),
  ('app.import_mappings', 'fieldops_admin', 'UPDATE', '{source,mapping}'),
  ('app.import_rows(text,uuid,text,jsonb)', 'fieldops_admin', 'EXECUTE', null),
  ('app.import_customer_row(uuid,text,jsonb)', 'fieldops_admin', 'EXECUTE', null),
  ('app.import_job_row(uuid,text,jsonb)', 'fieldops_admin', 'EXECUTE', null),
  ('app.undo_import(bigint)', 'fieldops_admin', 'EXECUTE', null),
  ('app.audit_log', 'fieldops_customer', 'SELECT', '{id,company_id,table_name,row_id,job_id,action,actor_role,at,timeline}'),
  ('app.audit_log', 'fieldops_worker', 'SELECT', '{id,company_id,table_name,row_id,job_id,action,actor_role,at,timeline}'),
  ('app.communications', 'fieldops_admin', 'DELETE', null),
  ('app.communications', 'fieldops_admin', 'INSERT', '{customer_id,service_location_id,contact_id,job_id,occurred_at,channel,direction,summary}'),
  ('app.communications', 'fieldops_admin', 'SELECT', null),
  ('app.communications', 'fieldops_admin', 'UPDATE', '{service_location_id,contact_id,job_id,occurred_at,channel,direction,summary}'),
  ('app.companies', 'fieldops_admin', 'SELECT', null),
  ('app.companies', 'fieldops_admin', 'UPDATE', '{name,color}'),
  ('app.companies', 'fieldops_customer', 'SELECT', null),
  ('app.companies', 'fieldops_worker', 'SELECT', null),
  ('app.contact_locations', 'fieldops_admin', 'DELETE', null),
  ('app.contact_locations', 'fieldops_admin', 'INSERT', '{customer_id,contact_id,service_location_id}'),
  ('app.contact_locations', 'fieldops_admin', 'SELECT', null),
  ('app.contact_methods', 'fieldops_admin', 'DELETE', null),
  ('app.contact_methods', 'fieldops_admin', 'INSERT', '{customer_id,contact_id,kind,value,is_primary,created_by}'),
  ('app.contact_methods', 'fieldops_admin', 'SELECT', null),
  ('app.contact_methods', 'fieldops_admin', 'UPDATE', '{value,is_primary}'),
  ('app.contact_methods', 'fieldops_customer', 'SELECT', '{id,company_id,customer_id,contact_id,kind,value,is_primary}'),
  ('app.contact_methods', 'fieldops_worker', 'SELECT', '{id,company_id,customer_id,contact_id,kind,value,is_primary}'),
  ('app.contacts', 'fieldops_admin', 'DELETE', null),
  ('app.contacts', 'fieldops_admin', 'INSERT', '{customer_id,name,title,notes,is_primary,created_by,restricted_to_locations}'),
  ('app.contacts', 'fieldops_admin', 'SELECT', null),
  ('app.contacts', 'fieldops_admin', 'UPDATE', '{name,title,notes,is_primary,restricted_to_locations}'),
  ('app.contacts', 'fieldops_customer', 'SELECT', '{id,company_id,customer_id,name,title,is_primary,created_at,updated_at,version}'),
  ('app.contacts', 'fieldops_worker', 'SELECT', '{id,company_id,customer_id,name,title,notes,is_primary,created_at,updated_at,version}'),
  ('app.custom_field_definitions', 'fieldops_admin', 'DELETE', null),
  ('app.custom_field_definitions', 'fieldops_admin', 'INSERT', '{entity,key,label,field_type,options,is_required,visible_to_workers,visible_to_customers,position,is_archived}'),
  ('app.custom_field_definitions', 'fieldops_admin', 'SELECT', null),
  ('app.custom_field_definitions', 'fieldops_admin', 'UPDATE', '{label,options,is_required,visible_to_workers,visible_to_customers,position,is_archived}'),
  ('app.custom_field_definitions', 'fieldops_customer', 'SELECT', '{id,company_id,entity,key,label,field_type,options,is_required,visible_to_workers,visible_to_customers,position,is_archived,version}'),
  ('app.custom_field_definitions', 'fieldops_worker', 'SELECT', '{id,company_id,entity,key,label,field_type,options,is_required,visible_to_workers,visible_to_customers,position,is_archived,version}'),
  ('app.branches', 'fieldops_admin', 'DELETE', null),
  ('app.branches', 'fieldops_admin', 'INSERT', '{name,address,color}'),
  ('app.branches', 'fieldops_admin', 'SELECT', null),
  ('app.branches', 'fieldops_admin', 'UPDATE', '{name,address,color}'),
  ('app.branches', 'fieldops_worker', 'SELECT', '{id,company_id,name,color}'),
  ('app.customers', 'fieldops_admin', 'INSERT', '{name,email,phone,address,created_by,tags,do_not_service,notes,parent_customer_id,custom_fields,branch_id}'),
  ('app.customers', 'fieldops_admin', 'SELECT', null),
  ('app.customers', 'fieldops_admin', 'UPDATE', '{name,email,phone,address,deleted_at,deleted_by,tags,do_not_service,notes,parent_customer_id,custom_fields,branch_id}'),
  ('app.customers', 'fieldops_customer', 'SELECT', '{id,company_id,name,email,phone,address,customer_custom_fields}'),
  ('app.customers', 'fieldops_worker', 'SELECT', '{id,company_id,name,phone,address,worker_custom_fields}'),
  ('app.idempotency_keys', 'fieldops_admin', 'DELETE', null),
  ('app.idempotency_keys', 'fieldops_admin', 'INSERT', '{key,request_hash}'),
  ('app.idempotency_keys', 'fieldops_admin', 'SELECT', null),
  ('app.idempotency_keys', 'fieldops_admin', 'UPDATE', '{response_status,response_content_type,response_location,response_body}'),
  ('app.idempotency_keys', 'fieldops_worker', 'DELETE', null),
  ('app.idempotency_keys', 'fieldops_worker', 'INSERT', '{key,request_hash}'),
  ('app.idempotency_keys', 'fieldops_worker', 'SELECT', null),
  ('app.idempotency_keys', 'fieldops_worker', 'UPDATE', '{response_status,response_content_type,response_location,response_body}'),
  ('app.job_notes', 'fieldops_admin', 'DELETE', null),
  ('app.job_notes', 'fieldops_admin', 'INSERT', '{job_id,body,visibility}'),
  ('app.job_notes', 'fieldops_admin', 'SELECT', null),
  ('app.job_notes', 'fieldops_admin', 'UPDATE', '{body,visibility}'),
  ('app.job_notes', 'fieldops_customer', 'SELECT', '{id,company_id,job_id,author_id,body,visibility,created_at,updated_at,version}'),
  ('app.job_notes', 'fieldops_worker', 'INSERT', '{job_id,body,visibility}'),
  ('app.job_notes', 'fieldops_worker', 'SELECT', null),
  ('app.job_statuses', 'fieldops_admin', 'DELETE', null),
  ('app.job_statuses', 'fieldops_admin', 'INSERT', '{name,color,order_index,is_final,requires_tasks_done}'),
  ('app.job_statuses', 'fieldops_admin', 'SELECT', null),
  ('app.job_statuses', 'fieldops_admin', 'UPDATE', '{name,color,order_index,is_final,requires_tasks_done}'),
  ('app.job_statuses', 'fieldops_customer', 'SELECT', null),
  ('app.job_statuses', 'fieldops_worker', 'SELECT', null),
  ('app.job_tasks', 'fieldops_admin', 'DELETE', null),
  ('app.job_tasks', 'fieldops_admin', 'INSERT', '{job_id,title,position,is_completed}'),
  ('app.job_tasks', 'fieldops_admin', 'SELECT', null),
  ('app.job_tasks', 'fieldops_admin', 'UPDATE', '{title,position,is_completed}'),
  ('app.job_tasks', 'fieldops_customer', 'SELECT', '{id,company_id,job_id,title,position,is_completed,completed_at,created_at,updated_at,version}'),
  ('app.job_tasks', 'fieldops_worker', 'SELECT', null),
  ('app.job_tasks', 'fieldops_worker', 'UPDATE', '{is_completed}'),
  ('app.jobs', 'fieldops_admin', 'INSERT', '{customer_id,status_id,assigned_worker_id,title,description,scheduled_at,service_location_id,site_contact_id,custom_fields,branch_id}'),
  ('app.jobs', 'fieldops_admin', 'SELECT', null),
  ('app.jobs', 'fieldops_admin', 'UPDATE', '{customer_id,status_id,assigned_worker_id,title,description,scheduled_at,is_archived,archived_at,archived_by,service_location_id,site_contact_id,custom_fields,status_mail,branch_id}'),
  ('app.jobs', 'fieldops_customer', 'SELECT', '{id,company_id,customer_id,status_id,assigned_worker_id,title,description,scheduled_at,completed_at,is_archived,created_at,updated_at,version,service_location_id,site_contact_id,customer_custom_fields,branch_id}'),
  -- Every column but custom_fields and customer_custom_fields (migration 0023).
  ('app.jobs', 'fieldops_worker', 'SELECT', '{id,company_id,customer_id,status_id,assigned_worker_id,title,description,scheduled_at,completed_at,is_archived,archived_at,archived_by,created_at,updated_at,created_by,updated_by,version,service_location_id,site_contact_id,worker_custom_fields,branch_id}'),
  ('app.jobs', 'fieldops_worker', 'UPDATE', '{status_id,status_mail}'),
  ('app.service_location_access', 'fieldops_admin', 'INSERT', '{location_id,gate_code,access_notes}'),
  ('app.service_location_access', 'fieldops_admin', 'SELECT', null),
  ('app.service_location_access', 'fieldops_admin', 'UPDATE', '{gate_code,access_notes}'),
  ('app.service_location_access', 'fieldops_worker', 'SELECT', '{id,company_id,location_id,gate_code,access_notes}'),
  ('app.service_locations', 'fieldops_admin', 'DELETE', null),
  ('app.service_locations', 'fieldops_admin', 'INSERT', '{customer_id,name,line1,line2,city,region,postal_code,country,latitude,longitude,created_by,custom_fields,branch_id}'),
  ('app.service_locations', 'fieldops_admin', 'SELECT', null),
  ('app.service_locations', 'fieldops_admin', 'UPDATE', '{name,line1,line2,city,region,postal_code,country,latitude,longitude,custom_fields,branch_id}'),
  ('app.service_locations', 'fieldops_customer', 'SELECT', '{id,company_id,customer_id,name,line1,line2,city,region,postal_code,country,latitude,longitude,created_at,updated_at,version,customer_custom_fields}'),
  ('app.service_locations', 'fieldops_worker', 'SELECT', '{id,company_id,customer_id,name,line1,line2,city,region,postal_code,country,latitude,longitude,created_at,updated_at,version,worker_custom_fields}'),
  ('app.sessions', 'fieldops_admin', 'SELECT', '{id,company_id,user_id,expires_at,revoked_at,created_at,role,customer_id,location_scope,permissions,branch_id}'),
  ('app.sessions', 'fieldops_admin', 'UPDATE', '{revoked_at,revoked_reason}'),
  ('app.sessions', 'fieldops_customer', 'SELECT', '{id,company_id,user_id,expires_at,revoked_at,created_at,role,customer_id,location_scope,permissions,branch_id}'),
  ('app.sessions', 'fieldops_customer', 'UPDATE', '{revoked_at,revoked_reason}'),
  ('app.sessions', 'fieldops_worker', 'SELECT', '{id,company_id,user_id,expires_at,revoked_at,created_at,role,customer_id,location_scope,permissions,branch_id}'),
  ('app.sessions', 'fieldops_worker', 'UPDATE', '{revoked_at,revoked_reason}'),
  ('app.share_link_opens', 'fieldops_admin', 'SELECT', null),
  ('app.share_links', 'fieldops_admin', 'INSERT', '{job_id,token_hash,expires_at}'),
  ('app.share_links', 'fieldops_admin', 'SELECT', '{id,company_id,job_id,expires_at,revoked_at,revoked_by,open_count,last_opened_at,created_at,updated_at,created_by,version}'),
  ('app.share_links', 'fieldops_admin', 'UPDATE', '{revoked_at,revoked_by}'),
  ('app.users', 'fieldops_admin', 'INSERT', '{name,email,password_hash,role,customer_id,is_active,contact_id,identity_id,role_id,branch_id}'),
  ('app.users', 'fieldops_admin', 'SELECT', '{id,company_id,name,email,role,customer_id,is_active,deleted_at,deleted_by,created_at,updated_at,created_by,updated_by,version,contact_id,identity_id,role_id,branch_id}'),
  ('app.users', 'fieldops_admin', 'UPDATE', '{name,email,password_hash,role,customer_id,is_active,deleted_at,deleted_by,contact_id,identity_id,role_id,branch_id}'),
  -- Roles and permissions (migration 0039): the catalogue for everyone; a
  -- company's roles and grants for the office (writes gated by roles.manage).
  ('app.permissions', 'fieldops_admin', 'SELECT', null),
  ('app.permissions', 'fieldops_worker', 'SELECT', null),
  ('app.permissions', 'fieldops_customer', 'SELECT', null),
  ('app.roles', 'fieldops_admin', 'SELECT', null),
  ('app.roles', 'fieldops_admin', 'DELETE', null),
  ('app.roles', 'fieldops_admin', 'INSERT', '{name,base,description}'),
  ('app.roles', 'fieldops_admin', 'UPDATE', '{name,description}'),
  ('app.role_permissions', 'fieldops_admin', 'SELECT', null),
  ('app.role_permissions', 'fieldops_admin', 'DELETE', null),
  ('app.role_permissions', 'fieldops_admin', 'INSERT', '{role_id,permission,base}'),
  ('app.has_permission(text)', 'fieldops_admin', 'EXECUTE', null),
  ('app.has_permission(text)', 'fieldops_worker', 'EXECUTE', null),
  ('app.has_permission(text)', 'fieldops_customer', 'EXECUTE', null),
  ('app.keeps_a_roles_manager(uuid,uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('auth.session_role(uuid,uuid,uuid)', 'fieldops_login', 'EXECUTE', null),
  ('app.users', 'fieldops_customer', 'SELECT', '{id,company_id,name,role}'),
  ('app.users', 'fieldops_customer', 'UPDATE', '{name}'),
  ('app.users', 'fieldops_worker', 'SELECT', '{id,company_id,name,role}'),
  ('app.address_key(text,text,text,text,text)', 'fieldops_admin', 'EXECUTE', null),
  ('app.address_key(text,text,text,text,text)', 'fieldops_customer', 'EXECUTE', null),
  ('app.address_key(text,text,text,text,text)', 'fieldops_worker', 'EXECUTE', null),
  ('app.company_id()', 'fieldops_admin', 'EXECUTE', null),
  ('app.company_id()', 'fieldops_customer', 'EXECUTE', null),
  ('app.company_id()', 'fieldops_worker', 'EXECUTE', null),
  ('app.in_location_scope(uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.job_request_is_visible(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.job_request_is_visible(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.job_request_is_visible(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.job_note_is_visible(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.job_note_is_visible(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.job_note_is_visible(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.customer_is_visible(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.location_is_visible(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.location_is_visible(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.location_is_visible(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.customer_is_visible(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.customer_is_visible(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.in_location_scope(uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.in_location_scope(uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.branch_id()', 'fieldops_admin', 'EXECUTE', null),
  ('app.branch_id()', 'fieldops_customer', 'EXECUTE', null),
  ('app.branch_id()', 'fieldops_worker', 'EXECUTE', null),
  ('app.branch_unscoped()', 'fieldops_admin', 'EXECUTE', null),
  ('app.branch_unscoped()', 'fieldops_customer', 'EXECUTE', null),
  ('app.branch_unscoped()', 'fieldops_worker', 'EXECUTE', null),
  ('app.location_scope()', 'fieldops_admin', 'EXECUTE', null),
  ('app.location_scope()', 'fieldops_customer', 'EXECUTE', null),
  ('app.location_scope()', 'fieldops_worker', 'EXECUTE', null),
  ('app.customer_id()', 'fieldops_admin', 'EXECUTE', null),
  ('app.customer_id()', 'fieldops_customer', 'EXECUTE', null),
  ('app.customer_id()', 'fieldops_worker', 'EXECUTE', null),
  ('app.role()', 'fieldops_admin', 'EXECUTE', null),
  ('app.role()', 'fieldops_customer', 'EXECUTE', null),
  ('app.role()', 'fieldops_worker', 'EXECUTE', null),
  ('app.session_id()', 'fieldops_admin', 'EXECUTE', null),
  ('app.session_id()', 'fieldops_customer', 'EXECUTE', null),
  ('app.session_id()', 'fieldops_worker', 'EXECUTE', null),
  ('app.user_id()', 'fieldops_admin', 'EXECUTE', null),
  ('app.user_id()', 'fieldops_customer', 'EXECUTE', null),
  ('app.user_id()', 'fieldops_worker', 'EXECUTE', null),
  ('auth.request_context()', 'fieldops_admin', 'EXECUTE', null),
  ('auth.request_context()', 'fieldops_customer', 'EXECUTE', null),
  ('auth.request_context()', 'fieldops_worker', 'EXECUTE', null),
  ('auth.create_session(uuid,uuid,bytea,timestamp with time zone,timestamp with time zone,text,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.session_profile(uuid,uuid,uuid,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.login_lookup(text,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.search_customers(text,text,uuid,integer)', 'fieldops_admin', 'EXECUTE', null),
  ('auth.search_customer_matches(text,integer)', 'fieldops_admin', 'EXECUTE', null),
  ('auth.find_customer_duplicates(text[],text[],text)', 'fieldops_admin', 'EXECUTE', null),
  ('auth.search_jobs(text,boolean,uuid,uuid,uuid,timestamp with time zone,uuid,integer)', 'fieldops_admin', 'EXECUTE', null),
  ('auth.filter_customers(jsonb,text,text,uuid,integer)', 'fieldops_admin', 'EXECUTE', null),
  ('auth.filter_jobs(jsonb,text,boolean,uuid,uuid,uuid,timestamp with time zone,uuid,integer)', 'fieldops_admin', 'EXECUTE', null),
  ('auth.login_retry_after(text,text,integer,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.record_login_failure(text,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.open_share_link(uuid,bytea,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.login_attempt(text,text,text,integer,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.identity_login_attempt(text,text,integer,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.identity_memberships(uuid)', 'fieldops_login', 'EXECUTE', null),
  ('auth.session_identity(uuid,uuid,uuid,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.remember_company(uuid,uuid)', 'fieldops_login', 'EXECUTE', null),
  ('auth.invitation_status(uuid,bytea)', 'fieldops_login', 'EXECUTE', null),
  ('auth.accept_invitation(uuid,bytea,uuid,text,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.link_membership(uuid,uuid,uuid,uuid,text,text,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.link_portal_account(uuid,uuid,uuid,uuid)', 'fieldops_login', 'EXECUTE', null),
  ('app.invitations', 'fieldops_admin', 'SELECT', '{company_id,id,email,role,expires_at,accepted_at,user_id,revoked_at,created_at,updated_at,created_by,updated_by,version}'),
  ('app.invitations', 'fieldops_admin', 'INSERT', '{email,role,token_hash,expires_at}'),
  ('app.invitations', 'fieldops_admin', 'UPDATE', '{revoked_at}'),
  ('auth.login_attempt_succeeded(bigint)', 'fieldops_login', 'EXECUTE', null),
  ('auth.purge_idempotency_keys()', 'fieldops_login', 'EXECUTE', null),
  ('auth.require_session(uuid,uuid,uuid,app.user_role)', 'fieldops_authenticator', 'EXECUTE', null),
  ('auth.rotate_refresh_token(uuid,bytea,bytea,timestamp with time zone)', 'fieldops_login', 'EXECUTE', null),
  -- Mail and password reset (migration 0021): the sign-in pool's only.
  ('auth.enqueue_mail(uuid,text,text,text,text,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.mail_due(integer)', 'fieldops_login', 'EXECUTE', null),
  ('auth.mail_claim(uuid,uuid,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.mail_delivered(uuid,uuid)', 'fieldops_login', 'EXECUTE', null),
  ('auth.mail_failed(uuid,uuid,text,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.password_reset_request(text,text,text,integer,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.create_password_reset(uuid,uuid,bytea,timestamp with time zone)', 'fieldops_login', 'EXECUTE', null),
  ('auth.password_reset_account(uuid,bytea)', 'fieldops_login', 'EXECUTE', null),
  ('auth.complete_password_reset(uuid,bytea,text)', 'fieldops_login', 'EXECUTE', null),
  -- The customer portal (migration 0022): the public page over the sign-in pool;
  -- the settings are the admin's.
  ('auth.portal_lookup(text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.portal_attempt(text,text,text,text,integer,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.portal_register(uuid,text,text,text,text,text,bytea,timestamp with time zone)', 'fieldops_login', 'EXECUTE', null),
  ('auth.portal_resend_verification(uuid,text,bytea,timestamp with time zone)', 'fieldops_login', 'EXECUTE', null),
  ('auth.portal_verify(uuid,bytea)', 'fieldops_login', 'EXECUTE', null),
  ('auth.portal_account_status(text,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.portal_unsubscribe(uuid,bytea)', 'fieldops_login', 'EXECUTE', null),
  ('auth.email_change_request(uuid,uuid,text,bytea,timestamp with time zone)', 'fieldops_login', 'EXECUTE', null),
  ('auth.email_change_confirm(uuid,bytea)', 'fieldops_login', 'EXECUTE', null),
  ('auth.portal_register_invited(uuid,bytea,text,text,text,text)', 'fieldops_login', 'EXECUTE', null),
  -- Self-service sign-up (migration 0043), before anyone signs in.
  ('auth.signup_attempt(text,text,integer,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.signup_pending_company(text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.signup_start(uuid,text,text,boolean,text,text,text,bytea,timestamp with time zone,text)', 'fieldops_login', 'EXECUTE', null),
  ('auth.signup_confirm(uuid,bytea)', 'fieldops_login', 'EXECUTE', null),
  ('app.portal_accounts', 'fieldops_admin', 'SELECT', '{company_id,id,name,email,phone,address,terms_accepted_at,state,email_verified_at,customer_id,user_id,invitation_id,rejected_reason,decided_at,created_at,updated_at,version}'),
  ('app.portal_accounts', 'fieldops_admin', 'UPDATE', '{state,customer_id,rejected_reason,identity_id}'),
  ('app.portal_invitations', 'fieldops_admin', 'SELECT', '{company_id,id,customer_id,email,expires_at,used_at,account_id,created_at,updated_at,version}'),
  ('app.portal_invitations', 'fieldops_admin', 'INSERT', '{customer_id,email,token_hash,expires_at}'),
  ('app.portal_invitations', 'fieldops_admin', 'DELETE', null),
  -- The daily digest (migration 0038): chosen by admins, run over the sign-in pool.
  ('app.digest_recipients', 'fieldops_admin', 'SELECT', null),
  ('app.digest_recipients', 'fieldops_admin', 'INSERT', '{user_id}'),
  ('app.digest_recipients', 'fieldops_admin', 'DELETE', null),
  ('app.digest_runs', 'fieldops_admin', 'SELECT', null),
  ('auth.digests_due(timestamp with time zone)', 'fieldops_login', 'EXECUTE', null),
  ('auth.digest_claim(uuid,date)', 'fieldops_login', 'EXECUTE', null),
  ('auth.digest_pending(uuid,integer)', 'fieldops_login', 'EXECUTE', null),
  ('auth.digest_recipients(uuid)', 'fieldops_login', 'EXECUTE', null),
  ('auth.digest_recorded(uuid,date,integer,integer)', 'fieldops_login', 'EXECUTE', null),
  ('app.mail_outbox', 'fieldops_admin', 'INSERT', '{kind,recipient,subject,text_body,html_body}'),
  ('app.job_requests', 'fieldops_admin', 'SELECT', null),
  ('app.job_requests', 'fieldops_admin', 'UPDATE', '{service_location_id,title,description,preferred_windows,urgency,state,rejected_reason,job_id,change_reason,decided_mail}'),
  ('app.job_requests', 'fieldops_customer', 'SELECT', null),
  ('app.job_requests', 'fieldops_customer', 'INSERT', '{customer_id,service_location_id,title,description,preferred_windows,urgency}'),
  ('app.job_requests', 'fieldops_customer', 'UPDATE', '{service_location_id,title,description,preferred_windows,urgency,state,change_reason,received_mail}'),
  ('app.job_request_changes', 'fieldops_admin', 'SELECT', null),
  ('app.job_request_changes', 'fieldops_customer', 'SELECT', null),
  ('app.messages', 'fieldops_admin', 'SELECT', '{company_id,id,request_id,job_id,author_id,author_name,author_role,body,internal,mailed,created_at}'),
  ('app.messages', 'fieldops_admin', 'INSERT', '{request_id,job_id,body,internal,mail}'),
  ('app.messages', 'fieldops_worker', 'SELECT', '{company_id,id,request_id,job_id,author_id,author_name,author_role,body,internal,mailed,created_at}'),
  ('app.messages', 'fieldops_worker', 'INSERT', '{request_id,job_id,body,internal,mail}'),
  ('app.messages', 'fieldops_customer', 'SELECT', '{company_id,id,request_id,job_id,author_id,author_name,author_role,body,internal,created_at}'),
  ('app.messages', 'fieldops_customer', 'INSERT', '{request_id,job_id,body,mail}'),
  ('app.message_reads', 'fieldops_admin', 'SELECT', null),
  ('app.message_reads', 'fieldops_admin', 'INSERT', '{user_id,request_id,job_id,last_read_at}'),
  ('app.message_reads', 'fieldops_admin', 'UPDATE', '{last_read_at}'),
  ('app.notification_preferences', 'fieldops_admin', 'SELECT', null),
  ('app.notification_preferences', 'fieldops_admin', 'INSERT', '{user_id,mail_notifications}'),
  ('app.notification_preferences', 'fieldops_admin', 'UPDATE', '{mail_notifications}'),
  ('app.message_reads', 'fieldops_worker', 'SELECT', null),
  ('app.message_reads', 'fieldops_worker', 'INSERT', '{user_id,request_id,job_id,last_read_at}'),
  ('app.message_reads', 'fieldops_worker', 'UPDATE', '{last_read_at}'),
  ('app.notification_preferences', 'fieldops_worker', 'SELECT', null),
  ('app.notification_preferences', 'fieldops_worker', 'INSERT', '{user_id,mail_notifications}'),
  ('app.notification_preferences', 'fieldops_worker', 'UPDATE', '{mail_notifications}'),
  ('app.message_reads', 'fieldops_customer', 'SELECT', null),
  ('app.message_reads', 'fieldops_customer', 'INSERT', '{user_id,request_id,job_id,last_read_at}'),
  ('app.message_reads', 'fieldops_customer', 'UPDATE', '{last_read_at}'),
  ('app.notification_preferences', 'fieldops_customer', 'SELECT', null),
  ('app.notification_preferences', 'fieldops_customer', 'INSERT', '{user_id,mail_notifications}'),
  ('app.notification_preferences', 'fieldops_customer', 'UPDATE', '{mail_notifications}'),
  ('app.attachments', 'fieldops_admin', 'DELETE', null),
  ('app.attachments', 'fieldops_admin', 'INSERT', '{job_id,job_request_id,storage_key,file_name,visibility,caption,photo_group,idempotency_key,note_id,customer_id}'),
  ('app.attachments', 'fieldops_admin', 'SELECT', null),
  ('app.attachments', 'fieldops_admin', 'UPDATE', '{file_name,content_type,size_bytes,sha256,visibility,caption,photo_group,thumb_small_key,thumb_medium_key,state,stored_at,deleted_at,deleted_by}'),
  ('app.attachments', 'fieldops_worker', 'DELETE', null),
  ('app.attachments', 'fieldops_worker', 'INSERT', '{job_id,job_request_id,storage_key,file_name,visibility,caption,photo_group,idempotency_key,note_id,customer_id}'),
  ('app.attachments', 'fieldops_worker', 'SELECT', null),
  ('app.attachments', 'fieldops_worker', 'UPDATE', '{file_name,content_type,size_bytes,sha256,visibility,caption,photo_group,thumb_small_key,thumb_medium_key,state,stored_at,deleted_at,deleted_by}'),
  ('app.attachments', 'fieldops_customer', 'DELETE', null),
  ('app.attachments', 'fieldops_customer', 'INSERT', '{job_request_id,storage_key,file_name,visibility,caption,photo_group,idempotency_key}'),
  ('app.attachments', 'fieldops_customer', 'SELECT', null),
  ('app.attachments', 'fieldops_customer', 'UPDATE', '{file_name,content_type,size_bytes,sha256,thumb_small_key,thumb_medium_key,state,stored_at,deleted_at,deleted_by}'),
  ('auth.attachment_bytes_used(uuid)', 'fieldops_login', 'EXECUTE', null),
  ('auth.attachments_to_purge(interval,interval,integer)', 'fieldops_login', 'EXECUTE', null),
  ('auth.attachment_purged(uuid,uuid,interval,interval)', 'fieldops_login', 'EXECUTE', null),
  ('auth.share_photos(uuid,bytea)', 'fieldops_login', 'EXECUTE', null),
  ('app.portal_settings', 'fieldops_admin', 'SELECT', null),
  ('app.portal_settings', 'fieldops_admin', 'INSERT', '{registration_mode,locked_fields,job_status_mails,digest_hour}'),
  ('app.portal_settings', 'fieldops_admin', 'UPDATE', '{registration_mode,locked_fields,job_status_mails,digest_hour}'),
  -- The policies' job probes on Citus (invoker's rights: they see what app.jobs lets the caller see).
  ('app.session_company_hint()', 'fieldops_admin', 'EXECUTE', null),
  ('app.session_company_hint()', 'fieldops_customer', 'EXECUTE', null),
  ('app.session_company_hint()', 'fieldops_worker', 'EXECUTE', null),
  ('app.session_user_hint()', 'fieldops_admin', 'EXECUTE', null),
  ('app.session_user_hint()', 'fieldops_customer', 'EXECUTE', null),
  ('app.session_user_hint()', 'fieldops_worker', 'EXECUTE', null),
  ('app.job_is_visible(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.job_is_visible(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.job_is_visible(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.customer_has_visible_job(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.customer_has_visible_job(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.customer_has_visible_job(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.worker_has_visible_job(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.worker_has_visible_job(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.worker_has_visible_job(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null),
  ('app.location_has_visible_open_job(uuid,uuid)', 'fieldops_admin', 'EXECUTE', null),
  ('app.location_has_visible_open_job(uuid,uuid)', 'fieldops_customer', 'EXECUTE', null),
  ('app.location_has_visible_open_job(uuid,uuid)', 'fieldops_worker', 'EXECUTE', null);
grant select on expected_grant to public;

-- On Citus, db/citus.sql also grants a request role INSERT on every column
-- with a default of a table it may insert into (Citus writes an INSERT to a
-- shard with the defaults spelled out). company_id, author_id and user_id are
-- still checked by the policies' WITH CHECK, created_at and version of
-- stamped tables are overwritten by app.stamp_row(), and an id is a key in
-- the caller's own company; jobs.is_archived, share_links.open_count and
-- idempotency_keys.created_at become the inserting caller's choice, in its
-- own company; the custom-field projections are overwritten by
-- app.check_custom_fields() on every insert. Listed by name, so that a new
-- defaulted column (a flag, a secret) does not become insertable on Citus
-- unnoticed.
create temporary table citus_insert_default (object text, grantee text, columns text[]) on commit drop;
insert into citus_insert_default values
  ('app.communications', 'fieldops_admin', '{id,company_id,occurred_at,created_at,updated_at,version}'),
  ('app.imports', 'fieldops_admin', '{id,company_id,created_at,created_count,updated_count,skipped_count,refused_count,errors,updated_at,version}'),
  ('app.external_refs', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.import_mappings', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.contact_locations', 'fieldops_admin', '{id,company_id,created_at}'),
  ('app.contact_methods', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.contacts', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.custom_field_definitions', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.branches', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.customers', 'fieldops_admin', '{id,company_id,created_at,updated_at,version,worker_custom_fields,customer_custom_fields}'),
  ('app.idempotency_keys', 'fieldops_admin', '{company_id,user_id,created_at}'),
  ('app.idempotency_keys', 'fieldops_worker', '{company_id,user_id,created_at}'),
  ('app.job_notes', 'fieldops_admin', '{id,company_id,author_id,created_at,updated_at,version}'),
  ('app.job_notes', 'fieldops_worker', '{id,company_id,author_id,created_at,updated_at,version}'),
  ('app.job_statuses', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.job_tasks', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.jobs', 'fieldops_admin', '{id,company_id,is_archived,created_at,updated_at,version,worker_custom_fields,customer_custom_fields}'),
  ('app.portal_settings', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.portal_invitations', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.digest_recipients', 'fieldops_admin', '{id,company_id,created_at}'),
  ('app.job_requests', 'fieldops_customer', '{id,company_id,description,preferred_windows,urgency,state,created_at,updated_at,version}'),
  ('app.mail_outbox', 'fieldops_admin', '{id,company_id,state,attempts,next_attempt_at,created_at}'),
  ('app.messages', 'fieldops_admin', '{id,company_id,internal,mailed,created_at}'),
  ('app.message_reads', 'fieldops_admin', '{id,company_id}'),
  ('app.notification_preferences', 'fieldops_admin', '{id,company_id,mail_notifications,created_at,updated_at,version}'),
  ('app.messages', 'fieldops_worker', '{id,company_id,internal,mailed,created_at}'),
  ('app.message_reads', 'fieldops_worker', '{id,company_id}'),
  ('app.notification_preferences', 'fieldops_worker', '{id,company_id,mail_notifications,created_at,updated_at,version}'),
  ('app.messages', 'fieldops_customer', '{id,company_id,internal,mailed,created_at}'),
  ('app.message_reads', 'fieldops_customer', '{id,company_id}'),
  ('app.notification_preferences', 'fieldops_customer', '{id,company_id,mail_notifications,created_at,updated_at,version}'),
  ('app.service_location_access', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.service_locations', 'fieldops_admin', '{id,company_id,created_at,updated_at,version,worker_custom_fields,customer_custom_fields}'),
  ('app.share_links', 'fieldops_admin', '{id,company_id,open_count,created_at,updated_at,version}'),
  ('app.attachments', 'fieldops_admin', '{id,company_id,uploaded_by,visibility,caption,photo_group,state,created_at,updated_at,version}'),
  ('app.attachments', 'fieldops_worker', '{id,company_id,uploaded_by,visibility,caption,photo_group,state,created_at,updated_at,version}'),
  ('app.attachments', 'fieldops_customer', '{id,company_id,uploaded_by,visibility,caption,photo_group,state,created_at,updated_at,version}'),
  ('app.users', 'fieldops_admin', '{id,company_id,created_at,updated_at,version}'),
  ('app.invitations', 'fieldops_admin', '{company_id,id,created_at,updated_at,version}'),
  ('app.roles', 'fieldops_admin', '{company_id,id,is_default,description,created_at,updated_at,version}'),
  ('app.role_permissions', 'fieldops_admin', '{company_id,id,created_at,updated_at,version}');
update expected_grant e
set columns = array(select a.attname::text from pg_attribute a
                    where a.attrelid = e.object::regclass and a.attnum > 0 and not a.attisdropped
                      and a.attname = any (e.columns || d.columns)
                    order by a.attnum)
from citus_insert_default d
where d.object = e.object and d.grantee = e.grantee and e.privilege = 'INSERT'
  and exists (select 1 from pg_extension where extname = 'citus');

create temporary table request_role (name text) on commit drop;
insert into request_role values
  ('fieldops_authenticator'), ('fieldops_admin'), ('fieldops_worker'), ('fieldops_customer');
grant select on request_role to public;

select plan((
  select 4                                                    -- the checks below
       + (select count(distinct object)::int from expected_grant)
       + (select count(*)::int * 4 from pg_class c
          where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p'))
       + 14 + 8
));

select set_eq(
  $$ select object, grantee, privilege, columns from app.grant_report $$,
  $$ select object, grantee, privilege, columns from expected_grant $$,
  'app.grant_report holds exactly the expected grants, nothing more');

-- Per object, for readable failures.
select is(
  array(select format('%s %s %s', g.grantee, g.privilege, coalesce(g.columns::text, ''))
        from app.grant_report g where g.object = o.object order by 1),
  array(select format('%s %s %s', e.grantee, e.privilege, coalesce(e.columns::text, ''))
        from expected_grant e where e.object = o.object order by 1),
  format('grants on %s', o.object))
from (select distinct object from expected_grant order by 1) o;

-- Table-level privileges of every request role on every table, enumerated
-- (a new table must grant nothing until its grants are listed above).
select table_privs_are('app', c.relname, r.name,
  coalesce((select array_agg(e.privilege) from expected_grant e
            where e.object = 'app.' || c.relname and e.grantee = r.name and e.columns is null), '{}'),
  format('%s: table privileges of %s', c.relname, r.name))
from pg_class c, request_role r
where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
order by c.relname, r.name;

-- Secrets: no request role can read a hash.
select column_privs_are('app', 'users', 'password_hash', 'fieldops_admin', array['INSERT', 'UPDATE'],
  'admins may set a password hash, never read one');
select column_privs_are('app', 'users', 'password_hash', 'fieldops_worker', '{}', 'workers: nothing on password_hash');
select column_privs_are('app', 'users', 'password_hash', 'fieldops_customer', '{}', 'customers: nothing on password_hash');
select column_privs_are('app', 'share_links', 'token_hash', 'fieldops_admin', array['INSERT'],
  'admins may store a share-link digest, never read one');
select column_privs_are('app', 'share_links', 'token_hash', 'fieldops_worker', '{}', 'workers: nothing on token_hash');
select column_privs_are('app', 'refresh_tokens', 'token_hash', 'fieldops_admin', '{}', 'admins: nothing on refresh tokens');
select column_privs_are('app', 'password_reset_tokens', 'token_hash', 'fieldops_admin', '{}',
  'admins: nothing on password reset tokens');
select column_privs_are('app', 'mail_outbox', 'text_body', 'fieldops_admin', array['INSERT'],
  'admins may queue a mail (an invitation), never read one (a reset mail''s link signs in)');
select column_privs_are('app', 'jobs', 'status_id', 'fieldops_worker', array['SELECT', 'UPDATE'],
  'workers may change a job''s status');
select column_privs_are('app', 'job_tasks', 'is_completed', 'fieldops_worker', array['SELECT', 'UPDATE'],
  'workers may tick a task off');
-- Gate codes (migration 0020): the customer role has no privilege on them at all.
select table_privs_are('app', 'service_location_access', 'fieldops_customer', '{}',
  'customers: no privilege on gate codes and access notes');
select column_privs_are('app', 'service_location_access', 'gate_code', 'fieldops_customer', '{}',
  'customers: nothing on gate_code');
select column_privs_are('app', 'service_location_access', 'gate_code', 'fieldops_worker', array['SELECT'],
  'workers may read a gate code (the policy says which)');
select column_privs_are('app', 'customers', 'account_number', 'fieldops_admin', array['SELECT'],
  'admins read account numbers; the database assigns them');

-- Schemas.
select schema_privs_are('app', 'fieldops_admin', array['USAGE'], 'admins use schema app');
select schema_privs_are('app', 'fieldops_worker', array['USAGE'], 'workers use schema app');
select schema_privs_are('app', 'fieldops_customer', array['USAGE'], 'customers use schema app');
select schema_privs_are('app', 'fieldops_authenticator', '{}', 'the authenticator cannot even look into schema app');
select schema_privs_are('auth', 'fieldops_authenticator', array['USAGE'], 'the authenticator uses schema auth');
select schema_privs_are('auth', 'fieldops_admin', array['USAGE'], 'admins use schema auth');
select schema_privs_are('app', 'public', '{}', 'PUBLIC cannot use schema app');
select schema_privs_are('auth', 'public', '{}', 'PUBLIC cannot use schema auth');

select is_empty($$
  select object from app.grant_report where grantee = 'fieldops_authenticator' and object_type <> 'function'
$$, 'the authenticator has no privilege on any table or view');

select is_empty($$
  select object from app.grant_report where grantee = 'fieldops_authenticator' and object not like 'auth.%'
$$, 'the authenticator executes only the narrow auth.* functions');

select is_empty($$ select object, privilege from app.grant_report where grantee = 'public' $$,
  'PUBLIC has no privilege on any object of schemas app and auth');

select * from finish();
rollback;
