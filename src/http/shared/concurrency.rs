//! Optimistic concurrency: single resources carry an `ETag` (their row version);
//! an edit sent with `If-Match` applies only if nobody changed the row since.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderValue},
};
use serde::Deserialize;
use sqlx::types::Json;

use super::error::Error;

/// The version the client last saw, from `If-Match: "7"` (weak `W/"7"` too).
/// Absent or `*`: no precondition.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().map_err(|_| Error::BadRequest("If-Match is not valid text".into()))?.trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        let version =
            text.trim_start_matches("W/").trim_matches('"').parse::<i32>().map_err(|_| {
                Error::BadRequest("If-Match must be an ETag this API issued, like \"3\"".into())
            })?;
        Ok(IfMatch(Some(version)))
    }
}

pub fn etag(version: i32) -> [(header::HeaderName, HeaderValue); 1] {
    let value = HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""));
    [(header::ETAG, value)]
}

/// After an update matched no row: 412 if the row exists (so the version was
/// stale), 404 if the caller cannot see it at all.
pub fn missing_or_stale(exists: bool, if_match: IfMatch) -> Error {
    if exists && if_match.0.is_some() {
        Error::PreconditionFailed
    } else {
        Error::NotFound
    }
}

/// The answer of an edit made as one statement, in one round trip:
///
/// ```sql
/// with updated as (
///   update app.things set …
///   where company_id = $c and id = $1 and ($n::int is null or version = $n)
///   returning id, name, …, version)
/// select exists (select 1 from app.things where company_id = $c and id = $1) as "found!",
///        (select to_jsonb(u) from updated u) as "row?: Json<Thing>"
/// ```
///
/// Both parts see the snapshot from before the edit, so `found` says whether
/// the caller could see the row at all. The edited row, or 412 when it was
/// there but `If-Match` named another version, or 404. `$c` is the caller's
/// company (`ctx.user.company_id`): the policies decide all the same, but on
/// Citus only a statement whose every part names the company runs on one shard.
pub fn edited<T>(found: bool, row: Option<Json<T>>, if_match: IfMatch) -> Result<T, Error> {
    match row {
        Some(Json(row)) => Ok(row),
        None => Err(missing_or_stale(found, if_match)),
    }
}

/// `Option<Option<T>>` for PATCH bodies: absent = leave alone, `null` = clear.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
