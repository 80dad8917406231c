#!/usr/bin/env bash
# Fuzzes the API from its own OpenAPI document with schemathesis, signed in as
# each role: no 5xx allowed, every response must match its documented schema.
# Bounded and seeded (reproducible). Called by `make test` with the test
# cluster running on 127.0.0.1:$FIELDOPS_PG_PORT and its database migrated.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=${FIELDOPS_FUZZ_PORT:-8097}
PG=${FIELDOPS_PG_PORT:-54330}
EXAMPLES=${FUZZ_MAX_EXAMPLES:-10}
BASE="http://127.0.0.1:$PORT"

# schemathesis from the project's virtual environment (target/venv).
venv_bin="$(scripts/setup/python-env.sh)"
export PATH="$venv_bin:$PATH"

# A database of its own: the fuzzer edits whatever it can reach (the admin's
# own password included), so it never runs on data another suite relies on.
psql -q -h 127.0.0.1 -p "$PG" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "drop database if exists fieldops_fuzz with (force)" -c "create database fieldops_fuzz owner fieldops_owner"
DATABASE_URL="postgres://fieldops_owner@127.0.0.1:$PG/fieldops_fuzz" ./target/debug/fieldops migrate >/dev/null
DATABASE_URL="postgres://fieldops_owner@127.0.0.1:$PG/fieldops_fuzz" APP_ENV=development ./target/debug/fieldops seed-demo >/dev/null
DATABASE_URL="postgres://fieldops_authenticator@127.0.0.1:$PG/fieldops_fuzz" APP_ENV=development BIND_ADDR="127.0.0.1:$PORT" \
  LOGIN_FAILURES_PER_MINUTE=1000000 RUST_LOG=error ./target/debug/fieldops serve >target/fuzz-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

total=0
# The admin last: it may change anything, its own password included.
for account in wendy@acme.example owner@riverside.example admin@acme.example; do
  token=$(curl -sf -H 'content-type: application/json' "$BASE/api/v1/auth/login" \
    -d "{\"company\":\"acme\",\"email\":\"$account\",\"password\":\"fieldops-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  # Logout and refresh would end the fuzzer's own session.
  output=$(schemathesis run "$BASE/api/v1/openapi.json" -H "Authorization: Bearer $token" \
    --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/refresh \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" --seed 20261122 \
    --no-color 2>&1) || { echo "$output" | sed -n '/FAILURES/,/SUMMARY/p'; echo "schemathesis found failures as $account"; exit 1; }
  cases=$(echo "$output" | grep -oE '[0-9]+ generated' | grep -oE '[0-9]+' | tail -1)
  echo "schemathesis as $account: ${cases:-?} generated cases, 0 failures"
  total=$((total + ${cases:-0}))
done
if grep -q "panicked" target/fuzz-server.log; then echo "the server panicked during fuzzing"; exit 1; fi
echo "schemathesis: $total cases over 3 roles, zero 5xx, every response matched its schema"
