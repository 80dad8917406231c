-- Photos and documents on jobs and job requests (issue #18).
--
-- The bytes live in object storage (STORAGE_URL: a directory or S3); this
-- row is the only way to them, so the parent's row-level security decides
-- who may read a file (db/policies/attachments.sql). An upload is two short
-- transactions around the transfer, never one held open while bytes move:
--   1. insert the row as 'pending' with a fresh random storage key;
--   2. stream the bytes to that key (hashing and sniffing them);
--   3. fill in type, size and checksum and mark it 'stored'.
-- A crash between 1 and 3 leaves a pending row naming an object that may or
-- may not exist; the server's sweeper (auth.attachments_to_purge) removes
-- both once the row is older than any upload can run. A stored row so always
-- names an object that was completely written before the row said so.
-- Deleting is soft (deleted_at, recorded by the audit trigger); the sweeper
-- removes the object and the row after the retention period.

create table app.attachments (
  company_id uuid not null default app.session_company_hint()
    constraint attachments_company_fkey references app.companies (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- The parent: exactly one of a job or a customer's job request.
  job_id uuid,
  job_request_id uuid,
  -- Random, chosen by the server: '<company id>/<32 hex digits>'. Never a
  -- client's file name or anything about the customer.
  storage_key text not null,
  -- The client's name, sanitized by the server (shown and used in downloads).
  file_name text not null,
  -- Detected from the bytes; null while pending.
  content_type text,
  size_bytes bigint,
  sha256 bytea,
  uploaded_by uuid not null default app.session_user_hint(),
  visibility text not null default 'internal',
  caption text not null default '',
  -- A worker's before/after photos of the work.
  photo_group text not null default 'none',
  -- Server-made JPEG thumbnails ('<storage key>.s' and '.m'), for images the
  -- server can decode (not HEIC).
  thumb_small_key text,
  thumb_medium_key text,
  state text not null default 'pending',
  -- The uploader's Idempotency-Key: a retried upload finds its first answer.
  idempotency_key text,
  stored_at timestamptz,
  deleted_at timestamptz,
  deleted_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  version integer not null default 1,
  constraint attachments_pkey primary key (company_id, id),
  constraint attachments_job_fkey foreign key (company_id, job_id) references app.jobs (company_id, id),
  constraint attachments_request_fkey foreign key (company_id, job_request_id)
    references app.job_requests (company_id, id),
  constraint attachments_uploader_fkey foreign key (company_id, uploaded_by) references app.users (company_id, id),
  constraint attachments_deleter_fkey foreign key (company_id, deleted_by) references app.users (company_id, id),
  constraint attachments_one_parent check (num_nonnulls(job_id, job_request_id) = 1),
  constraint attachments_storage_key_key unique (company_id, storage_key),
  constraint attachments_idempotency_key unique (company_id, uploaded_by, idempotency_key),
  -- Under the row's own company: a row can name no other company's object.
  constraint attachments_storage_key_format check (
    storage_key ~ '^[0-9a-f-]{36}/[0-9a-f]{32}$' and starts_with(storage_key, company_id::text || '/')
  ),
  constraint attachments_thumb_keys check (
    (thumb_small_key is null or thumb_small_key = storage_key || '.s')
    and (thumb_medium_key is null or thumb_medium_key = storage_key || '.m')
  ),
  constraint attachments_file_name_length check (char_length(file_name) between 1 and 200
    and file_name !~ '[/\\[:cntrl:]]'),
  constraint attachments_caption_length check (char_length(caption) <= 500),
  constraint attachments_visibility check (visibility in ('internal', 'customer')),
  constraint attachments_photo_group check (photo_group in ('before', 'after', 'none')),
  constraint attachments_state check (state in ('pending', 'stored')),
  constraint attachments_stored_complete check (
    state = 'pending'
    or (content_type is not null and size_bytes is not null and sha256 is not null and stored_at is not null)
  ),
  constraint attachments_size check (size_bytes is null or size_bytes >= 0),
  constraint attachments_idempotency_key_length check (char_length(idempotency_key) between 1 and 255),
  constraint attachments_deleted_together check ((deleted_at is null) = (deleted_by is null))
);

-- A job's and a request's files, in upload order (the policies probe the parent by key).
create index attachments_company_job_idx on app.attachments (company_id, job_id, created_at, id)
  where job_id is not null;
create index attachments_company_request_idx on app.attachments (company_id, job_request_id, created_at, id)
  where job_request_id is not null;
-- The worker's and customer's update policies compare the uploader.
create index attachments_company_uploader_idx on app.attachments (company_id, uploaded_by);
-- The sweeper's two questions, across companies: old pending rows, old deletions.
create index attachments_pending_idx on app.attachments (created_at) where state = 'pending';
create index attachments_deleted_idx on app.attachments (deleted_at) where deleted_at is not null;

create trigger attachments_stamp before insert or update on app.attachments
  for each row execute function app.stamp_row();
create trigger attachments_audit after insert or update or delete on app.attachments
  for each row execute function app.audit_row('company_id', 'job_id');

-- The company's stored bytes, for its quota: every file of the company,
-- which no worker or customer can sum under its own policies. Over the
-- server's sign-in pool, with the company of the verified token (on Citus a
-- definer called inside a request reads the shards under the caller's role).
create function auth.attachment_bytes_used(p_company_id uuid) returns bigint
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company uuid := p_company_id;
  v_used bigint;
begin
  select coalesce(sum(a.size_bytes), 0)::bigint into v_used
    from app.attachments a
   where a.company_id = v_company and a.deleted_at is null;
  return v_used;
end
$$;

-- The sweeper (the server's sign-in pool, never a request): rows whose
-- upload never finished, and deleted rows past the retention period, with
-- the objects to remove before the row goes.
create function auth.attachments_to_purge(p_pending_age interval, p_retention interval, p_limit integer)
returns table (company_id uuid, id uuid, storage_key text, thumb_small_key text, thumb_medium_key text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query
    select a.company_id, a.id, a.storage_key, a.thumb_small_key, a.thumb_medium_key
      from app.attachments a
     where (a.state = 'pending' and a.created_at < pg_catalog.now() - p_pending_age)
        or (a.deleted_at is not null and a.deleted_at < pg_catalog.now() - p_retention)
     limit p_limit;
end
$$;

-- The row goes once its objects are gone, if it is still what the sweeper
-- saw (an upload that finished meanwhile keeps its row).
create function auth.attachment_purged(p_company_id uuid, p_id uuid, p_pending_age interval, p_retention interval)
returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  delete from app.attachments a
   where a.company_id = p_company_id and a.id = p_id
     and ((a.state = 'pending' and a.created_at < pg_catalog.now() - p_pending_age)
          or (a.deleted_at is not null and a.deleted_at < pg_catalog.now() - p_retention));
  return found;
end
$$;

-- A share link's page shows the job's customer-visible photos (the public
-- page has no login, so no policy to read them under): exactly while the link
-- opens (auth.open_share_link's conditions), over the sign-in pool. The keys
-- never leave the server; it streams the bytes itself.
create function auth.share_photos(p_company_id uuid, p_token_hash bytea)
returns table (id uuid, file_name text, caption text, photo_group text, storage_key text,
               thumb_small_key text, thumb_medium_key text, content_type text, size_bytes bigint)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_link app.share_links%rowtype;
begin
  select * into v_link from app.share_links l
  where l.company_id = p_company_id and l.token_hash = p_token_hash
    and l.revoked_at is null and l.expires_at > pg_catalog.now();
  if not found then
    return;
  end if;
  if not exists (
    select 1
      from app.jobs j
      join app.companies c on c.id = j.company_id
      join app.customers cu on cu.company_id = j.company_id and cu.id = j.customer_id
     where j.company_id = v_link.company_id and j.id = v_link.job_id and not j.is_archived
       and j.customer_id = v_link.customer_id and cu.deleted_at is null and c.is_active
  ) then
    return;
  end if;
  return query
    select a.id, a.file_name, a.caption, a.photo_group, a.storage_key, a.thumb_small_key, a.thumb_medium_key,
           a.content_type, a.size_bytes
      from app.attachments a
     where a.company_id = v_link.company_id and a.job_id = v_link.job_id
       and a.visibility = 'customer' and a.state = 'stored' and a.deleted_at is null
       and a.content_type like 'image/%'
     order by a.created_at, a.id;
end
$$;
