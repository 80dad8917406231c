//! Share links: a secret URL that shows one job read-only, without a login,
//! until it expires or is revoked. The database's auth.open_share_link()
//! decides what a token reaches; this module only carries it.

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{tokens, Role};
use crate::http::shared::{
    context::Ctx,
    custom_fields::CustomFieldValue,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    job_visibility::require_job_visible,
    sign_in, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_share_links, create_share_link))
        .routes(routes!(revoke_share_link))
        .routes(routes!(open_share_link))
        .routes(routes!(share_photos))
        .routes(routes!(share_photo))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLink {
    pub id: Uuid,
    pub job_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// How often the link was opened, and when last.
    pub open_count: i32,
    pub last_opened_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewShareLink {
    #[serde(flatten)]
    pub link: ShareLink,
    /// Shown once; only its hash is stored.
    pub token: String,
    pub url: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateShareLink {
    /// 1 to 365; default 30.
    #[validate(range(min = 1, max = 365, message = "must be between 1 and 365"))]
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareStatus {
    pub name: String,
    pub color: String,
    pub is_final: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareCompany {
    pub name: String,
    pub color: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareTask {
    pub title: String,
    pub is_completed: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareNote {
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The read-only job view a share link opens.
/// A custom field of the job that customers may see.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareField {
    pub key: String,
    pub label: String,
    /// text, number, date, boolean or choice.
    pub field_type: String,
    #[schema(value_type = CustomFieldValue)]
    pub value: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareView {
    pub title: String,
    pub description: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub status: ShareStatus,
    pub worker_name: Option<String>,
    pub company: ShareCompany,
    pub expires_at: DateTime<Utc>,
    pub tasks: Vec<ShareTask>,
    /// Notes marked for the customer.
    pub notes: Vec<ShareNote>,
    /// Only the job's fields visible to customers (the database builds this
    /// list from the job's customer projection), in the company's order.
    pub custom_fields: Vec<ShareField>,
    /// Where the work is, when the job names a service location: its name,
    /// address and coordinates; never its gate code or access notes.
    pub location: Option<ShareLocation>,
}

/// A job's service location as a share link shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ShareLocation {
    pub name: String,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A job's share links, newest first (tokens are never shown again).
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/share-links", tag = "share-links",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Links", body = Vec<ShareLink>),
        (status = 404, description = "No such job in your company", body = Problem),
    )
)]
async fn list_share_links(mut ctx: Ctx, AppPath(job_id): AppPath<Uuid>) -> Result<AppJson<Vec<ShareLink>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("share_links.manage").await?;
    require_job_visible(&mut ctx, job_id).await?;
    let links = sqlx::query_as!(
        ShareLink,
        "select id, job_id, expires_at, revoked_at, open_count, last_opened_at, created_at
         from app.share_links where company_id = $2 and job_id = $1 order by created_at desc, id",
        job_id,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(links))
}

/// Creates a secret link to the job's read-only view.
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/share-links", tag = "share-links",
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = CreateShareLink,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the token is shown only now", body = NewShareLink),
        (status = 404, description = "No such job in your company", body = Problem),
    )
)]
async fn create_share_link(
    State(state): State<AppState>,
    mut ctx: Ctx,
    AppPath(job_id): AppPath<Uuid>,
    AppJson(body): AppJson<CreateShareLink>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("share_links.manage").await?;
    body.validate()?;
    require_job_visible(&mut ctx, job_id).await?;
    let token = tokens::generate(ctx.user.company_id);
    let expires_at = Utc::now() + chrono::Duration::days(body.expires_in_days.unwrap_or(30));
    let link = sqlx::query_as!(
        ShareLink,
        "insert into app.share_links (job_id, token_hash, expires_at) values ($1, $2, $3)
         returning id, job_id, expires_at, revoked_at, open_count, last_opened_at, created_at",
        job_id,
        tokens::digest(&token),
        expires_at,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let url = format!("{}/t/{}", state.config.server.public_url, token);
    Ok((StatusCode::CREATED, AppJson(NewShareLink { link, token, url })))
}

/// Revokes a link: it stops working at once.
#[utoipa::path(
    delete, path = "/api/v1/share-links/{id}", tag = "share-links",
    params(("id" = Uuid, Path, description = "Share link id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 404, description = "No such link in your company", body = Problem),
    )
)]
async fn revoke_share_link(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("share_links.manage").await?;
    // Revoking twice keeps the first revocation. Not `coalesce(revoked_at,
    // now())`: Citus refuses a non-immutable function inside COALESCE in an
    // UPDATE; the second statement tells "already revoked" from "no such link".
    let revoked = sqlx::query!(
        "update app.share_links set revoked_at = now(), revoked_by = $3
         where company_id = $2 and id = $1 and revoked_at is null",
        id,
        ctx.user.company_id,
        ctx.user.user_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    if revoked.rows_affected() == 0 {
        let exists = sqlx::query_scalar!(
            r#"select exists (select 1 from app.share_links where company_id = $2 and id = $1) as "exists!""#,
            id,
            ctx.user.company_id
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        if !exists {
            return Err(Error::NotFound);
        }
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Opens a share link: the job's read-only view. No login needed.
#[utoipa::path(
    get, path = "/api/v1/share/{token}", tag = "share-links",
    params(("token" = String, Path, description = "The link's secret token")),
    responses(
        (status = 200, description = "The job, read-only", body = ShareView),
        (status = 404, description = "Unknown, expired or revoked link", body = Problem),
    )
)]
async fn open_share_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath(token): AppPath<String>,
) -> Result<impl IntoResponse> {
    if !tokens::looks_valid(&token) {
        return Err(Error::NotFound);
    }
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let mut flow = sign_in::begin(&state.login_db).await?;
    let view = sqlx::query_scalar!(
        r#"select auth.open_share_link($1, $2, $3) as "view""#,
        tokens::company_of(&token),
        tokens::digest(&token),
        user_agent
    )
    .fetch_one(&mut *flow)
    .await?;
    flow.commit().await?;
    let view = view.ok_or(Error::NotFound)?;
    let view: ShareView = serde_json::from_value(view).map_err(anyhow::Error::from)?;
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], AppJson(view)))
}

/// A customer-visible photo of the shared job. `url` serves it (no login:
/// the link's token is in the path).
#[derive(Debug, Serialize, ToSchema)]
pub struct SharePhoto {
    pub id: Uuid,
    pub file_name: String,
    pub caption: String,
    /// `before`, `after` or `none`.
    pub group: String,
    pub has_thumbnails: bool,
}

struct SharedPhoto {
    id: Option<Uuid>,
    file_name: Option<String>,
    caption: Option<String>,
    photo_group: Option<String>,
    storage_key: Option<String>,
    thumb_small_key: Option<String>,
    thumb_medium_key: Option<String>,
    content_type: Option<String>,
    size_bytes: Option<i64>,
}

/// The shared job's customer-visible photos, exactly while the link opens.
async fn shared_photos(state: &AppState, token: &str) -> Result<Vec<SharedPhoto>> {
    if !tokens::looks_valid(token) {
        return Err(Error::NotFound);
    }
    Ok(sqlx::query_as!(
        SharedPhoto,
        "select id, file_name, caption, photo_group, storage_key, thumb_small_key, thumb_medium_key, content_type,
                size_bytes
           from auth.share_photos($1, $2)",
        tokens::company_of(token),
        tokens::digest(token),
    )
    .fetch_all(&state.login_db)
    .await?)
}

/// The customer-visible photos of the job a share link shows.
#[utoipa::path(
    get, path = "/api/v1/share/{token}/photos", tag = "share-links",
    params(("token" = String, Path, description = "The link's token")),
    responses(
        (status = 200, description = "The photos, oldest first", body = Vec<SharePhoto>),
        (status = 404, description = "Unknown, expired or revoked link", body = Problem),
    )
)]
async fn share_photos(
    State(state): State<AppState>,
    AppPath(token): AppPath<String>,
) -> Result<impl IntoResponse> {
    let photos: Vec<SharePhoto> = shared_photos(&state, &token)
        .await?
        .into_iter()
        .filter_map(|p| {
            Some(SharePhoto {
                id: p.id?,
                file_name: p.file_name?,
                caption: p.caption.unwrap_or_default(),
                group: p.photo_group.unwrap_or_default(),
                has_thumbnails: p.thumb_small_key.is_some(),
            })
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], AppJson(photos)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SharePhotoParams {
    /// `small` (240 px) or `medium` (1024 px); the original when absent.
    pub variant: Option<String>,
}

/// One photo of a shared job, streamed.
#[utoipa::path(
    get, path = "/api/v1/share/{token}/photos/{id}", tag = "share-links",
    params(("token" = String, Path, description = "The link's token"), ("id" = Uuid, Path, description = "Photo id"),
           SharePhotoParams),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, description = "Unknown, expired or revoked link, or no such photo on it", body = Problem),
    )
)]
async fn share_photo(
    State(state): State<AppState>,
    AppPath((token, id)): AppPath<(String, Uuid)>,
    crate::http::shared::extract::AppQuery(params): crate::http::shared::extract::AppQuery<SharePhotoParams>,
) -> Result<impl IntoResponse> {
    let photo =
        shared_photos(&state, &token).await?.into_iter().find(|p| p.id == Some(id)).ok_or(Error::NotFound)?;
    let (key, content_type, length) = match params.variant.as_deref() {
        None | Some("original") => {
            (photo.storage_key, photo.content_type.unwrap_or_default(), photo.size_bytes)
        }
        Some("small") => (photo.thumb_small_key, "image/jpeg".to_owned(), None),
        Some("medium") => (photo.thumb_medium_key, "image/jpeg".to_owned(), None),
        Some(_) => return Err(Error::field("variant", "must be original, small or medium")),
    };
    let key = key.ok_or(Error::NotFound)?;
    let stream = state.storage.stream(&key).await.map_err(|e| Error::Internal(e.into()))?;
    let body =
        axum::body::Body::from_stream(futures_util::TryStreamExt::map_err(stream, std::io::Error::other));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).map_err(|e| Error::Internal(e.into()))?,
    );
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(response)
}
