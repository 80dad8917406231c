//! Creating, editing and archiving jobs.

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{
    detail::{detail_response, load_detail},
    JobDetail,
};
use crate::auth::Role;
use crate::http::shared::{
    concurrency::{double_option, missing_or_stale, IfMatch},
    context::Ctx,
    custom_fields::{self, CustomFieldValue, CustomFields},
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    statuses, AppState,
};
use crate::mail::templates;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateJob {
    pub customer_id: Uuid,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub title: String,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    pub description: Option<String>,
    /// Defaults to the first status of the workflow.
    pub status_id: Option<Uuid>,
    pub assigned_worker_id: Option<Uuid>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Task titles, in order.
    #[validate(length(max = 100, message = "at most 100 tasks"))]
    pub tasks: Option<Vec<String>>,
    /// One of the customer's locations. Required when it has several; with
    /// one, that one.
    pub service_location_id: Option<Uuid>,
    /// One of the customer's contacts.
    pub site_contact_id: Option<Uuid>,
    /// Values by key, checked by the database against the company's job
    /// fields (unknown keys, wrong types, missing required fields: 422 naming
    /// `custom_fields.<key>`).
    #[schema(value_type = Option<HashMap<String, CustomFieldValue>>)]
    pub custom_fields: Option<CustomFields>,
    /// The job's branch. Left out: a branch-scoped admin's own branch, else
    /// the customer's branch, else none (company-wide members only). A
    /// scoped admin naming another branch gets 403.
    pub branch_id: Option<Uuid>,
}

/// Creates a job (optionally assigned, scheduled, with tasks).
#[utoipa::path(
    post, path = "/api/v1/jobs", tag = "jobs",
    request_body = CreateJob,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = JobDetail),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Invalid fields, or ids not of your company", body = Problem),
    )
)]
pub(super) async fn create_job(mut ctx: Ctx, AppJson(body): AppJson<CreateJob>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    body.validate()?;
    let task_titles: Vec<String> =
        body.tasks.unwrap_or_default().iter().map(|t| t.trim().to_owned()).collect();
    if task_titles.iter().any(|t| t.is_empty() || t.chars().count() > 200) {
        return Err(Error::field("tasks", "every task title must be 1 to 200 characters"));
    }
    let status_id = statuses::or_first(&mut ctx, body.status_id).await?;
    let id = sqlx::query_scalar!(
        "insert into app.jobs (customer_id, title, description, status_id, assigned_worker_id, scheduled_at,
                               service_location_id, site_contact_id, custom_fields, branch_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::jsonb, '{}'), $10)
         returning id",
        body.customer_id,
        body.title.trim(),
        body.description.as_deref().unwrap_or(""),
        status_id,
        body.assigned_worker_id,
        body.scheduled_at,
        body.service_location_id,
        body.site_contact_id,
        custom_fields::to_json(body.custom_fields.as_ref()),
        body.branch_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    // A row at a time, in the job's transaction: Citus turns an INSERT … SELECT
    // over a set into COPY, which row-level security refuses.
    for (position, title) in (0_i32..).zip(&task_titles) {
        sqlx::query!(
            "insert into app.job_tasks (job_id, title, position) values ($1, $2, $3)",
            id,
            title.as_str(),
            position
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    let detail = load_detail(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/jobs/{id}"))];
    Ok((StatusCode::CREATED, location, detail_response(detail)))
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateJob {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub title: Option<String>,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    pub description: Option<String>,
    pub customer_id: Option<Uuid>,
    /// The only field a worker may send.
    pub status_id: Option<Uuid>,
    /// `null` unassigns.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub assigned_worker_id: Option<Option<Uuid>>,
    /// `null` clears the schedule.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub scheduled_at: Option<Option<DateTime<Utc>>>,
    /// One of the job's customer's locations. A new `customer_id` without it
    /// takes that customer's only location (or needs one, if it has several).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub service_location_id: Option<Option<Uuid>>,
    /// One of the job's customer's contacts; `null` clears it. A new
    /// `customer_id` without it clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub site_contact_id: Option<Option<Uuid>>,
    /// Merged into the stored values: keys sent are set, a key sent as `null`
    /// is removed, the others stay. Admins only.
    #[schema(value_type = Option<HashMap<String, CustomFieldValue>>)]
    pub custom_fields: Option<CustomFields>,
    /// Moves the job to another branch; `null` makes it company-wide. Its
    /// customer, location and worker must fit the branch (422); a
    /// branch-scoped admin cannot move a job out of its branch (403).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub branch_id: Option<Option<Uuid>>,
}

impl UpdateJob {
    fn only_status(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.customer_id.is_none()
            && self.assigned_worker_id.is_none()
            && self.scheduled_at.is_none()
            && self.service_location_id.is_none()
            && self.site_contact_id.is_none()
            && self.custom_fields.is_none()
            && self.branch_id.is_none()
    }
}

/// Edits a job. Admins may change any field, incl. assignment; the assigned
/// worker may change `status_id` only (the database's column grants agree).
#[utoipa::path(
    patch, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = UpdateJob,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = JobDetail),
        (status = 403, description = "Role may not change these fields", body = Problem),
        (status = 404, description = "No such job visible to you", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields, or the status needs all tasks done", body = Problem),
    )
)]
pub(super) async fn update_job(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateJob>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin, Role::Worker])?;
    body.validate()?;
    let mail = match body.status_id {
        Some(status_id) => status_mail(&mut ctx, &state, id, status_id).await?,
        None => None,
    };
    // One statement each: the edit, and whether the job was there (404 or 412).
    let (found, updated) = if ctx.is(Role::Worker) {
        if !body.only_status() {
            return Err(Error::Forbidden);
        }
        let Some(status_id) = body.status_id else {
            return Err(Error::field("status_id", "is required"));
        };
        let edit = sqlx::query!(
            r#"with updated as (
                 update app.jobs set status_id = $2, status_mail = $5
                 where company_id = $4 and id = $1 and ($3::int is null or version = $3)
                 returning id)
               select exists (select 1 from app.jobs where company_id = $4 and id = $1) as "found!",
                      exists (select 1 from updated) as "updated!""#,
            id,
            status_id,
            if_match.0,
            ctx.user.company_id,
            mail,
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        (edit.found, edit.updated)
    } else {
        let edit = sqlx::query!(
            r#"with updated as (
                 update app.jobs set
                   title = coalesce($2, title),
                   description = coalesce($3, description),
                   customer_id = coalesce($4, customer_id),
                   status_id = coalesce($5, status_id),
                   assigned_worker_id = case when $6 then $7 else assigned_worker_id end,
                   scheduled_at = case when $8 then $9 else scheduled_at end,
                   -- Another customer's job keeps neither the old customer's
                   -- location nor its contact (the keys would refuse them).
                   service_location_id = case when $12 then $13
                                              when $4::uuid is distinct from customer_id and $4 is not null then null
                                              else service_location_id end,
                   site_contact_id = case when $14 then $15
                                          when $4::uuid is distinct from customer_id and $4 is not null then null
                                          else site_contact_id end,
                   -- Merged: keys sent as null are removed (the trigger strips nulls).
                   custom_fields = coalesce(custom_fields || $16::jsonb, custom_fields),
                   status_mail = $17,
                   branch_id = case when $18 then $19 else branch_id end
                 where company_id = $11 and id = $1 and ($10::int is null or version = $10)
                 returning id)
               select exists (select 1 from app.jobs where company_id = $11 and id = $1) as "found!",
                      exists (select 1 from updated) as "updated!""#,
            id,
            body.title.as_deref().map(str::trim),
            body.description,
            body.customer_id,
            body.status_id,
            body.assigned_worker_id.is_some(),
            body.assigned_worker_id.flatten(),
            body.scheduled_at.is_some(),
            body.scheduled_at.flatten(),
            if_match.0,
            ctx.user.company_id,
            body.service_location_id.is_some(),
            body.service_location_id.flatten(),
            body.site_contact_id.is_some(),
            body.site_contact_id.flatten(),
            custom_fields::to_json(body.custom_fields.as_ref()),
            mail,
            body.branch_id.is_some(),
            body.branch_id.flatten(),
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        (edit.found, edit.updated)
    };
    if !updated {
        return Err(missing_or_stale(found, if_match));
    }
    let detail = load_detail(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    state.mail.notify();
    Ok(detail_response(detail))
}

/// The customer's mail about a job's new status, rendered for the updating
/// statement: app.job_status_mailed() addresses it to the customer's logins
/// that see the job and want mail, if the status changes and the company's
/// portal settings send status mails (db/migrations/0030). None when the
/// job or status is not the caller's to see: the update answers for that.
async fn status_mail(
    ctx: &mut Ctx,
    state: &AppState,
    id: Uuid,
    status_id: Uuid,
) -> Result<Option<serde_json::Value>> {
    let job = sqlx::query!(
        "select j.title, s.name as status, c.name as company_name, c.color, c.slug
         from app.jobs j
         join app.job_statuses s on s.company_id = j.company_id and s.id = $3
         join app.companies c on c.id = j.company_id
         where j.company_id = $1 and j.id = $2 and s.company_id = $1",
        ctx.user.company_id,
        id,
        status_id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let Some(job) = job else {
        return Ok(None);
    };
    let public_url = &state.config.server.public_url;
    let brand = templates::Brand { company_name: &job.company_name, color: &job.color };
    let link = format!("{public_url}/portal/jobs/{id}");
    let unsubscribe = templates::unsubscribe_link(public_url, &job.slug);
    let mail = templates::job_status(&brand, &job.title, &job.status, &link, &unsubscribe);
    Ok(Some(mail.for_trigger()))
}

pub(super) async fn set_archived(mut ctx: Ctx, id: Uuid, archived: bool) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    // Two statements, not `case when $2 then now() end`: Citus refuses a
    // non-immutable function inside CASE or COALESCE in an UPDATE.
    let changed = if archived {
        sqlx::query!(
            "update app.jobs set is_archived = true, archived_at = now(), archived_by = $3
             where company_id = $2 and id = $1",
            id,
            ctx.user.company_id,
            ctx.user.user_id
        )
        .execute(&mut *ctx.tx)
        .await?
    } else {
        sqlx::query!(
            "update app.jobs set is_archived = false, archived_at = null, archived_by = null
             where company_id = $2 and id = $1",
            id,
            ctx.user.company_id
        )
        .execute(&mut *ctx.tx)
        .await?
    };
    if changed.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    let detail = load_detail(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok(detail_response(detail))
}

/// Archives a job: it leaves the active lists and the customer's view.
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/archive", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Archived", body = JobDetail),
        (status = 404, description = "No such job in your company", body = Problem),
    )
)]
pub(super) async fn archive_job(ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    set_archived(ctx, id, true).await
}

/// Brings an archived job back.
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/unarchive", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Active again", body = JobDetail),
        (status = 404, description = "No such job in your company", body = Problem),
    )
)]
pub(super) async fn unarchive_job(ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    set_archived(ctx, id, false).await
}
