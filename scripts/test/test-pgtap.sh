#!/usr/bin/env bash
# The policy tests: every db/tests/*.sql file through pg_prove, as the superuser
# `postgres` (each test switches into the FieldOps roles itself, one transaction
# per role, and deletes the two fixture companies it committed when it ends).
#
# `make test` runs this after the Rust tests, against the test cluster it started
# (database "fieldops", migrated, policies applied). By hand, e.g. on the
# `make run` database:
#
#   FIELDOPS_PG_PORT=54329 scripts/test/test-pgtap.sh
#
# Environment: FIELDOPS_PG_PORT (54330), FIELDOPS_PG_HOST (127.0.0.1),
# FIELDOPS_PG_DATABASE (fieldops), FIELDOPS_PG_SUPERUSER (postgres); extra
# arguments go to pg_prove (e.g. -v, or single test files).
set -euo pipefail
cd "$(dirname "$0")/../.."

port="${FIELDOPS_PG_PORT:-54330}"
host="${FIELDOPS_PG_HOST:-127.0.0.1}"
database="${FIELDOPS_PG_DATABASE:-fieldops}"
superuser="${FIELDOPS_PG_SUPERUSER:-postgres}"

export PGHOST="$host" PGPORT="$port" PGDATABASE="$database" PGUSER="$superuser"
export PGCONNECT_TIMEOUT=10

# pgTAP (the extension, for the server's major version) and pg_prove (the
# runner), from the distribution's packages.
major="$(psql -X -Atc "select current_setting('server_version_num')::int / 10000")"
if ! command -v pg_prove >/dev/null 2>&1 \
  || [ ! -e "/usr/share/postgresql/$major/extension/pgtap.control" ]; then
  echo "installing pgTAP for PostgreSQL $major and pg_prove" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    "postgresql-$major-pgtap" libtap-parser-sourcehandler-pgtap-perl >/dev/null
fi

# The extension needs a superuser; it lives in its own schema, apart from the
# application's. The tests grant the FieldOps roles USAGE on it inside their
# own (rolled back) transactions.
psql -X -q -v ON_ERROR_STOP=1 \
  -c "set client_min_messages = warning" \
  -c "create schema if not exists tap" \
  -c "create extension if not exists pgtap schema tap"

# Every test file, unless files were named on the command line.
tests=()
case " $* " in
  *.sql\ *) ;;
  *)
    shopt -s nullglob
    tests=(db/tests/*.sql)
    if [ "${#tests[@]}" -eq 0 ]; then
      echo "no pgTAP tests in db/tests" >&2
      exit 1
    fi
    ;;
esac

pg_prove --ext .sql --timer "$@" "${tests[@]}"
