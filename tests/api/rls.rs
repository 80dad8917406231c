//! The database is what isolates tenants: these tests look at it directly.

use axum::{routing::get, Json};
use fieldops::http::shared::{context::Ctx, AppState};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Executor, Row};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn the_server_pool_is_the_authenticator_and_cannot_bypass_rls() {
    let app = spawn_app().await;
    let row = sqlx::query(
        "select current_user::text as role, r.rolsuper, r.rolbypassrls, r.rolinherit,
                (select count(*) from pg_class c where c.relowner = r.oid) as owned
         from pg_roles r where r.rolname = current_user",
    )
    .fetch_one(&app.authenticator)
    .await
    .expect("role row");
    assert_eq!(row.get::<String, _>("role"), "fieldops_authenticator");
    assert!(!row.get::<bool, _>("rolsuper"), "the authenticator must not be superuser");
    assert!(!row.get::<bool, _>("rolbypassrls"), "the authenticator must not bypass RLS");
    assert!(!row.get::<bool, _>("rolinherit"), "the authenticator must be NOINHERIT");
    assert_eq!(row.get::<i64, _>("owned"), 0, "the authenticator must own nothing");

    let report = fieldops::db::login_role_report(&app.authenticator).await.expect("report");
    assert!(report.is_safe(), "{report:?}");

    // No role of ours may log in as superuser or bypass RLS.
    let unsafe_roles: Vec<String> = sqlx::query_scalar(
        "select rolname::text from pg_roles where rolname like 'fieldops\\_%' and (rolsuper or rolbypassrls)",
    )
    .fetch_all(&app.owner)
    .await
    .expect("roles");
    assert!(unsafe_roles.is_empty(), "{unsafe_roles:?}");
    let logins: Vec<String> = sqlx::query_scalar(
        "select rolname::text from pg_roles where rolname like 'fieldops\\_%' and rolcanlogin order by 1",
    )
    .fetch_all(&app.owner)
    .await
    .expect("logins");
    assert_eq!(logins, ["fieldops_authenticator", "fieldops_login", "fieldops_owner"]);
}

#[tokio::test]
async fn every_table_in_the_app_schema_has_rls_enabled_and_forced() {
    let app = spawn_app().await;
    let tables: Vec<(String, bool, bool)> = sqlx::query_as(
        "select c.relname::text, c.relrowsecurity, c.relforcerowsecurity
         from pg_class c
         where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
         order by 1",
    )
    .fetch_all(&app.owner)
    .await
    .expect("tables");
    assert!(tables.len() >= 5, "expected the app tables, found {tables:?}");
    for (table, enabled, forced) in &tables {
        assert!(*enabled && *forced, "app.{table}: rls enabled={enabled} forced={forced}");
    }
}

/// Every table each request role may select from, by name: tenant data, so
/// not the catalogue of permissions (code's, the same for every company,
/// read by everyone: db/policies/permissions.sql).
async fn readable_tables(app: &crate::helpers::TestApp, role: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select c.relname::text from pg_class c
         where c.relnamespace = 'app'::regnamespace and c.relkind = 'r' and c.relname <> 'permissions'
           and (has_table_privilege($1, c.oid, 'select')
                or exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attnum > 0
                           and has_column_privilege($1, c.oid, a.attnum, 'select')))
         order by 1",
    )
    .bind(role)
    .fetch_all(&app.owner)
    .await
    .expect("readable tables")
}

#[tokio::test]
async fn without_context_every_table_reads_empty_and_inserts_fail() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;

    // The authenticator itself can touch no table at all.
    let mut conn = app.authenticator.acquire().await.expect("connection");
    let denied = conn.execute("select 1 from app.users limit 1").await;
    let code = denied
        .expect_err("authenticator reads a table")
        .into_database_error()
        .and_then(|e| e.code().map(|c| c.into_owned()));
    assert_eq!(code.as_deref(), Some("42501"));

    for role in ["fieldops_admin", "fieldops_worker", "fieldops_customer"] {
        let tables = readable_tables(&app, role).await;
        assert!(!tables.is_empty());
        // No context at all, and a stale '' context (what a pooled connection
        // shows after an earlier SET LOCAL), must both see nothing.
        for context in
            ["", "set local app.company_id = ''; set local app.user_id = ''; set local app.customer_id = '';"]
        {
            let mut tx = conn.begin().await.expect("tx");
            tx.execute(format!("set local role {role}; {context}").as_str()).await.expect("switch role");
            for table in &tables {
                let count: i64 = sqlx::query_scalar(&format!("select count(*) from app.{table}"))
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap_or_else(|e| panic!("{role} counting app.{table}: {e}"));
                assert_eq!(count, 0, "{role} sees {count} rows of app.{table} without context");
            }
            tx.rollback().await.expect("rollback");
        }

        let mut tx = conn.begin().await.expect("tx");
        tx.execute(format!("set local role {role}").as_str()).await.expect("switch role");
        let insert = sqlx::query(
            "insert into app.users (company_id, name, email, password_hash, role) values ($1, 'x', 'x@x.test', 'x', 'ADMIN')",
        )
        .bind(acme.id)
        .execute(&mut *tx)
        .await;
        assert!(insert.is_err(), "{role} inserted a user without context");
        tx.rollback().await.expect("rollback");
    }
}

/// A handler that "forgets" any company filter: the policies still filter.
async fn every_user_visible(mut ctx: Ctx) -> Result<Json<Value>, fieldops::http::shared::Error> {
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from app.users").fetch_all(&mut *ctx.tx).await?;
    let companies: Vec<Uuid> =
        sqlx::query_scalar("select distinct company_id from app.users").fetch_all(&mut *ctx.tx).await?;
    ctx.commit().await?;
    Ok(Json(serde_json::json!({ "ids": ids, "companies": companies })))
}

#[tokio::test]
async fn a_query_with_no_company_filter_returns_only_the_callers_company() {
    let probe = axum::Router::<AppState>::new().route("/probe/users", get(every_user_visible));
    let app = spawn_app_with(probe).await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;

    let reply = app.get("/probe/users", &acme.admin.access).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["companies"], serde_json::json!([acme.id]));
    assert_eq!(reply.body["ids"].as_array().map(Vec::len), Some(3), "acme has admin, worker, customer");

    let reply = app.get("/probe/users", &bolt.worker.access).await;
    assert_eq!(reply.body["companies"], serde_json::json!([bolt.id]));

    // A customer sees only itself.
    let reply = app.get("/probe/users", &acme.customer.access).await;
    assert_eq!(reply.body["ids"], serde_json::json!([acme.customer.user_id]));
}

#[tokio::test]
async fn request_roles_cannot_read_password_or_token_hashes() {
    let app = spawn_app().await;
    app.company("acme").await;
    let mut conn = app.authenticator.acquire().await.expect("connection");
    for role in ["fieldops_admin", "fieldops_worker", "fieldops_customer"] {
        for sql in ["select password_hash from app.users", "select token_hash from app.refresh_tokens"] {
            let mut tx = conn.begin().await.expect("tx");
            tx.execute(format!("set local role {role}").as_str()).await.expect("role");
            let result = tx.execute(sql).await;
            assert!(result.is_err(), "{role} may run {sql}");
            tx.rollback().await.expect("rollback");
        }
    }
}

#[tokio::test]
async fn the_indexed_search_functions_answer_only_admins_and_only_their_company() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    for company in [&acme, &bolt] {
        app.create_job(
            &company.admin.access,
            serde_json::json!({"customer_id": company.customer_id, "title": "Shared words"}),
        )
        .await;
    }
    let search = |access: String| {
        let app = &app;
        async move {
            let mut tx = app.request_tx(&access).await;
            let jobs: Vec<Uuid> = sqlx::query_scalar(
                "select s from auth.search_jobs('%shared%', false, null, null, null, null, null, 100) s",
            )
            .fetch_all(&mut *tx)
            .await
            .unwrap_or_default();
            let companies: Vec<Uuid> =
                sqlx::query_scalar("select distinct company_id from app.jobs where id = any($1)")
                    .bind(&jobs)
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap_or_default();
            (jobs.len(), companies)
        }
    };
    assert_eq!(search(acme.admin.access.clone()).await, (1, vec![acme.id]));
    // EXECUTE is granted to admins only; and the function itself checks the role.
    assert_eq!(search(acme.worker.access.clone()).await.0, 0);
    assert_eq!(search(acme.customer.access.clone()).await.0, 0);
    let no_context: Vec<Uuid> = sqlx::query_scalar(
        "select s from auth.search_jobs('%shared%', false, null, null, null, null, null, 100) s",
    )
    .fetch_all(&app.owner)
    .await
    .expect("owner call");
    assert!(no_context.is_empty(), "no context, no rows — even for the owner");
}

#[tokio::test]
async fn opening_a_context_that_is_cancelled_never_leaves_it_on_the_pooled_connection() {
    // A client that disconnects drops the request's future at any instant,
    // including while the context batch (session check, BEGIN, SET LOCAL ROLE)
    // is on the wire. The pooled connection must come back as the bare
    // authenticator, outside any transaction, whatever the instant.
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let (user, limits, pool) = one_connection(&app, &acme.admin.access);
    let (mut cancelled, mut completed) = (0, 0);
    for n in 0..300u64 {
        let attempt = fieldops::http::shared::context::open_detected(&pool, &user, limits);
        // A zero timeout polls the attempt and drops it as soon as it waits:
        // usually after the batch is on the wire. The others let it finish.
        let patience =
            if n % 2 == 0 { std::time::Duration::ZERO } else { std::time::Duration::from_millis(50) };
        match tokio::time::timeout(patience, attempt).await {
            Ok(Ok(tx)) => {
                completed += 1;
                drop(tx)
            }
            Ok(Err(error)) => panic!("opening failed: {error:?}"),
            Err(_) => cancelled += 1,
        }
        let role: String = sqlx::query_scalar("select current_user::text")
            .fetch_one(&pool)
            .await
            .expect("the connection answers");
        assert_eq!(role, "fieldops_authenticator", "attempt {n} left the role switched");
        // SAVEPOINT succeeds only inside a transaction block.
        let savepoint = sqlx::query("savepoint probe").execute(&pool).await;
        let code = savepoint
            .err()
            .and_then(|e| e.into_database_error())
            .and_then(|e| e.code().map(|c| c.into_owned()));
        assert_eq!(
            code.as_deref(),
            Some("25P01"),
            "attempt {n} left a transaction open (cancelled so far: {cancelled})"
        );
    }
    // How many land mid-flight depends on the machine's load; without the fix
    // any one of them leaves the role switched (seen here on attempt 30).
    assert!(completed >= 100, "cancelled {cancelled}, completed {completed}");
}

#[tokio::test]
async fn a_context_batch_that_fails_part_way_leaves_the_pooled_connection_clean() {
    // Whatever statement of the batch fails (a refused role switch, a bad
    // setting, a timeout), the one pooled connection must come back outside any
    // transaction: the next request on it works.
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let (user, limits, pool) = one_connection(&app, &acme.admin.access);
    let batch = fieldops::http::shared::context::context_batch(&user, limits);
    let statements: Vec<&str> = batch.split_inclusive(";\n").collect();
    // A failing statement before each statement of the real batch in turn.
    for at in 0..statements.len() {
        let mut broken = statements[..at].concat();
        broken.push_str("set local statement_timeout = 'not a duration';\n");
        broken.push_str(&statements[at..].concat());
        let opened = fieldops::http::shared::context::open_batch(&pool, broken).await;
        assert!(opened.is_err(), "the broken batch opened a context");
        let tx = fieldops::http::shared::context::open_detected(&pool, &user, limits).await;
        assert!(tx.is_ok(), "a batch failing after statement {at} poisoned the connection: {:?}", tx.err());
    }
}

/// The caller an access token names, the app's time limits, and a server pool
/// of one connection, so that consecutive contexts share a backend.
fn one_connection(
    app: &crate::helpers::TestApp,
    access: &str,
) -> (fieldops::http::shared::context::CurrentUser, fieldops::http::shared::context::Limits, sqlx::PgPool) {
    let claims = {
        use base64::Engine;
        let payload = access.split('.').nth(1).expect("payload");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("b64");
        serde_json::from_slice::<fieldops::auth::jwt::Claims>(&bytes).expect("claims")
    };
    let mut config =
        fieldops::config::Config::from_lookup(|key| app.config_vars.get(key).cloned()).expect("config");
    config.database.max_connections = 1;
    config.database.acquire_timeout = std::time::Duration::from_secs(5);
    let pool = fieldops::db::server_pool(&app.config_vars["DATABASE_URL"], &config.database).expect("pool");
    (fieldops::http::shared::context::CurrentUser::from(&claims), (&config).into(), pool)
}
