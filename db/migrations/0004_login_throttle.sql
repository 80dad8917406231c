-- Login throttling, counted in PostgreSQL so every API replica sees the same
-- counts. A failed sign-in is recorded per account (company slug + email, known
-- or not, so throttling tells nothing about which accounts exist) and per client
-- address; too many in the window and the next attempt is refused before any
-- password is checked.

create table app.login_failures (
  id bigint generated always as identity primary key,
  account_key text not null,
  client_ip text,
  failed_at timestamptz not null default now()
);

create index login_failures_account_idx on app.login_failures (account_key, failed_at);
create index login_failures_ip_idx on app.login_failures (client_ip, failed_at) where client_ip is not null;
create index login_failures_failed_at_idx on app.login_failures (failed_at);

-- Seconds until another attempt is allowed for this account or address: 0 when
-- fewer than p_limit failures fall in the window, else until the oldest of the
-- latest p_limit leaves it.
create function auth.login_retry_after(p_account_key text, p_client_ip text, p_limit integer, p_window interval)
returns integer
language sql stable security definer
set search_path = pg_catalog
as $$
  select greatest(
    coalesce((
      select ceil(extract(epoch from min(f.failed_at) + p_window - now()))::integer
      from (select l.failed_at from app.login_failures l
            where l.account_key = p_account_key and l.failed_at > now() - p_window
            order by l.failed_at desc limit p_limit) f
      having count(*) >= p_limit), 0),
    coalesce((
      select ceil(extract(epoch from min(f.failed_at) + p_window - now()))::integer
      from (select l.failed_at from app.login_failures l
            where p_client_ip is not null and l.client_ip = p_client_ip and l.failed_at > now() - p_window
            order by l.failed_at desc limit p_limit) f
      having count(*) >= p_limit), 0),
    0)
$$;

create function auth.record_login_failure(p_account_key text, p_client_ip text)
returns void
language sql volatile security definer
set search_path = pg_catalog
as $$
  insert into app.login_failures (account_key, client_ip) values (p_account_key, p_client_ip);
  -- Old failures mean nothing any more; keep the table small.
  delete from app.login_failures where failed_at < now() - interval '1 day';
$$;
