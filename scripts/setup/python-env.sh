#!/usr/bin/env bash
# The project's Python tools live in a virtual environment under target/ (a
# stock Debian's python3 is "externally managed": `pip install` is refused
# there). This creates target/venv once, installs
# scripts/setup/python-requirements.txt into it (again whenever that file
# changes), and then either
#
#   scripts/setup/python-env.sh                 prints the venv's bin directory
#                                               (PATH="$(scripts/setup/python-env.sh):$PATH")
#   scripts/setup/python-env.sh CMD [ARG...]    runs CMD with the venv first on PATH,
#                                               e.g. python-env.sh python3 scripts/bench/bench.py
#
# `python3 -m venv` needs Debian's python3-venv package; scripts/setup/install-deps.sh
# installs it. FIELDOPS_VENV overrides the location.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${FIELDOPS_VENV:-$root/target/venv}"
requirements="$root/scripts/setup/python-requirements.txt"
installed="$venv/fieldops-requirements.txt"

if [ ! -x "$venv/bin/python3" ]; then
  echo "creating the Python virtual environment $venv" >&2
  if ! python3 -m venv "$venv" >&2; then
    rm -rf "$venv"
    echo "python-env: python3 -m venv failed; on Debian install python3-venv (scripts/setup/install-deps.sh does)" >&2
    exit 1
  fi
fi
if ! cmp -s "$requirements" "$installed"; then
  echo "installing the Python tools into $venv (once)" >&2
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$installed"
fi

if [ "$#" -eq 0 ]; then
  echo "$venv/bin"
else
  export PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv"
  exec "$@"
fi
