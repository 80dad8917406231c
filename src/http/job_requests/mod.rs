//! Job requests (issue #17): what a customer asks its service company for,
//! from a draft to a job. Customers create, edit, submit and withdraw their
//! own; admins review the submitted ones (oldest first) and approve them into
//! a job, in the same transaction, or reject them with a reason. Every change
//! is recorded, field by field, by the database (app.job_request_changes);
//! the state moves and the fields locked after approval are its rules too
//! (db/migrations/0022, db/policies/job_requests.sql).

mod history;
mod report;
mod writes;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::etag,
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page, PageParams},
    AppState,
};
use axum::response::IntoResponse;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, writes::create_request))
        .routes(routes!(get_request, writes::update_request))
        .routes(routes!(writes::submit_request))
        .routes(routes!(writes::withdraw_request))
        .routes(routes!(writes::approve_request))
        .routes(routes!(writes::reject_request))
        .routes(routes!(history::request_history))
        .routes(routes!(history::request_history_csv))
        .routes(routes!(report::portal_report))
}

/// A job request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobRequest {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// One of the customer's service locations.
    pub service_location_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    /// When the customer would like the work done, in their words.
    pub preferred_windows: String,
    /// `low`, `normal` or `urgent`.
    pub urgency: String,
    /// `draft`, `submitted`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
    /// Why staff rejected it (shown to the customer).
    pub rejected_reason: Option<String>,
    /// The job it became, once approved.
    pub job_id: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestFilter {
    /// `draft`, `submitted` (the staff's queue), `approved`, `rejected` or `withdrawn`.
    pub state: Option<String>,
    /// `low`, `normal` or `urgent`.
    pub urgency: Option<String>,
    pub service_location_id: Option<Uuid>,
    /// Only requests created at least this many hours ago.
    pub older_than_hours: Option<i32>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const STATES: [&str; 5] = ["draft", "submitted", "approved", "rejected", "withdrawn"];
const URGENCIES: [&str; 3] = ["low", "normal", "urgent"];

/// The customer a customer's request must be of (`None` for staff).
fn own_customer(ctx: &Ctx) -> Option<Uuid> {
    if ctx.is(Role::Customer) {
        ctx.user.customer_id
    } else {
        None
    }
}

/// Job requests, oldest first: a customer's own; an admin's company's (with
/// `state=submitted`, the review queue). Filters: state, urgency, location, age.
#[utoipa::path(
    get, path = "/api/v1/job-requests", tag = "job-requests",
    params(RequestFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of requests", body = Page<JobRequest>),
        (status = 403, description = "Workers have no requests", body = Problem),
        (status = 422, description = "Unknown filter value", body = Problem),
    )
)]
async fn list_requests(
    mut ctx: Ctx,
    AppQuery(filter): AppQuery<RequestFilter>,
) -> Result<AppJson<Page<JobRequest>>> {
    ctx.require(&[Role::Admin, Role::Customer])?;
    if filter.state.as_deref().is_some_and(|s| !STATES.contains(&s)) {
        return Err(Error::field("state", "must be draft, submitted, approved, rejected or withdrawn"));
    }
    if filter.urgency.as_deref().is_some_and(|u| !URGENCIES.contains(&u)) {
        return Err(Error::field("urgency", "must be low, normal or urgent"));
    }
    if filter.older_than_hours.is_some_and(|h| !(0..=87_600).contains(&h)) {
        return Err(Error::field("older_than_hours", "must be 0 to 87600"));
    }
    let page = PageParams { limit: filter.limit, cursor: filter.cursor };
    let (limit, after): (_, Option<(DateTime<Utc>, Uuid)>) = page.start()?;
    let (after_at, after_id) = after.unzip();
    let rows = sqlx::query_scalar!(
        r#"select to_jsonb(r) as "row!: Json<JobRequest>"
           from (select id, customer_id, service_location_id, title, description, preferred_windows, urgency, state,
                        rejected_reason, job_id, submitted_at, decided_at, created_at, updated_at, version
                 from app.job_requests
                 where company_id = $1
                   and ($2::uuid is null or customer_id = $2)
                   and ($3::text is null or state = $3)
                   and ($4::text is null or urgency = $4)
                   and ($5::uuid is null or service_location_id = $5)
                   and ($6::int is null or created_at <= now() - make_interval(hours => $6))
                   and ($7::timestamptz is null or (created_at, id) > ($7, $8::uuid))
                 order by created_at, id
                 limit $9) r"#,
        ctx.user.company_id,
        own_customer(&ctx),
        filter.state,
        filter.urgency,
        filter.service_location_id,
        filter.older_than_hours,
        after_at,
        after_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let items: Vec<JobRequest> = rows.into_iter().map(|Json(r)| r).collect();
    Ok(AppJson(pagination::page(items, limit, |r| (r.created_at, r.id))))
}

/// The request as the caller may see it, or 404.
async fn load(ctx: &mut Ctx, id: Uuid) -> Result<JobRequest> {
    let row = sqlx::query_scalar!(
        r#"select to_jsonb(r) as "row!: Json<JobRequest>"
           from (select id, customer_id, service_location_id, title, description, preferred_windows, urgency, state,
                        rejected_reason, job_id, submitted_at, decided_at, created_at, updated_at, version
                 from app.job_requests
                 where company_id = $1 and id = $2 and ($3::uuid is null or customer_id = $3)) r"#,
        ctx.user.company_id,
        id,
        own_customer(ctx),
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(row.0)
}

/// One request.
#[utoipa::path(
    get, path = "/api/v1/job-requests/{id}", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The request", body = JobRequest,
         headers(("ETag" = String, description = "The request's version"))),
        (status = 403, description = "Workers have no requests", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
    )
)]
async fn get_request(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin, Role::Customer])?;
    let request = load(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok((etag(request.version), AppJson(request)))
}
