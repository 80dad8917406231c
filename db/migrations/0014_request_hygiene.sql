-- Request hygiene: sign-in throttling that a concurrent burst cannot outrun and
-- that Unicode variants of an account cannot dodge, and expiry of stored
-- idempotency answers.

-- The one normal form of what a client types as company slug or email: NFKC
-- (full-width, ligature and compatibility forms fold to their plain letters)
-- with surrounding whitespace trimmed. Case is folded by lower() where
-- compared, exactly as auth.login_lookup and the users' unique email index do.
create function auth.login_normal(p_value text)
returns text
language sql immutable strict
set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.btrim(pg_catalog.normalize(p_value, 'NFKC'), e' \t\r\n\f\v')
$$;

-- One sign-in attempt, claimed before any password is checked.
--
-- Under a per-account (then per-address) advisory transaction lock, it counts
-- the attempts in the window and, if there is room, records this one at once,
-- as a failure until the server reports success (auth.login_attempt_succeeded).
-- A burst of concurrent guesses therefore takes turns: once p_limit attempts are
-- recorded, every further one is refused (retry_after > 0, no user columns)
-- without the server verifying a password.
--
-- The throttle key is built from the very values the lookup compares
-- (lower(slug), lower(email) after auth.login_normal), so every spelling that
-- reaches an account counts against that account's one bucket; spellings that
-- reach no account share buckets the same way, so refusals say nothing about
-- which accounts exist.
create function auth.login_attempt(
  p_company text,
  p_email text,
  p_client_ip text,
  p_limit integer,
  p_window interval
) returns table (
  attempt_id bigint,
  retry_after integer,
  user_id uuid,
  company_id uuid,
  role app.user_role,
  customer_id uuid,
  password_hash text,
  name text,
  email text,
  company_name text,
  company_slug text,
  company_color text
)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company text := auth.login_normal(p_company);
  v_email text := auth.login_normal(p_email);
  v_key text := pg_catalog.lower(v_company) || ':' || pg_catalog.lower(v_email);
  v_retry integer;
  v_attempt bigint;
begin
  -- Always account first, then address: no two callers wait on each other in
  -- opposite orders.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.login.account:' || v_key, 0));
  if p_client_ip is not null then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('fieldops.login.address:' || p_client_ip, 0));
  end if;
  -- A new statement, a new snapshot: attempts committed by whoever held the
  -- lock before are counted.
  v_retry := auth.login_retry_after(v_key, p_client_ip, p_limit, p_window);
  if v_retry > 0 then
    return query select null::bigint, v_retry, null::uuid, null::uuid, null::app.user_role, null::uuid,
                        null::text, null::text, null::text, null::text, null::text, null::text;
    return;
  end if;
  insert into app.login_failures (account_key, client_ip) values (v_key, p_client_ip)
  returning id into v_attempt;
  delete from app.login_failures where failed_at < pg_catalog.now() - interval '1 day';
  return query
    select v_attempt, 0, l.user_id, l.company_id, l.role, l.customer_id, l.password_hash, l.name, l.email,
           l.company_name, l.company_slug, l.company_color
    from (select 1) one
    left join auth.login_lookup(v_company, v_email) l on true
    limit 1;
end
$$;

-- The attempt's password was right: it was no failure after all.
create function auth.login_attempt_succeeded(p_attempt_id bigint)
returns void
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
  delete from app.login_failures where id = p_attempt_id
$$;

-- Stored idempotency answers live 24 hours; the server calls this hourly so
-- that users who never send another keyed request do not keep theirs forever.
create function auth.purge_idempotency_keys()
returns integer
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
  with gone as (
    delete from app.idempotency_keys where created_at < pg_catalog.now() - interval '24 hours' returning 1
  )
  select pg_catalog.count(*)::integer from gone
$$;

-- The hourly purge reads by age across every company.
create index idempotency_keys_created_idx on app.idempotency_keys (created_at);
