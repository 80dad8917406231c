#!/usr/bin/env bash
# A local 3-node Citus cluster (coordinator + 2 workers) with FieldOps
# bootstrapped and migrated on it: the scale-out experiment of docs/scaling.md
# ("Citus: status of the port").
#
#   scripts/test/citus.sh build    build and install Citus if PostgreSQL has no citus.so
#   scripts/test/citus.sh start    build, start the cluster, register the workers, leave it running
#   scripts/test/citus.sh migrate  start, then bootstrap + `fieldops migrate` on the coordinator
#   scripts/test/citus.sh stop     stop the three nodes
#   scripts/test/citus.sh single   start the three nodes; on the coordinator only, FieldOps as a
#                                  single server has it: bootstrapped and migrated, no citus
#                                  extension in its database (the runbook's starting point)
#   scripts/test/citus.sh distribute  start (on such a database: create the extension, register
#                                  the workers), then `fieldops migrate`; fails if it fails
#   scripts/test/citus.sh load     copy the rows of a single-node FieldOps database
#                                  (FIELDOPS_CITUS_SOURCE, a superuser URL) into the distributed one
#   scripts/test/citus.sh run      on a fresh cluster: migrate, then stop (default)
#   scripts/test/citus.sh probe    on a fresh cluster: every failure of the port, to target/citus/probe.log
#
# Citus: the installed one when `pg_config --pkglibdir` has citus.so, else
# built from ../shared/vendor/citus-13.2.2-pg15.tar.gz (a sibling of the clone),
# cached under target/citus-build (a second run installs from the cache in
# seconds). The build dependencies come from Debian; postgresql-server-dev-15
# is pinned to the installed postgresql-15 version so that installing it does
# not upgrade (and so invalidate) PostgreSQL clusters already running.
#
# Ports: FIELDOPS_CITUS_PORT (coordinator, default 54385), +1 and +2 for the
# workers. Data under target/citus/ (FIELDOPS_CITUS_DATA moves it). The nodes
# run as the postgres user.
# Nothing in the schema or the Rust code is changed for Citus here.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

ACTION=${1:-run}
BASE_PORT=${FIELDOPS_CITUS_PORT:-54385}
PORTS=("$BASE_PORT" $((BASE_PORT + 1)) $((BASE_PORT + 2)))
NAMES=(coordinator worker1 worker2)
DATA=${FIELDOPS_CITUS_DATA:-$ROOT/target/citus}
BUILD=$ROOT/target/citus-build
VENDOR=${FIELDOPS_VENDOR_DIR:-$(git rev-parse --show-toplevel)/../shared/vendor}
TARBALL=$VENDOR/citus-13.2.2-pg15.tar.gz
DATABASE=fieldops

say() { printf '== citus: %s\n' "$*"; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || true)}
if [ -z "$PG_CONFIG" ] && [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
  PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
fi
BIN=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}

build() {
  local pkglibdir
  pkglibdir=$("$PG_CONFIG" --pkglibdir)
  if [ -f "$pkglibdir/citus.so" ]; then
    say "Citus is installed ($pkglibdir/citus.so)"
    return
  fi
  local started=$SECONDS
  # A cached build from an earlier run: reinstall it (seconds).
  if [ -f "$BUILD/.built" ] && [ "$(cat "$BUILD/.built")" = "$("$PG_CONFIG" --version)" ]; then
    say "installing the cached build from $BUILD"
    make -C "$BUILD/src" install >"$BUILD/install.log" 2>&1 || { tail -30 "$BUILD/install.log"; exit 1; }
    say "installed in $((SECONDS - started)) s"
    return
  fi
  [ -f "$TARBALL" ] || { echo "citus: $TARBALL not found" >&2; exit 1; }
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    local pgver deps
    pgver=$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null || true)
    deps=(libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libxslt1-dev libpam0g-dev flex bison)
    if [ -n "$pgver" ] && apt-cache show "postgresql-server-dev-15=$pgver" >/dev/null 2>&1; then
      say "apt-get install postgresql-server-dev-15=$pgver (the installed server's version) and build deps"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-server-dev-15=$pgver" "${deps[@]}" >/dev/null
    else
      say "apt-get install postgresql-server-dev-15 and build deps (this may upgrade postgresql-15: restart running clusters)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-server-dev-15 "${deps[@]}" >/dev/null
    fi
  fi
  rm -rf "$BUILD"
  mkdir -p "$BUILD"
  say "unpacking $TARBALL into $BUILD/src"
  tar xzf "$TARBALL" -C "$BUILD"
  mv "$BUILD/citus-13.2.2" "$BUILD/src"
  # The vendored tarball has citus-13.2.2-pg15-minor.patch applied: it relies on
  # have_createdb_privilege() being exported, as it is by PostgreSQL 15 minor
  # releases since 15.19 or so. Against older headers, restore Citus's own copy.
  local server_inc
  server_inc=$("$PG_CONFIG" --includedir-server)
  if ! grep -q have_createdb_privilege "$server_inc/commands/dbcommands.h"; then
    say "$("$PG_CONFIG" --version) does not export have_createdb_privilege(): reverting the vendored minor patch"
    patch -R -s "$BUILD/src/src/include/pg_version_compat.h" <"$VENDOR/citus-13.2.2-pg15-minor.patch"
  fi
  say "configure (log: $BUILD/configure.log)"
  (cd "$BUILD/src" && ./configure PG_CONFIG="$PG_CONFIG" >"$BUILD/configure.log" 2>&1) ||
    { tail -30 "$BUILD/configure.log"; exit 1; }
  say "make -j2 (log: $BUILD/make.log; about 10 minutes on 2 cores)"
  make -C "$BUILD/src" -j2 >"$BUILD/make.log" 2>&1 || { tail -40 "$BUILD/make.log"; exit 1; }
  say "make install"
  make -C "$BUILD/src" install >"$BUILD/install.log" 2>&1 || { tail -30 "$BUILD/install.log"; exit 1; }
  "$PG_CONFIG" --version >"$BUILD/.built"
  say "built and installed in $((SECONDS - started)) s"
}

node_dir() { echo "$DATA/$1"; }

start_node() {
  local name=$1 port=$2 dir
  dir=$(node_dir "$name")
  if [ ! -f "$dir/PG_VERSION" ]; then
    say "initdb $name ($dir)"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$DATA"
    as_postgres "$BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-instructions >/dev/null
    cat >>"$dir/postgresql.conf" <<EOF
# scripts/test/citus.sh
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
port = $port
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
max_prepared_transactions = 100
# Each database Citus runs in keeps a maintenance daemon (deadlock detection,
# 2PC recovery) in a background-worker slot; test-citus.sh has a few at once.
max_worker_processes = 32
EOF
  fi
  if as_postgres "$BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    say "$name is running on $port"
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "citus: port $port is taken by another server; set FIELDOPS_CITUS_PORT (and remove $DATA)" >&2
      exit 1
    fi
    say "starting $name on 127.0.0.1:$port"
    if ! as_postgres "$BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null; then
      # The ports lie in Linux's ephemeral range (32768-60999): a client's
      # outgoing connection may hold one for a moment. Once more, then give up.
      tail -8 "$dir/server.log" | grep -q 'Address already in use' || { tail -20 "$dir/server.log"; exit 1; }
      say "port $port held by another socket; once more in 5 s"
      sleep 5
      as_postgres "$BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        { tail -20 "$dir/server.log"; exit 1; }
    fi
  fi
}

psql_on() { # port database sql...
  local port=$1 db=$2
  shift 2
  "$BIN/psql" -X -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

start() {
  build
  for i in 0 1 2; do start_node "${NAMES[$i]}" "${PORTS[$i]}"; done
  local registered
  for i in 0 1 2; do
    local port=${PORTS[$i]}
    if [ "$(psql_on "$port" postgres -Atc "select count(*) from pg_database where datname = '$DATABASE'")" = 0 ]; then
      say "create database $DATABASE on ${NAMES[$i]}"
      psql_on "$port" postgres -c "create database $DATABASE"
    fi
    psql_on "$port" "$DATABASE" -c 'create extension if not exists citus'
    # Per-database hardening, as `fieldops db start` bootstraps it (db.rs:
    # harden_database). Once a worker is registered it refuses `revoke ... on
    # database` ("operation is not allowed on this node"): the coordinator
    # propagates that one; so workers get the file only before registration.
    registered=$(psql_on "${PORTS[0]}" "$DATABASE" -Atc \
      "select count(*) from pg_dist_node where nodeport = $port" 2>/dev/null || echo 0)
    if [ "$i" = 0 ] || [ "$registered" = 0 ]; then
      psql_on "$port" "$DATABASE" -f "$ROOT/db/database.sql"
    fi
  done
  say "registering the coordinator and the workers"
  psql_on "${PORTS[0]}" "$DATABASE" -c "select citus_set_coordinator_host('127.0.0.1', ${PORTS[0]})" >/dev/null
  for i in 1 2; do
    psql_on "${PORTS[0]}" "$DATABASE" -c "select citus_add_node('127.0.0.1', ${PORTS[$i]})" >/dev/null
  done
  # db/roles.sql on the coordinator *inside the Citus database*, after the
  # workers are registered: Citus then creates the roles on every worker and
  # records them as distributed objects. Run in `postgres` (as `fieldops db
  # start` does), they stay local to each node, and the first CREATE TYPE of
  # migration 0001 makes Citus propagate its owner role to the workers as
  # fieldops_owner itself: "must be superuser to alter superuser roles or
  # change superuser attribute" (docs/scaling.md).
  say "db/roles.sql on the coordinator, in $DATABASE (Citus propagates the roles to the workers)"
  psql_on "${PORTS[0]}" "$DATABASE" -f "$ROOT/db/roles.sql" 2>&1 | grep -v 'is not a member of role\|is already a member of role' || true
  for i in 0 1 2; do
    psql_on "${PORTS[$i]}" postgres -c "alter database $DATABASE owner to fieldops_owner"
  done
  for i in 1 2; do
    # Citus opens worker connections as the current user, so the request roles
    # must log in on the workers (the issue). Workers only: the coordinator
    # keeps them NOLOGIN. Trust authentication on loopback, like the cluster.
    psql_on "${PORTS[$i]}" postgres \
      -c 'alter role fieldops_admin login' -c 'alter role fieldops_worker login' -c 'alter role fieldops_customer login'
  done
  psql_on "${PORTS[0]}" "$DATABASE" -c "select nodename, nodeport, noderole, shouldhaveshards from pg_dist_node order by nodeport"
  psql_on "${PORTS[0]}" "$DATABASE" -Atc "select 'citus ' || citus_version()"
}

migrate() {
  start
  local fieldops=$ROOT/target/debug/fieldops
  [ -x "$fieldops" ] || SQLX_OFFLINE=true cargo build --quiet --bin fieldops
  local superuser="postgres://postgres@127.0.0.1:${PORTS[0]}/postgres"
  local owner="postgres://fieldops_owner@127.0.0.1:${PORTS[0]}/$DATABASE"
  # Citus does not run triggers on distributed tables without this; set it so
  # the report shows what fails beyond it (docs/scaling.md).
  psql_on "${PORTS[0]}" postgres -c 'alter system set citus.enable_unsafe_triggers = on' -c 'select pg_reload_conf()' >/dev/null
  say "fieldops migrate on the coordinator (log: $DATA/migrate.log)"
  set +e
  DATABASE_URL=$owner SUPERUSER_DATABASE_URL=$superuser "$fieldops" migrate >"$DATA/migrate.log" 2>&1
  local rc=$?
  set -e
  cat "$DATA/migrate.log"
  say "fieldops migrate exited with $rc"
  return 0
}

# The starting point of the runbook (docs/scaling.md, "Moving a single-node
# installation onto Citus"): the coordinator holds FieldOps exactly as one
# PostgreSQL server does (db/roles.sql, the database, db/database.sql, then
# `fieldops migrate`, which finds no citus extension and distributes nothing).
# shared_preload_libraries already names citus, as after installing the
# package and restarting; nothing else of Citus is in the database.
single() {
  build
  for i in 0 1 2; do start_node "${NAMES[$i]}" "${PORTS[$i]}"; done
  local fieldops=$ROOT/target/debug/fieldops
  [ -x "$fieldops" ] || SQLX_OFFLINE=true cargo build --quiet --bin fieldops
  psql_on "${PORTS[0]}" postgres -f "$ROOT/db/roles.sql" 2>&1 | grep -v 'is not a member of role\|is already a member of role' || true
  if [ "$(psql_on "${PORTS[0]}" postgres -Atc "select count(*) from pg_database where datname = '$DATABASE'")" = 0 ]; then
    say "create database $DATABASE on the coordinator (no citus extension)"
    psql_on "${PORTS[0]}" postgres -c "create database $DATABASE owner fieldops_owner"
  fi
  psql_on "${PORTS[0]}" "$DATABASE" -f "$ROOT/db/database.sql"
  say "fieldops migrate on the coordinator, as on a single server"
  DATABASE_URL="postgres://fieldops_owner@127.0.0.1:${PORTS[0]}/$DATABASE" "$fieldops" migrate
}

# `fieldops migrate` on a Citus cluster, failing if it fails (`migrate` above
# reports and goes on, for the probe).
distribute() {
  start
  psql_on "${PORTS[0]}" postgres -c 'alter system set citus.enable_unsafe_triggers = on' -c 'select pg_reload_conf()' >/dev/null
  say "fieldops migrate on the coordinator (distributes what is not yet distributed)"
  DATABASE_URL="postgres://fieldops_owner@127.0.0.1:${PORTS[0]}/$DATABASE" \
    SUPERUSER_DATABASE_URL="postgres://postgres@127.0.0.1:${PORTS[0]}/postgres" "$ROOT/target/debug/fieldops" migrate
}

# Moving an installation (docs/scaling.md): the rows of the app schema from a
# single-node database into the coordinator's distributed tables, which
# `fieldops migrate` created empty. pg_dump of the data only; pg_restore as the
# superuser, whom row-level security does not apply to (Citus copies the rows
# into the shards with COPY, which forced RLS refuses to the owner), with the
# triggers disabled (the audit trail arrives as it was, with no new entries
# and no bookkeeping run twice), in one transaction, over one connection per
# node (Citus refuses a parallel write before the reference table's).
load() {
  local source=${FIELDOPS_CITUS_SOURCE:?FIELDOPS_CITUS_SOURCE: the single-node database, a superuser URL}
  local dump=$DATA/app-data.dump
  say "pg_dump --data-only --schema=app from the single-node database"
  # The catalogue of permissions (0039) is code's: `fieldops migrate` wrote it
  # on the coordinator already.
  "$BIN/pg_dump" -d "$source" --data-only --schema=app --exclude-table-data=app.permissions -Fc -f "$dump"
  say "pg_restore into the coordinator ($(du -h "$dump" | cut -f1) dump)"
  PGOPTIONS="-c citus.multi_shard_modify_mode=sequential" "$BIN/pg_restore" -h 127.0.0.1 -p "${PORTS[0]}" \
    -U postgres -d "$DATABASE" --data-only --disable-triggers --single-transaction --exit-on-error "$dump"
  psql_on "${PORTS[0]}" "$DATABASE" -c 'vacuum analyze'
}

# The report behind docs/scaling.md ("Citus: status of the port"), on a fresh
# cluster: fieldops migrate as the app runs it; the remaining migrations and
# the policy files statement by statement, so that every error shows, not only
# the first; distributing each table by company; the query-level probes of
# scripts/test/citus-probe.sql. Everything to target/citus/probe.log.
probe() {
  stop
  rm -rf "$DATA"
  migrate >/dev/null
  local log=$DATA/probe.log owner_psql
  owner_psql=("$BIN/psql" -X -q -h 127.0.0.1 -p "${PORTS[0]}" -U fieldops_owner -d "$DATABASE")
  {
    echo "### 1. fieldops migrate (sqlx: one message and one transaction per migration)"
    cat "$DATA/migrate.log"
    local applied
    applied=$(psql_on "${PORTS[0]}" "$DATABASE" -Atc \
      "select coalesce(max(version), 0) from _sqlx_migrations where success" 2>/dev/null || echo 0)
    echo
    echo "### 2. the migrations after $applied, statement by statement (psql as fieldops_owner, autocommit)"
    local f version
    for f in "$ROOT"/db/migrations/*.sql; do
      version=$(basename "$f" | cut -d_ -f1)
      [ $((10#$version)) -gt "$applied" ] || continue
      echo "-- $(basename "$f")"
      "${owner_psql[@]}" -f "$f" 2>&1 | grep -E '^psql:|ERROR|DETAIL|HINT|CONTEXT' || true
    done
    echo
    echo "### 3. the policy files (psql as fieldops_owner)"
    for f in "$ROOT"/db/policies/*.sql; do
      echo "-- $(basename "$f")"
      "${owner_psql[@]}" -f "$f" 2>&1 | grep -E '^psql:|ERROR|DETAIL|HINT|CONTEXT' || true
    done
    echo
    echo "-- where app.policy_report (the view over pg_policies) exists:"
    for i in 0 1 2; do
      echo "${NAMES[$i]}: $(psql_on "${PORTS[$i]}" "$DATABASE" -Atc "select to_regclass('app.policy_report') is not null")"
    done
    echo
    echo "### 4. distributing every table by company (superuser; each on its own, default colocation)"
    psql_on "${PORTS[0]}" "$DATABASE" -Atc "select create_distributed_table('app.companies', 'id')" 2>&1 || true
    local t
    for t in customers users sessions refresh_tokens job_statuses jobs job_tasks job_notes share_links \
      share_link_opens audit_log idempotency_keys; do
      echo "-- app.$t"
      psql_on "${PORTS[0]}" "$DATABASE" -Atc \
        "select create_distributed_table('app.$t', 'company_id')" 2>&1 || true
    done
    echo "-- app.login_failures (no company_id: a reference table)"
    psql_on "${PORTS[0]}" "$DATABASE" -Atc "select create_reference_table('app.login_failures')" 2>&1 || true
    echo "-- distributed now:"
    psql_on "${PORTS[0]}" "$DATABASE" -Atc \
      "select logicalrelid::text || ' ' || partmethod::text from pg_dist_partition order by 1" 2>&1 || true
    echo
    echo "### 5. query-level probes (scripts/test/citus-probe.sql, superuser; scratch tables)"
    "$BIN/psql" -X -h 127.0.0.1 -p "${PORTS[0]}" -U postgres -d "$DATABASE" \
      -v coordinator="${PORTS[0]}" -v w1="${PORTS[1]}" -v w2="${PORTS[2]}" \
      -f "$ROOT/scripts/test/citus-probe.sql" 2>&1 || true
    echo
    echo "### P13 on the workers: statements of the one-message batch that carry the SET LOCALs"
    grep -h "marker_a" "$DATA"/worker*/server.log | sed 's/^.*UTC \[[0-9]*\] //' || true
  } >"$log" 2>&1
  cat "$log"
  say "report written to $log"
}

stop() {
  for i in 2 1 0; do
    local dir
    dir=$(node_dir "${NAMES[$i]}")
    if [ -f "$dir/PG_VERSION" ] && as_postgres "$BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      say "stopping ${NAMES[$i]}"
      as_postgres "$BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
  done
}

case "$ACTION" in
  build) build ;;
  start) start ;;
  migrate) migrate ;;
  stop) stop ;;
  single) single ;;
  distribute) distribute ;;
  load) load ;;
  probe)
    trap stop EXIT
    probe
    ;;
  run)
    trap stop EXIT
    stop
    rm -rf "$DATA"
    migrate
    ;;
  *)
    echo "usage: $0 [build|start|migrate|stop|run|probe|single|distribute|load]" >&2
    exit 2
    ;;
esac
