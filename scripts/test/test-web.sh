#!/usr/bin/env bash
# The web app's suites, called by `make test` (scripts/test/test.sh) after the Rust
# tests, from the repo root, with ./target/debug/fieldops built:
#   type-check, OpenAPI types current, Vitest, production build (with the worker
#   bundle budget), then Playwright in headless Chromium against a real
#   `fieldops serve` on its own fresh embedded PostgreSQL cluster.
# Arguments go to Playwright: `scripts/test/test-web.sh e2e/portal.spec.ts` runs one spec.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN="$ROOT/target/debug/fieldops"
START=$(date +%s)

step() { printf '\n== web: %s\n' "$*"; }

[ -x "$BIN" ] || { echo "test-web: $BIN is missing; build it first (cargo build --bins)" >&2; exit 1; }

step "dependencies"
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium (Playwright drives it; no browser download)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cd "$ROOT/web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

step "type-check"
npm run --silent typecheck

step "generated API types match the server's OpenAPI document"
fresh=$(mktemp)
FIELDOPS_BIN="$BIN" GEN_API_OUT="$fresh" node scripts/gen-api.mjs >/dev/null
if ! cmp -s "$fresh" src/lib/api/schema.d.ts; then
  rm -f "$fresh"
  echo "web/src/lib/api/schema.d.ts is stale: run (cd web && npm run gen:api), then type-check and commit it" >&2
  exit 1
fi
rm -f "$fresh"
echo "up to date"

step "unit and component tests (Vitest)"
npx vitest run --reporter=dot

step "production build"
npm run --silent build

step "browser tests (Playwright, headless Chromium) against fieldops serve"
TMP=$(mktemp -d /tmp/fieldops-web-test.XXXXXX)
chmod 755 "$TMP" # the embedded cluster runs as the postgres user when we are root
export FIELDOPS_DATA_DIR="$TMP/pg"
export FIELDOPS_PG_PORT="$("$ROOT/scripts/test/free-port.py" "${FIELDOPS_WEB_TEST_PG_PORT:-54331}")"
export BIND_ADDR="127.0.0.1:$("$ROOT/scripts/test/free-port.py" "${FIELDOPS_WEB_TEST_PORT:-8092}")"
export PUBLIC_URL="http://$BIND_ADDR"
export WEB_DIR="$ROOT/web/dist"
export APP_ENV=development
# No SMTP server here: mail goes to .eml files, which e2e/password-reset.spec.ts reads.
export MAIL_DIR="$TMP/mail" E2E_MAIL_DIR="$TMP/mail"
unset DATABASE_URL
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  (cd "$ROOT" && "$BIN" db stop >/dev/null 2>&1) || true
  rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$ROOT" && "$BIN" seed-demo >"$TMP/seed.log" 2>&1) || { cat "$TMP/seed.log" >&2; exit 1; }
(cd "$ROOT" && RUST_LOG=warn exec "$BIN" serve >"$TMP/serve.log" 2>&1) &
SERVER_PID=$!
for _ in $(seq 1 150); do
  if curl -fsS "http://$BIND_ADDR/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$TMP/serve.log" >&2; exit 1; fi
  sleep 0.2
done
curl -fsS "http://$BIND_ADDR/readyz" >/dev/null || { echo "server did not become ready" >&2; cat "$TMP/serve.log" >&2; exit 1; }

status=0
E2E_BASE_URL="http://$BIND_ADDR" E2E_SCREENSHOT_DIR="$ROOT/web/e2e/.out/screenshots" E2E_PLAIN_NAMES=1 \
  npx playwright test "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$TMP/serve.log" >&2
  exit "$status"
fi

printf '\nweb: all suites passed in %ss (screenshots: web/e2e/.out/screenshots)\n' "$(($(date +%s) - START))"
