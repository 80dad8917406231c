#!/usr/bin/env bash
# The API test suite with the server's connections going through PgBouncer in
# transaction mode (docs/scaling.md, "PgBouncer"): the app's pool and its
# sign-in pool connect to PgBouncer, which forwards every database to a test
# cluster of this script's own; superuser and owner connections (creating each
# test's database, arranging rows) go to PostgreSQL directly.
#
# `default_pool_size = 1`: every test database gets one server connection per
# user, shared by all of the app's client connections, so a context leaking
# from one transaction into the next would show (tests/api/pooling.rs checks it
# directly, with the server backend's pid).
#
# sqlx uses named prepared statements; PgBouncer supports them in transaction
# mode from 1.21 (max_prepared_statements). Debian 12 ships 1.18: then this
# script builds Debian 13's pgbouncer source package (fetched with apt-get
# source) into target/pgbouncer-build, once; later runs reuse it.
#
# Ports: FIELDOPS_PGBOUNCER_PG_PORT (the cluster, default 54360) and
# FIELDOPS_PGBOUNCER_PORT (PgBouncer, default 54361); a taken port is replaced
# by a free one. Everything lives under target/; both are stopped on exit.
#
# FIELDOPS_PGBOUNCER_TARGET_PORT: put PgBouncer in front of a server that is
# already running there (test-citus.sh: the Citus coordinator) instead of a
# cluster of this script's own; the caller's FIELDOPS_TEST_* settings go on
# to the API tests. Arguments are cargo test filters.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

say() { printf '== pgbouncer: %s\n' "$*"; }
free_port() { scripts/test/free-port.py "$1"; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

TARGET_PORT=${FIELDOPS_PGBOUNCER_TARGET_PORT:-}
if [ -n "$TARGET_PORT" ]; then
  PG_PORT=$TARGET_PORT
  RUN=$ROOT/target/pgbouncer-$TARGET_PORT
else
  PG_PORT=$(free_port "${FIELDOPS_PGBOUNCER_PG_PORT:-54360}")
  RUN=$ROOT/target/pgbouncer
fi
BOUNCER_PORT=$(free_port "${FIELDOPS_PGBOUNCER_PORT:-54361}")
PG_DIR=$ROOT/target/test-pg-pgbouncer
BUILD=$ROOT/target/pgbouncer-build
PG_BIN=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}

# --- a PgBouncer with prepared statements in transaction mode (>= 1.21) -------
version_ok() { # "PgBouncer 1.24.1" -> at least 1.21?
  local v
  v=$("$1" --version 2>/dev/null | awk '/^PgBouncer/ {print $2}')
  [ -n "$v" ] && [ "$(printf '%s\n1.21.0\n' "$v" | sort -V | head -1)" = 1.21.0 ]
}

find_pgbouncer() {
  local system
  system=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  if [ -x "$system" ] && version_ok "$system"; then
    PGBOUNCER=$system
    return
  fi
  if [ -x "$BUILD/install/bin/pgbouncer" ] && version_ok "$BUILD/install/bin/pgbouncer"; then
    PGBOUNCER=$BUILD/install/bin/pgbouncer
    say "using the cached build $PGBOUNCER"
    return
  fi
  say "$("$system" --version 2>/dev/null | head -1 || echo 'no pgbouncer') has no prepared statements in transaction mode: building Debian 13's pgbouncer"
  local started=$SECONDS
  local missing=() pkg
  for pkg in libevent-dev libssl-dev pkg-config dpkg-dev make gcc; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ]; then
    say "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  rm -rf "$BUILD"
  mkdir -p "$BUILD/apt/lists/partial" "$BUILD/apt/cache/archives/partial" "$BUILD/apt/sources" "$BUILD/src"
  # A private apt state: the machine's own sources and lists stay as they are.
  cat >"$BUILD/apt/sources/trixie-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  local apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$BUILD/apt/sources"
    -o "Dir::State::Lists=$BUILD/apt/lists" -o "Dir::Cache=$BUILD/apt/cache" -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" -q update >"$BUILD/apt.log" 2>&1 || { cat "$BUILD/apt.log"; exit 1; }
  (cd "$BUILD/src" && apt-get "${apt_opts[@]}" -q source pgbouncer >>"$BUILD/apt.log" 2>&1) ||
    { cat "$BUILD/apt.log"; exit 1; }
  local src
  src=$(find "$BUILD/src" -mindepth 1 -maxdepth 1 -type d -name 'pgbouncer-*' | head -1)
  say "building $(basename "$src") (Debian's patches applied; log: $BUILD/build.log)"
  (cd "$src" && ./configure --prefix="$BUILD/install" --without-cares --without-systemd --without-pam &&
    make -j2 && make install) >"$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log"; exit 1; }
  PGBOUNCER=$BUILD/install/bin/pgbouncer
  version_ok "$PGBOUNCER" || { echo "pgbouncer: the build is not >= 1.21" >&2; exit 1; }
  say "built in $((SECONDS - started)) s"
}

find_pgbouncer
say "$("$PGBOUNCER" --version | head -1) ($PGBOUNCER)"

# --- the test cluster -------------------------------------------------------
export FIELDOPS_DATA_DIR=$PG_DIR FIELDOPS_PG_PORT=$PG_PORT
unset DATABASE_URL

stop_pgbouncer() {
  if [ -f "$RUN/pgbouncer.pid" ]; then
    local pid
    pid=$(cat "$RUN/pgbouncer.pid")
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgbouncer ]; then
      say "stopping PgBouncer (pid $pid)"
      kill "$pid"
      for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    fi
    rm -f "$RUN/pgbouncer.pid"
  fi
}
cleanup() {
  stop_pgbouncer
  if [ -z "$TARGET_PORT" ]; then
    say "stopping the test cluster"
    ./target/debug/fieldops db stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

if [ -n "$TARGET_PORT" ]; then
  say "in front of the server on 127.0.0.1:$TARGET_PORT"
else
  [ -x ./target/debug/fieldops ] || SQLX_OFFLINE=true cargo build --quiet --bin fieldops
  say "test cluster in $PG_DIR on 127.0.0.1:$PG_PORT"
  ./target/debug/fieldops db start >/dev/null
fi

# --- PgBouncer ----------------------------------------------------------------
stop_pgbouncer # one left by an interrupted run
mkdir -p "$RUN"
# Trust, like the cluster: the names must still be listed.
cat >"$RUN/userlist.txt" <<'EOF'
"fieldops_authenticator" ""
"fieldops_login" ""
"postgres" ""
EOF
cat >"$RUN/pgbouncer.ini" <<EOF
; written by scripts/test/test-pgbouncer.sh
[databases]
; every test database (each test copies the template into a fresh one)
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $RUN/userlist.txt
admin_users = postgres
pool_mode = transaction
; one server connection per (test database, user): the app's client
; connections all share it
default_pool_size = 1
max_client_conn = 1000
; sqlx prepares named statements; PgBouncer >= 1.21 maps them per server connection
max_prepared_statements = 200
; sqlx sends extra_float_digits at start-up
ignore_startup_parameters = extra_float_digits,options
; a test that deadlocks on the single server connection fails instead of hanging
query_wait_timeout = 60
logfile = $RUN/pgbouncer.log
pidfile = $RUN/pgbouncer.pid
log_connections = 0
log_disconnections = 0
EOF
rm -f "$RUN/pgbouncer.log"
[ "$(id -u)" = 0 ] && chown -R postgres: "$RUN"
say "PgBouncer on 127.0.0.1:$BOUNCER_PORT (pool_mode = transaction, default_pool_size = 1; $RUN/pgbouncer.ini)"
as_postgres "$PGBOUNCER" -d "$RUN/pgbouncer.ini"
listening=no
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$BOUNCER_PORT") 2>/dev/null; then listening=yes && break; fi
  sleep 0.1
done
if [ $listening = no ]; then
  echo "pgbouncer: not listening on $BOUNCER_PORT; its log:" >&2
  tail -20 "$RUN/pgbouncer.log" >&2 || true
  exit 1
fi

# --- the API tests, the app's pools through PgBouncer -------------------------
say "cargo test --test api with FIELDOPS_TEST_POOLER_PORT=$BOUNCER_PORT"
started=$SECONDS
if [ -z "$TARGET_PORT" ]; then
  export FIELDOPS_TEST_PG_DIR=$PG_DIR
fi
FIELDOPS_TEST_PG_PORT=$PG_PORT FIELDOPS_TEST_POOLER_PORT=$BOUNCER_PORT \
  SQLX_OFFLINE=true RUST_BACKTRACE=0 cargo test --quiet --test api -- "$@"
say "API tests through PgBouncer took $((SECONDS - started)) s"

# Proof that the traffic went through PgBouncer, from its own counters.
stats=$("$PG_BIN/psql" -X -A -F '|' -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d pgbouncer -c 'show stats' |
  awk -F '|' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 != "pgbouncer" && col["total_xact_count"] { xact += $col["total_xact_count"]; query += $col["total_query_count"] }
    END { print xact + 0, query + 0 }')
read -r xacts queries <<<"$stats"
say "PgBouncer served $xacts transactions ($queries queries) to the app"
if [ "${xacts:-0}" -eq 0 ]; then
  echo "pgbouncer: no transaction went through PgBouncer" >&2
  exit 1
fi
if grep -E 'ERROR|FATAL' "$RUN/pgbouncer.log" | grep -v 'client unexpected eof' | head -5 | grep .; then
  say "(errors above from $RUN/pgbouncer.log)"
fi
