//! `Idempotency-Key` on POST: the first answer is stored with the key (per user,
//! under RLS); a retry with the same key and the same request within 24 hours
//! gets that answer back (`Idempotency-Replayed: true`) and creates nothing.
//! The same key with a different request is a 422; a retry while the first is
//! still running is a 409. A 5xx is not stored, so the client may simply retry.
//! Share-link creation is exempt: its answer carries a secret token.

use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::{
    context::{bearer_token, CurrentUser},
    error::Error,
    AppState,
};

const KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");
const BODY_LIMIT: usize = 1024 * 1024;

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(&KEY_HEADER) {
        return next.run(request).await;
    }
    // A new share link's answer holds its secret token, which is never stored
    // anywhere but as a hash; a duplicate link is harmless, so no replay there.
    if request.uri().path().ends_with("/share-links") {
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
        return Ok(next.run(Request::from_parts(parts, Body::empty())).await);
    };
    let bytes = to_bytes(body, BODY_LIMIT).await.map_err(|_| Error::PayloadTooLarge)?;
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = hasher.finalize().to_vec();

    let mut tx = super::context::open(&state.db, &user).await?;
    let existing = sqlx::query!(
        r#"select request_hash, response_status, response_content_type, response_location, response_body,
                  created_at > now() - interval '24 hours' as "fresh!"
           from app.idempotency_keys where key = $1"#,
        key
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(stored) = existing {
        if stored.fresh {
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
        sqlx::query!("delete from app.idempotency_keys where key = $1", key).execute(&mut *tx).await?;
    }
    let claimed = sqlx::query!(
        "insert into app.idempotency_keys (key, request_hash) values ($1, $2)",
        key,
        request_hash
    )
    .execute(&mut *tx)
    .await;
    match claimed {
        Ok(_) => tx.commit().await?,
        // A concurrent request with the same key claimed it first.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23505") => {
            return Err(Error::Conflict("a request with this Idempotency-Key is still being handled".into()));
        }
        Err(other) => return Err(other.into()),
    }

    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = response.status();
    let mut tx = super::context::open(&state.db, &user).await?;
    if status.is_server_error() {
        sqlx::query!("delete from app.idempotency_keys where key = $1", key).execute(&mut *tx).await?;
        tx.commit().await?;
        return Ok(response);
    }
    let (response_parts, body) = response.into_parts();
    let body =
        to_bytes(body, usize::MAX).await.map_err(|e| anyhow::anyhow!("reading a response body: {e}"))?;
    let text = |name: header::HeaderName| {
        response_parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    sqlx::query!(
        "update app.idempotency_keys
         set response_status = $2, response_content_type = $3, response_location = $4, response_body = $5
         where key = $1",
        key,
        i32::from(status.as_u16()),
        text(header::CONTENT_TYPE),
        text(header::LOCATION),
        body.to_vec(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Response::from_parts(response_parts, Body::from(body)))
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
