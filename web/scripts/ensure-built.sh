#!/usr/bin/env bash
# Builds web/dist if it is missing or older than the sources (for `make run`).
# Installs npm dependencies first when they are missing. Safe to call every time.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "web: npm is not installed; the API runs without the web app (install Node 20.19+ to build it)" >&2
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ -f dist/index.html ] && [ -z "$(find src index.html public package-lock.json vite.config.ts -newer dist/index.html -print -quit)" ]; then
  echo "web: dist/ is up to date"
  exit 0
fi
npm run --silent build
