//! Pooled server connections carry nothing from one request to the next.
//!
//! In the normal suite the app's pool has one connection, so two requests run
//! on the same backend. Through PgBouncer in transaction mode
//! (scripts/test/test-pgbouncer.sh, `default_pool_size = 1`) they share one
//! server connection even from different client connections, which this test
//! then also checks with a client connection of its own.

use axum::{extract::State, routing::get, Json};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use fieldops::http::shared::{context::Ctx, error::Error, AppState};
use reqwest::StatusCode;

use crate::helpers::{pooler_port, spawn_app_configured};

/// Request 1: the real context (role switch, session id), read back, committed.
async fn inside_a_request(mut ctx: Ctx) -> Result<Json<Value>, Error> {
    let (pid, user, session, company): (i32, String, Option<String>, Option<Uuid>) = sqlx::query_as(
        "select pg_backend_pid(), current_user::text, current_setting('app.session_id', true), app.company_id()",
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(Json(json!({ "pid": pid, "user": user, "session": session, "company": company })))
}

/// What the next request's connection holds before its own context batch.
async fn state_of(conn: &mut PgConnection) -> Value {
    let (pid, user, session): (i32, String, Option<String>) = sqlx::query_as(
        "select pg_backend_pid(), current_user::text, current_setting('app.session_id', true)",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("bare state");
    // Even switched into a request role, nothing of request 1 is visible: no
    // session id, so no company.
    let mut tx = conn.begin().await.expect("begin");
    tx.execute("set local role fieldops_admin").await.expect("role switch");
    let (same_pid, company): (i32, Option<Uuid>) =
        sqlx::query_as("select pg_backend_pid(), app.company_id()")
            .fetch_one(&mut *tx)
            .await
            .expect("company");
    tx.rollback().await.expect("rollback");
    json!({ "pid": pid, "same_pid": same_pid, "user": user, "session": session, "company": company })
}

/// Request 2, before any context batch: a bare connection of the app's pool.
async fn before_a_context(State(state): State<AppState>) -> Result<Json<Value>, Error> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(state_of(&mut conn).await))
}

fn assert_clean(state: &Value, pid: &Value) {
    assert_eq!(&state["pid"], pid, "not the server connection request 1 used: {state}");
    assert_eq!(&state["same_pid"], pid, "{state}");
    assert_eq!(state["user"], "fieldops_authenticator", "a role survived the request: {state}");
    assert!(
        state["session"].is_null() || state["session"] == "",
        "app.session_id survived the request: {state}"
    );
    assert!(state["company"].is_null(), "a company survived the request: {state}");
}

#[tokio::test]
async fn no_role_or_context_survives_from_one_request_to_the_next_on_a_shared_server_connection() {
    let probes = axum::Router::<AppState>::new()
        .route("/probe/inside", get(inside_a_request))
        .route("/probe/before", get(before_a_context));
    // One connection in the app's pool: every request runs on the same backend.
    let app = spawn_app_configured(probes, &[("DB_MAX_CONNECTIONS", "1")]).await;
    let acme = app.company("acme").await;

    for round in 0..3 {
        let inside = app.get("/probe/inside", &acme.admin.access).await;
        assert_eq!(inside.status, StatusCode::OK, "{:?}", inside.body);
        assert_eq!(inside.body["user"], "fieldops_admin", "{:?}", inside.body);
        assert_eq!(inside.body["company"], json!(acme.id), "{:?}", inside.body);
        assert!(inside.body["session"].as_str().is_some_and(|s| !s.is_empty()), "{:?}", inside.body);
        let pid = &inside.body["pid"];

        let before = app.get("/probe/before", &acme.admin.access).await;
        assert_eq!(before.status, StatusCode::OK, "{:?}", before.body);
        assert_clean(&before.body, pid);

        if pooler_port().is_some() {
            // Another client of the pooler gets the same server connection.
            let url = &app.config_vars["DATABASE_URL"];
            let mut other = PgConnection::connect(url).await.expect("a second client of the pooler");
            let state = state_of(&mut other).await;
            other.close().await.ok();
            assert_clean(&state, pid);
            eprintln!(
                "round {round}: server backend {pid} shared by the app's and a second client connection"
            );
        }
    }
}
