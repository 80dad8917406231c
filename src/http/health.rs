//! Liveness and readiness.

use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use super::shared::AppState;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The database answers, through the server's own pool.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let check =
        tokio::time::timeout(Duration::from_secs(2), sqlx::query("select 1").execute(&state.db)).await;
    match check {
        Ok(Ok(_)) => (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok" }))),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "database": "unreachable" })),
        ),
    }
}
