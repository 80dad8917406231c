//! Pools, the superuser bootstrap, migrations and the policy re-apply step.

use std::time::Duration;

use anyhow::Context;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    ConnectOptions, Connection, Executor, PgPool,
};

use crate::config::DatabaseConfig;

pub mod citus;

include!(concat!(env!("OUT_DIR"), "/policy_files.rs"));

/// Cluster-level roles, applied by a superuser before migrating.
pub const ROLES_SQL: &str = include_str!("../../db/roles.sql");

/// Per-database hardening, applied by a superuser inside the FieldOps database.
pub const DATABASE_SQL: &str = include_str!("../../db/database.sql");

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("db/migrations");

/// The server's pool. Lazy, so the process starts (and reports not ready)
/// while the database is down, and recovers by itself when it returns.
///
/// The timeouts travel as connection options, not as role settings: `ALTER
/// ROLE … SET` of the request roles never applies, because `SET ROLE` does not
/// load a role's settings. Without them one slow or stuck request (a runaway
/// query, a handler awaiting something else mid-transaction) holds a pooled
/// connection, and with it every other tenant's capacity, indefinitely. (Behind
/// PgBouncer, which drops startup options, the context batch sets the same
/// limits with `SET LOCAL` for every request.)
pub fn server_pool(url: &str, config: &DatabaseConfig) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
    let options = options
        .application_name("fieldops")
        .options([
            ("statement_timeout", millis(config.statement_timeout)),
            ("idle_in_transaction_session_timeout", millis(config.idle_in_transaction_timeout)),
        ])
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(100));
    Ok(PgPoolOptions::new()
        .max_connections(config.max_connections)
        .min_connections(0)
        .acquire_timeout(config.acquire_timeout)
        .connect_lazy_with(options))
}

/// The sign-in flow's pool, as `fieldops_login`: `LOGIN_DATABASE_URL` when set,
/// else the server pool's own settings (host, database, password) with that
/// user name. Small: sign-in is bounded by argon2, not by connections.
pub fn login_pool(server: &PgPool, config: &DatabaseConfig) -> PgPool {
    let options = match config.login_url.as_ref().map(|url| url.expose().parse::<PgConnectOptions>()) {
        Some(Ok(options)) => options,
        // Checked at start-up (Config); a bad value cannot get here.
        Some(Err(_)) | None => (*server.connect_options()).clone().username(LOGIN_ROLE),
    };
    PgPoolOptions::new()
        .max_connections((config.max_connections / 4).clamp(2, 8))
        .min_connections(0)
        .acquire_timeout(config.acquire_timeout)
        .connect_lazy_with(options.application_name("fieldops-login"))
}

pub const LOGIN_ROLE: &str = "fieldops_login";

/// A PostgreSQL duration setting; `0` disables the timeout.
fn millis(duration: Duration) -> String {
    format!("{}ms", duration.as_millis())
}

/// A small pool for one-off administrative work (migrate, CLI commands).
pub async fn admin_pool(url: &str) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse().context("not a valid PostgreSQL URL")?;
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        // One-shot work (migrations, seeding) is slow by nature: no slow-statement warnings.
        .connect_with(
            options
                .application_name("fieldops-admin")
                .log_slow_statements(tracing::log::LevelFilter::Off, Duration::ZERO),
        )
        .await
        .context("connecting to PostgreSQL")
}

/// As a superuser: creates the roles and, if missing, the database owned by
/// `fieldops_owner`.
pub async fn bootstrap(superuser: &PgPool, database: &str) -> anyhow::Result<()> {
    // Two sessions bootstrapping at once (parallel test binaries) may race on
    // CREATE ROLE; an advisory lock makes them take turns.
    let mut conn = superuser.acquire().await?;
    conn.execute("select pg_advisory_lock(727272)").await?;
    let result = async {
        sqlx::raw_sql(ROLES_SQL).execute(&mut *conn).await.context("applying db/roles.sql")?;
        let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(database)
            .fetch_one(&mut *conn)
            .await?;
        if !exists {
            let statement = format!("create database {} owner fieldops_owner", quote_ident(database));
            conn.execute(statement.as_str()).await.context("creating the database")?;
        }
        anyhow::Ok(())
    }
    .await;
    conn.execute("select pg_advisory_unlock(727272)").await?;
    result?;
    harden_database(superuser, database).await
}

/// As a superuser, inside `database`: db/database.sql. Privileges on the
/// catalog live in each database (copied from a template), not in the cluster.
pub async fn harden_database(superuser: &PgPool, database: &str) -> anyhow::Result<()> {
    let options = (*superuser.connect_options()).clone().database(database);
    let mut conn = sqlx::postgres::PgConnection::connect_with(&options)
        .await
        .with_context(|| format!("connecting to {database} as the superuser"))?;
    sqlx::raw_sql(DATABASE_SQL).execute(&mut conn).await.context("applying db/database.sql")?;
    conn.close().await?;
    Ok(())
}

/// As the owner: runs pending migrations, then re-applies every policy file.
/// On Citus (detected by its extension), distributes the tables in between
/// (src/db/citus.rs).
pub async fn migrate(owner: &PgPool) -> anyhow::Result<()> {
    let mut conn = owner.acquire().await?;
    let topology = citus::detect(&mut conn).await?;
    if topology.is_citus() {
        citus::prepare_migrations(&mut conn).await?;
        citus::run_migrations(&mut conn, &MIGRATOR).await.context("running migrations")?;
    } else {
        MIGRATOR.run(&mut *conn).await.context("running migrations")?;
    }
    if topology.is_citus() {
        // Citus refuses policies with subqueries on the tables it distributes;
        // apply_policies_on re-creates them in Citus's shape. On a cluster
        // already distributed, the drops are DDL on distributed and reference
        // tables in one transaction, which Citus allows only sequentially.
        let mut tx = conn.begin().await?;
        citus::sequential_ddl(&mut tx).await?;
        drop_policies(&mut tx).await?;
        tx.commit().await?;
        citus::distribute(&mut conn).await?;
    }
    apply_policies_on(&mut conn, topology).await
}

/// Drops every policy on the app schema's tables and re-creates them from
/// `db/policies/`, in one transaction: a failure leaves the old set in place.
pub async fn apply_policies(owner: &PgPool) -> anyhow::Result<()> {
    let mut conn = owner.acquire().await?;
    let topology = citus::detect(&mut conn).await?;
    apply_policies_on(&mut conn, topology).await
}

async fn apply_policies_on(conn: &mut sqlx::PgConnection, topology: citus::Topology) -> anyhow::Result<()> {
    let mut tx = conn.begin().await?;
    if topology.is_citus() {
        citus::sequential_ddl(&mut tx).await?;
    }
    drop_policies(&mut tx).await?;
    for (name, sql) in POLICY_FILES {
        let sql = citus::policy_sql(name, sql, topology)?;
        if topology.is_citus() {
            for statement in citus::split_statements(&sql) {
                tx.execute(statement)
                    .await
                    .with_context(|| format!("applying db/policies/{name}: {statement}"))?;
            }
        } else {
            sqlx::raw_sql(&sql)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("applying db/policies/{name}"))?;
        }
    }
    if topology.is_citus() {
        citus::apply_settings(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn drop_policies(conn: &mut sqlx::PgConnection) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "do $$
         declare p record;
         begin
           for p in select schemaname, tablename, policyname from pg_policies where schemaname = 'app' loop
             execute format('drop policy %I on %I.%I', p.policyname, p.schemaname, p.tablename);
           end loop;
         end $$;",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What the server's own login role is allowed to do, checked at start-up.
#[derive(Debug)]
pub struct LoginRoleReport {
    pub role: String,
    pub is_superuser: bool,
    pub bypasses_rls: bool,
    pub owned_tables: i64,
}

impl LoginRoleReport {
    pub fn is_safe(&self) -> bool {
        !self.is_superuser && !self.bypasses_rls && self.owned_tables == 0
    }
}

pub async fn login_role_report(pool: &PgPool) -> anyhow::Result<LoginRoleReport> {
    let (role, is_superuser, bypasses_rls, owned_tables): (String, bool, bool, i64) = sqlx::query_as(
        "select r.rolname::text, r.rolsuper, r.rolbypassrls,
                (select count(*) from pg_class c where c.relowner = r.oid and c.relkind in ('r', 'p', 'v', 'm'))
         from pg_roles r where r.rolname = current_user",
    )
    .fetch_one(pool)
    .await?;
    Ok(LoginRoleReport { role, is_superuser, bypasses_rls, owned_tables })
}

/// The database name in a PostgreSQL URL.
pub fn database_name(url: &str) -> anyhow::Result<String> {
    let options: PgConnectOptions = url.parse().context("not a valid PostgreSQL URL")?;
    options.get_database().map(str::to_owned).context("the URL names no database")
}

pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}
