#!/usr/bin/env bash
# `make test`: every check, in the order that fails fastest. Starts its own
# PostgreSQL cluster (target/test-pg, port 54330) and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The tests bring their own cluster; a DATABASE_URL from the caller's shell
# would point the CLI elsewhere.
unset DATABASE_URL
export FIELDOPS_DATA_DIR="${FIELDOPS_TEST_PG_DIR:-$PWD/target/test-pg}"
export FIELDOPS_PG_PORT="${FIELDOPS_TEST_PG_PORT:-54330}"
# Another cluster (a developer's own) or another program may hold the default port: take a free one.
FIELDOPS_PG_PORT=$(scripts/test/free-port.py "$FIELDOPS_PG_PORT")
[ "$FIELDOPS_PG_PORT" = "${FIELDOPS_TEST_PG_PORT:-54330}" ] ||
  echo "port ${FIELDOPS_TEST_PG_PORT:-54330} is taken; the test cluster uses $FIELDOPS_PG_PORT"
export FIELDOPS_TEST_PG_DIR="$FIELDOPS_DATA_DIR" FIELDOPS_TEST_PG_PORT="$FIELDOPS_PG_PORT"
export SQLX_OFFLINE=true
export RUST_BACKTRACE=0

step() { printf '\n== %s\n' "$*"; }

scripts/setup/install-deps.sh

step "format and lint"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

step "build"
cargo build --quiet --bins

cleanup() { ./target/debug/fieldops db stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

step "test database (embedded cluster as $(id -un), port $FIELDOPS_PG_PORT)"
./target/debug/fieldops db start

step "compile-time query data is current (cargo sqlx prepare --check)"
DATABASE_URL="postgres://fieldops_owner@127.0.0.1:$FIELDOPS_PG_PORT/fieldops" SQLX_OFFLINE=false \
  cargo sqlx prepare --check -- --all-targets

step "OpenAPI document"
# openapi-spec-validator, from the project's virtual environment (target/venv).
scripts/setup/python-env.sh python3 scripts/test/check-openapi.py

step "Rust unit and API tests"
cargo test --quiet

# Further suites, each self-contained; they reuse the cluster started above
# (FIELDOPS_PG_PORT; database "fieldops" migrated, as fieldops_owner).
# A suite that is missing or lost its run bit fails the run: skipping it would
# report "all checks passed" without running it.
for suite in scripts/test/test-pgtap.sh scripts/test/test-fuzz.sh scripts/test/test-deploy.sh scripts/test/test-bench-smoke.sh scripts/test/test-pgbouncer.sh scripts/test/test-citus.sh scripts/test/test-web.sh; do
  if [ ! -x "$suite" ]; then
    echo "test: $suite is missing or not executable (git update-index --chmod=+x $suite)" >&2
    exit 1
  fi
  step "$suite"
  "$suite"
done

printf '\nall checks passed\n'
