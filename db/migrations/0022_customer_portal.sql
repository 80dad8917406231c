-- The customer portal (issue #17): each company's portal settings.
--
-- A company's portal lives at /p/{slug}. Who may register there, which fields
-- of a job request stay locked once staff approved it, and whether customers
-- get job status mails are the company's choice, kept in one row of
-- app.portal_settings per company. A company without a row has the defaults
-- of the columns below (registration by invitation only: nobody can sign up
-- to a portal its company has not opened), so creating a company needs no
-- second write here; the admin's first save creates the row.
--
-- Shapes for Citus (docs/scaling.md): keyed (company_id, id) like every
-- tenant table, with one row per company (unique (company_id)), so the
-- admin's upsert names its shard; the public lookup joins the reference table
-- app.companies with a distributed table on the company's id.

create table app.portal_settings (
  company_id uuid not null default app.session_company_hint()
    constraint portal_settings_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- open: anyone registers and gets a new customer; approval: staff approve
  -- each account (to a customer of theirs, or a new one) or reject it;
  -- invitation: only the invited register.
  registration_mode text not null default 'invitation',
  -- The job request fields a customer may no longer edit once the request is
  -- approved (the job exists and work is planned around them).
  locked_fields text[] not null default array['title', 'description', 'preferred_windows', 'service_location_id',
                                              'urgency']::text[],
  -- Whether customers get a mail when one of their jobs changes status.
  job_status_mails boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint portal_settings_pkey primary key (company_id, id),
  constraint portal_settings_company_key unique (company_id),
  constraint portal_settings_registration_mode check (registration_mode in ('open', 'approval', 'invitation')),
  constraint portal_settings_locked_fields check (
    locked_fields <@ array['title', 'description', 'preferred_windows', 'service_location_id', 'urgency']::text[]
    and array_position(locked_fields, null) is null)
);

create trigger portal_settings_stamp before insert or update on app.portal_settings
  for each row execute function app.stamp_row();
create trigger portal_settings_audit after insert or update or delete on app.portal_settings
  for each row execute function app.audit_row('company_id');

-- The public portal page (GET /api/v1/portal/{slug}), before anyone signs in:
-- an active company's display name, colour and registration mode, nothing
-- else. Over the sign-in pool only (fieldops_login), as sign-in is.
create function auth.portal_lookup(p_company_slug text)
returns table (company_id uuid, company_name text, company_color text, registration_mode text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
  select c.id, c.name, c.color, coalesce(s.registration_mode, 'invitation')
  from app.companies c
  left join app.portal_settings s on s.company_id = c.id
  where c.slug = pg_catalog.lower(p_company_slug) and c.is_active;
end
$$;
