//! Photos and documents on jobs and job requests (docs/attachments.md).
//!
//! The row (app.attachments) is under the parent's row-level security: a
//! worker sees the files of its jobs, a customer only the customer-visible
//! files of its own jobs and requests. The bytes are in object storage
//! (src/storage/) and reach a client only through [`download`], after the
//! row was read under those policies. Uploads are [`upload`]'s.

mod download;
mod upload;

use axum::{http::StatusCode, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    job_visibility::require_job_visible,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_job_attachments, upload::upload_to_job))
        .routes(routes!(list_request_attachments, upload::upload_to_request))
        .routes(routes!(get_attachment, update_attachment, delete_attachment))
        .routes(routes!(download::download))
}

/// Who may see a file besides staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Internal,
    Customer,
}

impl Visibility {
    fn as_str(self) -> &'static str {
        match self {
            Visibility::Internal => "internal",
            Visibility::Customer => "customer",
        }
    }

    fn from_db(value: &str) -> Self {
        if value == "customer" {
            Visibility::Customer
        } else {
            Visibility::Internal
        }
    }
}

/// A worker's photos of the work: before it, after it, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum PhotoGroup {
    Before,
    After,
    #[default]
    None,
}

impl PhotoGroup {
    fn as_str(self) -> &'static str {
        match self {
            PhotoGroup::Before => "before",
            PhotoGroup::After => "after",
            PhotoGroup::None => "none",
        }
    }

    fn from_db(value: &str) -> Self {
        match value {
            "before" => PhotoGroup::Before,
            "after" => PhotoGroup::After,
            _ => PhotoGroup::None,
        }
    }
}

/// A stored file as the caller may see it. The bytes are at
/// `/api/v1/attachments/{id}/content`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub job_id: Option<Uuid>,
    pub job_request_id: Option<Uuid>,
    pub file_name: String,
    /// Detected from the bytes, never taken from the client.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the stored bytes, lowercase hex.
    pub sha256: String,
    pub visibility: Visibility,
    pub caption: String,
    pub group: PhotoGroup,
    /// Whether `?variant=small` and `?variant=medium` exist (decodable images).
    pub has_thumbnails: bool,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

struct Row {
    id: Uuid,
    job_id: Option<Uuid>,
    job_request_id: Option<Uuid>,
    file_name: String,
    content_type: Option<String>,
    size_bytes: Option<i64>,
    sha256: Option<Vec<u8>>,
    visibility: String,
    caption: String,
    photo_group: String,
    thumb_small_key: Option<String>,
    uploaded_by: Uuid,
    created_at: DateTime<Utc>,
}

impl From<Row> for Attachment {
    fn from(r: Row) -> Self {
        Attachment {
            id: r.id,
            job_id: r.job_id,
            job_request_id: r.job_request_id,
            file_name: r.file_name,
            content_type: r.content_type.unwrap_or_default(),
            size_bytes: r.size_bytes.unwrap_or_default(),
            sha256: r.sha256.unwrap_or_default().iter().map(|b| format!("{b:02x}")).collect(),
            visibility: Visibility::from_db(&r.visibility),
            caption: r.caption,
            group: PhotoGroup::from_db(&r.photo_group),
            has_thumbnails: r.thumb_small_key.is_some(),
            uploaded_by: r.uploaded_by,
            created_at: r.created_at,
        }
    }
}

/// The stored, undeleted files of a job or of a request, oldest first.
async fn list_for(ctx: &mut Ctx, job_id: Option<Uuid>, request_id: Option<Uuid>) -> Result<Vec<Attachment>> {
    let rows = sqlx::query_as!(
        Row,
        r#"select id, job_id, job_request_id, file_name, content_type, size_bytes, sha256, visibility, caption,
                  photo_group, thumb_small_key, uploaded_by, created_at
             from app.attachments
            where company_id = $1
              and (($2::uuid is not null and job_id = $2) or ($3::uuid is not null and job_request_id = $3))
              and state = 'stored' and deleted_at is null
            order by created_at, id"#,
        ctx.user.company_id,
        job_id,
        request_id,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(rows.into_iter().map(Attachment::from).collect())
}

/// One stored, undeleted file the caller sees.
async fn find(ctx: &mut Ctx, id: Uuid) -> Result<Attachment> {
    let row = sqlx::query_as!(
        Row,
        r#"select id, job_id, job_request_id, file_name, content_type, size_bytes, sha256, visibility, caption,
                  photo_group, thumb_small_key, uploaded_by, created_at
             from app.attachments
            where company_id = $1 and id = $2 and state = 'stored' and deleted_at is null"#,
        ctx.user.company_id,
        id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    row.map(Attachment::from).ok_or(Error::NotFound)
}

async fn require_request_visible(ctx: &mut Ctx, id: Uuid) -> Result<()> {
    let visible = sqlx::query_scalar!(
        r#"select exists (select 1 from app.job_requests where company_id = $2 and id = $1) as "exists!""#,
        id,
        ctx.user.company_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if visible {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// A job's files (a customer: the customer-visible ones).
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/attachments", tag = "attachments",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job's files, oldest first", body = Vec<Attachment>),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn list_job_attachments(
    mut ctx: Ctx,
    AppPath(job_id): AppPath<Uuid>,
) -> Result<AppJson<Vec<Attachment>>> {
    require_job_visible(&mut ctx, job_id).await?;
    let files = list_for(&mut ctx, Some(job_id), None).await?;
    ctx.commit().await?;
    Ok(AppJson(files))
}

/// A job request's files (admins, and the customer whose request it is).
#[utoipa::path(
    get, path = "/api/v1/job-requests/{id}/attachments", tag = "attachments",
    params(("id" = Uuid, Path, description = "Job request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The request's files, oldest first", body = Vec<Attachment>),
        (status = 403, description = "Workers see jobs, not requests", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
    )
)]
async fn list_request_attachments(
    mut ctx: Ctx,
    AppPath(request_id): AppPath<Uuid>,
) -> Result<AppJson<Vec<Attachment>>> {
    ctx.require(&[Role::Admin, Role::Customer])?;
    require_request_visible(&mut ctx, request_id).await?;
    let files = list_for(&mut ctx, None, Some(request_id)).await?;
    ctx.commit().await?;
    Ok(AppJson(files))
}

/// One file's details.
#[utoipa::path(
    get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = Uuid, Path, description = "Attachment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file", body = Attachment),
        (status = 404, description = "No such file visible to you", body = Problem),
    )
)]
async fn get_attachment(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<AppJson<Attachment>> {
    let file = find(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok(AppJson(file))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateAttachment {
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub caption: Option<String>,
    pub visibility: Option<Visibility>,
    pub group: Option<PhotoGroup>,
}

/// Changes a file's caption, visibility or group (admins; a worker its own uploads).
#[utoipa::path(
    patch, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = Uuid, Path, description = "Attachment id")),
    request_body = UpdateAttachment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file", body = Attachment),
        (status = 403, description = "Customers cannot edit files", body = Problem),
        (status = 404, description = "No such file you may edit", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn update_attachment(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<UpdateAttachment>,
) -> Result<AppJson<Attachment>> {
    ctx.require(&[Role::Admin, Role::Worker])?;
    body.validate()?;
    let updated = sqlx::query_scalar!(
        r#"update app.attachments
              set caption = coalesce($3, caption), visibility = coalesce($4, visibility),
                  photo_group = coalesce($5, photo_group)
            where company_id = $1 and id = $2 and state = 'stored' and deleted_at is null
            returning id"#,
        ctx.user.company_id,
        id,
        body.caption.as_deref().map(str::trim),
        body.visibility.map(Visibility::as_str),
        body.group.map(PhotoGroup::as_str),
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    if updated.is_none() {
        return Err(Error::NotFound);
    }
    let file = find(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok(AppJson(file))
}

/// Deletes a file: it disappears at once; its bytes are removed after the
/// retention period (admins; a worker or customer its own uploads).
#[utoipa::path(
    delete, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = Uuid, Path, description = "Attachment id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such file you may delete", body = Problem),
    )
)]
async fn delete_attachment(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    let deleted = sqlx::query_scalar!(
        r#"update app.attachments set deleted_at = now(), deleted_by = $3
            where company_id = $1 and id = $2 and state = 'stored' and deleted_at is null
            returning id"#,
        ctx.user.company_id,
        id,
        ctx.user.user_id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    if deleted.is_none() {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Upload options, in the query string (the body is the file itself).
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// `internal` (default) or `customer`; a customer's uploads are always `customer`.
    #[param(inline)]
    pub visibility: Option<Visibility>,
    /// `before`, `after` or `none` (default).
    #[param(inline)]
    pub group: Option<PhotoGroup>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub caption: Option<String>,
}
