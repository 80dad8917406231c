#!/usr/bin/env bash
# The verified request context (db/migrations/0013) on Citus: a focused
# experiment behind docs/scaling.md ("The verified context on Citus").
#
#   scripts/test/citus-context.sh          fresh cluster, every check, pgbench, stop
#   KEEP=1 scripts/test/citus-context.sh   the same, and leave the cluster running
#
# A fresh 3-node cluster from scripts/test/citus.sh (its own data directory,
# target/citus-context, and ports FIELDOPS_CITUS_PORT=54390 and the next two),
# then a minimal model of FieldOps' boundary, built as fieldops_owner like the
# migrations: app.sessions a *reference table*, app.jobs distributed by
# company_id with forced RLS and policies without sub-selects, and
# auth.request_context() as 0013 defines it. Each check prints PASS or FAIL;
# the exit status is the number of FAILs (0: all as documented). Errors quoted
# in the documentation are the ones matched here. Output also goes to
# target/citus-context/context.log.
#
# Nothing of FieldOps' schema, policies or Rust code is used or changed: the
# model is written out below.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

export FIELDOPS_CITUS_PORT=${FIELDOPS_CITUS_PORT:-54390}
export FIELDOPS_CITUS_DATA=${FIELDOPS_CITUS_DATA:-$ROOT/target/citus-context}
C=$FIELDOPS_CITUS_PORT
W1=$((C + 1))
W2=$((C + 2))
BIN=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
CITUS=$ROOT/scripts/test/citus.sh
DATA=$FIELDOPS_CITUS_DATA
PGBENCH_SECONDS=${PGBENCH_SECONDS:-10}
PGBENCH_CLIENTS=${PGBENCH_CLIENTS:-4}

# Companies, users and sessions of the model.
CO_A=00000000-0000-0000-0000-00000000000a
CO_B=00000000-0000-0000-0000-00000000000b
U_ADMIN_A=a0000000-0000-0000-0000-000000000001
U_WORKER_A=a0000000-0000-0000-0000-000000000002
S_ADMIN_A=aaaaaaaa-0000-4000-8000-000000000001   # live, ADMIN, company A
S_WORKER_A=aaaaaaaa-0000-4000-8000-000000000002  # live, WORKER, company A
S_REVOKED_A=aaaaaaaa-0000-4000-8000-000000000003 # revoked
S_EXPIRED_A=aaaaaaaa-0000-4000-8000-000000000004 # expired
S_ADMIN_B=bbbbbbbb-0000-4000-8000-000000000001   # live, ADMIN, company B
S_FORGED=5e55e55e-5e55-4e55-8e55-5e55e55e55e5    # in no table
JOBS_A=1000    # company A: 1000 jobs, every other one assigned to the worker
JOBS_B=700

mkdir -p "$DATA"
LOG=$DATA/context.log
TMP=$(mktemp -d)
exec > >(tee "$LOG") 2>&1

cleanup() {
  rm -rf "$TMP"
  if [ -z "${KEEP:-}" ]; then "$CITUS" stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

PASSES=0
FAILS=0
pass() { PASSES=$((PASSES + 1)); printf 'PASS  %s\n' "$*"; }
fail() { FAILS=$((FAILS + 1)); printf 'FAIL  %s\n' "$*"; }
section() { printf '\n### %s\n' "$*"; }

psql_as() { # port user [psql args...]
  local port=$1 user=$2
  shift 2
  "$BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U "$user" -d fieldops -v ON_ERROR_STOP=1 "$@"
}
as_super() { psql_as "$C" postgres "$@"; }
owner() { psql_as "$C" fieldops_owner "$@"; }

# request MSG...: one connection to the coordinator as fieldops_authenticator
# (the API's pool); each argument is sent as ONE protocol message (psql -c:
# a simple Query with everything in it, as sqlx's begin_with/raw_sql send a
# batch). Stops at the first error. Result rows in $TMP/out, errors and
# warnings in $TMP/err.
request() {
  local args=() m
  for m in "$@"; do args+=(-c "$m"); done
  "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$C" -U fieldops_authenticator -d fieldops \
    -v ON_ERROR_STOP=1 "${args[@]}" >"$TMP/out" 2>"$TMP/err" || true
}
last_row() { tail -n 1 "$TMP/out"; }
first_error() { grep -m 1 'ERROR' "$TMP/err" || true; }
warnings() { grep -c 'WARNING:  there is already a transaction in progress' "$TMP/err" || true; }

# expect_rows NAME EXPECTED MSG...: the last result row equals EXPECTED, no error.
expect_rows() {
  local name=$1 expected=$2
  shift 2
  request "$@"
  local got err
  got=$(last_row)
  err=$(first_error)
  if [ "$got" = "$expected" ] && [ -z "$err" ]; then
    pass "$name: $got"
  else
    fail "$name: expected '$expected', got '$got' ${err:+($err)}"
  fi
}

# expect_error NAME TEXT MSG...: the request fails with an error containing TEXT.
expect_error() {
  local name=$1 text=$2
  shift 2
  request "$@"
  if grep -qF -- "$text" "$TMP/err"; then
    pass "$name: $(first_error | sed 's/^.*ERROR: */ERROR:  /')"
  else
    fail "$name: expected an error with '$text', got '$(last_row)' $(first_error)"
  fi
}

# The recipe's context opening (see docs/scaling.md): three messages, the
# SET LOCALs alone in the last one, after BEGIN.
open_check() { echo "reset role; reset all; select auth.require_session('$1', '$2')"; }
open_sets() { echo "set local role $1; set local app.session_id = '$2'; set local plan_cache_mode = force_custom_plan"; }
ctx_admin() { # session id
  printf '%s\n' "$(open_check "$1" ADMIN)" "begin" "$(open_sets fieldops_admin "$1")"
}
ctx_worker() {
  printf '%s\n' "$(open_check "$1" WORKER)" "begin" "$(open_sets fieldops_worker "$1")"
}
# ctx_* print one message per line; mapfile turns them into arguments.
with_ctx() { # fn session-id → CTX array
  mapfile -t CTX < <("$1" "$2")
}

ROUTER_A="select count(*) from app.jobs where company_id = '$CO_A'"
ROUTER_B="select count(*) from app.jobs where company_id = '$CO_B'"
FANOUT="select count(*) from app.jobs"
FANOUT_B_ROWS="select count(*) filter (where company_id = '$CO_B') from app.jobs"

# ---------------------------------------------------------------------------
section "cluster (scripts/test/citus.sh start on $C, $W1, $W2; data in $DATA)"
"$CITUS" stop >/dev/null 2>&1 || true
rm -rf "$DATA/coordinator" "$DATA/worker1" "$DATA/worker2"
"$CITUS" start | grep -v '^ \|^---\|^(' || true
# The SET LOCAL forwarding Citus needs (docs/scaling.md, item 10); ALTER
# DATABASE SET is propagated to the workers.
as_super -c "alter database fieldops set citus.propagate_set_commands = 'local'"
for p in "$W1" "$W2"; do
  got=$(psql_as "$p" postgres -Atc "select setconfig::text from pg_db_role_setting where setdatabase = (select oid from pg_database where datname = 'fieldops') and setrole = 0")
  [ "$got" = "{citus.propagate_set_commands=local}" ] && pass "propagate_set_commands = local on worker $p" ||
    fail "propagate_set_commands on worker $p: $got"
done

# ---------------------------------------------------------------------------
section "model (as fieldops_owner, like the migrations)"
owner <<'SQL'
create schema app;
create schema auth;
create type app.user_role as enum ('ADMIN', 'WORKER', 'CUSTOMER');

create table app.sessions (
  id uuid primary key,
  company_id uuid not null,
  user_id uuid not null,
  role app.user_role not null,
  customer_id uuid,
  revoked_at timestamptz,
  expires_at timestamptz not null
);
select create_reference_table('app.sessions');

create table app.jobs (
  company_id uuid not null,
  id uuid not null,
  title text not null,
  assigned_worker_id uuid,
  primary key (company_id, id)
);
select create_distributed_table('app.jobs', 'company_id');

-- The same table for the cost comparison, under a plain-setting policy.
create table app.jobs_plain (like app.jobs including all);
select create_distributed_table('app.jobs_plain', 'company_id', colocate_with => 'app.jobs');
SQL
# Rows loaded by the superuser before RLS is on (a multi-row INSERT ... SELECT
# into a table with RLS is a COPY on Citus: "COPY FROM not supported with
# row-level security").
as_super <<SQL
insert into app.sessions values
  ('$S_ADMIN_A',   '$CO_A', '$U_ADMIN_A',  'ADMIN',  null, null,  now() + interval '1 day'),
  ('$S_WORKER_A',  '$CO_A', '$U_WORKER_A', 'WORKER', null, null,  now() + interval '1 day'),
  ('$S_REVOKED_A', '$CO_A', '$U_ADMIN_A',  'ADMIN',  null, now(), now() + interval '1 day'),
  ('$S_EXPIRED_A', '$CO_A', '$U_ADMIN_A',  'ADMIN',  null, null,  now() - interval '1 second'),
  ('$S_ADMIN_B',   '$CO_B', 'b0000000-0000-0000-0000-000000000001', 'ADMIN', null, null, now() + interval '1 day');
insert into app.jobs
select '$CO_A', ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'A job ' || g,
       case when g % 2 = 0 then '$U_WORKER_A'::uuid end
from generate_series(1, $JOBS_A) g;
insert into app.jobs
select '$CO_B', ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'B job ' || g, null
from generate_series(1, $JOBS_B) g;
insert into app.jobs_plain select * from app.jobs;
SQL

# auth.request_context() exactly as db/migrations/0013 defines it (the body is
# kept in a file: the recipe below re-creates it with two settings added).
cat >"$TMP/request_context.sql" <<'SQL'
create or replace function auth.request_context() returns auth.request_context
language plpgsql stable security definer parallel restricted
set search_path = pg_catalog, pg_temp
/*CITUS*/
as $$
declare
  v_setting text := pg_catalog.current_setting('app.session_id', true);
  v_context auth.request_context;
begin
  if v_setting is null
     or v_setting !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
    return null;
  end if;
  select s.id, s.company_id, s.user_id, s.role, s.customer_id
    into v_context
    from app.sessions s
   where s.id = v_setting::uuid
     and s.revoked_at is null
     and s.expires_at > pg_catalog.now()
     and pg_catalog.current_setting('role') = case s.role
           when 'ADMIN' then 'fieldops_admin'
           when 'WORKER' then 'fieldops_worker'
           when 'CUSTOMER' then 'fieldops_customer'
         end;
  return v_context;
end
$$;
SQL

owner <<'SQL'
create type auth.request_context as (
  session_id uuid, company_id uuid, user_id uuid, role app.user_role, customer_id uuid);
SQL
sed 's|/\*CITUS\*/||' "$TMP/request_context.sql" | owner
owner <<'SQL'
create function app.session_id() returns uuid language sql stable parallel restricted
set search_path = pg_catalog, pg_temp as $$ select (auth.request_context()).session_id $$;
create function app.company_id() returns uuid language sql stable parallel restricted
set search_path = pg_catalog, pg_temp as $$ select (auth.request_context()).company_id $$;
create function app.user_id() returns uuid language sql stable parallel restricted
set search_path = pg_catalog, pg_temp as $$ select (auth.request_context()).user_id $$;

-- The session check of the context batch (0013's, reduced to the model's
-- tables): as the authenticator, before the role switch.
create function auth.require_session(p_session_id uuid, p_role app.user_role) returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform 1 from app.sessions s
   where s.id = p_session_id and s.role = p_role
     and s.revoked_at is null and s.expires_at > now();
  if not found then
    raise exception 'session is not valid' using errcode = 'FO401';
  end if;
end
$$;

-- Policies: no sub-selects (Citus refuses them on distributed tables).
alter table app.sessions enable row level security;
alter table app.sessions force row level security;
create policy sessions_owner_all on app.sessions to fieldops_owner using (true) with check (true);
-- Logout: a request revokes its own session (db/policies/sessions.sql, without
-- the sub-select wrappers).
create policy sessions_select_own on app.sessions for select
  to fieldops_admin, fieldops_worker, fieldops_customer
  using (company_id = app.company_id() and id = app.session_id());
create policy sessions_revoke_own on app.sessions for update
  to fieldops_admin, fieldops_worker, fieldops_customer
  using (company_id = app.company_id() and id = app.session_id())
  with check (company_id = app.company_id() and id = app.session_id());

alter table app.jobs enable row level security;
alter table app.jobs force row level security;
create policy jobs_owner_all on app.jobs to fieldops_owner using (true) with check (true);
create policy jobs_admin_all on app.jobs to fieldops_admin
  using (company_id = app.company_id()) with check (company_id = app.company_id());
create policy jobs_worker_select on app.jobs for select to fieldops_worker
  using (company_id = app.company_id() and assigned_worker_id = app.user_id());

alter table app.jobs_plain enable row level security;
alter table app.jobs_plain force row level security;
create policy jobs_plain_owner_all on app.jobs_plain to fieldops_owner using (true) with check (true);
create policy jobs_plain_admin_all on app.jobs_plain to fieldops_admin
  using (company_id = current_setting('app.company_id', true)::uuid)
  with check (company_id = current_setting('app.company_id', true)::uuid);

revoke all on schema app, auth from public;
revoke all on all functions in schema app, auth from public;
grant usage on schema app to fieldops_admin, fieldops_worker, fieldops_customer;
grant usage on schema auth to fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
grant execute on function auth.request_context(), app.session_id(), app.company_id(), app.user_id()
  to fieldops_admin, fieldops_worker, fieldops_customer;
grant execute on function auth.require_session(uuid, app.user_role) to fieldops_authenticator;
grant select (id, company_id, user_id, expires_at, revoked_at), update (revoked_at)
  on app.sessions to fieldops_admin, fieldops_worker, fieldops_customer;
grant select, insert, update, delete on app.jobs, app.jobs_plain to fieldops_admin;
grant select on app.jobs to fieldops_worker;
SQL
echo "model built: app.sessions (reference), app.jobs and app.jobs_plain (distributed, 32 shards each)"

# ---------------------------------------------------------------------------
section "1. 0013 as it is: auth.request_context() reads the reference table from inside a shard query"
with_ctx ctx_admin "$S_ADMIN_A"
expect_rows "0013: select app.company_id() on the coordinator" "$CO_A" "${CTX[@]}" "select app.company_id()"
expect_error "0013: router query (company_id = A), evaluated on the worker" \
  "cannot execute a distributed query from a query on a shard" "${CTX[@]}" "$ROUTER_A"
grep -q 'while executing command on 127.0.0.1' "$TMP/err" && grep -q 'PL/pgSQL function auth.request_context()' "$TMP/err" &&
  pass "0013: the error comes from a worker, inside auth.request_context() (the shard's own policy)" ||
  fail "0013: error context: $(tr '\n' ' ' <"$TMP/err")"
expect_error "0013: fan-out query" "cannot execute a distributed query from a query on a shard" "${CTX[@]}" "$FANOUT"

# ---------------------------------------------------------------------------
section "2. the cause of 'permission denied for table sessions_NNNN' (the port's P14)"
# The lookup of a definer function that Citus runs over a *remote* connection
# runs as the request role, not as the definer: Citus opens the connection as
# the current user (the definer) and then replays the transaction's forwarded
# SET LOCALs on it, `set local role fieldops_admin` first.
# a) The probe's shape: a superuser-owned definer reading a *distributed*
#    sessions table (no local shard: the lookup goes remote).
as_super <<SQL
create schema p14;
grant usage on schema p14 to fieldops_admin;
create table p14.sessions (company_id uuid not null, id uuid not null, primary key (company_id, id));
select create_distributed_table('p14.sessions', 'company_id', colocate_with => 'app.jobs');
insert into p14.sessions values ('$CO_A', '$S_ADMIN_A');
create table p14.tasks (company_id uuid not null, id uuid not null, primary key (company_id, id));
select create_distributed_table('p14.tasks', 'company_id', colocate_with => 'app.jobs');
insert into p14.tasks values ('$CO_A', gen_random_uuid());
alter table p14.tasks enable row level security;
alter table p14.tasks force row level security;
create function p14.session_company() returns uuid language plpgsql stable security definer
set search_path = pg_catalog, pg_temp as \$\$
declare v uuid;
begin
  select s.company_id into v from p14.sessions s
   where s.id = nullif(current_setting('app.session_id', true), '')::uuid;
  return v;
end \$\$;
grant execute on function p14.session_company() to fieldops_admin;
grant select on p14.tasks to fieldops_admin;
create policy by_session on p14.tasks to fieldops_admin using (company_id = p14.session_company());
SQL
expect_error "P14 reproduced (definer = postgres, distributed sessions)" "permission denied for table sessions_" \
  "begin" "set local role fieldops_admin" "set local app.session_id = '$S_ADMIN_A'" \
  "set citus.log_remote_commands = on" "select count(*) from p14.tasks"
if grep -q 'on server postgres@127.0.0.1' "$TMP/err" && grep -q "issuing BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;set local role fieldops_admin;" "$TMP/err"; then
  pass "P14 cause: the definer's lookup went over a connection opened as postgres@ whose transaction began with 'set local role fieldops_admin' (log_remote_commands)"
else
  fail "P14 cause not seen: $(grep -m2 issuing "$TMP/err" | tr '\n' ' ')"
fi
# b) FieldOps' shape (definer fieldops_owner, reference table) with the lookup
#    pushed off the local placement: the replayed SET ROLE itself is refused.
expect_error "fieldops_owner definer, reference table read remotely (citus.enable_local_execution = off)" \
  'permission denied to set role "fieldops_admin"' \
  "${CTX[@]}" "set local citus.enable_local_execution = off" "set citus.log_remote_commands = on" "select app.company_id()"
grep -q 'on server fieldops_owner@127.0.0.1' "$TMP/err" &&
  pass "the remote lookup's connection was opened as fieldops_owner@ (the definer), then given 'set local role fieldops_admin'" ||
  fail "connection user not seen: $(grep -m2 issuing "$TMP/err" | tr '\n' ' ')"

# ---------------------------------------------------------------------------
section "3. the recipe: auth.request_context() pinned to nested, local execution"
sed 's|/\*CITUS\*/|set citus.allow_nested_distributed_execution = on\nset citus.enable_local_execution = on|' \
  "$TMP/request_context.sql" | owner
for p in "$W1" "$W2"; do
  got=$(psql_as "$p" postgres -Atc "select pg_get_userbyid(proowner) || ' ' || prosecdef || ' ' || array_to_string(proconfig, ',') from pg_proc where oid = 'auth.request_context()'::regprocedure")
  case "$got" in
    "fieldops_owner true search_path=pg_catalog, pg_temp,citus.allow_nested_distributed_execution=on,citus.enable_local_execution=on")
      pass "worker $p has auth.request_context(): owner, SECURITY DEFINER, settings as on the coordinator" ;;
    *) fail "worker $p auth.request_context(): $got" ;;
  esac
  got=$(psql_as "$p" postgres -Atc "set citus.show_shards_for_app_name_prefixes = '*'; select c.relname || ' ' || pg_get_userbyid(c.relowner) || ' ' || has_table_privilege('fieldops_admin', c.oid, 'select') || ' ' || c.relforcerowsecurity from pg_class c where c.relkind = 'r' and c.relname like 'sessions\_%' and c.relnamespace = 'app'::regnamespace")
  case "$got" in
    sessions_*" fieldops_owner false true") pass "worker $p reference shard: $got (owner, no request-role SELECT on the row, forced RLS)" ;;
    *) fail "worker $p reference shard: $got" ;;
  esac
done
got=$(as_super -Atc "select string_agg(p.groupid::text, ',' order by p.groupid) from pg_dist_placement p join pg_dist_shard s using (shardid) where s.logicalrelid = 'app.sessions'::regclass")
[ "$got" = "0,1,2" ] && pass "app.sessions has a placement on every node, the coordinator (group 0) included (citus_set_coordinator_host)" ||
  fail "app.sessions placements in groups: $got"
got=$(as_super -Atc "select count(*) from pg_dist_object where objid = 'auth.request_context()'::regprocedure")
[ "$got" = 1 ] && pass "auth.request_context() is a Citus distributed object without create_distributed_function (propagated on CREATE)" ||
  fail "pg_dist_object rows for auth.request_context(): $got"

with_ctx ctx_admin "$S_ADMIN_A"
expect_rows "admin A: select app.company_id()" "$CO_A" "${CTX[@]}" "select app.company_id()"
expect_rows "admin A: router query company A" "$JOBS_A" "${CTX[@]}" "$ROUTER_A"
expect_rows "admin A: router query company B" "0" "${CTX[@]}" "$ROUTER_B"
expect_rows "admin A: router query by key" "A job 7" "${CTX[@]}" \
  "select title from app.jobs where company_id = '$CO_A' and id = '00000000-0000-4000-8000-000000000007'"
expect_rows "admin A: fan-out query (no company filter)" "$JOBS_A" "${CTX[@]}" "$FANOUT"
expect_rows "admin A: fan-out, rows of company B" "0" "${CTX[@]}" "$FANOUT_B_ROWS"
expect_rows "admin A: fan-out, distinct companies seen" "1" "${CTX[@]}" \
  "select count(distinct company_id) from app.jobs"
expect_rows "admin A: insert into A" "1" "${CTX[@]}" \
  "with i as (insert into app.jobs values ('$CO_A', gen_random_uuid(), 'new', null) returning 1) select count(*) from i"
expect_error "admin A: insert into B refused" "new row violates row-level security policy" "${CTX[@]}" \
  "insert into app.jobs values ('$CO_B', gen_random_uuid(), 'x', null)"
expect_rows "admin A: update of B's rows matches none" "0" "${CTX[@]}" \
  "with u as (update app.jobs set title = 'x' where company_id = '$CO_B' returning 1) select count(*) from u"
with_ctx ctx_admin "$S_ADMIN_B"
expect_rows "admin B: fan-out sees B only" "$JOBS_B" "${CTX[@]}" "$FANOUT"
with_ctx ctx_worker "$S_WORKER_A"
expect_rows "worker A: fan-out through the worker policy (assigned_worker_id = app.user_id())" "$((JOBS_A / 2))" "${CTX[@]}" "$FANOUT"
expect_rows "worker A: router query company A" "$((JOBS_A / 2))" "${CTX[@]}" "$ROUTER_A"

# What is sent to the workers: the forwarded SET LOCALs open each remote
# transaction, on connections as the request role.
with_ctx ctx_admin "$S_ADMIN_A"
request "${CTX[@]}" "set citus.log_remote_commands = on" "$ROUTER_A"
begin_line=$(grep -m 1 "issuing BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;set local role fieldops_admin; set local app.session_id = '$S_ADMIN_A'; set local plan_cache_mode = force_custom_plan;" "$TMP/err" || true)
if [ -n "$begin_line" ] && grep -q "on server fieldops_admin@127.0.0.1" "$TMP/err"; then
  pass "workers get 'BEGIN …;<the SET LOCAL message>;…;SELECT assign_distributed_transaction_id(…)' on a fieldops_admin@ connection; the 3-SET message appears $(grep -o 'set local role fieldops_admin' <<<"$begin_line" | wc -l) times (once per SET)"
else
  fail "remote commands: $(grep -m3 issuing "$TMP/err" | tr '\n' ' ')"
fi
grep -q "WHERE (company_id OPERATOR(pg_catalog.=) '$CO_A'::uuid)" "$TMP/err" && ! grep -q 'request_context\|company_id()' "$TMP/err" &&
  pass "the shard query carries no policy qual: each shard applies its own copy of the policy, on the worker" ||
  fail "shard query: $(grep -m3 'issuing SELECT' "$TMP/err" | tr '\n' ' ')"

# ---------------------------------------------------------------------------
section "4. fails closed: 0 rows, no error"
forged=("$(open_check "$S_ADMIN_A" ADMIN)" "begin" "$(open_sets fieldops_admin "$S_FORGED")")
expect_rows "forged session id: router" "0" "${forged[@]}" "$ROUTER_A"
expect_rows "forged session id: fan-out" "0" "${forged[@]}" "$FANOUT"
absent=("$(open_check "$S_ADMIN_A" ADMIN)" "begin" "set local role fieldops_admin")
expect_rows "absent session id: router" "0" "${absent[@]}" "$ROUTER_A"
expect_rows "absent session id: fan-out" "0" "${absent[@]}" "$FANOUT"
expect_rows "malformed session id: fan-out" "0" "${CTX[@]}" "set local app.session_id = 'x'' or true'" "$FANOUT"
for s in "$S_REVOKED_A" "$S_EXPIRED_A"; do
  expect_rows "revoked/expired session $s: fan-out" "0" \
    "begin" "$(open_sets fieldops_admin "$s")" "$FANOUT"
done
expect_rows "admin session under set local role fieldops_worker: fan-out" "0" \
  "begin" "$(open_sets fieldops_worker "$S_ADMIN_A")" "$FANOUT"
expect_rows "admin session under set local role fieldops_worker: router" "0" \
  "begin" "$(open_sets fieldops_worker "$S_ADMIN_A")" "$ROUTER_A"
# The SET LOCAL is forwarded to the open worker connections, which logged in
# as fieldops_admin and may not switch to fieldops_worker: an error, not rows.
expect_error "role switched to fieldops_worker mid-transaction (worker connections already open)" \
  "failure on connection marked as essential" "${CTX[@]}" "$FANOUT" "set local role fieldops_worker" "$FANOUT"
grep -h 'permission denied to set role "fieldops_worker"' "$DATA"/worker*/server.log >/dev/null &&
  pass "… the workers' log: ERROR:  permission denied to set role \"fieldops_worker\" (the connection's login is fieldops_admin)" ||
  fail "… no 'permission denied to set role' in the workers' logs"
expect_rows "set local app.company_id = B: router B" "0" "${CTX[@]}" "set local app.company_id = '$CO_B'" "$ROUTER_B"
expect_rows "set local app.company_id = B: fan-out, rows of B" "0" "${CTX[@]}" "set local app.company_id = '$CO_B'" "$FANOUT_B_ROWS"
expect_rows "set local app.session_id = forged mid-transaction (connections open)" "0" \
  "${CTX[@]}" "$FANOUT" "set local app.session_id = '$S_FORGED'" "$FANOUT"
expect_rows "request turns citus.enable_local_execution off: still its own company (pinned)" "$JOBS_A" \
  "${CTX[@]}" "set local citus.enable_local_execution = off" "$FANOUT"
expect_rows "request turns citus.allow_nested_distributed_execution off: still its own company (pinned)" "$JOBS_A" \
  "${CTX[@]}" "set local citus.allow_nested_distributed_execution = off" "$FANOUT"
expect_rows "logout inside the request (update own session), then a fan-out" "0" \
  "${CTX[@]}" "update app.sessions set revoked_at = now() where company_id = '$CO_A' and id = '$S_ADMIN_A'" "$FANOUT"
# citus.propagate_set_commands is user-settable: a request can stop the
# forwarding. The coordinator and the workers then disagree, but the workers
# keep the batch's own session (they never see a value the caller did not
# have), and a role switch is refused by the replayed SET ROLE.
expect_rows "request stops forwarding, then a forged session id: the workers keep the batch's session" "$JOBS_A" \
  "${CTX[@]}" "set local citus.propagate_set_commands = 'none'" "set local app.session_id = '$S_FORGED'" "$FANOUT"
expect_rows "… while the coordinator's own app.company_id() is NULL" "" \
  "${CTX[@]}" "set local citus.propagate_set_commands = 'none'" "set local app.session_id = '$S_FORGED'" "select app.company_id()"
expect_error "request stops forwarding, then set local role fieldops_worker" 'permission denied to set role "fieldops_admin"' \
  "${CTX[@]}" "set local citus.propagate_set_commands = 'none'" "set local role fieldops_worker" "$FANOUT"
expect_error "reset role inside the request (back to the bare authenticator)" "permission denied for schema app" \
  "${CTX[@]}" "reset role" "select count(*) from app.jobs"

# ---------------------------------------------------------------------------
section "5. what does not matter, and what does (worker-side objects)"
got=$(owner -Atc "select create_distributed_function('auth.request_context()')" 2>&1 || true)
echo "create_distributed_function('auth.request_context()'): '${got}'"
with_ctx ctx_admin "$S_ADMIN_A"
expect_rows "after create_distributed_function: router" "$JOBS_A" "${CTX[@]}" "$ROUTER_A"
expect_rows "after create_distributed_function: fan-out" "$JOBS_A" "${CTX[@]}" "$FANOUT"
expect_rows "after create_distributed_function: select app.company_id()" "$CO_A" "${CTX[@]}" "select app.company_id()"
# The function created while citus.enable_ddl_propagation is off exists on the
# coordinator only; the policy that calls it cannot be created on the shards.
got=$(owner -c "set citus.enable_ddl_propagation = off" \
  -c "create function app.company_id_local() returns uuid language sql stable as \$\$ select (auth.request_context()).company_id \$\$" \
  -c "reset citus.enable_ddl_propagation" \
  -c "create policy jobs_local on app.jobs to fieldops_customer using (company_id = app.company_id_local())" 2>&1 || true)
case "$got" in
  *"function app.company_id_local() does not exist"*) pass "function made with enable_ddl_propagation off: CREATE POLICY fails: $(echo "$got" | grep -m1 ERROR)" ;;
  *) fail "enable_ddl_propagation off: $got" ;;
esac
# Order: the function created while app.sessions is still a local table, the
# table made a reference table afterwards.
owner <<'SQL'
create schema ord;
grant usage on schema ord to fieldops_admin;
create table ord.sessions (id uuid primary key, company_id uuid not null);
create function ord.company_id() returns uuid language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
set citus.allow_nested_distributed_execution = on
set citus.enable_local_execution = on
as $$ begin
  return (select s.company_id from ord.sessions s
           where s.id = nullif(current_setting('app.session_id', true), '')::uuid
             and current_setting('role') = 'fieldops_admin');
end $$;
revoke all on function ord.company_id() from public;
grant execute on function ord.company_id() to fieldops_admin;
select create_reference_table('ord.sessions');
create table ord.jobs (company_id uuid not null, id int not null, primary key (company_id, id));
select create_distributed_table('ord.jobs', 'company_id', colocate_with => 'app.jobs');
alter table ord.jobs enable row level security;
alter table ord.jobs force row level security;
create policy jobs_owner_all on ord.jobs to fieldops_owner using (true) with check (true);
create policy jobs_admin on ord.jobs to fieldops_admin using (company_id = ord.company_id());
grant select on ord.jobs to fieldops_admin;
SQL
as_super -c "insert into ord.sessions values ('$S_ADMIN_A', '$CO_A'); insert into ord.jobs values ('$CO_A', 1), ('$CO_A', 2), ('$CO_B', 1)"
expect_rows "function created before create_reference_table: fan-out" "2" "${CTX[@]}" "select count(*) from ord.jobs"

# ---------------------------------------------------------------------------
section "6. batch shapes (each argument one protocol message; citus.propagate_set_commands = local)"
SETS="$(open_sets fieldops_admin "$S_ADMIN_A")"
CHECK="$(open_check "$S_ADMIN_A" ADMIN)"
shape() { # name expected-rows messages...
  local name=$1 expected=$2
  shift 2
  request "$@"
  local got err w
  got=$(last_row)
  err=$(first_error)
  w=$(warnings)
  if [ "$expected" = error ]; then
    [ -n "$err" ] && pass "$name: $(echo "$err" | sed 's/^.*ERROR: */ERROR:  /') ($w warnings)" || fail "$name: expected an error, got '$got'"
  elif [ "$got" = "$expected" ] && [ -z "$err" ]; then
    pass "$name: $got rows, $w × 'WARNING:  there is already a transaction in progress'"
  else
    fail "$name: expected $expected, got '$got' ${err:+($err)}"
  fi
}
shape "S1 today's batch in one message: reset; reset all; select require_session; set local ×3; begin | fan-out" error \
  "$CHECK; $SETS; begin" "$FANOUT"
grep -q 'permission denied for function require_session' "$TMP/err" && pass "S1 fails on the workers: the whole message is replayed there as the request role" ||
  fail "S1: $(first_error)"
grep -h "STATEMENT:  BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;reset role; reset all; select auth.require_session" "$DATA"/worker*/server.log >/dev/null &&
  pass "S1 worker log: 'STATEMENT:  BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;reset role; reset all; select auth.require_session(…); set local role …; …; begin;…'" ||
  fail "S1: the replay is not in the workers' logs"
shape "S2 check | set local ×3; begin | router" "$JOBS_A" "$CHECK" "$SETS; begin" "$ROUTER_A"
shape "S2 check | set local ×3; begin | fan-out" "$JOBS_A" "$CHECK" "$SETS; begin" "$FANOUT"
shape "S3 check | begin; set local ×3 | fan-out" "$JOBS_A" "$CHECK" "begin; $SETS" "$FANOUT"
shape "S4 check | begin | set local | set local | set local (one per message) | fan-out" "$JOBS_A" \
  "$CHECK" "begin" "set local role fieldops_admin" "set local app.session_id = '$S_ADMIN_A'" \
  "set local plan_cache_mode = force_custom_plan" "$FANOUT"
shape "S5 RECIPE check | begin | set local ×3 | router" "$JOBS_A" "$CHECK" "begin" "$SETS" "$ROUTER_A"
shape "S5 RECIPE check | begin | set local ×3 | fan-out" "$JOBS_A" "$CHECK" "begin" "$SETS" "$FANOUT"
shape "S6 check; begin | set local ×3 (reset all in the begin message) | fan-out" error "$CHECK; begin" "$SETS" "$FANOUT"
shape "S7 select require_session; begin | set local ×3 (no reset in the message) | fan-out" "$JOBS_A" \
  "select auth.require_session('$S_ADMIN_A', 'ADMIN'); begin" "$SETS" "$FANOUT"
shape "S8 begin; set local ×2; query; commit (one message, the probe's P13)" error \
  "begin; set local role fieldops_admin; set local app.session_id = '$S_ADMIN_A'; $ROUTER_A; commit"
shape "S9 set local ×2; begin; query (one message)" error \
  "set local role fieldops_admin; set local app.session_id = '$S_ADMIN_A'; begin; $ROUTER_A"

# ---------------------------------------------------------------------------
section "7. cost: router SELECT by key, pgbench -T $PGBENCH_SECONDS -c $PGBENCH_CLIENTS (coordinator, as fieldops_authenticator)"
KEY="('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid"
bench_script() { # table setting value → the recipe's messages + query + commit (pgbench: one line, one message; \; joins)
  cat <<EOF
\set n random(1, $JOBS_A)
reset role \; reset all \; select auth.require_session('$S_ADMIN_A', 'ADMIN');
begin;
set local role fieldops_admin \; set local $2 = '$3' \; set local plan_cache_mode = force_custom_plan;
select title from $1 where company_id = '$CO_A' and id = $KEY;
commit;
EOF
}
bench_script app.jobs app.session_id "$S_ADMIN_A" >"$TMP/verified.sql"
bench_script app.jobs_plain app.company_id "$CO_A" >"$TMP/plain.sql"
# The same, the context in two messages (S2: SET LOCALs and begin together).
sed '/^begin;$/d; s/force_custom_plan;$/force_custom_plan \\; begin;/' "$TMP/verified.sql" >"$TMP/verified_s2.sql"
# The same in one round trip: extended protocol, pipelined, one statement each.
cat >"$TMP/verified_pipeline.sql" <<EOF
\set n random(1, $JOBS_A)
\startpipeline
reset role;
reset all;
select auth.require_session('$S_ADMIN_A', 'ADMIN');
begin;
set local role fieldops_admin;
set local app.session_id = '$S_ADMIN_A';
set local plan_cache_mode = force_custom_plan;
\endpipeline
select title from app.jobs where company_id = '$CO_A' and id = $KEY;
commit;
EOF
sed "s|app.jobs where|app.jobs_plain where|; s|set local app.session_id = '$S_ADMIN_A'|set local app.company_id = '$CO_A'|" \
  "$TMP/verified_pipeline.sql" >"$TMP/plain_pipeline.sql"
# Every script returns its row once before it is timed.
for s in verified plain verified_s2; do
  "$BIN/pgbench" -n -M simple -t 1 -c 1 -h 127.0.0.1 -p "$C" -U fieldops_authenticator -f "$TMP/$s.sql" \
    -d fieldops >"$TMP/bench.out" 2>&1 && grep -q 'number of failed transactions: 0' "$TMP/bench.out" ||
    fail "pgbench $s: $(tail -3 "$TMP/bench.out")"
done
for s in verified_pipeline plain_pipeline; do
  "$BIN/pgbench" -n -M extended -t 1 -c 1 -h 127.0.0.1 -p "$C" -U fieldops_authenticator -f "$TMP/$s.sql" \
    -d fieldops >"$TMP/bench.out" 2>&1 && grep -q 'number of failed transactions: 0' "$TMP/bench.out" ||
    fail "pgbench $s: $(tail -3 "$TMP/bench.out")"
done
# The query of each script, through its context, returns the row.
expect_rows "bench query, verified context" "A job 42" "${CTX[@]}" \
  "select title from app.jobs where company_id = '$CO_A' and id = ('00000000-0000-4000-8000-' || lpad(42::text, 12, '0'))::uuid"
expect_rows "bench query, plain setting" "A job 42" "$CHECK" "begin" \
  "set local role fieldops_admin; set local app.company_id = '$CO_A'; set local plan_cache_mode = force_custom_plan" \
  "select title from app.jobs_plain where company_id = '$CO_A' and id = ('00000000-0000-4000-8000-' || lpad(42::text, 12, '0'))::uuid"
bench() { # label script mode
  "$BIN/pgbench" -n -M "$3" -T "$PGBENCH_SECONDS" -c "$PGBENCH_CLIENTS" -j 2 -h 127.0.0.1 -p "$C" \
    -U fieldops_authenticator -f "$TMP/$2.sql" -d fieldops >"$TMP/bench.out" 2>&1 || true
  local tps lat failed
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$TMP/bench.out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$TMP/bench.out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$TMP/bench.out")
  printf 'BENCH %-62s %8s tx/s  %6s ms  failed %s\n' "$1" "${tps:-?}" "${lat:-?}" "${failed:-?}"
  TPS[$1]="${TPS[$1]:-} ${tps%.*}"
}
declare -A TPS=()
ROUNDS=${BENCH_ROUNDS:-3}
for round in $(seq 1 "$ROUNDS"); do
  echo "-- round $round"
  bench "verified context, recipe (check | begin | set local ×3)" verified simple
  bench "plain current_setting('app.company_id'), same batch" plain simple
  bench "verified context, S2 (check | set local ×3; begin)" verified_s2 simple
  bench "verified context, pipelined (1 round trip, extended)" verified_pipeline extended
  bench "plain current_setting, pipelined (1 round trip, extended)" plain_pipeline extended
done
echo "-- median of $ROUNDS rounds (tx/s)"
for label in "verified context, recipe (check | begin | set local ×3)" \
  "plain current_setting('app.company_id'), same batch" \
  "verified context, S2 (check | set local ×3; begin)" \
  "verified context, pipelined (1 round trip, extended)" \
  "plain current_setting, pipelined (1 round trip, extended)"; do
  # shellcheck disable=SC2086
  printf 'MEDIAN %-62s %8s tx/s  (%s)\n' "$label" \
    "$(printf '%s\n' ${TPS[$label]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "${TPS[$label]}"
done

ratio() { # verified-label plain-label → per-round verified/plain
  paste <(printf '%s\n' ${TPS[$1]}) <(printf '%s\n' ${TPS[$2]}) | awk '{printf " %.2f", $1 / $2}'
}
echo "-- verified / plain, per round (the rounds share a busy machine; within a round they ran back to back)"
echo "RATIO simple protocol, literal key:           $(ratio "verified context, recipe (check | begin | set local ×3)" "plain current_setting('app.company_id'), same batch")"
echo "RATIO pipelined, extended protocol, bound key: $(ratio "verified context, pipelined (1 round trip, extended)" "plain current_setting, pipelined (1 round trip, extended)")"

# Where the time goes: without the (select …) wrapper that Citus refuses, the
# policy's function is evaluated per row unless it is an index condition.
section "8. per-row evaluation on a worker (the shard of company A, track_functions = pl)"
read -r A_SHARD A_PORT < <(as_super -At -F ' ' -c "select s.shardid, p.nodeport from pg_dist_shard s join pg_dist_shard_placement p using (shardid)
  where s.logicalrelid = 'app.jobs'::regclass and s.shardid = get_shard_id_for_distribution_column('app.jobs', '$CO_A')")
psql_as "$A_PORT" postgres -c "alter system set track_functions = 'pl'" -c "select pg_reload_conf()" >/dev/null
sleep 0.5
per_row() { # label extra-settings [role session]
  local role=${3:-fieldops_admin} sid=${4:-$S_ADMIN_A}
  psql_as "$A_PORT" "$role" -At -c "set citus.show_shards_for_app_name_prefixes = '*'" -c "begin" \
    -c "set local role $role; set local app.session_id = '$sid'; $2" \
    -c "explain (analyze, costs off, timing off, summary on) select count(*) from app.jobs_$A_SHARD" \
    -c "select 'calls of auth.request_context(): ' || coalesce(sum(calls), 0) || ', ' || round(coalesce(sum(total_time), 0)::numeric, 1) || ' ms' from pg_stat_xact_user_functions where funcname = 'request_context'" \
    -c "rollback" 2>&1 | grep -E 'Scan|Cond|Filter|Execution|calls' | sed "s/^/  $1: /"
}
SEQ="set local enable_indexscan = off; set local enable_indexonlyscan = off; set local enable_bitmapscan = off"
per_row "index scan (the planner's choice)" ""
per_row "seq scan (forced)" "$SEQ"
# The worker rule's second comparison has no index behind it: a filter, per row
# of the company, even when the company comparison is the index condition.
per_row "worker policy, planner's choice" "" fieldops_worker "$S_WORKER_A"
owner -c "create index jobs_worker_idx on app.jobs (company_id, assigned_worker_id)" -c "analyze app.jobs"
per_row "worker policy, with an index on (company_id, assigned_worker_id)" "" fieldops_worker "$S_WORKER_A"
# For comparison only (not the recipe): the same lookup reading the reference
# table's local shard by name, past Citus's planner and local executor.
SESSIONS_SHARD=$(as_super -Atc "select shard_name('app.sessions', shardid) from pg_dist_shard where logicalrelid = 'app.sessions'::regclass")
sed "s|/\*CITUS\*/||; s|auth.request_context()|auth.request_context_shard()|; s|from app.sessions s|from $SESSIONS_SHARD s|" \
  "$TMP/request_context.sql" | owner
owner -c "create function app.company_id_shard() returns uuid language sql stable set search_path = pg_catalog, pg_temp
  as \$\$ select (auth.request_context_shard()).company_id \$\$" \
  -c "grant execute on function auth.request_context_shard(), app.company_id_shard() to fieldops_admin"
psql_as "$A_PORT" fieldops_admin -At -c "set citus.show_shards_for_app_name_prefixes = '*'" -c "begin" \
  -c "set local role fieldops_admin; set local app.session_id = '$S_ADMIN_A'; $SEQ" \
  -c "explain (analyze, costs off, timing off, summary on) select count(*) from app.jobs_$A_SHARD where company_id = app.company_id_shard()" \
  -c "select 'calls of auth.request_context_shard(): ' || coalesce(sum(calls), 0) || ', ' || round(coalesce(sum(total_time), 0)::numeric, 1) || ' ms' from pg_stat_xact_user_functions where funcname = 'request_context_shard'" \
  -c "rollback" 2>&1 | grep -E 'Execution|calls' | sed "s/^/  seq scan, lookup on $SESSIONS_SHARD directly: /"

section "summary"
echo "$PASSES PASS, $FAILS FAIL (log: $LOG)"
exit "$FAILS"
