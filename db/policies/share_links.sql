-- app.share_links and app.share_link_opens: tokenized read-only links to one job.
--
-- owner:           everything; auth.open_share_link() (SECURITY DEFINER, run by the
--                  authenticator for GET /share/{token}) returns exactly the one job
--                  a live token names, read-only, and records the opening.
-- admin:           creates links for its company's jobs, lists them with their open
--                  counts, revokes them (revoked_at); no DELETE.
-- worker:          nothing.
-- customer:        nothing.
-- No request role can read token_hash.

alter table app.share_links enable row level security;
alter table app.share_links force row level security;
alter table app.share_link_opens enable row level security;
alter table app.share_link_opens force row level security;

revoke all on app.share_links from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
revoke all on app.share_link_opens from public, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;

grant select (id, company_id, job_id, expires_at, revoked_at, revoked_by, open_count, last_opened_at,
              created_at, updated_at, created_by, version),
      insert (job_id, token_hash, expires_at),
      update (revoked_at, revoked_by)
  on app.share_links to fieldops_admin;
grant select on app.share_link_opens to fieldops_admin;

create policy share_links_owner_all on app.share_links to fieldops_owner
  using (true) with check (true);

create policy share_links_admin_select on app.share_links for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('share_links.manage'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = share_links.company_id and j.id = share_links.job_id offset 0)));

create policy share_links_admin_insert on app.share_links for insert to fieldops_admin
  with check (company_id = (select app.company_id()) and (select app.has_permission('share_links.manage'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = share_links.company_id and j.id = share_links.job_id offset 0)));

create policy share_links_admin_update on app.share_links for update to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('share_links.manage'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = share_links.company_id and j.id = share_links.job_id offset 0)))
  with check (company_id = (select app.company_id()) and (select app.has_permission('share_links.manage'))
  -- branch scope (0040): the job's branch decides
  and ((select app.branch_id()) is null
       or exists (select 1 from app.jobs j where j.company_id = share_links.company_id and j.id = share_links.job_id offset 0)));

create policy share_link_opens_owner_all on app.share_link_opens to fieldops_owner
  using (true) with check (true);

create policy share_link_opens_admin_select on app.share_link_opens for select to fieldops_admin
  using (company_id = (select app.company_id()) and (select app.has_permission('share_links.manage')));
