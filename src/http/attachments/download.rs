//! Downloads: the bytes stream from storage through the server, only after
//! the row was read under the caller's policies, so a file is exactly as
//! visible as its row. Never a public or guessable URL.
//!
//! Served as `attachment` unless `?disposition=inline` asks to show an image
//! or a PDF, and always under a CSP that allows nothing and sandboxes the
//! document, with `nosniff`: even a file that slipped past the checks on the
//! way in cannot run in FieldOps' origin.

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use futures_util::TryStreamExt;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppPath, AppQuery},
    AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    Original,
    Small,
    Medium,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    Attachment,
    Inline,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DownloadParams {
    /// `original` (default), or a JPEG thumbnail: `small` (240 px) or `medium` (1024 px).
    #[param(inline)]
    pub variant: Option<Variant>,
    /// `attachment` (default) or `inline` (images and PDF only).
    #[param(inline)]
    pub disposition: Option<Disposition>,
}

/// A file's bytes (or a thumbnail's).
#[utoipa::path(
    get, path = "/api/v1/attachments/{id}/content", tag = "attachments",
    params(("id" = Uuid, Path, description = "Attachment id"), DownloadParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such file visible to you, or no such thumbnail", body = Problem),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(params): AppQuery<DownloadParams>,
) -> Result<Response> {
    let row = sqlx::query!(
        r#"select storage_key, thumb_small_key, thumb_medium_key, file_name, content_type as "content_type!",
                  size_bytes as "size_bytes!"
             from app.attachments
            where company_id = $1 and id = $2 and state = 'stored' and deleted_at is null"#,
        ctx.user.company_id,
        id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    // The connection goes back to the pool before the bytes flow.
    ctx.commit().await?;

    let variant = params.variant.unwrap_or(Variant::Original);
    let (key, content_type, length, file_name) = match variant {
        Variant::Original => (row.storage_key, row.content_type, Some(row.size_bytes), row.file_name),
        Variant::Small | Variant::Medium => {
            let key = if variant == Variant::Small { row.thumb_small_key } else { row.thumb_medium_key };
            let stem = row.file_name.rsplit_once('.').map_or(row.file_name.as_str(), |(stem, _)| stem);
            (key.ok_or(Error::NotFound)?, "image/jpeg".to_owned(), None, format!("{stem}.jpg"))
        }
    };
    let stream = state.storage.stream(&key).await.map_err(|e| Error::Internal(e.into()))?;
    let inline = params.disposition == Some(Disposition::Inline)
        && (content_type.starts_with("image/") || content_type == "application/pdf");
    let mut response = Body::from_stream(stream.map_err(std::io::Error::other)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header_value(&content_type)?);
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    headers.insert(header::CONTENT_DISPOSITION, header_value(&disposition(inline, &file_name))?);
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

fn header_value(value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|e| Error::Internal(e.into()))
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn disposition(inline: bool, file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' })
        .filter(|c| *c != '\\')
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_travel_safely_in_the_header() {
        assert_eq!(
            disposition(false, "Grüße plan.pdf"),
            "attachment; filename=\"Gr__e plan.pdf\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20plan.pdf"
        );
        assert!(disposition(true, "a.jpg").starts_with("inline; "));
    }
}
