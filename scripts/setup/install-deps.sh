#!/usr/bin/env bash
# Installs what the build and tests need when it is missing (a fresh machine has
# Rust, Node and PostgreSQL's binaries, nothing else). Idempotent and quiet when
# everything is present. Python packages are not installed here but into
# target/venv, by scripts/setup/python-env.sh, when a script first needs them.
set -euo pipefail

need_apt=()
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || command -v pg_ctl >/dev/null || need_apt+=(postgresql-15)
command -v runuser >/dev/null || need_apt+=(util-linux)
# The Python tools run in a virtual environment (scripts/setup/python-env.sh):
# Debian's python3 creates one only with python3-venv (which brings ensurepip).
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)

if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "installing from Debian: ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! cargo sqlx --version >/dev/null 2>&1; then
  echo "installing sqlx-cli (once; a few minutes)"
  cargo install sqlx-cli --version 0.8.6 --no-default-features --features postgres,rustls --locked --quiet
fi
