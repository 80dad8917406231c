#!/usr/bin/env bash
# Exports one company's rows as CSV files: its app.companies row and every row
# with its company_id, one file per table, from one consistent snapshot.
#
#   scripts/ops/export-company.sh [--reporting] <company slug or id> <output directory>
#
# --reporting leaves out what a report never needs and a leak would hurt:
# sessions, refresh tokens, and every password_hash / token_hash column. Such an
# export cannot be imported back.
#
# Connects with psql as the schema owner (the owner's policies let it read every
# company); pass the connection as DATABASE_URL or the usual PG* variables, e.g.
#   DATABASE_URL=postgres://fieldops_owner:…@db:5432/fieldops scripts/ops/export-company.sh acme ./export-acme
#
# The tables are found in the catalog (every table of schema `app` with a
# company_id column), so a table added by a later migration is exported too.
# Generated columns are left out, so the files load back with \copy (see
# scripts/ops/import-company.sh). manifest.csv lists each file with its row count and
# schema_version.txt the last applied migration.
set -euo pipefail

reporting=off
if [ "${1:-}" = --reporting ]; then
  reporting=on
  shift
fi
if [ "$#" -ne 2 ]; then
  echo "usage: $0 [--reporting] <company slug or id> <output directory>" >&2
  exit 2
fi
company_key="$1"
out_dir="$2"

psql_conn=(psql -X -v ON_ERROR_STOP=1)
if [ -n "${DATABASE_URL:-}" ]; then
  psql_conn+=(--dbname "$DATABASE_URL")
fi
sql() { "${psql_conn[@]}" -q -At "$@"; }

company_id="$(sql -v key="$company_key" <<'SQL'
select id from app.companies where slug = lower(:'key') or id::text = lower(:'key');
SQL
)"
if ! [[ "$company_id" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]; then
  echo "export-company: no company with slug or id '$company_key'" >&2
  exit 1
fi

case "$out_dir" in
  *"'"* | *\\*) echo "export-company: the output directory may not contain quotes or backslashes" >&2; exit 2 ;;
esac
mkdir -p "$out_dir"
if [ -n "$(ls -A "$out_dir")" ]; then
  echo "export-company: $out_dir is not empty" >&2
  exit 1
fi
out_dir="$(cd "$out_dir" && pwd)"

# table name, then its column list (generated columns left out), one table a line.
tables="$(sql -F ' ' -v reporting="$reporting" <<'SQL'
select c.relname,
       string_agg(quote_ident(a.attname), ',' order by a.attnum)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
  and not (:'reporting' = 'on' and a.attname in ('password_hash', 'token_hash'))
where n.nspname = 'app' and c.relkind in ('r', 'p')
  and not (:'reporting' = 'on' and c.relname in ('sessions', 'refresh_tokens'))
  and (c.relname = 'companies'
       or exists (select 1 from pg_attribute k
                  where k.attrelid = c.oid and k.attname = 'company_id' and not k.attisdropped))
group by c.relname
order by c.relname;
SQL
)"

# The owner reads through its own policies (RLS is forced on the owner too): a
# table whose policies do not let it read would silently export nothing.
missing="$(sql <<'SQL'
select string_agg(c.relname, ', ' order by c.relname)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'app' and c.relkind in ('r', 'p') and c.relrowsecurity
  and not exists (select 1 from pg_policies p
                  where p.schemaname = 'app' and p.tablename = c.relname
                    and (current_user = any (p.roles) or 'public' = any (p.roles))
                    and p.cmd in ('ALL', 'SELECT'))
  and not (select rolsuper or rolbypassrls from pg_roles where rolname = current_user);
SQL
)"
if [ -n "$missing" ]; then
  echo "export-company: $(sql -c 'select current_user') has no policy to read: $missing (export as fieldops_owner)" >&2
  exit 1
fi

# One session, one repeatable-read snapshot: the files agree with each other.
# psql answers each \copy with "COPY <rows>", in order: that is the manifest.
script="begin isolation level repeatable read read only;"$'\n'
names=()
while read -r table columns; do
  [ -n "$table" ] || continue
  if [ "$table" = companies ]; then filter="id = '$company_id'"; else filter="company_id = '$company_id'"; fi
  script+="\\copy (select $columns from app.$table where $filter order by 1) to '$out_dir/$table.csv' with (format csv, header)"$'\n'
  names+=("$table")
done <<<"$tables"
script+="select max(version) from public._sqlx_migrations where success;"$'\n'
script+="commit;"$'\n'
answers_text="$("${psql_conn[@]}" -At <<<"$script")"
mapfile -t answers <<<"$answers_text"

counts=()
version=""
for line in "${answers[@]}"; do
  case "$line" in
    "COPY "*) counts+=("${line#COPY }") ;;
    BEGIN | COMMIT) ;;
    *) version="$line" ;;
  esac
done
if [ "${#counts[@]}" -ne "${#names[@]}" ]; then
  echo "export-company: expected ${#names[@]} tables, psql reported ${#counts[@]}" >&2
  exit 1
fi

{
  echo "table,rows"
  for i in "${!names[@]}"; do echo "${names[$i]},${counts[$i]}"; done
} >"$out_dir/manifest.csv"
echo "$version" >"$out_dir/schema_version.txt"
echo "$company_id" >"$out_dir/company_id.txt"
if [ "$reporting" = on ]; then
  echo "reporting export: secrets and sessions left out; not importable" >"$out_dir/REPORTING"
fi

total=0
for n in "${counts[@]}"; do total=$((total + n)); done
echo "exported company $company_key ($company_id): $total rows in ${#names[@]} tables to $out_dir"
