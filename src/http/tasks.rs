//! A job's checklist. Admins manage tasks; the assigned worker ticks them off.

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{edited, etag, IfMatch},
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    job_visibility::require_job_visible,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_job_tasks, create_task))
        .routes(routes!(reorder_tasks))
        .routes(routes!(list_tasks))
        .routes(routes!(update_task, delete_task))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: Uuid,
    pub job_id: Uuid,
    pub title: String,
    pub position: i32,
    pub is_completed: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

pub async fn for_job(ctx: &mut Ctx, job_id: Uuid) -> Result<Vec<Task>> {
    Ok(sqlx::query_as!(
        Task,
        "select id, job_id, title, position, is_completed, completed_at, version
         from app.job_tasks where company_id = $2 and job_id = $1 order by position, id",
        job_id,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?)
}

/// The tasks of a job, in order.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/tasks", tag = "tasks",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tasks", body = Vec<Task>),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn list_job_tasks(mut ctx: Ctx, AppPath(job_id): AppPath<Uuid>) -> Result<AppJson<Vec<Task>>> {
    require_job_visible(&mut ctx, job_id).await?;
    let tasks = for_job(&mut ctx, job_id).await?;
    ctx.commit().await?;
    Ok(AppJson(tasks))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    pub job_id: Uuid,
}

/// The tasks of a job (`?job_id=`), in order.
#[utoipa::path(
    get, path = "/api/v1/job-tasks", tag = "tasks",
    params(TaskFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tasks", body = Vec<Task>),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn list_tasks(mut ctx: Ctx, AppQuery(filter): AppQuery<TaskFilter>) -> Result<AppJson<Vec<Task>>> {
    require_job_visible(&mut ctx, filter.job_id).await?;
    let tasks = for_job(&mut ctx, filter.job_id).await?;
    ctx.commit().await?;
    Ok(AppJson(tasks))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TaskOrder {
    /// Every task of the job, each once, in the order wanted (at most 500,
    /// far above any real checklist).
    #[validate(length(max = 500, message = "must list at most 500 tasks"))]
    pub task_ids: Vec<Uuid>,
}

/// Puts a job's tasks in the given order, all at once: positions become 0, 1,
/// 2, … in one transaction, so nobody ever sees a half-moved list.
#[utoipa::path(
    put, path = "/api/v1/jobs/{id}/tasks/order", tag = "tasks",
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = TaskOrder,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tasks in their new order", body = Vec<Task>),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such job in your company", body = Problem),
        (status = 422, description = "The list is not exactly the job's tasks, each once", body = Problem),
    )
)]
async fn reorder_tasks(
    mut ctx: Ctx,
    AppPath(job_id): AppPath<Uuid>,
    AppJson(body): AppJson<TaskOrder>,
) -> Result<AppJson<Vec<Task>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("jobs.write").await?;
    body.validate()?;
    require_job_visible(&mut ctx, job_id).await?;
    // Locked, so a task added or removed meanwhile cannot slip past the check.
    // `company_id` written out: Citus locks rows only in a statement it can
    // route to one shard.
    let mut current = sqlx::query_scalar!(
        "select id from app.job_tasks where company_id = $2 and job_id = $1 for update",
        job_id,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut wanted = body.task_ids.clone();
    current.sort_unstable();
    wanted.sort_unstable();
    if wanted != current {
        return Err(Error::field(
            "task_ids",
            format!(
                "must list each of the job's {} tasks exactly once (reload the job: it may have changed)",
                current.len()
            ),
        ));
    }
    // Only tasks that move are written (and so recorded in the history).
    sqlx::query!(
        "update app.job_tasks t set position = w.ord::int - 1
         from unnest($2::uuid[]) with ordinality as w(id, ord)
         where t.company_id = $3 and t.job_id = $1 and t.id = w.id and t.position is distinct from w.ord::int - 1",
        job_id,
        &body.task_ids,
        ctx.user.company_id,
    )
    .execute(&mut *ctx.tx)
    .await?;
    let tasks = for_job(&mut ctx, job_id).await?;
    ctx.commit().await?;
    Ok(AppJson(tasks))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub title: String,
    /// Defaults to after the last task.
    #[validate(range(min = 0, max = 10000, message = "must be between 0 and 10000"))]
    pub position: Option<i32>,
}

/// Adds a task to a job.
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/tasks", tag = "tasks",
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = CreateTask,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Task),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such job in your company", body = Problem),
    )
)]
async fn create_task(
    mut ctx: Ctx,
    AppPath(job_id): AppPath<Uuid>,
    AppJson(body): AppJson<CreateTask>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("jobs.write").await?;
    body.validate()?;
    require_job_visible(&mut ctx, job_id).await?;
    // The default position is read first: Citus cannot route an INSERT whose
    // values hold a subquery.
    let position = match body.position {
        Some(position) => position,
        None => {
            sqlx::query_scalar!(
                r#"select coalesce(max(position) + 1, 0) as "position!" from app.job_tasks
               where company_id = $2 and job_id = $1"#,
                job_id,
                ctx.user.company_id
            )
            .fetch_one(&mut *ctx.tx)
            .await?
        }
    };
    let task = sqlx::query_as!(
        Task,
        "insert into app.job_tasks (job_id, title, position) values ($1, $2, $3)
         returning id, job_id, title, position, is_completed, completed_at, version",
        job_id,
        body.title.trim(),
        position,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/job-tasks/{}", task.id))];
    Ok((StatusCode::CREATED, location, etag(task.version), AppJson(task)))
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub title: Option<String>,
    #[validate(range(min = 0, max = 10000, message = "must be between 0 and 10000"))]
    pub position: Option<i32>,
    /// The only field a worker may send.
    pub is_completed: Option<bool>,
}

/// Edits a task; the assigned worker may only (un)complete it.
#[utoipa::path(
    patch, path = "/api/v1/job-tasks/{id}", tag = "tasks",
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = UpdateTask,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Task),
        (status = 403, description = "Role may not change these fields", body = Problem),
        (status = 404, description = "No such task visible to you", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
    )
)]
async fn update_task(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateTask>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin, Role::Worker])?;
    body.validate()?;
    let task = if ctx.is(Role::Worker) {
        if body.title.is_some() || body.position.is_some() {
            return Err(Error::Forbidden);
        }
        let Some(done) = body.is_completed else {
            return Err(Error::field("is_completed", "is required"));
        };
        let edit = sqlx::query!(
            r#"with updated as (
                 update app.job_tasks set is_completed = $2
                 where company_id = $4 and id = $1 and ($3::int is null or version = $3)
                 returning id, job_id, title, position, is_completed, completed_at, version)
               select exists (select 1 from app.job_tasks where company_id = $4 and id = $1) as "found!",
                      (select to_jsonb(u) from updated u) as "row?: Json<Task>""#,
            id,
            done,
            if_match.0,
            ctx.user.company_id,
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        edited(edit.found, edit.row, if_match)?
    } else {
        let edit = sqlx::query!(
            r#"with updated as (
                 update app.job_tasks set
                   title = coalesce($2, title),
                   position = coalesce($3, position),
                   is_completed = coalesce($4, is_completed)
                 where company_id = $6 and id = $1 and ($5::int is null or version = $5)
                 returning id, job_id, title, position, is_completed, completed_at, version)
               select exists (select 1 from app.job_tasks where company_id = $6 and id = $1) as "found!",
                      (select to_jsonb(u) from updated u) as "row?: Json<Task>""#,
            id,
            body.title.as_deref().map(str::trim),
            body.position,
            body.is_completed,
            if_match.0,
            ctx.user.company_id,
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        edited(edit.found, edit.row, if_match)?
    };
    ctx.commit().await?;
    Ok((etag(task.version), AppJson(task)))
}

/// Removes a task.
#[utoipa::path(
    delete, path = "/api/v1/job-tasks/{id}", tag = "tasks",
    params(("id" = Uuid, Path, description = "Task id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such task in your company", body = Problem),
    )
)]
async fn delete_task(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("jobs.write").await?;
    let deleted =
        sqlx::query!("delete from app.job_tasks where company_id = $2 and id = $1", id, ctx.user.company_id)
            .execute(&mut *ctx.tx)
            .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
