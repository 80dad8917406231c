#!/usr/bin/env bash
# `make test-citus` (and part of `make test`): the API test suite, its
# isolation, lifecycle and attack tests again through PgBouncer in transaction
# mode, and the pgTAP suite, against a fresh 3-node Citus cluster (coordinator
# + 2 workers), issue #14; then docs/scaling.md's runbook on clusters of
# its own. Run as root; the nodes run as postgres
# (scripts/test/citus.sh).
#
#   scripts/test/test-citus.sh              every API test, then pgTAP
#   scripts/test/test-citus.sh isolation    only API tests whose name contains a filter
#                                           (cargo test filters; pgTAP still runs)
#
# The cluster lives in target/citus-test and is stopped on exit; logs and the
# summary stay in target/citus-test-logs. Ports: three consecutive free ones
# from FIELDOPS_CITUS_PORT (54385), as citus.sh expects the workers on +1, +2.
# The API tests get FIELDOPS_TEST_PG_PORT (the coordinator) and
# FIELDOPS_TEST_CITUS_WORKER_PORTS, and copy their template database on every
# node (tests/api/helpers/citus.rs); pgTAP runs in citus.sh's database
# "fieldops", bootstrapped on every node and migrated on the coordinator.
#
# `fieldops migrate` does all the Citus set-up the schema needs (it detects
# the extension: src/db/citus.rs); this script only builds the cluster. The
# exit status is 0 only if everything passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DATA=$ROOT/target/citus-test
LOGS=$ROOT/target/citus-test-logs
BIN=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
export SQLX_OFFLINE=true RUST_BACKTRACE=0
unset DATABASE_URL

started=$SECONDS
step() { printf '\n== test-citus: %s (%d s)\n' "$*" $((SECONDS - started)); }

# Three consecutive ports free for binding (citus.sh: coordinator, +1, +2).
base=${FIELDOPS_CITUS_PORT:-54385}
for _ in $(seq 1 50); do
  if [ "$(scripts/test/free-port.py "$base")" = "$base" ] &&
    [ "$(scripts/test/free-port.py $((base + 1)))" = $((base + 1)) ] &&
    [ "$(scripts/test/free-port.py $((base + 2)))" = $((base + 2)) ]; then
    break
  fi
  base=$((base + 3))
done
COORDINATOR=$base
WORKERS="$((base + 1)),$((base + 2))"
export FIELDOPS_CITUS_PORT=$COORDINATOR FIELDOPS_CITUS_DATA=$DATA

psql_c() { "$BIN/psql" -X -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "$COORDINATOR" -U postgres "$@"; }

# Citus is not packaged for Debian: use the installed extension, or build the
# vendored source when the clone has it beside it. Without either there is no
# Citus to test against; say so loudly, and do not fail `make test` over a
# component this machine cannot have.
PKGLIBDIR=$("${PG_CONFIG:-$BIN/pg_config}" --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/15/lib)
VENDOR=${FIELDOPS_VENDOR_DIR:-$(git rev-parse --show-toplevel)/../shared/vendor}
if [ ! -f "$PKGLIBDIR/citus.so" ] && [ ! -f "$VENDOR/citus-13.2.2-pg15.tar.gz" ] &&
  [ ! -f "$ROOT/target/citus-build/.built" ]; then
  echo "test-citus: SKIPPED: Citus is not installed ($PKGLIBDIR/citus.so) and its source is not in $VENDOR"
  exit 0
fi

step "build"
scripts/test/citus.sh build
cargo build --quiet --bins
cargo test --quiet --test api --no-run

rm -rf "$LOGS"
mkdir -p "$LOGS"
cleanup() { scripts/test/citus.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

step "fresh cluster: coordinator on $COORDINATOR, workers on $WORKERS"
scripts/test/citus.sh stop >/dev/null 2>&1 || true
rm -rf "$DATA"
cluster_started=$SECONDS
scripts/test/citus.sh start >"$LOGS/cluster.log" 2>&1 || { cat "$LOGS/cluster.log"; exit 1; }
cluster_seconds=$((SECONDS - cluster_started))

step "the pgTAP database: fieldops migrate on the coordinator's \"fieldops\""
migrate_rc=0
DATABASE_URL="postgres://fieldops_owner@127.0.0.1:$COORDINATOR/fieldops" ./target/debug/fieldops migrate \
  >"$LOGS/migrate.log" 2>&1 || migrate_rc=$?
# The request roles log in on the workers; a role's attributes propagated
# from the coordinator during migrate may have taken that away again.
for port in ${WORKERS//,/ }; do
  "$BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c 'alter role fieldops_admin login' -c 'alter role fieldops_worker login' -c 'alter role fieldops_customer login'
done
grep -v ' WARN ' "$LOGS/migrate.log" | tail -3 || true
# An upgrade runs migrate on a cluster already distributed: pending migrations
# (none here) and the policies again, which Citus takes only sequentially.
if [ "$migrate_rc" = 0 ]; then
  DATABASE_URL="postgres://fieldops_owner@127.0.0.1:$COORDINATOR/fieldops" ./target/debug/fieldops migrate \
    >>"$LOGS/migrate.log" 2>&1 || migrate_rc=$?
  echo "fieldops migrate again (an upgrade's): exit $migrate_rc"
fi

step "API tests (cargo test --test api${*:+ -- $*}; log: $LOGS/api.log)"
api_started=$SECONDS
api_rc=0
FIELDOPS_TEST_PG_PORT=$COORDINATOR FIELDOPS_TEST_CITUS_WORKER_PORTS=$WORKERS \
  cargo test --test api -- "$@" >"$LOGS/api.log" 2>&1 || api_rc=$?
api_seconds=$((SECONDS - api_started))
grep -E '^test result:' "$LOGS/api.log" || tail -20 "$LOGS/api.log"

# The same cluster behind PgBouncer in transaction mode, as API replicas
# would reach it: the isolation, lifecycle and attack tests, and the pooling
# test that looks for a context surviving on a shared server connection.
step "API isolation, lifecycle and attack tests through PgBouncer (log: $LOGS/pgbouncer.log)"
bouncer_started=$SECONDS
bouncer_rc=0
FIELDOPS_PGBOUNCER_TARGET_PORT=$COORDINATOR FIELDOPS_PGBOUNCER_PORT=$((COORDINATOR + 3)) \
  FIELDOPS_TEST_CITUS_WORKER_PORTS=$WORKERS scripts/test/test-pgbouncer.sh \
  isolation:: lifecycle:: injection:: probe:: pooling:: boundary:: rls:: >"$LOGS/pgbouncer.log" 2>&1 || bouncer_rc=$?
bouncer_seconds=$((SECONDS - bouncer_started))
grep -E '^test result:|PgBouncer served' "$LOGS/pgbouncer.log" || tail -20 "$LOGS/pgbouncer.log"

step "pgTAP (log: $LOGS/pgtap.log)"
pgtap_started=$SECONDS
pgtap_rc=0
if [ "$migrate_rc" = 0 ]; then
  FIELDOPS_PG_PORT=$COORDINATOR scripts/test/test-pgtap.sh >"$LOGS/pgtap.log" 2>&1 || pgtap_rc=$?
  grep -E '^Result:|^Files=' "$LOGS/pgtap.log" || tail -20 "$LOGS/pgtap.log"
else
  pgtap_rc=skipped
  echo "not run: the database did not migrate" | tee "$LOGS/pgtap.log"
fi
pgtap_seconds=$((SECONDS - pgtap_started))

# docs/scaling.md's runbook, each step done: an installation on one server
# moved onto a cluster of its own, a tenant isolated and moved under reads,
# PgBouncer in front of two API replicas.
step "the runbook (scripts/test/test-citus-runbook.sh; log: $LOGS/runbook.log)"
runbook_started=$SECONDS
runbook_rc=0
scripts/test/test-citus-runbook.sh >"$LOGS/runbook.log" 2>&1 || runbook_rc=$?
runbook_seconds=$((SECONDS - runbook_started))
tail -5 "$LOGS/runbook.log"

# The summary: every failing API test with the first line of its panic, every
# pgTAP file that failed with its first failed assertion.
{
  echo "Citus: $(psql_c -d fieldops -Atc 'select citus_version()' | cut -d' ' -f1-2), coordinator $COORDINATOR, workers $WORKERS"
  echo "wall time: $((SECONDS - started)) s (cluster start ${cluster_seconds} s, API tests ${api_seconds} s, through PgBouncer ${bouncer_seconds} s, pgTAP ${pgtap_seconds} s, runbook ${runbook_seconds} s)"
  echo
  if [ "$migrate_rc" = 0 ]; then
    # What the results are about: until migrate distributes the tables, they
    # are local to the coordinator and the suites exercise little of Citus.
    echo "fieldops migrate (database fieldops): ok; app tables distributed / reference / local: $(psql_c -d fieldops -Atc "
      select count(*) filter (where p.partmethod = 'h') || ' / ' || count(*) filter (where p.partmethod = 'n')
             || ' / ' || count(*) filter (where p.logicalrelid is null)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        left join pg_dist_partition p on p.logicalrelid = c.oid
       where n.nspname = 'app' and c.relkind in ('r', 'p')")"
  else
    echo "fieldops migrate (database fieldops): FAILED: $(grep -v ' WARN ' "$LOGS/migrate.log" | tail -1)"
  fi
  echo
  echo "API tests: $(grep -E '^test result:' "$LOGS/api.log" | tail -1 || echo "no result (exit $api_rc)")"
  echo "  the harness's own check, a test database is a Citus database on every node: $(
    grep -oE '^test citus::a_test_database_is_a_citus_database_on_every_node \.\.\. \S+' "$LOGS/api.log" |
      awk '{print $NF}' || echo 'not run')"
  # Failing tests grouped by the first line of their panic.
  awk '
    /^---- .* stdout ----$/ { name = $2; grab = 0; next }
    name != "" && /panicked at/ { grab = 1; next }
    grab {
      msg = substr($0, 1, 400)
      if (!(msg in count)) order[++groups] = msg
      count[msg]++
      names[msg] = names[msg] (count[msg] > 1 ? ", " : "") name
      name = ""; grab = 0
    }
    END { for (i = 1; i <= groups; i++) printf "  %d FAILED: %s\n      %s\n", count[order[i]], order[i], names[order[i]] }
  ' "$LOGS/api.log"
  echo
  echo "through PgBouncer: $(grep -E '^test result:' "$LOGS/pgbouncer.log" | tail -1 || echo "no result (exit $bouncer_rc)"); $(grep -oE 'PgBouncer served .*' "$LOGS/pgbouncer.log" || true)"
  grep -E '^    [a-z_]+::[a-z_]+$' "$LOGS/pgbouncer.log" | sed 's/^    /  FAILED /' || true
  echo
  echo "pgTAP: $(grep -E '^Result:' "$LOGS/pgtap.log" || echo "$pgtap_rc")"
  # Each file pg_prove failed, with the first error psql reported in it, or
  # else its first failed assertion (pg_prove prints a file's name, then its
  # diagnostics).
  python3 - "$LOGS/pgtap.log" <<'PY'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
first = {}   # file -> first error or failed assertion
current = None
for line in lines:
    m = re.match(r"psql:(db/tests/[^:]+\.sql):\d+: ERROR:", line)
    if m:
        first.setdefault(m.group(1), line)
        continue
    m = re.search(r"(db/tests/\S+\.sql) \.\.", line)
    if m:
        current = m.group(1)
    if current and re.match(r"#\s+Failed test", line):
        first.setdefault(current, line)
report = "\n".join(lines)
failed = re.findall(r"^(db/tests/\S+\.sql)\s+\(Wstat", report, re.M)
for f in failed:
    print(f"  FAILED {f}: {first.get(f, '(see the log)')}")
PY
  echo
  echo "runbook: $([ "$runbook_rc" = 0 ] && echo ok || echo "FAILED (exit $runbook_rc): $(tail -1 "$LOGS/runbook.log")")"
} | tee "$LOGS/summary.txt"

[ "$migrate_rc" = 0 ] && [ "$api_rc" = 0 ] && [ "$bouncer_rc" = 0 ] && [ "$pgtap_rc" = 0 ] && [ "$runbook_rc" = 0 ]
