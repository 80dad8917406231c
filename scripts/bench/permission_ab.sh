#!/usr/bin/env bash
# What the permission check costs a read (issue #15): the jobs list of the
# large bench tenant as its admin, through pgbench with the API's context
# batch, alternately with jobs_admin_select as db/policies/jobs.sql writes it
# and with the same policy less its `(select app.has_permission('jobs.read'))`
# (as before roles existed). The same server, data
# and query; only the policy differs. Rounds alternate so that the machine's
# load falls on both alike; the policy is restored at the end.
#
#   scripts/bench/permission_ab.sh PORT [ROUNDS] [SECONDS] [CLIENTS]
#
# PORT: a running bench cluster (make bench, or bench.py --companies 2
# --large-jobs 20000, leaves one), migrated to the current schema.
set -euo pipefail
port=${1:?usage: permission_ab.sh PORT [ROUNDS] [SECONDS] [CLIENTS]}
rounds=${2:-3}
seconds=${3:-15}
clients=${4:-16}
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d fieldops -c "$1"; }

read -r session company user < <(sql "
  insert into app.sessions (company_id, user_id, expires_at)
  select u.company_id, u.id, now() + interval '1 hour'
    from app.users u join app.companies c on c.id = u.company_id
   where c.slug = 'bench-large' and u.role = 'ADMIN' and u.deleted_at is null
   order by u.created_at limit 1
  returning id, company_id, user_id" | tr '|' ' ')
script=$(mktemp --suffix=.sql)
trap 'rm -f "$script"; sql "update app.sessions set revoked_at = now() where id = '"'$session'"'" >/dev/null' EXIT
cat >"$script" <<SQL
begin;
select auth.require_session('$session', '$user', '$company', 'ADMIN');
set local role fieldops_admin;
set local app.session_id = '$session';
set local app.session_company = '$company';
set local app.session_user_id = '$user';
set local plan_cache_mode = force_custom_plan;
select id, title, status_id, assigned_worker_id, scheduled_at, created_at from app.jobs
 where company_id = '$company' and is_archived = false order by created_at desc, id desc limit 51;
commit;
SQL
# The policy as migrate wrote it, and the same without its permission term.
with_check=$(sql "select qual from pg_policies where schemaname = 'app' and policyname = 'jobs_admin_select'")
without_check=${with_check/ AND ( SELECT app.has_permission(\'jobs.read\'::text) AS has_permission)/}
if [ "$with_check" = "$without_check" ]; then
  echo "permission_ab: jobs_admin_select has no has_permission('jobs.read') term: $with_check" >&2
  exit 1
fi
run() { # label policy
  sql "alter policy jobs_admin_select on app.jobs using ($2)"
  local tps
  tps=$(pgbench -n -M simple -h 127.0.0.1 -p "$port" -U fieldops_authenticator -c "$clients" -j 2 -T "$seconds" \
          -f "$script" fieldops 2>/dev/null | awk '/^tps/ {print $3; exit}')
  printf '%-28s %10s tx/s\n' "$1" "$tps"
}
echo "jobs list, first page of the large tenant, $clients clients, ${seconds}s per run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$rounds"); do
  run "with has_permission" "$with_check"
  run "without it (before roles)" "$without_check"
done
sql "alter policy jobs_admin_select on app.jobs using ($with_check)"
