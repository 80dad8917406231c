//! A request's history, newest first: every change of every field, who made
//! it (by name, customer or staff) and why. As JSON, or as CSV to download.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::load;
use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
};

/// How many changes one answer holds at most: a request's whole history in practice.
const MAX_CHANGES: i64 = 5000;

/// One changed field.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RequestChange {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `state`, `title`, `description`, `preferred_windows`, `service_location_id`,
    /// `urgency`, `rejected_reason` or `job_id`.
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Who, by name (staff or the customer's login).
    pub actor_name: Option<String>,
    /// `CUSTOMER` or `ADMIN` (none for a change made directly in the database).
    pub actor_role: Option<String>,
    pub reason: Option<String>,
}

async fn changes(ctx: &mut Ctx, id: Uuid) -> Result<Vec<RequestChange>> {
    ctx.require(&[Role::Admin, Role::Customer])?;
    // 404 first for a request the caller cannot see.
    load(ctx, id).await?;
    let rows = sqlx::query_scalar!(
        r#"select to_jsonb(c) as "row!: Json<RequestChange>"
           from (select id, at, field, old_value, new_value, actor_name, actor_role, reason
                 from app.job_request_changes
                 where company_id = $1 and request_id = $2
                 order by at desc, id desc
                 limit $3) c"#,
        ctx.user.company_id,
        id,
        MAX_CHANGES,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(rows.into_iter().map(|Json(c)| c).collect())
}

/// A request's history, newest first (its customer and admins).
#[utoipa::path(
    get, path = "/api/v1/job-requests/{id}/history", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every change, newest first", body = Vec<RequestChange>),
        (status = 403, description = "Workers have no requests", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
    )
)]
pub(super) async fn request_history(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
) -> Result<AppJson<Vec<RequestChange>>> {
    let list = changes(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok(AppJson(list))
}

/// The same history as a CSV file.
#[utoipa::path(
    get, path = "/api/v1/job-requests/{id}/history.csv", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One line per changed field, newest first", content_type = "text/csv",
         body = String),
        (status = 403, description = "Workers have no requests", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
    )
)]
pub(super) async fn request_history_csv(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<Response> {
    let list = changes(&mut ctx, id).await?;
    ctx.commit().await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error =
        |e: csv::Error| Error::Internal(anyhow::Error::new(e).context("writing request history CSV"));
    out.write_record(["at", "field", "old", "new", "who", "role", "reason"]).map_err(csv_error)?;
    for change in &list {
        let at = change.at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let cells = [
            Some(at.as_str()),
            Some(change.field.as_str()),
            change.old_value.as_deref(),
            change.new_value.as_deref(),
            change.actor_name.as_deref(),
            change.actor_role.as_deref(),
            change.reason.as_deref(),
        ];
        out.write_record(cells.map(|c| spreadsheet_safe(c.unwrap_or("")))).map_err(csv_error)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("finishing request history CSV: {}", e.error())))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"request-{id}-history.csv\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Text a spreadsheet shows as text: a cell a customer typed that starts like
/// a formula gets a leading apostrophe (CSV injection).
fn spreadsheet_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}
