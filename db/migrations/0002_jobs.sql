-- The job lifecycle: per-company statuses, jobs, their tasks and notes, and
-- share links. Every child row carries company_id and references its parent by
-- (company_id, id), so no row can ever point at another company's row: foreign
-- key checks ignore RLS, composite keys do not need it.

create extension if not exists pg_trgm;

create type app.note_visibility as enum ('internal', 'customer');

create table app.job_statuses (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id()
    constraint job_statuses_company_fkey references app.companies (id) on delete cascade,
  name text not null,
  color text not null default '#64748b',
  order_index integer not null default 0,
  is_final boolean not null default false,
  -- Workflow rule as data: a job may enter this status only when every task is done.
  requires_tasks_done boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint job_statuses_company_id_id_key unique (company_id, id),
  constraint job_statuses_name_length check (char_length(btrim(name)) between 1 and 60),
  constraint job_statuses_color_format check (color ~ '^#[0-9a-fA-F]{6}$')
);

create unique index job_statuses_company_name_key on app.job_statuses (company_id, lower(name));
create index job_statuses_company_order_idx on app.job_statuses (company_id, order_index, id);

create trigger job_statuses_stamp before insert or update on app.job_statuses
for each row execute function app.stamp_row();

-- Jobs must always be able to finish: the last final status cannot go.
create function app.keep_a_final_status() returns trigger
language plpgsql
as $$
begin
  if old.is_final and (tg_op = 'DELETE' or not new.is_final) then
    perform pg_advisory_xact_lock(hashtextextended('final-status:' || old.company_id::text, 0));
    if not exists (
      select 1 from app.job_statuses s
      where s.company_id = old.company_id and s.id <> old.id and s.is_final
    ) then
      raise exception 'at least one status must stay final'
        using errcode = 'FO409', constraint = 'job_statuses_last_final';
    end if;
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;

create trigger job_statuses_keep_final before update or delete on app.job_statuses
for each row execute function app.keep_a_final_status();

-- Every new company starts with the four statuses of a simple workflow.
create function app.create_default_statuses() returns trigger
language plpgsql
as $$
begin
  insert into app.job_statuses (company_id, name, color, order_index, is_final)
  values (new.id, 'New', '#64748b', 0, false),
         (new.id, 'Scheduled', '#2563eb', 1, false),
         (new.id, 'In progress', '#d97706', 2, false),
         (new.id, 'Completed', '#16a34a', 3, true);
  return new;
end
$$;

create trigger companies_default_statuses after insert on app.companies
for each row execute function app.create_default_statuses();

create table app.jobs (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id()
    constraint jobs_company_fkey references app.companies (id) on delete cascade,
  customer_id uuid not null,
  status_id uuid not null,
  assigned_worker_id uuid,
  title text not null,
  description text not null default '',
  scheduled_at timestamptz,
  completed_at timestamptz,
  is_archived boolean not null default false,
  archived_at timestamptz,
  archived_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint jobs_company_id_id_key unique (company_id, id),
  constraint jobs_customer_fkey foreign key (company_id, customer_id)
    references app.customers (company_id, id),
  constraint jobs_status_fkey foreign key (company_id, status_id)
    references app.job_statuses (company_id, id),
  constraint jobs_worker_fkey foreign key (company_id, assigned_worker_id)
    references app.users (company_id, id),
  constraint jobs_title_length check (char_length(btrim(title)) between 1 and 200),
  constraint jobs_description_length check (char_length(description) <= 10000)
);

-- Every policy column leads an index; the list's keyset order has its own.
create index jobs_company_created_idx on app.jobs (company_id, created_at desc, id desc);
create index jobs_company_status_idx on app.jobs (company_id, status_id, created_at desc, id desc);
create index jobs_company_worker_idx on app.jobs (company_id, assigned_worker_id, created_at desc, id desc);
create index jobs_company_customer_idx on app.jobs (company_id, customer_id, created_at desc, id desc);

create trigger jobs_stamp before insert or update on app.jobs
for each row execute function app.stamp_row();

-- The assignee must be an active worker of the job's company (the composite
-- foreign key already guarantees the company).
create function app.check_job_assignee() returns trigger
language plpgsql
as $$
begin
  if new.assigned_worker_id is not null
     and (tg_op = 'INSERT' or new.assigned_worker_id is distinct from old.assigned_worker_id)
     and not exists (
       select 1 from app.users u
       where u.company_id = new.company_id and u.id = new.assigned_worker_id
         and u.role = 'WORKER' and u.is_active and u.deleted_at is null
     )
  then
    raise exception 'the assignee is not an active worker of this company'
      using errcode = 'FO422', constraint = 'jobs_assignee_is_worker';
  end if;
  return new;
end
$$;

create trigger jobs_check_assignee before insert or update of assigned_worker_id on app.jobs
for each row execute function app.check_job_assignee();

-- Status changes: entering a final status stamps completed_at, leaving it clears
-- it; a status that requires finished tasks refuses a job with open ones. The
-- database enforces this whoever writes (API, worker, psql).
create function app.apply_job_status() returns trigger
language plpgsql
as $$
declare
  v_status app.job_statuses%rowtype;
begin
  if tg_op = 'UPDATE' and new.status_id = old.status_id then
    return new;
  end if;
  select * into v_status from app.job_statuses s
  where s.company_id = new.company_id and s.id = new.status_id;
  if v_status.requires_tasks_done and exists (
    select 1 from app.job_tasks t
    where t.company_id = new.company_id and t.job_id = new.id and not t.is_completed
  ) then
    raise exception 'the status "%" requires every task to be done first', v_status.name
      using errcode = 'FO422', constraint = 'jobs_open_tasks';
  end if;
  if v_status.is_final then
    new.completed_at := coalesce(case when tg_op = 'UPDATE' then old.completed_at end, now());
  else
    new.completed_at := null;
  end if;
  return new;
end
$$;

create table app.job_tasks (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id(),
  job_id uuid not null,
  title text not null,
  position integer not null default 0,
  is_completed boolean not null default false,
  completed_at timestamptz,
  completed_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint job_tasks_company_id_id_key unique (company_id, id),
  constraint job_tasks_job_fkey foreign key (company_id, job_id)
    references app.jobs (company_id, id) on delete cascade,
  constraint job_tasks_title_length check (char_length(btrim(title)) between 1 and 200)
);

create index job_tasks_company_job_idx on app.job_tasks (company_id, job_id, position, id);

create trigger jobs_apply_status before insert or update of status_id on app.jobs
for each row execute function app.apply_job_status();

create trigger job_tasks_stamp before insert or update on app.job_tasks
for each row execute function app.stamp_row();

create function app.stamp_task_completion() returns trigger
language plpgsql
as $$
begin
  if new.is_completed and (tg_op = 'INSERT' or not old.is_completed) then
    new.completed_at := now();
    new.completed_by := app.user_id();
  elsif not new.is_completed then
    new.completed_at := null;
    new.completed_by := null;
  end if;
  return new;
end
$$;

create trigger job_tasks_completion before insert or update of is_completed on app.job_tasks
for each row execute function app.stamp_task_completion();

create table app.job_notes (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id(),
  job_id uuid not null,
  author_id uuid not null default app.user_id(),
  body text not null,
  visibility app.note_visibility not null default 'internal',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint job_notes_company_id_id_key unique (company_id, id),
  constraint job_notes_job_fkey foreign key (company_id, job_id)
    references app.jobs (company_id, id) on delete cascade,
  constraint job_notes_author_fkey foreign key (company_id, author_id)
    references app.users (company_id, id),
  constraint job_notes_body_length check (char_length(btrim(body)) between 1 and 5000)
);

create index job_notes_company_job_idx on app.job_notes (company_id, job_id, created_at, id);

create trigger job_notes_stamp before insert or update on app.job_notes
for each row execute function app.stamp_row();

-- Share links: the token is 256 random bits shown once; only its SHA-256 is kept.
create table app.share_links (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null default app.company_id(),
  job_id uuid not null,
  token_hash bytea not null,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_by uuid,
  open_count integer not null default 0,
  last_opened_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint share_links_company_id_id_key unique (company_id, id),
  constraint share_links_token_hash_key unique (token_hash),
  constraint share_links_job_fkey foreign key (company_id, job_id)
    references app.jobs (company_id, id) on delete cascade,
  constraint share_links_token_hash_length check (octet_length(token_hash) = 32)
);

create index share_links_company_job_idx on app.share_links (company_id, job_id, created_at desc);

create trigger share_links_stamp before insert or update on app.share_links
for each row execute function app.stamp_row();

create table app.share_link_opens (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  share_link_id uuid not null,
  opened_at timestamptz not null default now(),
  user_agent text,
  constraint share_link_opens_link_fkey foreign key (company_id, share_link_id)
    references app.share_links (company_id, id) on delete cascade
);

create index share_link_opens_company_link_idx on app.share_link_opens (company_id, share_link_id, opened_at desc);

-- The share-link page: exactly the one job a live token names, read-only, as a
-- JSON document; each opening is recorded. Unknown, expired or revoked: NULL.
create function auth.open_share_link(p_token_hash bytea, p_user_agent text)
returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog
as $$
declare
  v_link app.share_links%rowtype;
  v_view jsonb;
begin
  select * into v_link from app.share_links l
  where l.token_hash = p_token_hash and l.revoked_at is null and l.expires_at > now();
  if not found then
    return null;
  end if;

  select jsonb_build_object(
    'title', j.title,
    'description', j.description,
    'scheduled_at', j.scheduled_at,
    'completed_at', j.completed_at,
    'status', jsonb_build_object('name', s.name, 'color', s.color, 'is_final', s.is_final),
    'worker_name', w.name,
    'company', jsonb_build_object('name', c.name, 'color', c.color),
    'expires_at', v_link.expires_at,
    'tasks', coalesce((
      select jsonb_agg(jsonb_build_object('title', t.title, 'is_completed', t.is_completed)
                       order by t.position, t.id)
      from app.job_tasks t where t.company_id = j.company_id and t.job_id = j.id), '[]'::jsonb),
    'notes', coalesce((
      select jsonb_agg(jsonb_build_object('body', n.body, 'created_at', n.created_at)
                       order by n.created_at, n.id)
      from app.job_notes n
      where n.company_id = j.company_id and n.job_id = j.id and n.visibility = 'customer'), '[]'::jsonb)
  ) into v_view
  from app.jobs j
  join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
  join app.companies c on c.id = j.company_id
  left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id
  where j.company_id = v_link.company_id and j.id = v_link.job_id and not j.is_archived;

  if v_view is null then
    return null;
  end if;

  insert into app.share_link_opens (company_id, share_link_id, user_agent)
  values (v_link.company_id, v_link.id, left(p_user_agent, 500));
  update app.share_links l set open_count = l.open_count + 1, last_opened_at = now()
  where l.company_id = v_link.company_id and l.id = v_link.id;

  return v_view;
end
$$;

-- One definition of "a job as lists show it". security_invoker: the caller's own
-- policies and column grants apply to every table underneath, so a worker's or
-- customer's row set is exactly what they could read table by table.
create view app.job_summaries with (security_invoker = true) as
select
  j.id,
  j.company_id,
  j.title,
  j.description,
  j.status_id,
  s.name as status_name,
  s.color as status_color,
  s.is_final as status_is_final,
  s.order_index as status_order,
  j.customer_id,
  c.name as customer_name,
  j.assigned_worker_id,
  w.name as worker_name,
  j.scheduled_at,
  j.completed_at,
  j.is_archived,
  j.created_at,
  j.updated_at,
  j.version,
  coalesce(t.total, 0)::integer as tasks_total,
  coalesce(t.done, 0)::integer as tasks_done
from app.jobs j
join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
left join app.customers c on c.company_id = j.company_id and c.id = j.customer_id
left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id
left join lateral (
  select count(*) as total, count(*) filter (where t.is_completed) as done
  from app.job_tasks t
  where t.company_id = j.company_id and t.job_id = j.id
) t on true;
