//! Each company's ordered job statuses: everyone reads them, admins shape them.

use std::collections::HashSet;

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{edited, etag, IfMatch},
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    text::color_format,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_statuses, create_status))
        .routes(routes!(update_status, delete_status))
        .routes(routes!(reorder_statuses))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobStatus {
    pub id: Uuid,
    pub name: String,
    /// `#rrggbb`
    pub color: String,
    pub order_index: i32,
    /// Jobs in a final status count as done (completed_at is stamped).
    pub is_final: bool,
    /// Jobs may enter this status only when all their tasks are done.
    pub requires_tasks_done: bool,
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateStatus {
    #[validate(length(min = 1, max = 60, message = "must be 1 to 60 characters"))]
    pub name: String,
    #[validate(custom(function = "color_format"))]
    pub color: Option<String>,
    #[serde(default)]
    pub is_final: bool,
    #[serde(default)]
    pub requires_tasks_done: bool,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateStatus {
    #[validate(length(min = 1, max = 60, message = "must be 1 to 60 characters"))]
    pub name: Option<String>,
    #[validate(custom(function = "color_format"))]
    pub color: Option<String>,
    pub is_final: Option<bool>,
    pub requires_tasks_done: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderStatuses {
    /// Every status id of the company, in the new order.
    pub ids: Vec<Uuid>,
}

async fn all_statuses(ctx: &mut Ctx) -> Result<Vec<JobStatus>> {
    Ok(sqlx::query_as!(
        JobStatus,
        "select id, name, color, order_index, is_final, requires_tasks_done, version
         from app.job_statuses where company_id = $1 order by order_index, id",
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?)
}

/// The company's statuses in workflow order (every role).
#[utoipa::path(
    get, path = "/api/v1/job-statuses", tag = "job-statuses",
    security(("bearer" = [])),
    responses((status = 200, description = "Ordered statuses", body = Vec<JobStatus>))
)]
async fn list_statuses(mut ctx: Ctx) -> Result<AppJson<Vec<JobStatus>>> {
    let statuses = all_statuses(&mut ctx).await?;
    ctx.commit().await?;
    Ok(AppJson(statuses))
}

/// Adds a status at the end of the workflow.
#[utoipa::path(
    post, path = "/api/v1/job-statuses", tag = "job-statuses",
    request_body = CreateStatus,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = JobStatus),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Invalid fields or duplicate name", body = Problem),
    )
)]
async fn create_status(mut ctx: Ctx, AppJson(body): AppJson<CreateStatus>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("statuses.manage").await?;
    body.validate()?;
    // The new status goes last; its place is read first, as Citus cannot route
    // an INSERT whose values hold a subquery.
    let order_index = sqlx::query_scalar!(
        r#"select coalesce(max(order_index) + 1, 0) as "order_index!" from app.job_statuses
           where company_id = $1"#,
        ctx.user.company_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let status = sqlx::query_as!(
        JobStatus,
        r#"insert into app.job_statuses (name, color, order_index, is_final, requires_tasks_done)
           values ($1, coalesce($2, '#64748b'), $5, $3, $4)
           returning id, name, color, order_index, is_final, requires_tasks_done, version"#,
        body.name.trim(),
        body.color,
        body.is_final,
        body.requires_tasks_done,
        order_index,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/job-statuses/{}", status.id))];
    Ok((StatusCode::CREATED, location, etag(status.version), AppJson(status)))
}

/// Renames, recolors or re-flags a status.
#[utoipa::path(
    patch, path = "/api/v1/job-statuses/{id}", tag = "job-statuses",
    params(("id" = Uuid, Path, description = "Status id")),
    request_body = UpdateStatus,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = JobStatus),
        (status = 404, description = "No such status in your company", body = Problem),
        (status = 409, description = "It is the last final status", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
    )
)]
async fn update_status(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateStatus>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("statuses.manage").await?;
    body.validate()?;
    let edit = sqlx::query!(
        r#"with updated as (
             update app.job_statuses set
               name = coalesce($2, name),
               color = coalesce($3, color),
               is_final = coalesce($4, is_final),
               requires_tasks_done = coalesce($5, requires_tasks_done)
             where company_id = $7 and id = $1 and ($6::int is null or version = $6)
             returning id, name, color, order_index, is_final, requires_tasks_done, version)
           select exists (select 1 from app.job_statuses where company_id = $7 and id = $1) as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<JobStatus>""#,
        id,
        body.name.as_deref().map(str::trim),
        body.color,
        body.is_final,
        body.requires_tasks_done,
        if_match.0,
        ctx.user.company_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let status = edited(edit.found, edit.row, if_match)?;
    ctx.commit().await?;
    Ok((etag(status.version), AppJson(status)))
}

/// Deletes a status no job uses.
#[utoipa::path(
    delete, path = "/api/v1/job-statuses/{id}", tag = "job-statuses",
    params(("id" = Uuid, Path, description = "Status id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such status in your company", body = Problem),
        (status = 409, description = "Jobs use it, or it is the last final status", body = Problem),
    )
)]
async fn delete_status(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("statuses.manage").await?;
    let deleted = sqlx::query!(
        "delete from app.job_statuses where company_id = $2 and id = $1",
        id,
        ctx.user.company_id
    )
    .execute(&mut *ctx.tx)
    .await;
    match deleted {
        Ok(done) if done.rows_affected() == 0 => Err(Error::NotFound),
        Ok(_) => {
            ctx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        // The jobs foreign key refuses: the status is in use (archived jobs count).
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23503") => {
            Err(Error::Conflict("jobs still use this status; move them to another status first".into()))
        }
        Err(other) => Err(other.into()),
    }
}

/// Sets the workflow order: `ids` must list every status of the company once.
#[utoipa::path(
    post, path = "/api/v1/job-statuses/reorder", tag = "job-statuses",
    request_body = ReorderStatuses,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The statuses in their new order", body = Vec<JobStatus>),
        (status = 422, description = "Not exactly the company's statuses", body = Problem),
    )
)]
async fn reorder_statuses(
    mut ctx: Ctx,
    AppJson(body): AppJson<ReorderStatuses>,
) -> Result<AppJson<Vec<JobStatus>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("statuses.manage").await?;
    let distinct: HashSet<&Uuid> = body.ids.iter().collect();
    let total = sqlx::query_scalar!(
        r#"select count(*) as "count!" from app.job_statuses where company_id = $1"#,
        ctx.user.company_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if distinct.len() != body.ids.len() || body.ids.len() as i64 != total {
        return Err(Error::field("ids", "must list every status of your company exactly once"));
    }
    let moved = sqlx::query!(
        "update app.job_statuses s set order_index = o.position - 1
         from unnest($1::uuid[]) with ordinality as o(id, position)
         where s.company_id = $2 and s.id = o.id",
        &body.ids,
        ctx.user.company_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    if moved.rows_affected() as i64 != total {
        return Err(Error::field("ids", "must list every status of your company exactly once"));
    }
    let statuses = all_statuses(&mut ctx).await?;
    ctx.commit().await?;
    Ok(AppJson(statuses))
}
