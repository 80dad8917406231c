#!/usr/bin/env bash
# A PgBouncer for the scripts that need one (docs/scaling.md, "PgBouncer").
#
#   scripts/test/pgbouncer.sh path    print the path of a PgBouncer >= 1.21 (building one if needed)
#   scripts/test/pgbouncer.sh start   start one in transaction mode in front of a PostgreSQL
#   scripts/test/pgbouncer.sh stop    stop it
#
# sqlx uses named prepared statements; PgBouncer keeps them in transaction
# mode from 1.21 (max_prepared_statements). Debian 12 ships 1.18: then this
# builds Debian 13's pgbouncer source package (fetched with apt-get source,
# into a private apt state) under target/pgbouncer-build, once (about a
# minute); later runs reuse it.
#
# start/stop read FIELDOPS_PGBOUNCER_PORT (listen port, default 54455),
# FIELDOPS_PGBOUNCER_TARGET (host:port of PostgreSQL, default 127.0.0.1:5432),
# FIELDOPS_PGBOUNCER_POOL (server connections per database and user, default
# 20), FIELDOPS_PGBOUNCER_RUN (its ini, log and pid; default
# target/pgbouncer-<port>) and FIELDOPS_PGBOUNCER_EXTRA (more [pgbouncer]
# lines). Every database is forwarded; trust authentication, like the test
# clusters (the names must still be listed).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${PGBOUNCER_BUILD:-$ROOT/target/pgbouncer-build}
say() { printf '== pgbouncer: %s\n' "$*" >&2; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# --- a PgBouncer with prepared statements in transaction mode (>= 1.21) -------
version_ok() { # "PgBouncer 1.24.1" -> at least 1.21?
  local v
  v=$("$1" --version 2>/dev/null | awk '/^PgBouncer/ {print $2}')
  [ -n "$v" ] && [ "$(printf '%s\n1.21.0\n' "$v" | sort -V | head -1)" = 1.21.0 ]
}

find_pgbouncer() {
  local system
  system=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  if [ -x "$system" ] && version_ok "$system"; then
    PGBOUNCER=$system
    return
  fi
  if [ -x "$BUILD/install/bin/pgbouncer" ] && version_ok "$BUILD/install/bin/pgbouncer"; then
    PGBOUNCER=$BUILD/install/bin/pgbouncer
    say "using the cached build $PGBOUNCER"
    return
  fi
  say "$("$system" --version 2>/dev/null | head -1 || echo 'no pgbouncer') has no prepared statements in transaction mode: building Debian 13's pgbouncer"
  local started=$SECONDS
  local missing=() pkg
  for pkg in libevent-dev libssl-dev pkg-config dpkg-dev make gcc; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ]; then
    say "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  rm -rf "$BUILD"
  mkdir -p "$BUILD/apt/lists/partial" "$BUILD/apt/cache/archives/partial" "$BUILD/apt/sources" "$BUILD/src"
  # A private apt state: the machine's own sources and lists stay as they are.
  cat >"$BUILD/apt/sources/trixie-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  local apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$BUILD/apt/sources"
    -o "Dir::State::Lists=$BUILD/apt/lists" -o "Dir::Cache=$BUILD/apt/cache" -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" -q update >"$BUILD/apt.log" 2>&1 || { cat "$BUILD/apt.log" >&2; exit 1; }
  (cd "$BUILD/src" && apt-get "${apt_opts[@]}" -q source pgbouncer >>"$BUILD/apt.log" 2>&1) ||
    { cat "$BUILD/apt.log" >&2; exit 1; }
  local src
  src=$(find "$BUILD/src" -mindepth 1 -maxdepth 1 -type d -name 'pgbouncer-*' | head -1)
  say "building $(basename "$src") (Debian's patches applied; log: $BUILD/build.log)"
  (cd "$src" && ./configure --prefix="$BUILD/install" --without-cares --without-systemd --without-pam &&
    make -j2 && make install) >"$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log" >&2; exit 1; }
  PGBOUNCER=$BUILD/install/bin/pgbouncer
  version_ok "$PGBOUNCER" || { echo "pgbouncer: the build is not >= 1.21" >&2; exit 1; }
  say "built in $((SECONDS - started)) s"
}


PORT=${FIELDOPS_PGBOUNCER_PORT:-54455}
TARGET=${FIELDOPS_PGBOUNCER_TARGET:-127.0.0.1:5432}
POOL=${FIELDOPS_PGBOUNCER_POOL:-20}
EXTRA=${FIELDOPS_PGBOUNCER_EXTRA:-}
RUN=${FIELDOPS_PGBOUNCER_RUN:-$ROOT/target/pgbouncer-$PORT}

stop() {
  if [ -f "$RUN/pgbouncer.pid" ]; then
    local pid
    pid=$(cat "$RUN/pgbouncer.pid")
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgbouncer ]; then
      say "stopping PgBouncer on $PORT (pid $pid)"
      kill "$pid"
      for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    fi
    rm -f "$RUN/pgbouncer.pid"
  fi
}

start() {
  find_pgbouncer
  stop
  mkdir -p "$RUN"
  printf '"%s" ""\n' fieldops_authenticator fieldops_login fieldops_owner postgres >"$RUN/userlist.txt"
  cat >"$RUN/pgbouncer.ini" <<INI
; written by scripts/test/pgbouncer.sh
[databases]
* = host=${TARGET%%:*} port=${TARGET##*:}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $RUN/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = $POOL
max_client_conn = 2000
; sqlx prepares named statements; PgBouncer >= 1.21 maps them per server connection
max_prepared_statements = 200
; sqlx sends extra_float_digits at start-up
ignore_startup_parameters = extra_float_digits,options
$EXTRA
logfile = $RUN/pgbouncer.log
pidfile = $RUN/pgbouncer.pid
log_connections = 0
log_disconnections = 0
INI
  rm -f "$RUN/pgbouncer.log"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$RUN"; fi
  as_postgres "$PGBOUNCER" -d "$RUN/pgbouncer.ini"
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      say "$("$PGBOUNCER" --version | head -1) on 127.0.0.1:$PORT -> $TARGET (transaction mode, pool $POOL)"
      return
    fi
    sleep 0.1
  done
  echo "pgbouncer: not listening on $PORT; its log:" >&2
  tail -20 "$RUN/pgbouncer.log" >&2 || true
  exit 1
}

case "${1:-}" in
  path) find_pgbouncer && echo "$PGBOUNCER" ;;
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 path|start|stop" >&2
    exit 2
    ;;
esac
