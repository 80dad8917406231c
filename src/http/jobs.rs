//! Jobs: the list (role-scoped by the policies), detail, creation, edits,
//! archiving, and the worker's own queue.

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{double_option, etag, missing_or_stale, IfMatch},
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    job_visibility::job_visible,
    like::like_pattern,
    pagination::{self, Page},
    refs::NamedRef,
    AppState,
};
use crate::http::{
    notes::{self, Note},
    tasks::{self, Task},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs, create_job))
        .routes(routes!(get_job, update_job))
        .routes(routes!(archive_job))
        .routes(routes!(unarchive_job))
        .routes(routes!(assigned_jobs))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusRef {
    pub id: Uuid,
    pub name: String,
    pub color: String,
    pub is_final: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobSummary {
    pub id: Uuid,
    pub title: String,
    pub status: StatusRef,
    pub customer: NamedRef,
    pub assigned_worker: Option<NamedRef>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub is_archived: bool,
    pub tasks_total: i32,
    pub tasks_done: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// What the caller may see of the job's customer: workers get no email.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerContact {
    pub id: Uuid,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// A job with everything its page shows. Like [`JobSummary`], but with the
/// customer's contact details (as far as the caller may read them).
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDetail {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub status: StatusRef,
    pub customer: CustomerContact,
    pub assigned_worker: Option<NamedRef>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub is_archived: bool,
    pub tasks_total: i32,
    pub tasks_done: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub tasks: Vec<Task>,
    /// Internal notes are never included for customers (by policy).
    pub notes: Vec<Note>,
}

/// One row of app.job_summaries.
pub struct SummaryRow {
    id: Uuid,
    title: String,
    description: String,
    status_id: Uuid,
    status_name: String,
    status_color: String,
    status_is_final: bool,
    status_order: i32,
    customer_id: Uuid,
    customer_name: Option<String>,
    assigned_worker_id: Option<Uuid>,
    worker_name: Option<String>,
    scheduled_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    is_archived: bool,
    tasks_total: i32,
    tasks_done: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i32,
}

impl SummaryRow {
    fn summary(&self) -> JobSummary {
        JobSummary {
            id: self.id,
            title: self.title.clone(),
            status: StatusRef {
                id: self.status_id,
                name: self.status_name.clone(),
                color: self.status_color.clone(),
                is_final: self.status_is_final,
            },
            customer: NamedRef { id: self.customer_id, name: self.customer_name.clone().unwrap_or_default() },
            assigned_worker: self
                .assigned_worker_id
                .map(|id| NamedRef { id, name: self.worker_name.clone().unwrap_or_default() }),
            scheduled_at: self.scheduled_at,
            completed_at: self.completed_at,
            is_archived: self.is_archived,
            tasks_total: self.tasks_total,
            tasks_done: self.tasks_done,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// `select … from app.job_summaries` + the rest of the query.
macro_rules! select_summaries {
    ($tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            SummaryRow,
            r#"select id as "id!", title as "title!", description as "description!",
                      status_id as "status_id!", status_name as "status_name!",
                      status_color as "status_color!", status_is_final as "status_is_final!",
                      status_order as "status_order!", customer_id as "customer_id!", customer_name, assigned_worker_id, worker_name,
                      scheduled_at, completed_at, is_archived as "is_archived!",
                      tasks_total as "tasks_total!", tasks_done as "tasks_done!",
                      created_at as "created_at!", updated_at as "updated_at!", version as "version!"
               from app.job_summaries "# + $tail
            $(, $arg)*
        )
    };
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    pub status_id: Option<Uuid>,
    /// Matches the title or the customer's name, case-insensitively.
    pub q: Option<String>,
    pub assigned_worker_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Archived jobs instead of active ones (default false).
    pub archived: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Jobs, newest first. What each role gets is decided by the database:
/// admins their company's jobs, workers their assigned jobs, customers their own.
#[utoipa::path(
    get, path = "/api/v1/jobs", tag = "jobs",
    params(JobFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of jobs", body = Page<JobSummary>))
)]
async fn list_jobs(mut ctx: Ctx, AppQuery(filter): AppQuery<JobFilter>) -> Result<AppJson<Page<JobSummary>>> {
    let limit = pagination::limit(filter.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode(filter.cursor.as_deref())?;
    let (after_created, after_id) = after.unzip();
    let pattern = filter.q.as_deref().filter(|q| !q.trim().is_empty()).map(like_pattern);
    let archived = filter.archived.unwrap_or(false);
    let rows = match pattern {
        // Admins search the whole company: through the indexed search function
        // (RLS would otherwise filter a LIKE only after reading every job).
        Some(pattern) if ctx.is(Role::Admin) => {
            // Loaded under the caller's own policies all the same. One statement:
            // with the ids bound as a parameter the planner knew their values but
            // not how few they were, and walked the tenant's jobs by status.
            select_summaries!(
                "where id = any(array(select s from auth.search_jobs($1, $2, $3, $4, $5, $6, $7, $8) s))
                 order by created_at desc, id desc",
                pattern,
                archived,
                filter.status_id,
                filter.assigned_worker_id,
                filter.customer_id,
                after_created,
                after_id,
                (limit + 1) as i32,
            )
            .fetch_all(&mut *ctx.tx)
            .await?
        }
        pattern => {
            // The page's ids first, from app.jobs alone along its keyset index;
            // only those rows then get their summary (joins, task counts).
            select_summaries!(
                // `= any(array(...))`: the ids are computed first and then looked
                // up by primary key (an `in (...)` let the planner build the
                // summaries of every visible job before matching them).
                "where id = any(array(
                   select j.id from app.jobs j
                   left join app.customers c on c.company_id = j.company_id and c.id = j.customer_id
                   where ($1::uuid is null or j.status_id = $1)
                     and ($2::uuid is null or j.assigned_worker_id = $2)
                     and ($3::uuid is null or j.customer_id = $3)
                     and j.is_archived = $4
                     and ($5::text is null or lower(j.title) like $5 or lower(c.name) like $5)
                     and ($6::timestamptz is null or (j.created_at, j.id) < ($6, $7::uuid))
                   order by j.created_at desc, j.id desc
                   limit $8))
                 order by created_at desc, id desc",
                filter.status_id,
                filter.assigned_worker_id,
                filter.customer_id,
                archived,
                pattern,
                after_created,
                after_id,
                limit + 1,
            )
            .fetch_all(&mut *ctx.tx)
            .await?
        }
    };
    ctx.commit().await?;
    let summaries: Vec<JobSummary> = rows.iter().map(SummaryRow::summary).collect();
    Ok(AppJson(pagination::page(summaries, limit, |j| (j.created_at, j.id))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Where a job sits in a worker's queue: status order, then schedule (unscheduled
/// last), then oldest first. Also the queue's cursor.
type QueueKey = (i32, Option<DateTime<Utc>>, DateTime<Utc>, Uuid);

/// The signed-in worker's assigned, unarchived jobs, a page at a time: in the
/// company's workflow order, then by schedule (unscheduled last), oldest first.
#[utoipa::path(
    get, path = "/api/v1/workers/assigned-jobs", tag = "jobs",
    params(QueueParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of assigned, unarchived jobs", body = Page<JobSummary>),
        (status = 403, description = "Not a worker", body = Problem),
    )
)]
async fn assigned_jobs(
    mut ctx: Ctx,
    AppQuery(params): AppQuery<QueueParams>,
) -> Result<AppJson<Page<JobSummary>>> {
    ctx.require(&[Role::Worker])?;
    let limit = pagination::limit(params.limit)?;
    let after: Option<QueueKey> = pagination::decode(params.cursor.as_deref())?;
    let (after_order, after_scheduled, after_created, after_id) = match after {
        Some((order, scheduled, created, id)) => (Some(order), scheduled, Some(created), Some(id)),
        None => (None, None, None, None),
    };
    // A queue is bounded by what is open now, not by the worker's history: the
    // page is chosen from the unarchived-jobs index, and `not is_archived` again
    // outside lets the summaries use that index too.
    let rows = select_summaries!(
        "where id = any(array(
           select j.id from app.jobs j
           join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
           where j.assigned_worker_id = app.user_id() and not j.is_archived
             and ($1::integer is null
                  or (s.order_index, coalesce(j.scheduled_at, 'infinity'), j.created_at, j.id)
                     > ($1, coalesce($2::timestamptz, 'infinity'), $3::timestamptz, $4::uuid))
           order by s.order_index, coalesce(j.scheduled_at, 'infinity'), j.created_at, j.id
           limit $5))
         and not is_archived
         order by status_order, scheduled_at nulls last, created_at, id",
        after_order,
        after_scheduled,
        after_created,
        after_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let page = pagination::page(rows, limit, |row| -> QueueKey {
        (row.status_order, row.scheduled_at, row.created_at, row.id)
    });
    Ok(AppJson(Page {
        items: page.items.iter().map(SummaryRow::summary).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Loads a job as the caller may see it; None when it is not visible.
pub async fn load_detail(ctx: &mut Ctx, id: Uuid) -> Result<Option<JobDetail>> {
    let Some(row) = select_summaries!("where id = $1", id).fetch_optional(&mut *ctx.tx).await? else {
        return Ok(None);
    };
    // Column grants differ by role: a worker may not read customer emails.
    let customer_contact = if ctx.is(Role::Worker) {
        sqlx::query!("select id, name, phone, address from app.customers where id = $1", row.customer_id)
            .fetch_optional(&mut *ctx.tx)
            .await?
            .map(|c| CustomerContact {
                id: c.id,
                name: c.name,
                email: None,
                phone: c.phone,
                address: c.address,
            })
    } else {
        sqlx::query_as!(
            CustomerContact,
            "select id, name, email, phone, address from app.customers where id = $1",
            row.customer_id
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
    };
    let tasks = tasks::for_job(ctx, id).await?;
    let notes = notes::for_job(ctx, id).await?;
    let summary = row.summary();
    let customer = customer_contact.unwrap_or(CustomerContact {
        id: summary.customer.id,
        name: summary.customer.name,
        email: None,
        phone: None,
        address: None,
    });
    Ok(Some(JobDetail {
        id: summary.id,
        title: summary.title,
        description: row.description,
        status: summary.status,
        customer,
        assigned_worker: summary.assigned_worker,
        scheduled_at: summary.scheduled_at,
        completed_at: summary.completed_at,
        is_archived: summary.is_archived,
        tasks_total: summary.tasks_total,
        tasks_done: summary.tasks_done,
        created_at: summary.created_at,
        updated_at: summary.updated_at,
        version: summary.version,
        tasks,
        notes,
    }))
}

fn detail_response(detail: JobDetail) -> impl IntoResponse {
    (etag(detail.version), AppJson(detail))
}

/// A job with its tasks and notes, as the caller may see it.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job", body = JobDetail),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn get_job(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    let detail = load_detail(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok(detail_response(detail))
}

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
async fn create_job(mut ctx: Ctx, AppJson(body): AppJson<CreateJob>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    body.validate()?;
    let task_titles: Vec<String> =
        body.tasks.unwrap_or_default().iter().map(|t| t.trim().to_owned()).collect();
    if task_titles.iter().any(|t| t.is_empty() || t.chars().count() > 200) {
        return Err(Error::field("tasks", "every task title must be 1 to 200 characters"));
    }
    let id = sqlx::query_scalar!(
        "insert into app.jobs (customer_id, title, description, status_id, assigned_worker_id, scheduled_at)
         values ($1, $2, $3,
                 coalesce($4, (select id from app.job_statuses order by order_index, id limit 1)),
                 $5, $6)
         returning id",
        body.customer_id,
        body.title.trim(),
        body.description.as_deref().unwrap_or(""),
        body.status_id,
        body.assigned_worker_id,
        body.scheduled_at,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if !task_titles.is_empty() {
        sqlx::query!(
            "insert into app.job_tasks (job_id, title, position)
             select $1, t.title, t.position - 1 from unnest($2::text[]) with ordinality as t(title, position)",
            id,
            &task_titles
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
}

impl UpdateJob {
    fn only_status(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.customer_id.is_none()
            && self.assigned_worker_id.is_none()
            && self.scheduled_at.is_none()
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
async fn update_job(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateJob>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin, Role::Worker])?;
    body.validate()?;
    let updated = if ctx.is(Role::Worker) {
        if !body.only_status() {
            return Err(Error::Forbidden);
        }
        let Some(status_id) = body.status_id else {
            return Err(Error::field("status_id", "is required"));
        };
        sqlx::query_scalar!(
            "update app.jobs set status_id = $2 where id = $1 and ($3::int is null or version = $3) returning id",
            id,
            status_id,
            if_match.0,
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
    } else {
        sqlx::query_scalar!(
            "update app.jobs set
               title = coalesce($2, title),
               description = coalesce($3, description),
               customer_id = coalesce($4, customer_id),
               status_id = coalesce($5, status_id),
               assigned_worker_id = case when $6 then $7 else assigned_worker_id end,
               scheduled_at = case when $8 then $9 else scheduled_at end
             where id = $1 and ($10::int is null or version = $10)
             returning id",
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
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
    };
    if updated.is_none() {
        let exists = job_visible(&mut ctx, id).await?;
        return Err(missing_or_stale(exists, if_match));
    }
    let detail = load_detail(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok(detail_response(detail))
}

async fn set_archived(mut ctx: Ctx, id: Uuid, archived: bool) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    let changed = sqlx::query!(
        "update app.jobs set
           is_archived = $2,
           archived_at = case when $2 then now() end,
           archived_by = case when $2 then app.user_id() end
         where id = $1",
        id,
        archived
    )
    .execute(&mut *ctx.tx)
    .await?;
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
async fn archive_job(ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
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
async fn unarchive_job(ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    set_archived(ctx, id, false).await
}
