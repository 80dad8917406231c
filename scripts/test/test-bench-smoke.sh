#!/usr/bin/env bash
# `make bench-smoke` inside `make test`: the benchmark pipeline (seed-bench,
# wrk, pgbench, EXPLAIN as each role) on the small preset, in under a minute,
# so the benchmark keeps working. Its figures go to target/bench-smoke/.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
scripts/setup/python-env.sh python3 scripts/bench/bench.py --smoke
