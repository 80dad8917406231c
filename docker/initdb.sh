#!/usr/bin/env bash
# First start of the compose `db` service (the postgres image runs every script in
# /docker-entrypoint-initdb.d once, when the data volume is empty), as the
# superuser:
#   1. db/roles.sql: the five FieldOps roles (idempotent);
#   2. the login roles' passwords, from the environment (the sign-in role,
#      fieldops_login, shares the authenticator's: the server derives its
#      sign-in pool from DATABASE_URL with that user name);
#   3. the application database, owned by fieldops_owner;
#   4. db/database.sql inside it: other backends' activity and signals only for
#      monitoring roles, no temporary objects.
# Then the `migrate` service creates the schema as fieldops_owner.
#
# Also runnable by hand against any PostgreSQL 15 (scripts/test/test-deploy.sh does):
# psql connects through the usual PG* variables (PGHOST, PGPORT, …), the
# superuser is POSTGRES_USER, and FIELDOPS_ROLES_SQL points at db/roles.sql.
set -euo pipefail

: "${FIELDOPS_OWNER_PASSWORD:?set FIELDOPS_OWNER_PASSWORD (password of the schema owner)}"
: "${FIELDOPS_AUTHENTICATOR_PASSWORD:?set FIELDOPS_AUTHENTICATOR_PASSWORD (password of the API login)}"
database="${FIELDOPS_DB_NAME:-fieldops}"
roles_sql="${FIELDOPS_ROLES_SQL:-/fieldops/roles.sql}"
database_sql="${FIELDOPS_DATABASE_SQL:-/fieldops/database.sql}"
superuser="${POSTGRES_USER:-postgres}"

if [ "$FIELDOPS_OWNER_PASSWORD" = "$FIELDOPS_AUTHENTICATOR_PASSWORD" ]; then
  echo "initdb: the owner and the authenticator must have different passwords" >&2
  exit 1
fi

run_psql() {
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
    psql -X -v ON_ERROR_STOP=1 --no-password --username "$superuser" --dbname postgres "$@"
}

run_psql --quiet --file "$roles_sql"

# Values travel as psql variables (:'name' quotes them), never spliced into SQL.
run_psql --quiet \
  -v owner_password="$FIELDOPS_OWNER_PASSWORD" \
  -v authenticator_password="$FIELDOPS_AUTHENTICATOR_PASSWORD" \
  -v database="$database" <<'SQL'
set password_encryption = 'scram-sha-256';
alter role fieldops_owner password :'owner_password';
alter role fieldops_authenticator password :'authenticator_password';
alter role fieldops_login password :'authenticator_password';
select format('create database %I owner fieldops_owner', :'database')
where not exists (select 1 from pg_database where datname = :'database')
\gexec
-- Only the login roles may connect; the request roles never log in.
select format('revoke connect, temporary on database %I from public', :'database')
\gexec
select format('grant connect on database %I to fieldops_owner, fieldops_authenticator, fieldops_login', :'database')
\gexec
SQL

PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
  psql -X -v ON_ERROR_STOP=1 --no-password --quiet --username "$superuser" --dbname "$database" --file "$database_sql"

echo "initdb: roles ready, database $database owned by fieldops_owner"
