//! The Citus harness itself (`make test-citus`): a test's database is a real
//! Citus database on every node, not a local copy on the coordinator. Without
//! `FIELDOPS_TEST_CITUS_WORKER_PORTS` there is nothing to check.

use sqlx::{Connection, Executor, PgConnection, Row};

use crate::helpers::{citus, spawn_app, superuser_url};

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap_or_else(|e| panic!("{url}: {e}"))
}

#[tokio::test]
async fn a_test_database_is_a_citus_database_on_every_node() {
    if !citus::enabled() {
        return;
    }
    let workers = citus::worker_ports();
    let app = spawn_app().await;
    let mut coordinator = connect(&superuser_url(&app.database)).await;

    let healthy: bool = sqlx::query_scalar("select bool_and(result) from citus_check_cluster_node_health()")
        .fetch_one(&mut coordinator)
        .await
        .expect("node health");
    assert!(healthy, "every node reaches every node in {}", app.database);
    let synced: Vec<i32> = sqlx::query_scalar(
        "select nodeport from pg_dist_node where noderole = 'primary' and hasmetadata and metadatasynced
          and shouldhaveshards order by nodeport",
    )
    .fetch_all(&mut coordinator)
    .await
    .expect("pg_dist_node");
    assert_eq!(
        synced,
        workers.iter().map(|&p| i32::from(p)).collect::<Vec<_>>(),
        "workers with synced metadata"
    );

    // A scratch table distributed in this copy, rows on both workers.
    for sql in [
        "create schema harness_smoke",
        "create table harness_smoke.t (company_id uuid not null, n int not null)",
        "select create_distributed_table('harness_smoke.t', 'company_id')",
        "insert into harness_smoke.t select gen_random_uuid(), g from generate_series(1, 64) g",
        "grant usage on schema harness_smoke to fieldops_admin",
        "grant select on harness_smoke.t to fieldops_admin",
    ] {
        coordinator.execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let per_node = sqlx::query(
        "select nodeport, sum(result::bigint)::bigint as n
           from run_command_on_placements('harness_smoke.t', 'select count(*) from %s')
          group by nodeport order by nodeport",
    )
    .fetch_all(&mut coordinator)
    .await
    .expect("rows per node");
    let per_node: Vec<(i32, i64)> = per_node.iter().map(|r| (r.get("nodeport"), r.get("n"))).collect();
    assert_eq!(per_node.len(), workers.len(), "shards on every worker: {per_node:?}");
    assert!(per_node.iter().all(|&(_, n)| n > 0), "rows on every worker: {per_node:?}");
    assert_eq!(per_node.iter().map(|&(_, n)| n).sum::<i64>(), 64);

    // The metadata reached each worker's copy: a worker plans the query itself.
    for &port in workers {
        let mut worker = connect(&citus::url(port, "postgres", &app.database)).await;
        let count: i64 = sqlx::query_scalar("select count(*) from harness_smoke.t")
            .fetch_one(&mut worker)
            .await
            .expect("on worker");
        assert_eq!(count, 64, "the distributed table seen from the worker on {port}");
        worker.close().await.ok();
    }

    // A request role reads it across both workers: Citus connects to them as
    // fieldops_admin, which must log in there.
    let mut tx = app.authenticator.begin().await.expect("begin");
    tx.execute("set local role fieldops_admin").await.expect("set role");
    let count: i64 = sqlx::query_scalar("select count(*) from harness_smoke.t")
        .fetch_one(&mut *tx)
        .await
        .expect("as admin");
    assert_eq!(count, 64);
    let propagate: String = sqlx::query_scalar("select current_setting('citus.propagate_set_commands')")
        .fetch_one(&mut *tx)
        .await
        .expect("setting");
    assert_eq!(propagate, "local", "the context's SET LOCALs reach the workers");
    tx.rollback().await.ok();

    // Another test's copy shares nothing with this one, on any node.
    let other = spawn_app().await;
    for url in std::iter::once(superuser_url(&other.database))
        .chain(workers.iter().map(|&port| citus::url(port, "postgres", &other.database)))
    {
        let mut conn = connect(&url).await;
        let found: bool = sqlx::query_scalar("select to_regclass('harness_smoke.t') is not null")
            .fetch_one(&mut conn)
            .await
            .expect("to_regclass");
        assert!(!found, "{url} has the other test's table");
        conn.close().await.ok();
    }
    coordinator.close().await.ok();
}
