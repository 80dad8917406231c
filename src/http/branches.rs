//! A company's branches (North, South): company-wide admins manage them;
//! staff read them, a branch-scoped member only its own (the policies of
//! migration 0040 decide, docs/organizations.md "Branches").

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
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
    OpenApiRouter::new().routes(routes!(list_branches, create_branch)).routes(routes!(
        get_branch,
        update_branch,
        delete_branch
    ))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Branch {
    pub id: Uuid,
    pub name: String,
    /// Empty when not given.
    pub address: String,
    /// `#rrggbb`
    pub color: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateBranch {
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub name: String,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub address: Option<String>,
    #[validate(custom(function = "color_format"))]
    pub color: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateBranch {
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub name: Option<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub address: Option<String>,
    #[validate(custom(function = "color_format"))]
    pub color: Option<String>,
}

/// A blank name is no name: the length rule counts what is left after trimming.
fn trimmed_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::field("name", "must be 1 to 100 characters"));
    }
    Ok(name)
}

/// The branches the caller may see, by name (admins; a branch-scoped admin
/// sees its own). Workers read their branch in `GET /auth/me`.
#[utoipa::path(
    get, path = "/api/v1/branches", tag = "branches",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The branches you may see, by name", body = Vec<Branch>),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn list_branches(mut ctx: Ctx) -> Result<AppJson<Vec<Branch>>> {
    ctx.require(&[Role::Admin])?;
    let branches = sqlx::query_as!(
        Branch,
        "select id, name, address, color, created_at, updated_at, version
         from app.branches where company_id = $1 order by lower(name), id",
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(branches))
}

/// One branch (admins).
#[utoipa::path(
    get, path = "/api/v1/branches/{id}", tag = "branches",
    params(("id" = Uuid, Path, description = "Branch id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The branch", body = Branch),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such branch that you may see", body = Problem),
    )
)]
async fn get_branch(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    let branch = sqlx::query_as!(
        Branch,
        "select id, name, address, color, created_at, updated_at, version
         from app.branches where company_id = $1 and id = $2",
        ctx.user.company_id,
        id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(branch.version), AppJson(branch)))
}

/// Adds a branch (company-wide admins; a branch-scoped admin gets 403 from
/// the policy).
#[utoipa::path(
    post, path = "/api/v1/branches", tag = "branches",
    request_body = CreateBranch,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Branch),
        (status = 403, description = "Not a company-wide admin", body = Problem),
        (status = 422, description = "Invalid fields or a name already used", body = Problem),
    )
)]
async fn create_branch(mut ctx: Ctx, AppJson(body): AppJson<CreateBranch>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("branches.manage").await?;
    body.validate()?;
    let name = trimmed_name(&body.name)?;
    let branch = sqlx::query_as!(
        Branch,
        r#"insert into app.branches (name, address, color)
           values ($1, coalesce($2, ''), coalesce($3, '#64748b'))
           returning id, name, address, color, created_at, updated_at, version"#,
        name,
        body.address.as_deref().map(str::trim),
        body.color.as_deref().map(str::to_ascii_lowercase),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/branches/{}", branch.id))];
    Ok((StatusCode::CREATED, location, etag(branch.version), AppJson(branch)))
}

/// Renames, moves or recolours a branch (company-wide admins).
#[utoipa::path(
    patch, path = "/api/v1/branches/{id}", tag = "branches",
    params(("id" = Uuid, Path, description = "Branch id")),
    request_body = UpdateBranch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Branch),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such branch that you may change", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields or a name already used", body = Problem),
    )
)]
async fn update_branch(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateBranch>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("branches.manage").await?;
    body.validate()?;
    let name = body.name.as_deref().map(trimmed_name).transpose()?;
    // "found" through the update policy's eyes: a scoped admin's own branch
    // is visible to it but not writable, and answers 404 like another's.
    let edit = sqlx::query!(
        r#"with updated as (
             update app.branches set
               name = coalesce($2, name),
               address = coalesce($3, address),
               color = coalesce($4, color)
             where company_id = $6 and id = $1 and ($5::int is null or version = $5)
             returning id, name, address, color, created_at, updated_at, version)
           select exists (select 1 from app.branches
                          where company_id = $6 and id = $1 and (select app.branch_id()) is null) as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<Branch>""#,
        id,
        name,
        body.address.as_deref().map(str::trim),
        body.color.as_deref().map(str::to_ascii_lowercase),
        if_match.0,
        ctx.user.company_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let branch = edited(edit.found, edit.row, if_match)?;
    ctx.commit().await?;
    Ok((etag(branch.version), AppJson(branch)))
}

/// Deletes a branch nothing names any more (company-wide admins).
#[utoipa::path(
    delete, path = "/api/v1/branches/{id}", tag = "branches",
    params(("id" = Uuid, Path, description = "Branch id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such branch that you may delete", body = Problem),
        (status = 409, description = "Jobs, customers, locations or members still name it", body = Problem),
    )
)]
async fn delete_branch(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("branches.manage").await?;
    let deleted =
        sqlx::query!("delete from app.branches where company_id = $2 and id = $1", id, ctx.user.company_id)
            .execute(&mut *ctx.tx)
            .await;
    match deleted {
        Ok(done) if done.rows_affected() == 0 => Err(Error::NotFound),
        Ok(_) => {
            ctx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        // A foreign key refuses: something still names the branch (archived
        // jobs and removed members count). Moving them is a person's decision.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23503") => Err(Error::Conflict(
            "jobs, customers, locations or members still name this branch; move them first".into(),
        )),
        Err(other) => Err(other.into()),
    }
}
