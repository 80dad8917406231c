//! Writing job requests: the customer's drafts, edits, submission and
//! withdrawal, and the staff's approval (into a job) and rejection.

use axum::{extract::State, http::StatusCode, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{load, JobRequest, URGENCIES};
use crate::auth::Role;
use crate::http::shared::{
    concurrency::{edited, etag, IfMatch},
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    statuses, AppState,
};
use crate::mail::templates;

/// Edits and submissions a customer may make in an hour (all its logins together).
const CUSTOMER_CHANGES_PER_HOUR: i64 = 20;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewJobRequest {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub title: String,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    pub description: Option<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub preferred_windows: Option<String>,
    /// One of your service locations.
    pub service_location_id: Option<Uuid>,
    /// `low`, `normal` (default) or `urgent`.
    pub urgency: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateJobRequest {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub title: Option<String>,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    pub description: Option<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub preferred_windows: Option<String>,
    pub service_location_id: Option<Uuid>,
    pub urgency: Option<String>,
    /// Why, for the history (optional).
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Why, for the history (optional).
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveJobRequest {
    /// The job's status (default: the first of the workflow).
    pub status_id: Option<Uuid>,
    pub assigned_worker_id: Option<Uuid>,
    pub scheduled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RejectJobRequest {
    /// Shown to the customer.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

fn check_urgency(urgency: Option<&str>) -> Result<()> {
    match urgency {
        Some(u) if !URGENCIES.contains(&u) => Err(Error::field("urgency", "must be low, normal or urgent")),
        _ => Ok(()),
    }
}

/// 429 once the customer made its hourly number of changes: counted in the
/// database, from the request history (one change = one transaction's rows).
async fn customer_budget(ctx: &mut Ctx) -> Result<()> {
    let Some(customer_id) = ctx.user.customer_id.filter(|_| ctx.is(Role::Customer)) else {
        return Ok(());
    };
    let retry_after = sqlx::query_scalar!(
        r#"select coalesce(ceil(extract(epoch from min(at) + interval '1 hour' - now()))::int, 0) as "retry!"
           from (select distinct at from app.job_request_changes
                 where company_id = $1 and customer_id = $2 and actor_role = 'CUSTOMER'
                   and at > now() - interval '1 hour'
                 order by at desc limit $3) recent
           having count(*) >= $3"#,
        ctx.user.company_id,
        customer_id,
        CUSTOMER_CHANGES_PER_HOUR,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    match retry_after {
        Some(secs) => Err(Error::TooManyRequests { retry_after_secs: secs.max(1) as u64 }),
        None => Ok(()),
    }
}

/// Creates a draft request for your customer (customers).
#[utoipa::path(
    post, path = "/api/v1/job-requests", tag = "job-requests",
    request_body = NewJobRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The draft", body = JobRequest),
        (status = 403, description = "Not a customer", body = Problem),
        (status = 422, description = "Invalid fields, or not one of your locations", body = Problem),
        (status = 429, description = "Too many changes this hour", body = Problem,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub(super) async fn create_request(
    mut ctx: Ctx,
    AppJson(body): AppJson<NewJobRequest>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Customer])?;
    body.validate()?;
    check_urgency(body.urgency.as_deref())?;
    customer_budget(&mut ctx).await?;
    let customer_id = ctx.user.customer_id.ok_or(Error::Forbidden)?;
    // No place named: the caller's only location, when it sees just one (a
    // single-site customer, or a login limited to one building, whose
    // requests must name a place it may see: migration 0026).
    let service_location_id = match body.service_location_id {
        Some(id) => Some(id),
        None => {
            let visible = sqlx::query_scalar!(
                "select id from app.service_locations where company_id = $1 and customer_id = $2 limit 2",
                ctx.user.company_id,
                customer_id
            )
            .fetch_all(&mut *ctx.tx)
            .await?;
            match visible.as_slice() {
                [only] => Some(*only),
                _ => None,
            }
        }
    };
    let id = sqlx::query_scalar!(
        "insert into app.job_requests (customer_id, service_location_id, title, description, preferred_windows, urgency)
         values ($1, $2, $3, $4, $5, $6) returning id",
        customer_id,
        service_location_id,
        body.title.trim(),
        body.description.as_deref().unwrap_or(""),
        body.preferred_windows.as_deref().unwrap_or(""),
        body.urgency.as_deref().unwrap_or("normal"),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let request = load(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, etag(request.version), AppJson(request)))
}

/// Edits a request's fields (its customer, or an admin), with an optional
/// reason for the history; `If-Match` makes it conditional. After approval,
/// the fields the company locks are refused (422, saying which).
#[utoipa::path(
    patch, path = "/api/v1/job-requests/{id}", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = UpdateJobRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Edited", body = JobRequest),
        (status = 403, description = "Workers have no requests", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields, a locked field, or a closed request", body = Problem),
        (status = 429, description = "Too many changes this hour", body = Problem,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub(super) async fn update_request(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateJobRequest>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin, Role::Customer])?;
    body.validate()?;
    check_urgency(body.urgency.as_deref())?;
    customer_budget(&mut ctx).await?;
    let own = super::own_customer(&ctx);
    let edit = sqlx::query!(
        r#"with updated as (
             update app.job_requests set
               title = coalesce($4, title),
               description = coalesce($5, description),
               preferred_windows = coalesce($6, preferred_windows),
               service_location_id = coalesce($7, service_location_id),
               urgency = coalesce($8, urgency),
               change_reason = $9
             where company_id = $1 and id = $2 and ($3::uuid is null or customer_id = $3)
               and ($10::int is null or version = $10)
             returning id, customer_id, service_location_id, title, description, preferred_windows, urgency, state,
                       rejected_reason, job_id, submitted_at, decided_at, created_at, updated_at, version)
           select exists (select 1 from app.job_requests
                          where company_id = $1 and id = $2 and ($3::uuid is null or customer_id = $3)) as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<JobRequest>""#,
        ctx.user.company_id,
        id,
        own,
        body.title.as_deref().map(str::trim),
        body.description,
        body.preferred_windows,
        body.service_location_id,
        body.urgency,
        body.reason,
        if_match.0,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let request = edited(edit.found, edit.row, if_match)?;
    ctx.commit().await?;
    Ok((etag(request.version), AppJson(request)))
}

/// A move of a request to another state, and what goes with it.
#[derive(Default)]
struct Move<'a> {
    /// The job an approval created.
    job_id: Option<Uuid>,
    /// A rejection's reason, shown to the customer.
    rejected_reason: Option<&'a str>,
    /// Why, for the history.
    reason: Option<&'a str>,
}

/// The answer of a move made in one statement: the request, or 422 when it
/// is in that state already, or 404 when the caller cannot see it.
fn moved(found: bool, row: Option<Json<JobRequest>>, state: &str) -> Result<JobRequest> {
    match (found, row) {
        (_, Some(Json(request))) => Ok(request),
        (true, None) => Err(Error::field("state", format!("the request is {state} already"))),
        (false, None) => Err(Error::NotFound),
    }
}

/// The customer's moves (submit, withdraw): the state and the reason only,
/// the columns its grants allow; the trigger decides whether it may.
async fn transition(
    ctx: &mut Ctx,
    id: Uuid,
    state: &str,
    change: Move<'_>,
    received_mail: Option<serde_json::Value>,
) -> Result<JobRequest> {
    let edit = sqlx::query!(
        r#"with updated as (
             update app.job_requests set state = $4, change_reason = $5, received_mail = $6
             where company_id = $1 and id = $2 and customer_id = $3 and state <> $4
             returning id, customer_id, service_location_id, title, description, preferred_windows, urgency, state,
                       rejected_reason, job_id, submitted_at, decided_at, created_at, updated_at, version)
           select exists (select 1 from app.job_requests where company_id = $1 and id = $2 and customer_id = $3)
                    as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<JobRequest>""#,
        ctx.user.company_id,
        id,
        ctx.user.customer_id,
        state,
        change.reason,
        received_mail,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    moved(edit.found, edit.row, state)
}

/// The staff's decisions (approve with its job, reject with its reason).
async fn decide(
    ctx: &mut Ctx,
    id: Uuid,
    state: &str,
    change: Move<'_>,
    decided_mail: Option<serde_json::Value>,
) -> Result<JobRequest> {
    let edit = sqlx::query!(
        r#"with updated as (
             update app.job_requests
                set state = $3, job_id = $4, rejected_reason = $5, change_reason = $6, decided_mail = $7
             where company_id = $1 and id = $2 and state <> $3
             returning id, customer_id, service_location_id, title, description, preferred_windows, urgency, state,
                       rejected_reason, job_id, submitted_at, decided_at, created_at, updated_at, version)
           select exists (select 1 from app.job_requests where company_id = $1 and id = $2) as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<JobRequest>""#,
        ctx.user.company_id,
        id,
        state,
        change.job_id,
        change.rejected_reason,
        change.reason,
        decided_mail,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    moved(edit.found, edit.row, state)
}

/// Submits a draft to the company (customers).
#[utoipa::path(
    post, path = "/api/v1/job-requests/{id}/submit", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = Transition,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = JobRequest),
        (status = 403, description = "Not a customer", body = Problem),
        (status = 404, description = "No such request of yours", body = Problem),
        (status = 422, description = "Not a draft", body = Problem),
        (status = 429, description = "Too many changes this hour", body = Problem,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub(super) async fn submit_request(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<Transition>,
) -> Result<AppJson<JobRequest>> {
    ctx.require(&[Role::Customer])?;
    body.validate()?;
    customer_budget(&mut ctx).await?;
    // The "request received" mail travels in the submitting UPDATE; the
    // history trigger queues it in the same statement (migration 0022).
    let current = load(&mut ctx, id).await?;
    let mail = received_mail(&mut ctx, &state, &current).await?;
    let request = transition(
        &mut ctx,
        id,
        "submitted",
        Move { reason: body.reason.as_deref(), ..Move::default() },
        Some(mail),
    )
    .await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok(AppJson(request))
}

/// Withdraws a draft or submitted request (customers).
#[utoipa::path(
    post, path = "/api/v1/job-requests/{id}/withdraw", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = Transition,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = JobRequest),
        (status = 403, description = "Not a customer", body = Problem),
        (status = 404, description = "No such request of yours", body = Problem),
        (status = 422, description = "Already decided", body = Problem),
    )
)]
pub(super) async fn withdraw_request(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<Transition>,
) -> Result<AppJson<JobRequest>> {
    ctx.require(&[Role::Customer])?;
    body.validate()?;
    let request = transition(
        &mut ctx,
        id,
        "withdrawn",
        Move { reason: body.reason.as_deref(), ..Move::default() },
        None,
    )
    .await?;
    ctx.commit().await?;
    Ok(AppJson(request))
}

/// Approves a submitted request (admins): its job is created in the same
/// transaction (status, worker, schedule as given) and linked; the customer
/// is mailed.
#[utoipa::path(
    post, path = "/api/v1/job-requests/{id}/approve", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = ApproveJobRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved: `job_id` is the new job", body = JobRequest),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such request in your company", body = Problem),
        (status = 422, description = "Not submitted, or a status or worker not of your company", body = Problem),
    )
)]
pub(super) async fn approve_request(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<ApproveJobRequest>,
) -> Result<AppJson<JobRequest>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("jobs.write").await?;
    let request = load(&mut ctx, id).await?;
    if request.state != "submitted" {
        return Err(Error::field("state", "only a submitted request can be approved"));
    }
    let status_id = statuses::or_first(&mut ctx, body.status_id).await?;
    let job_id = sqlx::query_scalar!(
        "insert into app.jobs (customer_id, title, description, status_id, assigned_worker_id, scheduled_at,
                               service_location_id)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning id",
        request.customer_id,
        request.title,
        request.description,
        status_id,
        body.assigned_worker_id,
        body.scheduled_at,
        request.service_location_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let mail = decision_mail(&mut ctx, &state, &request, None).await?;
    let request =
        decide(&mut ctx, id, "approved", Move { job_id: Some(job_id), ..Move::default() }, mail).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok(AppJson(request))
}

/// Rejects a submitted request with a reason the customer is shown and mailed (admins).
#[utoipa::path(
    post, path = "/api/v1/job-requests/{id}/reject", tag = "job-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = RejectJobRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = JobRequest),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such request in your company", body = Problem),
        (status = 422, description = "No reason, or not submitted", body = Problem),
    )
)]
pub(super) async fn reject_request(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<RejectJobRequest>,
) -> Result<AppJson<JobRequest>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("jobs.write").await?;
    body.validate()?;
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(Error::field("reason", "must be 1 to 2000 characters"));
    }
    let change = Move { rejected_reason: Some(reason), reason: Some(reason), ..Move::default() };
    let current = load(&mut ctx, id).await?;
    let mail = decision_mail(&mut ctx, &state, &current, Some(reason)).await?;
    let request = decide(&mut ctx, id, "rejected", change, mail).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok(AppJson(request))
}

/// The decision's mail to the login that wrote the request, rendered for the
/// deciding UPDATE: app.job_request_decided_mail() queues it there, unless
/// that login turned notification mails off (db/migrations/0030).
async fn decision_mail(
    ctx: &mut Ctx,
    state: &AppState,
    request: &JobRequest,
    reason: Option<&str>,
) -> Result<Option<serde_json::Value>> {
    let company_id = ctx.user.company_id;
    let to = sqlx::query!(
        "select u.name, u.email, c.name as company_name, c.color, c.slug
         from app.job_requests r
         join app.users u on u.company_id = r.company_id and u.id = r.created_by
         join app.companies c on c.id = r.company_id
         where r.company_id = $1 and r.id = $2 and u.company_id = $1 and u.deleted_at is null",
        company_id,
        request.id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let Some(to) = to else {
        return Ok(None);
    };
    let public_url = &state.config.server.public_url;
    let link = format!("{public_url}/portal/requests/{}", request.id);
    let brand = templates::Brand { company_name: &to.company_name, color: &to.color };
    let unsubscribe = templates::unsubscribe_link(public_url, &to.slug);
    let mail =
        templates::request_decided(&brand, &to.email, &to.name, &request.title, &link, reason, &unsubscribe);
    Ok(Some(mail.for_trigger()))
}

/// The "request received" mail to the customer's own login, rendered for the
/// submitting UPDATE (app.job_request_history() addresses and queues it).
async fn received_mail(ctx: &mut Ctx, state: &AppState, request: &JobRequest) -> Result<serde_json::Value> {
    let me = sqlx::query!(
        "select u.name, c.name as company_name, c.color
         from app.users u join app.companies c on c.id = u.company_id
         where u.company_id = $1 and u.id = $2",
        ctx.user.company_id,
        ctx.user.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let link = format!("{}/portal/requests/{}", state.config.server.public_url, request.id);
    let brand = templates::Brand { company_name: &me.company_name, color: &me.color };
    let mail = templates::request_received(&brand, "", &me.name, &request.title, &link);
    Ok(mail.for_trigger())
}
