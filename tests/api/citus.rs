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

/// The session id inside an access token (its `sid` claim).
fn session_of(access: &str) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let payload = access.split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("claims");
    claims["sid"].as_str().expect("sid").to_owned()
}

/// Citus logs in to the workers as the request roles, so anyone with those
/// roles' credentials can log in there too, past the coordinator. On a worker
/// such a login is still bound by the verified context: without a live session
/// of its own role it reads and writes nothing, neither through the
/// distributed tables nor through the shards themselves, and with one it sees
/// that session's company only.
#[tokio::test]
async fn a_request_role_logged_in_on_a_worker_acts_for_no_company_without_its_session() {
    if !citus::enabled() {
        return;
    }
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    for company in [&acme, &bolt] {
        app.create_job(
            &company.admin.access,
            serde_json::json!({"customer_id": company.customer_id, "title": "x"}),
        )
        .await;
    }
    let acme_admin_session = session_of(&acme.admin.access);

    for &port in citus::worker_ports() {
        let mut superuser = connect(&citus::url(port, "postgres", &app.database)).await;
        // The shards of app.jobs this worker holds, and how many rows they have.
        let shards: Vec<String> = sqlx::query_scalar(
            "select shard_name('app.jobs'::regclass, s.shardid)
               from pg_dist_shard s join pg_dist_placement p using (shardid)
              where s.logicalrelid = 'app.jobs'::regclass
                and p.groupid = (select groupid from pg_dist_local_group)",
        )
        .fetch_all(&mut superuser)
        .await
        .expect("local shards");
        assert!(!shards.is_empty(), "worker {port} holds shards of app.jobs");
        superuser.close().await.ok();

        for role in ["fieldops_admin", "fieldops_worker", "fieldops_customer"] {
            let mut conn = connect(&citus::url(port, role, &app.database)).await;
            let mut reads = vec!["select count(*) from app.jobs".to_owned()];
            reads.extend(shards.iter().map(|shard| format!("select count(*) from {shard}")));
            // No session; a made-up one; a real one held under another role
            // than it was issued for (only fieldops_admin may use it).
            let contexts = [
                String::new(),
                format!(
                    "set role {role}; set app.session_id = '{}'; set app.session_company = '{}'",
                    uuid::Uuid::new_v4(),
                    acme.id
                ),
                format!(
                    "set role {role}; set app.session_id = '{acme_admin_session}'; set app.session_company = '{}'",
                    acme.id
                ),
            ];
            // Each attempt on its own: as session settings (which stay on this
            // node), and as SET LOCALs in a transaction (which Citus forwards
            // to the other shards' nodes, as it does for the server).
            let write = format!(
                "insert into {} (company_id, customer_id, status_id, title)
                 select company_id, customer_id, status_id, 'planted' from app.jobs limit 1",
                shards[0]
            );
            for (n, context) in contexts.iter().enumerate() {
                if n == 2 && role == "fieldops_admin" {
                    continue;
                }
                for local in [false, true] {
                    for sql in reads.iter().chain(std::iter::once(&write)) {
                        conn.execute("reset role; reset all").await.expect("reset");
                        if local {
                            conn.execute("begin").await.expect("begin");
                        }
                        if !context.is_empty() {
                            let context =
                                if local { context.replace("set ", "set local ") } else { context.clone() };
                            conn.execute(context.as_str()).await.expect("context");
                        }
                        // Refused, or no row read and none written.
                        let outcome = if sql == &write {
                            conn.execute(sql.as_str()).await.map(|done| done.rows_affected() as i64)
                        } else {
                            sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut conn).await
                        };
                        if let Ok(rows) = outcome {
                            assert_eq!(
                                rows, 0,
                                "{role} on worker {port} with {context:?} (local: {local}): {sql}"
                            );
                        }
                        if local {
                            conn.execute("rollback").await.expect("rollback");
                        }
                    }
                }
            }
            conn.close().await.ok();
        }

        // With the admin's own live session, under its own role, as the server
        // sends it (SET LOCAL, which Citus forwards to the shards' nodes):
        // that company's rows, never the other's.
        let mut conn = connect(&citus::url(port, "fieldops_admin", &app.database)).await;
        let mut tx = conn.begin().await.expect("begin");
        tx.execute(
            format!(
                "set local role fieldops_admin; set local app.session_id = '{acme_admin_session}'; set local app.session_company = '{}'",
                acme.id
            )
            .as_str(),
        )
        .await
        .expect("context");
        let companies: Vec<uuid::Uuid> = sqlx::query_scalar("select distinct company_id from app.jobs")
            .fetch_all(&mut *tx)
            .await
            .expect("jobs");
        assert_eq!(companies, [acme.id], "acme's admin session on worker {port} reads acme's jobs only");
        tx.rollback().await.ok();
        conn.close().await.ok();
    }
    let planted: i64 = sqlx::query_scalar("select count(*) from app.jobs where title = 'planted'")
        .fetch_one(&app.owner)
        .await
        .expect("count");
    assert_eq!(planted, 0);
}
