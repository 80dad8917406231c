//! The test databases on a Citus cluster (`make test-citus`,
//! scripts/test/test-citus.sh).
//!
//! `FIELDOPS_TEST_CITUS_WORKER_PORTS=54386,54387` says that the test cluster
//! (`FIELDOPS_TEST_PG_PORT`) is a running Citus coordinator with workers on
//! 127.0.0.1 at those ports, started by scripts/test/citus.sh (which creates
//! the roles through Citus and gives the request roles LOGIN on the workers).
//! Unset, nothing here runs.
//!
//! Citus keeps its metadata (nodes, shards, distributed objects) inside each
//! database and does not propagate CREATE DATABASE, so a per-test copy of the
//! template on the coordinator alone would have no workers. The template is
//! therefore created on **every node**, registered and migrated on the
//! coordinator, and each test copies it on every node under the same name:
//! the copies carry identical metadata and shard ids, and each worker's copy
//! keeps that worker's own group id. Measured on 2 cores: about 0.13 s a node,
//! the nodes copied concurrently.
//!
//! `CREATE DATABASE … TEMPLATE` refuses a source with other sessions, and the
//! Citus maintenance daemon of every node stays connected to the template (and
//! to the other nodes' copies of it) once Citus ran there. Sealing the
//! template, `ALLOW_CONNECTIONS false` on every node and then ending its
//! backends, keeps them out for good: the daemons are not started again until
//! someone connects, which the setting refuses.

use std::{sync::OnceLock, time::Duration};

use fieldops::db::{self, quote_ident};
use futures::future::try_join_all;
use sqlx::{Connection, Executor, PgConnection};

/// The workers' ports, from `FIELDOPS_TEST_CITUS_WORKER_PORTS`; empty when unset.
pub fn worker_ports() -> &'static [u16] {
    static PORTS: OnceLock<Vec<u16>> = OnceLock::new();
    PORTS.get_or_init(|| {
        std::env::var("FIELDOPS_TEST_CITUS_WORKER_PORTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse().unwrap_or_else(|_| panic!("FIELDOPS_TEST_CITUS_WORKER_PORTS: {p:?} is not a port"))
            })
            .collect()
    })
}

/// Whether the test cluster is a Citus coordinator.
pub fn enabled() -> bool {
    !worker_ports().is_empty()
}

pub fn url(port: u16, user: &str, database: &str) -> String {
    format!("postgres://{user}@127.0.0.1:{port}/{database}")
}

async fn superuser(port: u16, database: &str) -> PgConnection {
    PgConnection::connect(&url(port, "postgres", database))
        .await
        .unwrap_or_else(|e| panic!("superuser connection to {database} on port {port}: {e}"))
}

async fn run(conn: &mut PgConnection, sql: &str) -> Result<(), String> {
    conn.execute(sql).await.map(drop).map_err(|e| format!("{sql}: {e}"))
}

/// The request roles log in on the workers: Citus opens its worker connections
/// as the current user. db/roles.sql (and every propagation of a role's
/// attributes from the coordinator) makes them NOLOGIN again.
async fn grant_worker_logins() -> Result<(), String> {
    for &port in worker_ports() {
        let mut conn = superuser(port, "postgres").await;
        for role in ["fieldops_admin", "fieldops_worker", "fieldops_customer"] {
            run(&mut conn, &format!("alter role {role} login")).await?;
        }
        conn.close().await.ok();
    }
    Ok(())
}

/// Drops the copies and templates of earlier runs on every node.
async fn drop_stale(coordinator: u16) {
    for &port in std::iter::once(&coordinator).chain(worker_ports()) {
        let mut conn = superuser(port, "postgres").await;
        let stale: Vec<String> = sqlx::query_scalar(
            "select datname::text from pg_database where datname like 't\\_%' or datname like 'tpl\\_%'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("listing databases");
        for old in stale {
            let _ = conn
                .execute(format!("drop database if exists {} with (force)", quote_ident(&old)).as_str())
                .await;
        }
        conn.close().await.ok();
    }
}

/// Creates, registers, migrates and seals the template `name` on every node.
/// Errors are returned, not panicked, so that one failure is reported to
/// every test instead of each test running the bootstrap again.
pub async fn create_template(coordinator: u16, name: &str) -> Result<(), String> {
    // One bootstrap at a time on the shared cluster: role propagation from two
    // databases at once races on the same catalog rows, and db/roles.sql
    // briefly takes the workers' LOGIN away.
    let mut lock = superuser(coordinator, "postgres").await;
    run(&mut lock, "select pg_advisory_lock(727273)").await?;
    let result = bootstrap(coordinator, name).await;
    run(&mut lock, "select pg_advisory_unlock(727273)").await?;
    lock.close().await.ok();
    result?;

    let owner =
        db::admin_pool(&url(coordinator, "fieldops_owner", name)).await.map_err(|e| format!("{e:#}"))?;
    let migrated = db::migrate(&owner).await.map_err(|e| format!("fieldops migrate on Citus: {e:#}"));
    owner.close().await;
    migrated?;
    seal(coordinator, name).await
}

async fn bootstrap(coordinator: u16, name: &str) -> Result<(), String> {
    drop_stale(coordinator).await;
    let quoted = quote_ident(name);
    // The extension and db/database.sql on every node before the workers are
    // registered: once registered, a worker refuses `revoke … on database`.
    for &port in std::iter::once(&coordinator).chain(worker_ports()) {
        let mut conn = superuser(port, "postgres").await;
        run(&mut conn, &format!("create database {quoted} owner fieldops_owner")).await?;
        conn.close().await.ok();
        let mut conn = superuser(port, name).await;
        run(&mut conn, "create extension if not exists citus").await?;
        sqlx::raw_sql(db::DATABASE_SQL)
            .execute(&mut conn)
            .await
            .map_err(|e| format!("db/database.sql: {e}"))?;
        conn.close().await.ok();
    }
    let mut conn = superuser(coordinator, name).await;
    run(&mut conn, &format!("select citus_set_coordinator_host('127.0.0.1', {coordinator})")).await?;
    for port in worker_ports() {
        run(&mut conn, &format!("select citus_add_node('127.0.0.1', {port})")).await?;
    }
    // db/roles.sql here, inside the Citus database, so that Citus carries any
    // change to the workers (as `db::bootstrap` re-asserts the roles).
    sqlx::raw_sql(db::ROLES_SQL).execute(&mut conn).await.map_err(|e| format!("db/roles.sql: {e}"))?;
    // The roles already exist (a cluster-wide object), so Citus does not
    // record them as distributed objects of this new database; migration 0001
    // would then have Citus propagate the owner role itself, as
    // fieldops_owner inside the migration's transaction, and fail: "must be
    // superuser to alter superuser roles or change superuser attribute".
    // Changing a scratch type's owner as the superuser makes Citus propagate
    // each role and record it (pg_dist_object), as citus.sh's fresh cluster
    // has them.
    run(&mut conn, "create schema harness_role_marks").await?;
    run(&mut conn, "create type harness_role_marks.t as (x int)").await?;
    for role in [
        "fieldops_owner",
        "fieldops_authenticator",
        db::LOGIN_ROLE,
        "fieldops_admin",
        "fieldops_worker",
        "fieldops_customer",
    ] {
        run(&mut conn, &format!("alter type harness_role_marks.t owner to {role}")).await?;
    }
    run(&mut conn, "drop schema harness_role_marks cascade").await?;
    conn.close().await.ok();
    grant_worker_logins().await
}

/// Closes the template on every node and ends the sessions in it (the Citus
/// maintenance daemons and their connections to the other nodes).
async fn seal(coordinator: u16, name: &str) -> Result<(), String> {
    let quoted = quote_ident(name);
    for &port in std::iter::once(&coordinator).chain(worker_ports()) {
        let mut conn = superuser(port, "postgres").await;
        run(&mut conn, &format!("alter database {quoted} allow_connections false")).await?;
    }
    for &port in std::iter::once(&coordinator).chain(worker_ports()) {
        let mut conn = superuser(port, "postgres").await;
        let mut left = 0;
        for _ in 0..100 {
            left = sqlx::query_scalar::<_, i64>(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
                  where datname = $1 and pid <> pg_backend_pid()) s",
            )
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if left > 0 {
            return Err(format!("{name} on port {port} still has {left} sessions"));
        }
        conn.close().await.ok();
    }
    Ok(())
}

/// Drops `database` on every node, coordinator first (its daemon connects to
/// the workers), on a thread of its own: a drop takes seconds (the sessions it
/// ends, the daemons among them, must exit first), and the test is done. A
/// drop cut short by the end of the test binary leaves the database to the
/// next run's clean-up.
pub fn drop_in_background(coordinator: u16, database: String) {
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        runtime.block_on(async {
            for &port in std::iter::once(&coordinator).chain(worker_ports()) {
                if let Ok(mut conn) = PgConnection::connect(&url(port, "postgres", "postgres")).await {
                    let _ = conn
                        .execute(
                            format!("drop database if exists {} with (force)", quote_ident(&database))
                                .as_str(),
                        )
                        .await;
                    conn.close().await.ok();
                }
            }
        });
    });
}

/// Copies the template as `database` on every node at once, with what a copy
/// does not inherit: database privileges and per-database settings.
pub async fn copy_template(coordinator: u16, template: &str, database: &str) {
    let nodes = std::iter::once(coordinator).chain(worker_ports().iter().copied());
    try_join_all(nodes.map(|port| async move {
        let mut conn = superuser(port, "postgres").await;
        let database = quote_ident(database);
        run(
            &mut conn,
            &format!("create database {database} template {} owner fieldops_owner", quote_ident(template)),
        )
        .await?;
        run(&mut conn, &format!("revoke temporary on database {database} from public")).await?;
        // `fieldops migrate` sets this for its database (db/citus.sql), but a
        // database's settings are not copied with it: the context relies on it.
        run(&mut conn, &format!("alter database {database} set citus.propagate_set_commands = 'local'"))
            .await?;
        conn.close().await.ok();
        Ok::<_, String>(())
    }))
    .await
    .unwrap_or_else(|e| panic!("copying the template on the Citus nodes: {e}"));
}
