//! `Idempotency-Key` on POST: the first answer is stored with the key (per user,
//! under RLS); a retry with the same key and the same request within 24 hours
//! gets that answer back (`Idempotency-Replayed: true`) and creates nothing.
//! The same key with a different request is a 422; a retry while the first is
//! still running is a 409. A 5xx is not stored, so the client may simply retry.
//!
//! What is kept is kept safely and briefly:
//! - the request is remembered by a keyed MAC (HMAC-SHA256 under a key derived
//!   from the JWT secret), never by a plain hash: a request body may hold a
//!   password, and an unsalted SHA-256 of a short one is a dictionary away;
//! - answers that carry a secret are never stored (see [`never_stored`]);
//! - rows expire after 24 hours and are deleted: the caller's own expired rows
//!   on each new claim, everyone's by [`purge_expired`] (hourly, from `serve`);
//! - a claim whose request was cancelled (client gone, request timeout) is
//!   released at once, and one left behind by a crashed server is taken over
//!   after [`CLAIM_LEASE_SECS`], so a key is never blocked for a day.

use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{
    context::{bearer_token, CurrentUser},
    error::Error,
    AppState,
};

const KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");
const BODY_LIMIT: usize = 1024 * 1024;

/// A claim without an answer this old belongs to a request that can no longer
/// be running (the request timeout is 30 s): a retry takes it over.
pub const CLAIM_LEASE_SECS: i32 = 60;

/// The deny rule: routes whose answers are never stored for replay, because
/// they hold a secret or act on one. Sign-in and refresh answer with tokens,
/// logout ends a session (and clears a cookie); a new share link's answer holds
/// its token, which is never stored anywhere but as a hash. A retry of any of
/// these simply runs again: a duplicate is harmless or refused by the database.
/// Besides, no answer that sets a cookie is ever stored (see `handle`).
pub fn never_stored(path: &str) -> bool {
    path.starts_with("/api/v1/auth/") || path.ends_with("/share-links")
}

/// Uploads (src/http/attachments/upload.rs) keep their key on the file's
/// row: their bodies are files, far too large to hold here for the MAC.
pub fn keeps_its_own_key(path: &str) -> bool {
    path.ends_with("/attachments")
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(&KEY_HEADER) {
        return next.run(request).await;
    }
    if never_stored(request.uri().path()) || keeps_its_own_key(request.uri().path()) {
        return next.run(request).await;
    }
    match handle(state, request, next).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn handle(state: AppState, request: Request, next: Next) -> Result<Response, Error> {
    let key = request
        .headers()
        .get(&KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| Error::BadRequest("Idempotency-Key must be 1 to 255 visible characters".into()))?
        .to_owned();
    let (parts, body) = request.into_parts();
    // Without a valid token the handler answers 401 itself; nothing to remember.
    let Some(user) =
        bearer_token(&parts).and_then(|t| state.keys.verify(t).ok()).map(|c| CurrentUser::from(&c))
    else {
        return Ok(next.run(Request::from_parts(parts, body)).await);
    };
    let bytes = to_bytes(body, BODY_LIMIT).await.map_err(|_| Error::PayloadTooLarge)?;
    let request_hash = request_mac(state.auth.jwt_secret.expose().as_bytes(), &parts, &bytes)?;

    let mut tx = super::context::open(
        &state.db,
        &user,
        super::context::Limits::from(&*state.config),
        state.topology().await?,
    )
    .await?;
    let existing = sqlx::query!(
        r#"select request_hash, response_status, response_content_type, response_location, response_body,
                  created_at > now() - interval '24 hours' as "fresh!",
                  response_status is null and created_at < now() - make_interval(secs => $2)
                    as "abandoned!"
           from app.idempotency_keys where company_id = $3 and key = $1"#,
        key,
        f64::from(CLAIM_LEASE_SECS),
        user.company_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(stored) = existing {
        if stored.fresh && !stored.abandoned {
            if stored.request_hash != request_hash {
                return Err(Error::field("Idempotency-Key", "was already used for a different request"));
            }
            let Some(status) = stored.response_status else {
                return Err(Error::Conflict(
                    "a request with this Idempotency-Key is still being handled".into(),
                ));
            };
            return Ok(replay(
                status,
                stored.response_content_type,
                stored.response_location,
                stored.response_body,
            ));
        }
        sqlx::query!(
            "delete from app.idempotency_keys where company_id = $2 and key = $1",
            key,
            user.company_id
        )
        .execute(&mut *tx)
        .await?;
    }
    // Expired keys of this caller go as it claims a new one (the policy scopes
    // the delete to its own rows); `purge_expired` sweeps everyone's.
    sqlx::query!(
        "delete from app.idempotency_keys where company_id = $1 and created_at < now() - interval '24 hours'",
        user.company_id
    )
    .execute(&mut *tx)
    .await?;
    let claimed = sqlx::query_scalar!(
        "insert into app.idempotency_keys (key, request_hash) values ($1, $2) returning created_at",
        key,
        request_hash
    )
    .fetch_one(&mut *tx)
    .await;
    let mut claim = match claimed {
        Ok(created_at) => {
            tx.commit().await?;
            Claim { state: state.clone(), user, key: key.clone(), created_at: Some(created_at) }
        }
        // A concurrent request with the same key claimed it first.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23505") => {
            return Err(Error::Conflict("a request with this Idempotency-Key is still being handled".into()));
        }
        Err(other) => return Err(other.into()),
    };

    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = response.status();
    // A cookie is a secret of the browser's session: such answers are not kept.
    if status.is_server_error() || response.headers().contains_key(header::SET_COOKIE) {
        claim.release().await?;
        return Ok(response);
    }
    let mut tx = super::context::open(
        &state.db,
        &user,
        super::context::Limits::from(&*state.config),
        state.topology().await?,
    )
    .await?;
    let (response_parts, body) = response.into_parts();
    let body =
        to_bytes(body, usize::MAX).await.map_err(|e| anyhow::anyhow!("reading a response body: {e}"))?;
    let text = |name: header::HeaderName| {
        response_parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    sqlx::query!(
        "update app.idempotency_keys
         set response_status = $2, response_content_type = $3, response_location = $4, response_body = $5
         where company_id = $6 and key = $1",
        key,
        i32::from(status.as_u16()),
        text(header::CONTENT_TYPE),
        text(header::LOCATION),
        body.to_vec(),
        user.company_id,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    claim.created_at = None;
    Ok(Response::from_parts(response_parts, Body::from(body)))
}

/// HMAC-SHA256 of method, URI and body, under a key of its own derived from
/// the JWT secret (so the stored value is worthless without the server's
/// secret, and the JWT key itself is never used for anything but tokens).
fn request_mac(secret: &[u8], parts: &axum::http::request::Parts, body: &[u8]) -> Result<Vec<u8>, Error> {
    let derived = mac(secret)?.chain_update(b"fieldops idempotency request mac v1").finalize().into_bytes();
    let mut request = mac(&derived)?;
    request.update(parts.method.as_str().as_bytes());
    request.update(b" ");
    request.update(parts.uri.to_string().as_bytes());
    request.update(b"\n");
    request.update(body);
    Ok(request.finalize().into_bytes().to_vec())
}

fn mac(key: &[u8]) -> Result<Hmac<Sha256>, Error> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|e| Error::Internal(anyhow::anyhow!("HMAC key: {e}")))
}

/// A claimed key whose request has not been answered yet. Dropped while still
/// armed (the request's future was cancelled: the client went away, or the
/// request timed out), it releases the key in a task of its own, so a retry is
/// not refused as "still being handled" for a day.
struct Claim {
    state: AppState,
    user: CurrentUser,
    key: String,
    /// The claim's own row (its `created_at`); `None` once settled.
    created_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Claim {
    async fn release(mut self) -> Result<(), Error> {
        match self.created_at.take() {
            Some(created_at) => release(&self.state, &self.user, &self.key, created_at).await,
            None => Ok(()),
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some(created_at) = self.created_at.take() {
            let (state, user, key) = (self.state.clone(), self.user, std::mem::take(&mut self.key));
            tokio::spawn(async move {
                if let Err(error) = release(&state, &user, &key, created_at).await {
                    tracing::warn!(?error, "releasing an abandoned idempotency claim failed");
                }
            });
        }
    }
}

/// Deletes the claim row, only if it is still this claim and still unanswered.
async fn release(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    created_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    let mut tx = super::context::open(
        &state.db,
        user,
        super::context::Limits::from(&*state.config),
        state.topology().await?,
    )
    .await?;
    sqlx::query!(
        "delete from app.idempotency_keys
         where company_id = $3 and key = $1 and created_at = $2 and response_status is null",
        key,
        created_at,
        user.company_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes every company's expired keys (as the owner, through a definer
/// function); returns how many.
pub async fn purge_expired(db: &sqlx::PgPool) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(r#"select auth.purge_idempotency_keys() as "deleted!""#).fetch_one(db).await
}

fn replay(
    status: i32,
    content_type: Option<String>,
    location: Option<String>,
    body: Option<Vec<u8>>,
) -> Response {
    let status =
        u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    let mut response = (status, body.unwrap_or_default()).into_response();
    let headers = response.headers_mut();
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    for (name, value) in [(header::CONTENT_TYPE, content_type), (header::LOCATION, location)] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    response
}
