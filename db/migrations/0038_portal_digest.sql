-- The daily digest of waiting job requests (issue #17): admins choose which
-- of them receive it and at which hour, and a task of `fieldops serve` queues
-- one mail per chosen admin per company and day, listing the submitted
-- requests oldest first. Companies have no time zone yet, so the hour is UTC.

alter table app.portal_settings
  add column digest_hour smallint not null default 7,
  add constraint portal_settings_digest_hour check (digest_hour between 0 and 23);

-- Who receives the digest: admins of the company, chosen by an admin.
create table app.digest_recipients (
  company_id uuid not null default app.session_company_hint()
    constraint digest_recipients_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  created_at timestamptz not null default now(),
  created_by uuid,
  constraint digest_recipients_pkey primary key (company_id, id),
  constraint digest_recipients_user_key unique (company_id, user_id),
  constraint digest_recipients_user_fkey foreign key (company_id, user_id)
    references app.users (company_id, id) on delete cascade
);

create trigger digest_recipients_audit after insert or update or delete on app.digest_recipients
  for each row execute function app.audit_row('company_id');

-- One row per company and day on which the digest ran. Its unique key is the
-- claim: of several replicas, the one whose insert lands queues the mails
-- (the others' INSERT … ON CONFLICT DO NOTHING waits for it and inserts
-- nothing), so a day's digest is never mailed twice.
create table app.digest_runs (
  company_id uuid not null default app.session_company_hint()
    constraint digest_runs_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  digest_date date not null,
  requests integer not null default 0,
  mails integer not null default 0,
  created_at timestamptz not null default now(),
  constraint digest_runs_pkey primary key (company_id, id),
  constraint digest_runs_company_date_key unique (company_id, digest_date),
  constraint digest_runs_counts check (requests >= 0 and mails >= 0)
);

create trigger digest_runs_audit after insert or update or delete on app.digest_runs
  for each row execute function app.audit_row('company_id');

-- The digest task runs over the sign-in pool, for every company, with no
-- request's context: these functions are executable by fieldops_login only
-- (db/policies/00_schemas.sql), as the mail sender's are. Every query names
-- one company, so on Citus each goes to one shard.

-- The companies whose digest is due at p_now: active, with recipients, the
-- hour reached (UTC) and no run yet that day. Read only: the claim follows.
create function auth.digests_due(p_now timestamptz)
returns table (company_id uuid, digest_date date, company_name text, company_color text, slug text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid;
  v_date date := (p_now at time zone 'UTC')::date;
  v_hour integer := extract(hour from p_now at time zone 'UTC')::integer;
  v_digest_hour integer;
begin
  -- One company at a time: the recipients, settings and runs are each read
  -- by their company, never joined across shards.
  for v_company in select distinct r.company_id from app.digest_recipients r loop
    select s.digest_hour into v_digest_hour from app.portal_settings s where s.company_id = v_company;
    if coalesce(v_digest_hour, 7) > v_hour then
      continue;
    end if;
    if exists (select 1 from app.digest_runs d where d.company_id = v_company and d.digest_date = v_date) then
      continue;
    end if;
    return query
      select c.id, v_date, c.name, c.color, c.slug from app.companies c where c.id = v_company and c.is_active;
  end loop;
end
$$;

-- Claims a company's digest of p_date: true for the one caller whose row
-- lands, false for every other (now or later that day).
create function auth.digest_claim(p_company_id uuid, p_date date)
returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id uuid;
begin
  insert into app.digest_runs (company_id, digest_date) values (p_company_id, p_date)
  on conflict (company_id, digest_date) do nothing
  returning id into v_id;
  return v_id is not null;
end
$$;

-- The company's submitted requests, oldest first, with their customer's name.
create function auth.digest_pending(p_company_id uuid, p_limit integer)
returns table (id uuid, title text, customer_name text, submitted_at timestamptz)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
    select r.id, r.title, c.name, coalesce(r.submitted_at, r.created_at)
    from app.job_requests r
    join app.customers c on c.company_id = r.company_id and c.id = r.customer_id
    where r.company_id = p_company_id and c.company_id = p_company_id and r.state = 'submitted'
    order by coalesce(r.submitted_at, r.created_at), r.id
    limit p_limit;
end
$$;

-- Who receives it: the chosen users that are active admins still.
create function auth.digest_recipients(p_company_id uuid)
returns table (email text, name text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
    select u.email, u.name
    from app.digest_recipients d
    join app.users u on u.company_id = d.company_id and u.id = d.user_id
    where d.company_id = p_company_id and u.company_id = p_company_id
      and u.role = 'ADMIN' and u.is_active and u.deleted_at is null
    order by u.email;
end
$$;

-- Records what the claimed run queued.
create function auth.digest_recorded(p_company_id uuid, p_date date, p_requests integer, p_mails integer)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  update app.digest_runs d set requests = p_requests, mails = p_mails
  where d.company_id = p_company_id and d.digest_date = p_date;
end
$$;
