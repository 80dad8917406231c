//! Uploads: the request body is the file itself (any Content-Type; the type
//! is detected from the bytes), its name in `X-File-Name` (percent-encoded
//! UTF-8), the options in the query string.
//!
//! No database connection is held while bytes move: one short transaction
//! records the file as pending (checking the parent under the caller's
//! policies and the company's quota), the bytes stream to storage in parts
//! (hashed and inspected as they pass, never held whole), and a second short
//! transaction marks the row stored. A failed or abandoned upload removes
//! its object and row at once ([`Pending`]'s drop); after a crash the sweeper
//! does (src/storage/sweeper.rs).
//!
//! `Idempotency-Key` is handled here, not by the shared guard (which holds a
//! body in memory): the key is kept on the row, and a retry with it gets the
//! stored file back (`Idempotency-Replayed: true`) instead of a second copy.

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use validator::Validate;

use super::{find, require_request_visible, Attachment, UploadParams, Visibility};
use crate::{
    auth::Role,
    http::shared::{
        context::{Ctx, CurrentUser},
        error::{Error, Problem, Result},
        extract::{AppJson, AppPath, AppQuery},
        job_visibility::require_job_visible,
        AppState,
    },
    storage::{exif, sniff, sweeper::interval, thumbnails, Storage, Upload},
};

const FILE_NAME: HeaderName = HeaderName::from_static("x-file-name");
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// A retry finding its first attempt still pending this recently waits for
/// it (409); an older one belongs to an upload that died and is replaced.
const PENDING_LEASE_SECS: f64 = 60.0;

#[derive(Debug, Clone, Copy)]
enum Parent {
    Job(Uuid),
    Request(Uuid),
}

/// Uploads a photo or document to a job (admins, and the job's worker).
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/attachments", tag = "attachments",
    params(
        ("id" = Uuid, Path, description = "Job id"),
        ("X-File-Name" = Option<String>, Header, description = "The file's name, percent-encoded UTF-8"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key store the file once"),
        UploadParams,
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = Attachment),
        (status = 200, description = "A retry: the file its key stored", body = Attachment),
        (status = 403, description = "Customers attach files to their requests", body = Problem),
        (status = 404, description = "No such job visible to you", body = Problem),
        (status = 409, description = "The first upload with this key is still running", body = Problem),
        (status = 413, description = "Larger than the file limit, or the company's quota is used up", body = Problem),
        (status = 415, description = "A type that is not accepted, mismatched or two in one", body = Problem),
        (status = 422, description = "Invalid options", body = Problem),
    )
)]
pub async fn upload_to_job(
    State(state): State<AppState>,
    user: CurrentUser,
    AppPath(job_id): AppPath<Uuid>,
    AppQuery(params): AppQuery<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    if user.role == Role::Customer {
        return Err(Error::Forbidden);
    }
    upload(state, user, Parent::Job(job_id), params, &headers, body).await
}

/// Attaches a photo or document to a job request (admins, and the customer
/// whose request it is; a customer's files are customer-visible).
#[utoipa::path(
    post, path = "/api/v1/job-requests/{id}/attachments", tag = "attachments",
    params(
        ("id" = Uuid, Path, description = "Job request id"),
        ("X-File-Name" = Option<String>, Header, description = "The file's name, percent-encoded UTF-8"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key store the file once"),
        UploadParams,
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = Attachment),
        (status = 200, description = "A retry: the file its key stored", body = Attachment),
        (status = 403, description = "Workers attach files to jobs", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
        (status = 409, description = "The first upload with this key is still running", body = Problem),
        (status = 413, description = "Larger than the file limit, or the company's quota is used up", body = Problem),
        (status = 415, description = "A type that is not accepted, mismatched or two in one", body = Problem),
        (status = 422, description = "Invalid options", body = Problem),
    )
)]
pub async fn upload_to_request(
    State(state): State<AppState>,
    user: CurrentUser,
    AppPath(request_id): AppPath<Uuid>,
    AppQuery(params): AppQuery<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    if user.role == Role::Worker {
        return Err(Error::Forbidden);
    }
    upload(state, user, Parent::Request(request_id), params, &headers, body).await
}

async fn upload(
    state: AppState,
    user: CurrentUser,
    parent: Parent,
    params: UploadParams,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response> {
    params.validate()?;
    let limits = state.storage.config.clone();
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_file_bytes) {
        return Err(too_large(limits.max_file_bytes));
    }
    let file_name =
        sanitize_file_name(headers.get(&FILE_NAME).and_then(|v| v.to_str().ok()).unwrap_or_default());
    let key = idempotency_key(headers)?;
    let visibility = if user.role == Role::Customer {
        Visibility::Customer
    } else {
        params.visibility.unwrap_or_default()
    };

    // 1. The pending row, in a transaction of its own.
    let mut ctx = Ctx::open(&state, user).await?;
    match parent {
        Parent::Job(id) => require_job_visible(&mut ctx, id).await?,
        Parent::Request(id) => require_request_visible(&mut ctx, id).await?,
    }
    let used = quota_used(&state, user).await?;
    if let Some(key) = &key {
        if let Some(replay) = earlier_attempt(&mut ctx, &state.storage, key, parent).await? {
            ctx.commit().await?;
            return Ok(replay);
        }
    }
    if used >= limits.quota_bytes as i64 {
        return Err(quota_exceeded(limits.quota_bytes));
    }
    let storage_key = crate::storage::new_key(user.company_id);
    let caption = params.caption.as_deref().map(str::trim).unwrap_or_default();
    let group = params.group.unwrap_or_default().as_str();
    // Two statements: a customer may not name a job_id column at all.
    let id = match parent {
        Parent::Job(job_id) => {
            sqlx::query_scalar!(
                r#"insert into app.attachments
                     (job_id, storage_key, file_name, visibility, caption, photo_group, idempotency_key)
                   values ($1, $2, $3, $4, $5, $6, $7) returning id"#,
                job_id,
                storage_key,
                file_name,
                visibility.as_str(),
                caption,
                group,
                key,
            )
            .fetch_one(&mut *ctx.tx)
            .await?
        }
        Parent::Request(request_id) => {
            sqlx::query_scalar!(
                r#"insert into app.attachments
                     (job_request_id, storage_key, file_name, visibility, caption, photo_group, idempotency_key)
                   values ($1, $2, $3, $4, $5, $6, $7) returning id"#,
                request_id,
                storage_key,
                file_name,
                visibility.as_str(),
                caption,
                group,
                key,
            )
            .fetch_one(&mut *ctx.tx)
            .await?
        }
    };
    ctx.commit().await?;
    let pending = Pending { state: state.clone(), user, id, key: storage_key.clone(), armed: true };

    // 2. The bytes, streamed to storage; 3. the row marked stored.
    let stored = async {
        let received = receive(&state.storage, &storage_key, &file_name, body).await?;
        mark_stored(&state, user, id, &received).await?;
        Ok::<_, Error>(received)
    };
    let received = match stored.await {
        Ok(received) => received,
        Err(error) => {
            pending.discard().await;
            return Err(error);
        }
    };
    pending.disarm();

    if thumbnails::decodable(received.mime) {
        add_thumbnails(&state, user, id, &storage_key).await;
    }
    let mut ctx = Ctx::open(&state, user).await?;
    let file = find(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok(created(file))
}

/// The second short transaction: the file is complete in storage.
async fn mark_stored(state: &AppState, user: CurrentUser, id: Uuid, received: &Received) -> Result<()> {
    let limits = &state.storage.config;
    let mut ctx = Ctx::open(state, user).await?;
    // One upload at a time per company passes this point, so two cannot
    // both fit into the quota's last bytes.
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended($1::uuid::text, 28))", user.company_id)
        .execute(&mut *ctx.tx)
        .await?;
    if quota_used(state, user).await? + received.size as i64 > limits.quota_bytes as i64 {
        return Err(quota_exceeded(limits.quota_bytes));
    }
    let stored = sqlx::query_scalar!(
        r#"update app.attachments
              set state = 'stored', content_type = $3, size_bytes = $4, sha256 = $5, file_name = $6, stored_at = now()
            where company_id = $1 and id = $2 and state = 'pending' and created_at > now() - $7::interval
            returning id"#,
        user.company_id,
        id,
        received.mime,
        received.size as i64,
        received.sha256.as_slice(),
        &received.file_name,
        interval(limits.pending_timeout).map_err(Error::Internal)?,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    if stored.is_none() {
        // The sweeper took the row of an upload that ran too long.
        return Err(Error::Conflict("the upload took too long; send it again".into()));
    }
    ctx.commit().await?;
    Ok(())
}

struct Received {
    mime: &'static str,
    file_name: String,
    size: u64,
    sha256: Vec<u8>,
}

/// Streams the body to `key`: the first bytes decide the type (and lose a
/// photo's GPS position) before anything is written; every byte is hashed
/// and watched for a second format. Nothing but the head and the storage's
/// part buffer is in memory at any time.
async fn receive(storage: &Storage, key: &str, file_name: &str, body: Body) -> Result<Received> {
    let max = storage.config.max_file_bytes;
    let mut stream = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let mut started: Option<(Upload, sniff::Watch, &'static str, String)> = None;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    loop {
        let chunk = match stream.next().await {
            Some(Ok(chunk)) => chunk,
            Some(Err(error)) => {
                abort(started).await;
                tracing::info!(%error, "an upload's body was cut off");
                return Err(Error::BadRequest("the upload was interrupted".into()));
            }
            None => break,
        };
        size += chunk.len() as u64;
        if size > max {
            abort(started).await;
            return Err(too_large(max));
        }
        match &mut started {
            None => {
                head.extend_from_slice(&chunk);
                if head.len() >= sniff::HEAD_BYTES {
                    started =
                        Some(start(storage, key, file_name, std::mem::take(&mut head), &mut hasher).await?);
                }
            }
            Some((upload, watch, _, _)) => {
                let inspected = watch.feed(&chunk);
                if let Err(refusal) = inspected {
                    abort(started).await;
                    return Err(Error::UnsupportedMediaType(refusal.to_string()));
                }
                hasher.update(&chunk);
                if let Err(error) = upload.write(chunk).await {
                    abort(started).await;
                    return Err(Error::Internal(error));
                }
            }
        }
    }
    let (upload, watch, mime, file_name) = match started {
        Some(started) => started,
        None if head.is_empty() => return Err(Error::field("file", "is empty")),
        None => start(storage, key, file_name, head, &mut hasher).await?,
    };
    if let Err(refusal) = watch.finish() {
        upload.abort().await;
        return Err(Error::UnsupportedMediaType(refusal.to_string()));
    }
    upload.finish().await?;
    Ok(Received { mime, file_name, size, sha256: hasher.finalize().to_vec() })
}

/// The type from the head; then the head is written.
async fn start(
    storage: &Storage,
    key: &str,
    file_name: &str,
    mut head: Vec<u8>,
    hasher: &mut Sha256,
) -> Result<(Upload, sniff::Watch, &'static str, String)> {
    let refused = |refusal: sniff::Refusal| Error::UnsupportedMediaType(refusal.to_string());
    let mime = sniff::detect(&head).map_err(refused)?;
    let file_name = sniff::check_name(mime, file_name).map_err(refused)?;
    if mime == "image/jpeg" && !storage.config.keep_location {
        exif::strip_jpeg_gps(&mut head);
    }
    let mut watch = sniff::Watch::new(mime);
    watch.feed(&head).map_err(refused)?;
    hasher.update(&head);
    let mut upload = storage.upload(key);
    upload.write(Bytes::from(head)).await?;
    Ok((upload, watch, mime, file_name))
}

async fn abort(started: Option<(Upload, sniff::Watch, &'static str, String)>) {
    if let Some((upload, ..)) = started {
        upload.abort().await;
    }
}

/// A row recorded as pending whose upload did not finish: dropped armed (an
/// error, or the client went away and the request's future was dropped), it
/// removes the object and the row in a task of its own.
struct Pending {
    state: AppState,
    user: CurrentUser,
    id: Uuid,
    key: String,
    armed: bool,
}

impl Pending {
    fn disarm(mut self) {
        self.armed = false;
    }

    /// Removes the object and the row now (a refusal's answer waits for it).
    async fn discard(mut self) {
        self.armed = false;
        if let Err(error) = discard(&self.state, self.user, self.id, &self.key).await {
            // The sweeper removes both once the row is old enough.
            tracing::warn!(error = %format!("{error:#}"), attachment = %self.id, "removing a refused upload failed");
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (state, user, id, key) = (self.state.clone(), self.user, self.id, std::mem::take(&mut self.key));
        tokio::spawn(async move {
            if let Err(error) = discard(&state, user, id, &key).await {
                // The sweeper removes both once the row is old enough.
                tracing::warn!(error = %format!("{error:#}"), attachment = %id, "removing an unfinished upload failed");
            }
        });
    }
}

async fn discard(state: &AppState, user: CurrentUser, id: Uuid, key: &str) -> anyhow::Result<()> {
    state.storage.remove(key).await?;
    let mut ctx = Ctx::open(state, user).await?;
    sqlx::query!(
        "delete from app.attachments where company_id = $1 and id = $2 and state = 'pending'",
        user.company_id,
        id
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(())
}

/// A retry's first attempt: its stored file (answered again), a pending one
/// still running (409), or one that died (its row and object removed, so
/// the retry starts afresh).
async fn earlier_attempt(
    ctx: &mut Ctx,
    storage: &Storage,
    key: &str,
    parent: Parent,
) -> Result<Option<Response>> {
    let earlier = sqlx::query!(
        r#"select id, job_id, job_request_id, state, storage_key, deleted_at is not null as "deleted!",
                  created_at > now() - make_interval(secs => $4) as "running!"
             from app.attachments
            where company_id = $1 and uploaded_by = $2 and idempotency_key = $3"#,
        ctx.user.company_id,
        ctx.user.user_id,
        key,
        PENDING_LEASE_SECS,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let Some(earlier) = earlier else { return Ok(None) };
    let same_parent = match parent {
        Parent::Job(id) => earlier.job_id == Some(id),
        Parent::Request(id) => earlier.job_request_id == Some(id),
    };
    if !same_parent || earlier.deleted {
        return Err(Error::field("Idempotency-Key", "was already used for a different upload"));
    }
    if earlier.state == "stored" {
        let file = find(ctx, earlier.id).await?;
        let mut response = (StatusCode::OK, AppJson(file)).into_response();
        response.headers_mut().insert("idempotency-replayed", HeaderValue::from_static("true"));
        return Ok(Some(response));
    }
    if earlier.running {
        return Err(Error::Conflict("an upload with this Idempotency-Key is still running".into()));
    }
    storage.remove(&earlier.storage_key).await.map_err(|e| Error::Internal(e.into()))?;
    sqlx::query!(
        "delete from app.attachments where company_id = $1 and id = $2 and state = 'pending'",
        ctx.user.company_id,
        earlier.id
    )
    .execute(&mut *ctx.tx)
    .await?;
    Ok(None)
}

/// The company's stored bytes, over the sign-in pool: a worker's or
/// customer's policies hide most of the company's files, and on Citus a
/// definer called inside the request would read them under those policies.
async fn quota_used(state: &AppState, user: CurrentUser) -> Result<i64> {
    Ok(sqlx::query_scalar!(r#"select auth.attachment_bytes_used($1) as "used!""#, user.company_id)
        .fetch_one(&state.login_db)
        .await?)
}

/// Thumbnails of a stored photo. A failure leaves the photo without them:
/// the gallery then shows the full size.
async fn add_thumbnails(state: &AppState, user: CurrentUser, id: Uuid, key: &str) {
    let made = async {
        let _permit = state.storage.decoding.acquire().await?;
        let original = state.storage.read(key).await?;
        let (small, medium) = tokio::task::spawn_blocking(move || thumbnails::make(&original)).await??;
        let (small_key, medium_key) = (format!("{key}.s"), format!("{key}.m"));
        state.storage.put(&small_key, small.into()).await?;
        state.storage.put(&medium_key, medium.into()).await?;
        let mut ctx = Ctx::open(state, user).await?;
        sqlx::query!(
            "update app.attachments set thumb_small_key = $3, thumb_medium_key = $4 where company_id = $1 and id = $2",
            user.company_id,
            id,
            small_key,
            medium_key
        )
        .execute(&mut *ctx.tx)
        .await?;
        ctx.commit().await?;
        anyhow::Ok(())
    };
    if let Err(error) = made.await {
        tracing::warn!(error = %format!("{error:#}"), attachment = %id, "no thumbnails for a photo");
    }
}

fn created(file: Attachment) -> Response {
    let location = format!("/api/v1/attachments/{}", file.id);
    (StatusCode::CREATED, [(header::LOCATION, location)], AppJson(file)).into_response()
}

fn too_large(max: u64) -> Error {
    Error::TooLarge(format!("a file may be at most {}", megabytes(max)))
}

fn quota_exceeded(quota: u64) -> Error {
    Error::TooLarge(format!(
        "your company's storage quota of {} is used up: delete files or ask for more",
        megabytes(quota)
    ))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>> {
    match headers.get(&IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 255)
            .map(|k| Some(k.to_owned()))
            .ok_or_else(|| Error::BadRequest("Idempotency-Key must be 1 to 255 visible characters".into())),
    }
}

/// The client's name, made safe to show and to send back in a download: the
/// last path segment, percent-decoded, without control characters, quotes or
/// path separators, at most 200 characters.
fn sanitize_file_name(raw: &str) -> String {
    let decoded = percent_decode(raw);
    let last = decoded.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(200)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sanitize_file_name("IMG_0001.JPG"), "IMG_0001.JPG");
        assert_eq!(sanitize_file_name("..%2F..%2Fetc%2Fpasswd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\Users\\me\\plan.pdf"), "plan.pdf");
        assert_eq!(sanitize_file_name("Gr%C3%BC%C3%9Fe%0A%22x%22.txt"), "Grüßex.txt");
        assert_eq!(sanitize_file_name(".hidden"), "hidden");
        assert_eq!(sanitize_file_name(""), "file");
        assert_eq!(sanitize_file_name(&"a".repeat(300)).chars().count(), 200);
    }
}
