//! Extractors that turn malformed input into our problem+json errors instead of
//! axum's plain-text rejections.

use axum::{
    extract::{
        rejection::{JsonRejection, PathRejection, QueryRejection},
        FromRequest, FromRequestParts, Request,
    },
    http::request::Parts,
    response::{IntoResponse, Response},
};
use serde::{de::DeserializeOwned, Serialize};

use super::error::{Error, FieldErrors};

/// JSON body in, JSON body out.
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(rejection: JsonRejection) -> Error {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            let text = error.body_text();
            let mut errors = FieldErrors::new();
            // serde names the offending field in these two common cases.
            if let Some(field) = between(&text, "missing field `", "`") {
                errors.insert(field.to_owned(), vec!["is required".to_owned()]);
            } else if let Some(field) = between(&text, "unknown field `", "`") {
                errors.insert(field.to_owned(), vec!["is not a known field".to_owned()]);
            } else if let Some(path) =
                text.strip_prefix("Failed to deserialize the JSON body into the target type: ")
            {
                if let Some((field, message)) = path.split_once(": ") {
                    if !field.contains(' ') {
                        errors.insert(field.to_owned(), vec![message.to_owned()]);
                    }
                }
            }
            Error::Validation { detail: text, errors }
        }
        JsonRejection::JsonSyntaxError(error) => Error::BadRequest(error.body_text()),
        JsonRejection::MissingJsonContentType(_) => {
            Error::UnsupportedMediaType("send the body as application/json".to_owned())
        }
        JsonRejection::BytesRejection(error) => {
            if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::BadRequest(error.body_text())
            }
        }
        other => Error::BadRequest(other.body_text()),
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// Path parameters; a malformed id is a 400, never a 500.
pub struct AppPath<T>(pub T);

impl<T, S> FromRequestParts<S> for AppPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(AppPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => Err(Error::BadRequest(format!(
                "invalid path parameter: {}",
                error.body_text().trim_start_matches("Invalid URL: ")
            ))),
            Err(other) => Err(Error::BadRequest(other.body_text())),
        }
    }
}

/// Query strings; malformed values are a 400 naming the parameter.
pub struct AppQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(AppQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(error)) => {
                Err(Error::BadRequest(error.body_text()))
            }
            Err(other) => Err(Error::BadRequest(other.body_text())),
        }
    }
}

impl From<validator::ValidationErrors> for Error {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = FieldErrors::new();
        collect_field_errors("", &errors, &mut fields);
        Error::Validation { detail: "the request has invalid fields".to_owned(), errors: fields }
    }
}

/// Every message, by field; a nested object's fields as `address.city`, a
/// list's items as `methods[1].value`.
fn collect_field_errors(prefix: &str, errors: &validator::ValidationErrors, fields: &mut FieldErrors) {
    for (field, kind) in errors.errors() {
        let name = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            validator::ValidationErrorsKind::Field(list) => {
                let messages = list
                    .iter()
                    .map(|e| e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| e.code.to_string()));
                fields.entry(name).or_default().extend(messages);
            }
            validator::ValidationErrorsKind::Struct(inner) => collect_field_errors(&name, inner, fields),
            validator::ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_field_errors(&format!("{name}[{index}]"), inner, fields);
                }
            }
        }
    }
}
