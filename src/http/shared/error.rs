//! The one error type. Every failure leaves as `application/problem+json`
//! (RFC 9457); internal details are logged once and never sent.

use std::collections::BTreeMap;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Per-field messages of a 422 answer.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("not allowed for this role")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{detail}")]
    Validation { detail: String, errors: FieldErrors },
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A 422 with one field's message.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        Error::Validation { detail: "the request has invalid fields".to_owned(), errors }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
}

struct Answer {
    status: StatusCode,
    slug: &'static str,
    detail: String,
    errors: Option<FieldErrors>,
}

impl Answer {
    fn new(status: StatusCode, slug: &'static str, detail: impl Into<String>) -> Self {
        Answer { status, slug, detail: detail.into(), errors: None }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            Error::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let answer = match self {
            Error::BadRequest(detail) => Answer::new(StatusCode::BAD_REQUEST, "bad-request", detail),
            Error::Unauthorized => {
                Answer::new(StatusCode::UNAUTHORIZED, "unauthorized", "a valid access token is required")
            }
            Error::InvalidCredentials => Answer::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "the company, email or password is incorrect",
            ),
            Error::Forbidden => {
                Answer::new(StatusCode::FORBIDDEN, "forbidden", "your role may not use this endpoint")
            }
            Error::NotFound => Answer::new(StatusCode::NOT_FOUND, "not-found", "no such resource"),
            Error::Conflict(detail) => Answer::new(StatusCode::CONFLICT, "conflict", detail),
            Error::Validation { detail, errors } => Answer {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                slug: "validation",
                detail,
                errors: Some(errors),
            },
            Error::PreconditionFailed => Answer::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "the resource changed since you read it; reload and try again",
            ),
            Error::PayloadTooLarge => Answer::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "the request body is larger than 1 MiB",
            ),
            Error::UnsupportedMediaType(detail) => {
                Answer::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", detail)
            }
            Error::TooManyRequests { .. } => Answer::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "too many attempts; wait before trying again",
            ),
            Error::Unavailable => unavailable(),
            Error::Database(error) => database_answer(error),
            Error::Internal(error) => {
                tracing::error!(error = ?error, "internal error");
                internal()
            }
        };
        let status = answer.status;
        let body = Problem {
            kind: format!("urn:fieldops:problem:{}", answer.slug),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: answer.detail,
            errors: answer.errors,
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        // Every 503 (pool timeout, database down, transient failure) says when to retry.
        let retry_after = retry_after.or((status == StatusCode::SERVICE_UNAVAILABLE).then_some(1));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

fn internal() -> Answer {
    Answer::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on our side; it has been logged",
    )
}

fn unavailable() -> Answer {
    Answer::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the service is temporarily unavailable; try again shortly",
    )
}

fn database_answer(error: sqlx::Error) -> Answer {
    match &error {
        sqlx::Error::RowNotFound => {
            return Answer::new(StatusCode::NOT_FOUND, "not-found", "no such resource")
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            tracing::warn!(error = %error, "database unavailable");
            return unavailable();
        }
        _ => {}
    }
    let Some(db) = error.as_database_error() else {
        tracing::error!(error = ?error, "database error");
        return internal();
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let constraint = db.constraint().unwrap_or_default().to_owned();
    match code.as_str() {
        // Our own SQLSTATEs, raised by triggers and definer functions.
        "FO401" => {
            Answer::new(StatusCode::UNAUTHORIZED, "unauthorized", "the session has ended; sign in again")
        }
        "FO409" => Answer::new(StatusCode::CONFLICT, "conflict", db.message().to_owned()),
        "FO422" => {
            let mut answer =
                Answer::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", db.message().to_owned());
            if let Some((field, message)) = constraint_field(&constraint) {
                answer.errors = Some(FieldErrors::from([(field.to_owned(), vec![message.to_owned()])]));
            } else {
                answer.errors = Some(FieldErrors::new());
            }
            answer
        }
        "23505" | "23503" | "23514" | "23502" | "23P01" => match constraint_field(&constraint) {
            Some((field, message)) => {
                let status = if code == "23505" && field.is_empty() {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                let mut answer = Answer::new(status, "validation", "the request has invalid fields");
                if !field.is_empty() {
                    answer.errors = Some(FieldErrors::from([(field.to_owned(), vec![message.to_owned()])]));
                } else {
                    answer.detail = message.to_owned();
                    answer.slug = "conflict";
                }
                answer
            }
            None => {
                tracing::warn!(code, constraint, message = db.message(), "unmapped constraint violation");
                let status =
                    if code == "23505" { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
                Answer::new(status, "validation", "the request conflicts with existing data")
            }
        },
        // Row-level security refused a write, or a column grant is missing.
        "42501" => Answer::new(StatusCode::FORBIDDEN, "forbidden", "you may not make this change"),
        // Malformed values, and text PostgreSQL cannot store (a NUL character).
        "22P02" | "22007" | "22008" | "22003" | "22001" | "22021" | "22P05" | "22023" | "2201B" | "54000" => {
            Answer::new(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "a value in the request is malformed or out of range",
            )
        }
        "40001" | "40P01" | "55P03" | "57014" | "53300" | "57P01" | "57P03" => {
            tracing::warn!(code, message = db.message(), "transient database failure");
            unavailable()
        }
        _ => {
            tracing::error!(code, message = db.message(), "database error");
            internal()
        }
    }
}

/// Named constraints → the field they guard and what to tell the user. An empty
/// field name means the conflict is about the whole resource (409).
pub fn constraint_field(constraint: &str) -> Option<(&'static str, &'static str)> {
    Some(match constraint {
        "users_company_email_key" => ("email", "is already used by another user of this company"),
        "users_email_format" => ("email", "is not a valid email address"),
        "users_name_length" => ("name", "must be 1 to 200 characters"),
        "users_customer_link" => ("customer_id", "is required for CUSTOMER users and not allowed for others"),
        "users_customer_fkey" => ("customer_id", "does not name a customer of this company"),
        "users_last_admin" => ("role", "the company must keep at least one active admin"),
        "companies_slug_key" => ("slug", "is already taken"),
        "companies_slug_format" => ("slug", "must be lowercase letters, digits and dashes"),
        "companies_name_length" => ("name", "must be 1 to 200 characters"),
        "companies_color_format" => ("color", "must be a #rrggbb color"),
        "customers_name_length" => ("name", "must be 1 to 200 characters"),
        "customers_email_format" => ("email", "is not a valid email address"),
        "customers_phone_format" => ("phone", "is not a valid phone number"),
        "customers_address_length" => ("address", "must be at most 500 characters"),
        "job_statuses_company_name_key" => ("name", "is already used by another status"),
        "job_statuses_name_length" => ("name", "must be 1 to 60 characters"),
        "job_statuses_color_format" => ("color", "must be a #rrggbb color"),
        "job_statuses_in_use" => ("", "the status is still used by jobs"),
        "job_statuses_last_final" => ("is_final", "at least one status must stay final"),
        "jobs_customer_fkey" => ("customer_id", "does not name a customer of this company"),
        "jobs_status_fkey" => ("status_id", "does not name a status of this company"),
        "jobs_worker_fkey" => ("assigned_worker_id", "does not name a worker of this company"),
        "jobs_assignee_is_worker" => ("assigned_worker_id", "does not name an active worker of this company"),
        "jobs_title_length" => ("title", "must be 1 to 200 characters"),
        "jobs_description_length" => ("description", "must be at most 10000 characters"),
        "jobs_open_tasks" => ("status_id", "this status requires every task to be done first"),
        "job_tasks_job_fkey" => ("job_id", "does not name a job of this company"),
        "job_tasks_title_length" => ("title", "must be 1 to 200 characters"),
        "job_notes_job_fkey" => ("job_id", "does not name a job of this company"),
        "job_notes_body_length" => ("body", "must be 1 to 5000 characters"),
        _ => return None,
    })
}
