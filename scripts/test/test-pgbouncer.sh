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
PG_BIN=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}

# --- a PgBouncer with prepared statements in transaction mode (>= 1.21) -------
PGBOUNCER=$(scripts/test/pgbouncer.sh path)
say "$("$PGBOUNCER" --version | head -1) ($PGBOUNCER)"

# --- the test cluster -------------------------------------------------------
export FIELDOPS_DATA_DIR=$PG_DIR FIELDOPS_PG_PORT=$PG_PORT
unset DATABASE_URL

# scripts/test/pgbouncer.sh start|stop: one server connection per (test
# database, user), so the app's client connections all share it; a test that
# deadlocks on it fails after 60 s instead of hanging.
# In front of Citus, whose context opens in four messages (not one), every
# server connection is reset when a transaction hands it back, as
# docs/scaling.md tells deployments to.
extra='query_wait_timeout = 60'
if [ -n "$TARGET_PORT" ]; then
  extra=$(printf '%s\n%s\n%s' "$extra" 'server_reset_query = RESET ROLE; RESET ALL' 'server_reset_query_always = 1')
fi
export FIELDOPS_PGBOUNCER_PORT=$BOUNCER_PORT FIELDOPS_PGBOUNCER_TARGET=127.0.0.1:$PG_PORT \
  FIELDOPS_PGBOUNCER_POOL=1 FIELDOPS_PGBOUNCER_RUN=$RUN FIELDOPS_PGBOUNCER_EXTRA="$extra"
cleanup() {
  scripts/test/pgbouncer.sh stop
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
say "PgBouncer on 127.0.0.1:$BOUNCER_PORT (pool_mode = transaction, default_pool_size = 1; $RUN/pgbouncer.ini)"
scripts/test/pgbouncer.sh start

# --- the API tests, the app's pools through PgBouncer -------------------------
say "cargo test --test api with FIELDOPS_TEST_POOLER_PORT=$BOUNCER_PORT"
started=$SECONDS
if [ -z "$TARGET_PORT" ]; then
  export FIELDOPS_TEST_PG_DIR=$PG_DIR
fi
# A background import holds its transaction, so one server connection, for
# its whole apply (docs/import.md): with the one connection per database of
# this run, nothing else of the app gets a turn until it ends, and the tests
# that follow one to its end see 503s. They run in every other suite.
HOLDS_A_CONNECTION=(--skip imports::a_background_import_answers_at_once
                    --skip imports::a_refused_row_in_the_middle_of_a_chunk
                    --skip imports::rows_either_side_of_a_chunk_boundary)
FIELDOPS_TEST_PG_PORT=$PG_PORT FIELDOPS_TEST_POOLER_PORT=$BOUNCER_PORT \
  SQLX_OFFLINE=true RUST_BACKTRACE=0 cargo test --quiet --test api -- "$@" "${HOLDS_A_CONNECTION[@]}"
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
