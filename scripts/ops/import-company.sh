#!/usr/bin/env bash
# Loads one company back from a directory written by scripts/ops/export-company.sh,
# in one transaction: all of it or nothing.
#
#   scripts/ops/import-company.sh [--replace] <export directory>
#
# Runs as a SUPERUSER (DATABASE_URL or PG* variables): it loads rows exactly as
# exported, so it switches triggers off for its transaction
# (session_replication_role = replica) — otherwise the bookkeeping trigger would
# restamp created_at/updated_at/version, and rows would be checked against rules
# (last admin, final status) mid-load. Foreign keys are triggers too: the export
# comes from one consistent snapshot, and the script checks afterwards that
# every loaded table has exactly the manifest's row count before committing.
#
# Without --replace it refuses a company that exists; with it, that company's
# current rows (every table with its company_id, and the company row) are
# deleted first. Other companies are never touched. The export's schema version
# must equal the database's (migrate first).
set -euo pipefail

replace=off
if [ "${1:-}" = --replace ]; then
  replace=on
  shift
fi
if [ "$#" -ne 1 ]; then
  echo "usage: $0 [--replace] <export directory>" >&2
  exit 2
fi
dir="$(cd "$1" && pwd)"
case "$dir" in
  *"'"* | *\\*) echo "import-company: the directory may not contain quotes or backslashes" >&2; exit 2 ;;
esac
for f in company_id.txt schema_version.txt manifest.csv companies.csv; do
  [ -f "$dir/$f" ] || { echo "import-company: $dir/$f is missing; not an export directory" >&2; exit 1; }
done
if [ -f "$dir/REPORTING" ]; then
  echo "import-company: $dir is a --reporting export (no secrets or sessions); it cannot be imported" >&2
  exit 1
fi

company_id="$(cat "$dir/company_id.txt")"
version="$(cat "$dir/schema_version.txt")"
[[ "$company_id" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] \
  || { echo "import-company: bad company id in company_id.txt" >&2; exit 1; }
[[ "$version" =~ ^[0-9]+$ ]] || { echo "import-company: bad schema_version.txt" >&2; exit 1; }

psql_conn=(psql -X -v ON_ERROR_STOP=1)
if [ -n "${DATABASE_URL:-}" ]; then
  psql_conn+=(--dbname "$DATABASE_URL")
fi
sql() { "${psql_conn[@]}" -q -At "$@"; }

[ "$(sql -c 'select rolsuper from pg_roles where rolname = current_user')" = t ] \
  || { echo "import-company: run as a superuser (triggers are switched off for the load)" >&2; exit 1; }
current="$(sql -c 'select max(version) from public._sqlx_migrations where success')"
if [ "$current" != "$version" ]; then
  echo "import-company: the export is of schema version $version, the database is at $current" >&2
  exit 1
fi
exists="$(sql -c "select count(*) from app.companies where id = '$company_id'")"
if [ "$exists" != 0 ] && [ "$replace" != on ]; then
  echo "import-company: company $company_id exists; pass --replace to overwrite it" >&2
  exit 1
fi

# Every tenant table of the database, to delete from when replacing.
tenant_tables="$(sql <<'SQL'
select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'app' and c.relkind in ('r', 'p')
  and exists (select 1 from pg_attribute k where k.attrelid = c.oid and k.attname = 'company_id' and not k.attisdropped)
order by 1;
SQL
)"

script="begin;"$'\n'"set local session_replication_role = replica;"$'\n'
if [ "$replace" = on ]; then
  while read -r table; do
    [ -n "$table" ] && script+="delete from app.$table where company_id = '$company_id';"$'\n'
  done <<<"$tenant_tables"
  script+="delete from app.companies where id = '$company_id';"$'\n'
fi
checks=""
while IFS=, read -r table rows; do
  [ "$table" = table ] && continue
  [[ "$table" =~ ^[a-z_][a-z0-9_]*$ && "$rows" =~ ^[0-9]+$ ]] \
    || { echo "import-company: bad manifest line: $table,$rows" >&2; exit 1; }
  header="$(head -n 1 "$dir/$table.csv")"
  [[ "$header" =~ ^[a-z_][a-z0-9_]*(,[a-z_][a-z0-9_]*)*$ ]] \
    || { echo "import-company: unexpected header in $table.csv" >&2; exit 1; }
  script+="\\copy app.$table ($header) from '$dir/$table.csv' with (format csv, header)"$'\n'
  if [ "$table" = companies ]; then filter="id"; else filter="company_id"; fi
  checks+="do \$\$ begin if (select count(*) from app.$table where $filter = '$company_id') <> $rows then"
  checks+=" raise exception 'app.$table: expected $rows rows for the company after the load'; end if; end \$\$;"$'\n'
done <"$dir/manifest.csv"
script+="$checks"
# COPY writes identity columns as given (e.g. audit_log.id); move each identity
# sequence past them, so rows inserted later do not collide.
script+="$(cat <<'SQL'
select format('select pg_catalog.setval(%L, greatest((select max(%I) from app.%I), (select last_value from %s)))',
              seq, a.attname, c.relname, seq)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'app'
join pg_attribute a on a.attrelid = c.oid and a.attidentity <> '' and not a.attisdropped
cross join lateral pg_get_serial_sequence(format('app.%I', c.relname), a.attname) as seq
\gexec
SQL
)"$'\n'
script+="commit;"$'\n'

# Any error (a bad row, a count that differs) stops psql inside the
# transaction, which then rolls back: nothing is half loaded.
"${psql_conn[@]}" -q <<<"$script" >/dev/null
total=$(awk -F, 'NR > 1 { s += $2 } END { print s + 0 }' "$dir/manifest.csv")
echo "imported company $company_id: $total rows from $dir"
