//! The one error type. Every failure leaves as `application/problem+json`
//! (RFC 9457); internal details are logged once and never sent.

use std::collections::BTreeMap;

use super::duplicates::DuplicateCandidate;
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
    /// A 403 that says what is missing (a permission of the company's role).
    #[error("{0}")]
    ForbiddenBecause(String),
    /// Right password, but the account cannot sign in yet (or at all): why.
    #[error("{0}")]
    AccountNotReady(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// A create that would likely repeat existing records (shared/duplicates.rs).
    #[error("likely duplicates exist")]
    Duplicates(Vec<DuplicateCandidate>),
    #[error("{detail}")]
    Validation { detail: String, errors: FieldErrors },
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("request body too large")]
    PayloadTooLarge,
    /// A 413 that says which limit (an attachment's size, the company's quota).
    #[error("{0}")]
    TooLarge(String),
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
    /// On a 409 `duplicate`: the existing records the new one would likely
    /// repeat. Send the request again with `"allow_duplicate": true` to create
    /// it anyway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<Vec<DuplicateCandidate>>,
}

struct Answer {
    status: StatusCode,
    slug: &'static str,
    detail: String,
    errors: Option<FieldErrors>,
    duplicates: Option<Vec<DuplicateCandidate>>,
}

impl Answer {
    fn new(status: StatusCode, slug: &'static str, detail: impl Into<String>) -> Self {
        Answer { status, slug, detail: detail.into(), errors: None, duplicates: None }
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
            Error::AccountNotReady(detail) => Answer::new(StatusCode::FORBIDDEN, "account-not-ready", detail),
            Error::InvalidCredentials => Answer::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "the company, email or password is incorrect",
            ),
            Error::Forbidden => {
                Answer::new(StatusCode::FORBIDDEN, "forbidden", "your role may not use this endpoint")
            }
            Error::ForbiddenBecause(detail) => Answer::new(StatusCode::FORBIDDEN, "forbidden", detail),
            Error::NotFound => Answer::new(StatusCode::NOT_FOUND, "not-found", "no such resource"),
            Error::Conflict(detail) => Answer::new(StatusCode::CONFLICT, "conflict", detail),
            Error::Duplicates(candidates) => Answer {
                duplicates: Some(candidates),
                ..Answer::new(
                    StatusCode::CONFLICT,
                    "duplicate",
                    "likely duplicates exist: pick one of them, or send allow_duplicate: true to create it anyway",
                )
            },
            Error::Validation { detail, errors } => Answer {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                slug: "validation",
                detail,
                errors: Some(errors),
                duplicates: None,
            },
            Error::PreconditionFailed => Answer::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "the resource changed since you read it; reload and try again",
            ),
            Error::TooLarge(detail) => Answer::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", detail),
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
            duplicates: answer.duplicates,
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
    // Citus relays a shard's error without its fields: the constraint is then
    // only in the message (`… violates check constraint "x_102008"`).
    let constraint = db
        .constraint()
        .map(str::to_owned)
        .or_else(|| constraint_in_message(db.message()))
        .or_else(|| raised_constraint(db.message()).map(str::to_owned));
    let constraint = table_constraint(constraint.as_deref().unwrap_or_default()).to_owned();
    match code.as_str() {
        // Our own SQLSTATEs, raised by triggers and definer functions.
        "FO401" => {
            Answer::new(StatusCode::UNAUTHORIZED, "unauthorized", "the session has ended; sign in again")
        }
        "FO409" => Answer::new(StatusCode::CONFLICT, "conflict", db.message().to_owned()),
        "FO422" if constraint == "custom_fields_invalid" => {
            // The message names the field: `custom field "<key>": <problem>`.
            let (field, problem) = custom_field_problem(db.message());
            let mut answer =
                Answer::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", db.message().to_owned());
            answer.errors = Some(FieldErrors::from([(field, vec![problem])]));
            answer
        }
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
        // A rule of the roles (migration 0039) names itself: say which.
        "42501" => match constraint_field(&constraint) {
            Some((_, message)) => Answer::new(StatusCode::FORBIDDEN, "forbidden", message.to_owned()),
            None => Answer::new(StatusCode::FORBIDDEN, "forbidden", "you may not make this change"),
        },
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

/// The table's name of a constraint. On Citus a shard reports its copy:
/// `users_customer_fkey_102054` is `users_customer_fkey` on shard 102054. Our
/// own names never end in `_<digits>`.
fn table_constraint(name: &str) -> &str {
    match name.rsplit_once('_') {
        Some((base, shard)) if !shard.is_empty() && shard.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    }
}

/// The name after `constraint "` in an error message.
fn constraint_in_message(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("constraint \"")?;
    let (name, _) = rest.split_once('"')?;
    Some(name.to_owned())
}

/// Our triggers' FO422 errors, by the end of their message → the constraint
/// they name. Citus relays a shard's error with its message but without the
/// constraint field, and these messages do not name it.
const RAISED_CONSTRAINTS: &[(&str, &str)] = &[
    // The roles' rules (migration 0039), 42501 and FO409.
    ("needs the permission jobs.assign", "jobs_assign_permission"),
    ("needs the permission jobs.archive", "jobs_archive_permission"),
    ("a member can only give or take away permissions it holds", "role_permissions_held_by_granter"),
    ("a member can only give roles whose permissions it holds", "users_role_held_by_granter"),
    ("the assignee is not an active worker of this company", "jobs_assignee_is_worker"),
    ("requires every task to be done first", "jobs_open_tasks"),
    ("the job must name one", "jobs_location_required"),
    ("a customer cannot be its own ancestor", "customers_parent_cycle"),
    ("a request starts as a draft", "job_requests_transition"),
    ("this way", "job_requests_transition"),
    ("request cannot be changed", "job_requests_closed"),
    ("once the request is approved", "job_requests_field_locked"),
    ("the job belongs to another customer", "communications_job_customer"),
    ("the customer belongs to another branch", "jobs_branch_customer"),
    ("the service location belongs to another branch", "jobs_branch_location"),
    ("the worker is scoped to another branch", "jobs_branch_worker"),
];

fn raised_constraint(message: &str) -> Option<&'static str> {
    if message.starts_with(CUSTOM_FIELD_PREFIX) {
        return Some("custom_fields_invalid");
    }
    RAISED_CONSTRAINTS.iter().find(|(ending, _)| message.ends_with(ending)).map(|(_, constraint)| *constraint)
}

/// How app.check_custom_fields() (migration 0023) starts its messages.
const CUSTOM_FIELD_PREFIX: &str = "custom field \"";

/// `custom field "<key>": <problem>` → (`custom_fields.<key>`, problem), the
/// field a form shows the message beside. The whole object when the key is
/// `custom_fields` itself (not an object).
fn custom_field_problem(message: &str) -> (String, String) {
    let parsed = message
        .strip_prefix(CUSTOM_FIELD_PREFIX)
        .and_then(|rest| rest.split_once("\": "))
        .map(|(key, problem)| (key.to_owned(), problem.to_owned()));
    match parsed {
        Some((key, problem)) if key == "custom_fields" => (key, problem),
        Some((key, problem)) => (format!("custom_fields.{key}"), problem),
        None => ("custom_fields".to_owned(), message.to_owned()),
    }
}

/// Named constraints → the field they guard and what to tell the user. An empty
/// field name means the conflict is about the whole resource (409).
pub fn constraint_field(constraint: &str) -> Option<(&'static str, &'static str)> {
    CONSTRAINT_MESSAGES
        .iter()
        .find(|(name, _, _)| *name == constraint)
        .map(|(_, field, message)| (*field, *message))
}

/// Every named constraint in `db/migrations/` (and every unique index or
/// trigger error that names one) is either here, with what a user is told, or
/// in [`INTERNAL_CONSTRAINTS`]; the test below fails otherwise.
pub const CONSTRAINT_MESSAGES: &[(&str, &str, &str)] = &[
    // Attachments (migration 0028): two uploads racing with one Idempotency-Key.
    ("attachments_idempotency_key", "", "an upload with this Idempotency-Key is still running"),
    ("attachments_caption_length", "caption", "must be at most 500 characters"),
    // Custom fields (migration 0023). custom_fields_invalid names its field in
    // its message (see custom_field_problem); this is the fallback.
    ("custom_fields_invalid", "custom_fields", "does not match the company's custom fields"),
    ("custom_field_definitions_key_key", "", "a custom field of this entity already has this key"),
    ("custom_field_definitions_entity", "entity", "must be customer, location or job"),
    ("custom_field_definitions_key_format", "key", "must be a-z, 0-9 or _, start with a letter, at most 40"),
    ("custom_field_definitions_label_length", "label", "must be 1 to 100 characters"),
    ("custom_field_definitions_type", "field_type", "must be text, number, date, boolean or choice"),
    ("custom_field_definitions_options", "options", "a choice needs 1 to 100 options; other types none"),
    (
        "custom_field_definitions_option_values",
        "options",
        "each option must be 1 to 100 characters, without surrounding spaces, and given once",
    ),
    ("custom_field_definitions_position", "position", "must be between 0 and 10000"),
    ("custom_field_definitions_in_use", "", "the field still has values: archive it instead"),
    ("users_company_email_key", "email", "is already used by another user of this company"),
    ("portal_accounts_customer_fkey", "customer_id", "does not name a customer of this company"),
    ("job_requests_location_fkey", "service_location_id", "is not one of the customer's service locations"),
    ("job_requests_title_length", "title", "must be 1 to 200 characters"),
    ("job_requests_transition", "state", "this request cannot make that move"),
    ("job_requests_closed", "state", "a withdrawn or rejected request cannot be changed"),
    ("job_requests_field_locked", "locked_fields", "the company locks this field once a request is approved"),
    ("messages_body_length", "body", "must be 1 to 5000 characters"),
    ("portal_accounts_rejected_reason", "reason", "must be 1 to 2000 characters"),
    ("users_email_format", "email", "is not a valid email address"),
    // A user's identity (migration 0034), written by the users trigger before
    // the row's own checks run: the same rules, so the same messages.
    ("identities_email_format", "email", "is not a valid email address"),
    // Self-service sign-up (migration 0043); the handler checks these first.
    ("company_signups_email_format", "email", "is not a valid email address"),
    ("company_signups_name_length", "name", "must be 1 to 200 characters"),
    (
        "company_signups_slug_format",
        "slug",
        "use lowercase letters, digits and hyphens (not first or last), at most 55",
    ),
    ("identities_name_length", "name", "must be 1 to 200 characters"),
    ("identities_email_key", "email", "was just taken by another account; try again"),
    ("invitations_email_format", "email", "is not a valid email address"),
    ("invitations_role_staff", "role", "must be ADMIN or WORKER: customers join through the portal"),
    ("users_name_length", "name", "must be 1 to 200 characters"),
    ("users_customer_link", "customer_id", "is required for CUSTOMER users and not allowed for others"),
    ("users_customer_fkey", "customer_id", "does not name a customer of this company"),
    ("users_last_admin", "role", "the company must keep at least one active admin"),
    // Company-defined roles (migration 0039).
    ("roles_name_length", "name", "must be 1 to 80 characters"),
    ("roles_description_length", "description", "must be at most 500 characters"),
    ("roles_company_name_key", "name", "is already the name of another role"),
    ("roles_last_manager", "", "the company must keep a member who may manage roles"),
    ("roles_default_kept", "", "a default role cannot be deleted"),
    ("roles_kind_fixed", "base", "a role's kind is fixed once it is created"),
    (
        "role_permissions_permission_fkey",
        "permissions",
        "names a permission that does not exist or is not of the role's kind",
    ),
    (
        "role_permissions_held_by_granter",
        "permissions",
        "you can only give or take away permissions you hold",
    ),
    ("users_role_fkey", "role_id", "does not name a role of this company"),
    ("users_role_held_by_granter", "role_id", "you can only give roles whose permissions you hold"),
    ("jobs_assign_permission", "assigned_worker_id", "assigning a job needs the permission jobs.assign"),
    ("jobs_archive_permission", "is_archived", "archiving a job needs the permission jobs.archive"),
    // Migration 0025: a customer login is one of its customer's contacts.
    ("users_contact_fkey", "contact_id", "does not name a contact of the user's customer"),
    ("users_contact_only_customers", "contact_id", "only CUSTOMER users are linked to a contact"),
    (
        "contact_locations_location_fkey",
        "location_ids",
        "does not name a service location of the contact's customer",
    ),
    ("companies_slug_key", "slug", "is already taken"),
    ("companies_slug_format", "slug", "must be lowercase letters, digits and dashes"),
    ("companies_name_length", "name", "must be 1 to 200 characters"),
    ("companies_color_format", "color", "must be a #rrggbb color"),
    ("customers_name_length", "name", "must be 1 to 200 characters"),
    ("customers_email_format", "email", "is not a valid email address"),
    ("customers_phone_format", "phone", "is not a valid phone number"),
    ("customers_address_length", "address", "must be at most 500 characters"),
    ("job_statuses_company_name_key", "name", "is already used by another status"),
    ("job_statuses_name_length", "name", "must be 1 to 60 characters"),
    ("job_statuses_color_format", "color", "must be a #rrggbb color"),
    ("job_statuses_last_final", "is_final", "at least one status must stay final"),
    ("jobs_customer_fkey", "customer_id", "does not name a customer of this company"),
    ("jobs_status_fkey", "status_id", "does not name a status of this company"),
    ("jobs_worker_fkey", "assigned_worker_id", "does not name a worker of this company"),
    ("jobs_assignee_is_worker", "assigned_worker_id", "does not name an active worker of this company"),
    ("jobs_title_length", "title", "must be 1 to 200 characters"),
    ("jobs_description_length", "description", "must be at most 10000 characters"),
    ("jobs_open_tasks", "status_id", "this status requires every task to be done first"),
    ("job_tasks_job_fkey", "job_id", "does not name a job of this company"),
    ("job_tasks_title_length", "title", "must be 1 to 200 characters"),
    ("job_notes_job_fkey", "job_id", "does not name a job of this company"),
    ("job_notes_body_length", "body", "must be 1 to 5000 characters"),
    // Migration 0020: customers as the bill-to party, locations, contacts.
    ("customers_parent_fkey", "parent_customer_id", "does not name a customer of this company"),
    ("customers_parent_not_self", "parent_customer_id", "cannot be the customer itself"),
    ("customers_parent_cycle", "parent_customer_id", "cannot be one of the customer's own descendants"),
    ("customers_tags_count", "tags", "at most 20 tags"),
    ("customers_notes_length", "notes", "must be at most 10000 characters"),
    ("service_locations_customer_fkey", "customer_id", "does not name a customer of this company"),
    ("service_locations_name_length", "name", "must be 1 to 200 characters"),
    ("service_locations_line1_length", "line1", "must be at most 500 characters"),
    ("service_locations_line2_length", "line2", "must be at most 200 characters"),
    ("service_locations_city_length", "city", "must be at most 100 characters"),
    ("service_locations_region_length", "region", "must be at most 100 characters"),
    ("service_locations_postal_code_length", "postal_code", "must be at most 20 characters"),
    ("service_locations_country_length", "country", "must be at most 100 characters"),
    ("service_locations_latitude_range", "latitude", "must be between -90 and 90"),
    ("service_locations_longitude_range", "longitude", "must be between -180 and 180"),
    (
        "service_locations_coordinates_pair",
        "latitude",
        "latitude and longitude are given together or not at all",
    ),
    ("service_locations_last_location", "", "a customer keeps at least one service location"),
    ("service_location_access_gate_code_length", "gate_code", "must be at most 100 characters"),
    ("service_location_access_notes_length", "access_notes", "must be at most 2000 characters"),
    ("contacts_customer_fkey", "customer_id", "does not name a customer of this company"),
    // Migration 0024: the communication log.
    ("communications_customer_fkey", "customer_id", "does not name a customer of this company"),
    ("communications_location_fkey", "service_location_id", "does not name a location of this customer"),
    ("communications_contact_fkey", "contact_id", "does not name a contact of this customer"),
    ("communications_job_fkey", "job_id", "does not name a job of this company"),
    ("communications_job_customer", "job_id", "does not name a job of this customer"),
    ("communications_channel", "channel", "must be call, email, text or visit"),
    ("communications_direction", "direction", "must be inbound or outbound"),
    ("communications_summary_length", "summary", "must be 1 to 5000 characters"),
    ("contacts_name_length", "name", "must be 1 to 200 characters"),
    ("contacts_title_length", "title", "must be at most 200 characters"),
    ("contacts_notes_length", "notes", "must be at most 5000 characters"),
    (
        "contacts_one_primary_key",
        "is_primary",
        "another contact of this customer is already its primary contact",
    ),
    ("contact_methods_kind", "methods", "each kind is one of mobile, office_phone, email, fax"),
    ("contact_methods_email_format", "methods", "an email method needs a valid email address"),
    ("contact_methods_phone_format", "methods", "a phone or fax method needs a valid phone number"),
    ("contact_methods_one_primary_key", "methods", "at most one primary method of each kind"),
    (
        "jobs_service_location_fkey",
        "service_location_id",
        "does not name a service location of the job's customer",
    ),
    ("jobs_site_contact_fkey", "site_contact_id", "does not name a contact of the job's customer"),
    (
        "jobs_location_required",
        "service_location_id",
        "is required: the customer has several service locations",
    ),
    // Imports (migration 0029).
    ("import_mappings_name_key", "", "a mapping of this kind already has this name"),
    ("import_mappings_name_length", "name", "must be 1 to 100 characters"),
    ("imports_file_name_length", "file_name", "must be 1 to 255 characters"),
    ("external_refs_external_id_length", "external_id", "must be 1 to 200 characters"),
    // Branches (migration 0040). The foreign keys name a missing branch on a
    // write; deleting a branch still in use is answered 409 by its handler.
    ("branches_name_length", "name", "must be 1 to 100 characters"),
    ("branches_address_length", "address", "must be at most 500 characters"),
    ("branches_color_format", "color", "must be a colour like #1d4ed8"),
    ("branches_company_name_key", "name", "is already the name of another branch"),
    ("users_branch_fkey", "branch_id", "does not name a branch of this company"),
    ("users_branch_only_staff", "branch_id", "only ADMIN and WORKER members are scoped to a branch"),
    ("jobs_branch_fkey", "branch_id", "does not name a branch of this company"),
    ("customers_branch_fkey", "branch_id", "does not name a branch of this company"),
    ("service_locations_branch_fkey", "branch_id", "does not name a branch of this company"),
    ("jobs_branch_customer", "customer_id", "does not name a customer the job's branch may use"),
    ("jobs_branch_location", "service_location_id", "belongs to another branch"),
    ("jobs_branch_worker", "assigned_worker_id", "is scoped to another branch"),
];

/// Named constraints no request can break with what it sends, so no user
/// message is owed; should one fire anyway, it is logged as unmapped and
/// answered with the generic 409/422. Each with the reason.
pub const INTERNAL_CONSTRAINTS: &[(&str, &str)] = &[
    // Roles (migration 0039): keys the server or the migration fills in.
    ("permissions_name_format", "the catalogue is written by migrations only"),
    ("permissions_name_base_key", "the catalogue is written by migrations only"),
    ("roles_pkey", "ids are generated"),
    ("roles_company_fkey", "company_id comes from the context"),
    ("roles_company_id_base_key", "a key for the memberships' and grants' references; ids are generated"),
    ("roles_company_default_key", "defaults are made with the company and never changed"),
    ("role_permissions_pkey", "ids are generated"),
    ("role_permissions_company_fkey", "company_id comes from the context"),
    ("role_permissions_role_permission_key", "the server writes only the permissions a role lacks"),
    ("role_permissions_role_fkey", "the role is read in the same transaction first, and its kind with it"),
    ("branches_pkey", "ids are generated"),
    ("branches_company_fkey", "company_id comes from the context"),
    // A background import's progress (migration 0037): counted and written
    // by the server, the failure text cut to length by it.
    ("imports_rows_positive", "row counts are the server's, counted from zero"),
    ("imports_failure_length", "the failure is the server's message, cut to 2000 characters"),
    // Attachments (migration 0028): every column but the caption is the server's.
    ("attachments_pkey", "ids are generated"),
    ("attachments_company_fkey", "company_id comes from the context"),
    ("attachments_job_fkey", "the job is found visible in the same transaction first"),
    ("attachments_request_fkey", "the request is found visible in the same transaction first"),
    ("attachments_note_fkey", "the note is found visible in the same transaction first"),
    ("attachments_customer_fkey", "the customer is found visible in the same transaction first"),
    ("attachments_uploader_fkey", "uploaded_by comes from the context"),
    ("attachments_deleter_fkey", "deleted_by is the signed-in user"),
    ("attachments_one_parent", "the route names exactly one parent"),
    ("attachments_storage_key_key", "storage keys hold 128 random bits"),
    ("attachments_storage_key_format", "the server makes the key from the context's company"),
    ("attachments_thumb_keys", "the server derives thumbnail keys from the storage key"),
    ("attachments_file_name_length", "file names are sanitized to 1 to 200 safe characters"),
    ("attachments_visibility", "an enum in the API"),
    ("attachments_photo_group", "an enum in the API"),
    ("attachments_state", "the server writes pending, then stored"),
    ("attachments_stored_complete", "the server fills type, size and checksum as it marks a file stored"),
    ("attachments_size", "a byte count"),
    ("attachments_idempotency_key_length", "the key is checked to be 1 to 255 characters"),
    ("attachments_deleted_together", "a delete sets both"),
    ("identities_pkey", "ids are generated"),
    ("identities_last_company_fkey", "set by auth.remember_company from a live membership"),
    ("users_identity_fkey", "set by the users trigger to an identity it found or made"),
    ("invitations_pkey", "ids are generated"),
    ("invitations_company_fkey", "company_id comes from the context"),
    ("invitations_token_key", "tokens are random, 256 bits"),
    ("invitations_user_fkey", "set by auth.accept_invitation to the membership it made"),
    ("invitations_hash_length", "the server stores a SHA-256 digest"),
    ("invitations_accepted", "auth.accept_invitation sets both at once"),
    ("invitations_settled_once", "revoking and accepting both require a pending invitation"),
    ("custom_field_definitions_pkey", "ids are generated"),
    ("custom_field_definitions_company_fkey", "company_id comes from the context"),
    ("customers_custom_fields_object", "the API always writes an object (the trigger says so first)"),
    ("service_locations_custom_fields_object", "the API always writes an object (the trigger says so first)"),
    ("jobs_custom_fields_object", "the API always writes an object (the trigger says so first)"),
    // `unique (company_id, id)`: targets of the composite foreign keys; ids are generated.
    ("users_company_id_id_key", "ids are generated"),
    ("customers_company_id_id_key", "ids are generated"),
    ("job_statuses_company_id_id_key", "ids are generated"),
    ("jobs_company_id_id_key", "ids are generated"),
    ("job_tasks_company_id_id_key", "ids are generated"),
    ("job_notes_company_id_id_key", "ids are generated"),
    ("sessions_company_id_id_key", "ids are generated"),
    // `primary key (company_id, id)` since migration 0015, for the same reason.
    ("users_pkey", "ids are generated"),
    ("customers_pkey", "ids are generated"),
    ("job_statuses_pkey", "ids are generated"),
    ("jobs_pkey", "ids are generated"),
    ("job_tasks_pkey", "ids are generated"),
    ("job_notes_pkey", "ids are generated"),
    ("share_links_pkey", "ids are generated"),
    ("share_link_opens_pkey", "ids are generated"),
    ("audit_log_pkey", "written by the audit trigger, ids are generated"),
    ("sessions_pkey", "ids are generated"),
    ("refresh_tokens_pkey", "a 256-bit random token's digest"),
    ("share_links_company_id_id_key", "ids are generated"),
    // `company_id` defaults to the request's company; no request names one.
    ("users_company_fkey", "company_id comes from the context"),
    ("customers_company_fkey", "company_id comes from the context"),
    ("job_statuses_company_fkey", "company_id comes from the context"),
    ("jobs_company_fkey", "company_id comes from the context"),
    ("idempotency_keys_company_fkey", "company_id comes from the context"),
    // Written by the idempotency middleware, which checks and handles these itself.
    ("idempotency_keys_pkey", "a reused key is answered 409 by the middleware itself"),
    ("idempotency_keys_user_fkey", "the user is the verified caller"),
    ("idempotency_keys_key_length", "the middleware checks 1 to 255 characters first"),
    // Sessions, refresh tokens and share-link opens: written by the sign-in and
    // share-link definer functions from rows, never from request fields.
    ("sessions_user_fkey", "written by auth.* functions from the user row"),
    ("sessions_customer_link", "pinned from the user row by a trigger"),
    ("refresh_tokens_session_fkey", "written by auth.* functions for a live session"),
    ("refresh_tokens_hash_length", "the digest is computed by the server"),
    ("share_link_opens_link_fkey", "written by auth.open_share_link for a live link"),
    ("share_links_token_hash_key", "a 256-bit random token's digest"),
    ("share_links_token_hash_length", "the digest is computed by the server"),
    ("share_links_job_fkey", "the handler answers 404 for a job the caller cannot see first"),
    ("job_notes_author_fkey", "the author is the signed-in user"),
    // The audit log is written by its trigger only.
    ("audit_log_action", "written by the audit trigger"),
    ("audit_log_source", "written by the audit trigger"),
    ("audit_log_changes_object", "written by the audit trigger"),
    // Migration 0020.
    ("customers_account_number_key", "assigned by app.assign_account_number, one company at a time"),
    ("customers_account_number_positive", "assigned by app.assign_account_number, from 1 up"),
    ("service_locations_pkey", "ids are generated"),
    ("service_locations_customer_key", "ids are generated"),
    ("service_locations_company_fkey", "company_id comes from the context"),
    ("service_location_access_pkey", "ids are generated"),
    ("service_location_access_location_key", "written with `on conflict do nothing` first, then updated"),
    (
        "service_location_access_location_fkey",
        "the handler answers 404 for a location the caller cannot see first",
    ),
    ("contacts_pkey", "ids are generated"),
    ("contacts_customer_key", "ids are generated"),
    ("contacts_company_fkey", "company_id comes from the context"),
    ("contact_methods_pkey", "ids are generated"),
    ("contact_methods_contact_fkey", "written with the contact the handler just read or wrote"),
    // Migration 0024.
    ("communications_pkey", "ids are generated"),
    ("communications_company_fkey", "company_id comes from the context"),
    ("communications_author_fkey", "created_by is the verified context's user (app.stamp_row)"),
    // Mail and password reset (migration 0021): written by definer functions
    // from rows the server looked up and mails it rendered, never from fields.
    ("mail_outbox_pkey", "ids are generated"),
    ("mail_outbox_company_fkey", "the company of an account the server just found"),
    ("mail_outbox_state", "set by the sender's functions only"),
    ("mail_outbox_sent_at", "set with the state by auth.mail_delivered"),
    ("mail_outbox_attempts", "counted by auth.mail_claim"),
    ("mail_outbox_kind_format", "a constant of the template (src/mail/templates.rs)"),
    ("mail_outbox_recipient_length", "a user's stored email (users_email_format)"),
    ("mail_outbox_subject_length", "a template's subject around a company name of at most 200 characters"),
    ("password_reset_tokens_pkey", "ids are generated"),
    ("password_reset_tokens_company_fkey", "the company of an account the server just found"),
    ("password_reset_tokens_user_fkey", "an account the server just found"),
    ("password_reset_tokens_token_key", "a digest of 256 random bits"),
    ("password_reset_tokens_hash_length", "a SHA-256 digest"),
    // The customer portal (migration 0022).
    ("portal_settings_pkey", "ids are generated"),
    ("portal_settings_company_fkey", "company_id comes from the context"),
    ("portal_settings_company_key", "the handler upserts on it"),
    ("portal_settings_registration_mode", "the body's enum (RegistrationMode) names only allowed modes"),
    ("portal_settings_locked_fields", "the body's enum (RequestField) names only allowed fields, never null"),
    // Portal accounts, verification tokens and invitations (migration 0022):
    // registrations are written by the auth.portal_* functions from validated
    // fields, decisions by admins in the shapes the handlers send.
    ("portal_accounts_pkey", "ids are generated"),
    ("portal_accounts_company_fkey", "the company the portal attempt just found"),
    ("portal_accounts_user_fkey", "the user the approval trigger just made"),
    ("portal_accounts_state", "set by the functions and handlers to known states only"),
    ("portal_accounts_name_length", "validated (1 to 200 characters) before registering"),
    ("portal_accounts_email_format", "validated as an email before registering"),
    ("portal_accounts_phone_length", "validated (1 to 50 characters) before registering"),
    ("portal_accounts_address_length", "validated (1 to 500 characters) before registering"),
    ("portal_accounts_verified", "auth.portal_verify sets the state and the time together"),
    ("portal_accounts_approved", "app.portal_account_decided makes the user and the customer of an approval"),
    ("portal_accounts_open_email_key", "auth.portal_register skips an address with an open registration"),
    ("portal_verification_tokens_pkey", "ids are generated"),
    ("company_signups_pkey", "a new company's generated id, or the address's pending company (an upsert)"),
    ("company_signups_company_fkey", "the company auth.signup_start wrote just before"),
    ("company_signups_user_fkey", "the membership auth.signup_confirm wrote just before"),
    ("company_signups_token_key", "a digest of 256 random bits"),
    ("company_signups_token_length", "a SHA-256 digest"),
    ("company_signups_password_until_confirmed", "the functions clear the hash only on confirming"),
    ("portal_verification_tokens_company_fkey", "the company the portal attempt just found"),
    ("portal_verification_tokens_account_fkey", "the account written in the same function"),
    ("portal_verification_tokens_token_key", "a digest of 256 random bits"),
    ("portal_verification_tokens_hash_length", "a SHA-256 digest"),
    ("portal_invitations_pkey", "ids are generated"),
    ("portal_invitations_company_fkey", "company_id comes from the context"),
    (
        "portal_invitations_customer_fkey",
        "the handler answers 404 for a customer the caller cannot see first",
    ),
    ("portal_invitations_account_fkey", "the account auth.portal_register_invited just wrote"),
    ("portal_invitations_email_format", "validated as an email before inviting"),
    ("portal_invitations_token_key", "a digest of 256 random bits"),
    ("portal_invitations_hash_length", "a SHA-256 digest"),
    ("portal_invitations_used", "auth.portal_register_invited sets both together"),
    // Job requests (migration 0022).
    ("job_requests_pkey", "ids are generated"),
    ("job_requests_company_fkey", "company_id comes from the context"),
    ("job_requests_customer_fkey", "the customer's own id from its session (policy WITH CHECK)"),
    ("job_requests_job_fkey", "the job the approval just created"),
    ("job_requests_description_length", "validated (at most 10000 characters) before writing"),
    ("job_requests_windows_length", "validated (at most 500 characters) before writing"),
    ("job_requests_urgency", "validated against low, normal, urgent before writing"),
    ("job_requests_state", "set by the handlers to known states only"),
    ("job_requests_approved_job", "the approval sets the state and the job together"),
    ("job_requests_rejected_reason", "the rejection validates its reason (1 to 2000 characters)"),
    ("job_requests_change_reason_length", "validated (1 to 2000 characters) before writing"),
    ("job_request_changes_pkey", "ids are generated"),
    ("job_request_changes_company_fkey", "written by app.job_request_history() for the request's company"),
    (
        "job_request_changes_request_fkey",
        "written by app.job_request_history() for the request being written",
    ),
    // Migration 0030: conversations and notification mails.
    ("notification_preferences_pkey", "ids are generated"),
    ("notification_preferences_company_fkey", "company_id comes from the context"),
    ("notification_preferences_user_key", "written by an upsert on (company_id, user_id)"),
    ("notification_preferences_user_fkey", "the caller's own user id from its session (policy WITH CHECK)"),
    ("unsubscribe_tokens_pkey", "ids are generated"),
    ("unsubscribe_tokens_company_fkey", "written by app.queue_notification() for the row's company"),
    ("unsubscribe_tokens_token_key", "a fresh 244-bit random token per mail"),
    ("unsubscribe_tokens_user_fkey", "app.queue_notification() names a user it just read"),
    ("unsubscribe_tokens_hash_length", "a SHA-256 digest"),
    ("messages_pkey", "ids are generated"),
    ("messages_company_fkey", "company_id comes from the context"),
    ("messages_request_fkey", "the handler loads the request as the caller (404) before writing"),
    ("messages_job_fkey", "the handler loads the job as the caller (404) before writing"),
    ("messages_author_fkey", "the author is the caller, set by app.message_written() from the context"),
    ("messages_one_thread", "each endpoint names exactly one thread"),
    ("messages_author_role", "set by app.message_written() from the verified role"),
    (
        "messages_customer_not_internal",
        "the customer's endpoint never sends internal (and its policy refuses it)",
    ),
    ("message_reads_pkey", "ids are generated"),
    ("message_reads_company_fkey", "company_id comes from the context"),
    ("message_reads_user_fkey", "the caller's own user id (policy WITH CHECK)"),
    ("message_reads_request_fkey", "the handler loads the request as the caller (404) before writing"),
    ("message_reads_job_fkey", "the handler loads the job as the caller (404) before writing"),
    ("message_reads_one_thread", "each endpoint names exactly one thread"),
    ("message_reads_request_key", "written by an upsert on the thread"),
    ("message_reads_job_key", "written by an upsert on the thread"),
    ("email_changes_pkey", "ids are generated"),
    ("email_changes_company_fkey", "the company of the verified session"),
    ("email_changes_token_key", "a fresh random token per change"),
    ("email_changes_user_fkey", "the user of the verified session"),
    ("email_changes_email_format", "validated as an email address before writing"),
    ("email_changes_hash_length", "a SHA-256 digest"),
    // Migration 0025: a contact's locations, written by PUT /contacts/{id}/locations.
    ("contact_locations_pkey", "ids are generated"),
    ("contact_locations_pair_key", "the handler writes each location once, only those not linked yet"),
    ("contact_locations_company_fkey", "company_id comes from the context"),
    ("contact_locations_contact_fkey", "the contact the handler just locked"),
    // Imports (migration 0029): the handlers check or generate each of these first.
    ("imports_pkey", "ids are generated"),
    ("imports_company_fkey", "company_id comes from the context"),
    ("imports_kind", "an enum on the way in"),
    ("imports_state", "set by the server: dry_run, applied or undone"),
    ("imports_source_format", "the preset is checked to the same rule first"),
    ("imports_mapping_object", "the server always writes an object"),
    ("imports_errors_array", "the server always writes an array"),
    ("imports_counts_positive", "counted by the server from zero"),
    ("external_refs_pkey", "ids are generated"),
    ("external_refs_key", "looked up before one is inserted, within the import's transaction"),
    ("external_refs_kind", "written by app.import_customer_row and app.import_job_row only"),
    ("external_refs_source_format", "the import's source, checked first"),
    ("external_refs_company_fkey", "company_id comes from the context"),
    ("external_refs_import_fkey", "the import's own record, inserted first"),
    ("import_mappings_pkey", "ids are generated"),
    ("import_mappings_company_fkey", "company_id comes from the context"),
    ("import_mappings_kind", "an enum on the way in"),
    ("import_mappings_source_format", "checked to the same rule first"),
    ("import_mappings_mapping_object", "the server always writes an object"),
    ("portal_settings_digest_hour", "validated as 0 to 23 before saving"),
    ("digest_recipients_pkey", "ids are generated"),
    ("digest_recipients_company_fkey", "company_id comes from the context"),
    ("digest_recipients_user_key", "inserted with ON CONFLICT DO NOTHING on it"),
    ("digest_recipients_user_fkey", "each id is checked to be an active admin of the company first"),
    ("digest_runs_pkey", "ids are generated"),
    ("digest_runs_company_fkey", "written by auth.digest_claim for a company auth.digests_due found"),
    ("digest_runs_company_date_key", "auth.digest_claim inserts with ON CONFLICT DO NOTHING on it"),
    ("digest_runs_counts", "auth.digest_recorded writes counts of rows"),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The names after `constraint`, `constraint = '…'` (an error raised by a
    /// trigger) and `create unique index` in SQL text, comments left out.
    fn constraint_names(sql: &str) -> BTreeSet<String> {
        let code: String = sql
            .lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let code = code.to_lowercase();
        let mut names = BTreeSet::new();
        for keyword in ["constraint", "create unique index"] {
            for (at, _) in code.match_indices(keyword) {
                let rest = &code[at + keyword.len()..];
                let inside_a_word = code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    || !rest.starts_with(|c: char| c.is_whitespace() || c == '=');
                if inside_a_word {
                    continue; // `pg_constraint`, `constraints`
                }
                let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == '\'');
                let name: String =
                    rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        }
        names
    }

    fn migration_constraints() -> BTreeSet<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/db/migrations");
        let mut names = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("db/migrations") {
            let path = entry.expect("a migration").path();
            if path.extension().is_some_and(|e| e == "sql") {
                names.extend(constraint_names(&std::fs::read_to_string(&path).expect("readable SQL")));
            }
        }
        names
    }

    #[test]
    fn a_custom_field_error_names_its_field() {
        let message = r#"custom field "gate_colour": must be one of the field's options"#;
        assert_eq!(raised_constraint(message), Some("custom_fields_invalid"));
        assert_eq!(
            custom_field_problem(message),
            ("custom_fields.gate_colour".to_owned(), "must be one of the field's options".to_owned())
        );
        let whole = r#"custom field "custom_fields": must be a JSON object"#;
        assert_eq!(custom_field_problem(whole).0, "custom_fields");
    }

    #[test]
    fn a_shards_constraint_name_is_the_tables() {
        assert_eq!(table_constraint("users_customer_fkey_102054"), "users_customer_fkey");
        assert_eq!(table_constraint("users_customer_fkey"), "users_customer_fkey");
        assert_eq!(table_constraint("t_2fa"), "t_2fa");
    }

    #[test]
    fn a_relayed_message_names_its_constraint() {
        let message = r#"new row for relation "customers_102008" violates check constraint "customers_phone_format_102008""#;
        assert_eq!(constraint_in_message(message).as_deref(), Some("customers_phone_format_102008"));
        assert_eq!(constraint_in_message("deadlock detected"), None);
    }

    #[test]
    fn a_relayed_trigger_error_is_known_by_its_message() {
        let message = r#"the status "Signed off" requires every task to be done first"#;
        assert_eq!(raised_constraint(message), Some("jobs_open_tasks"));
        assert_eq!(raised_constraint("deadlock detected"), None);
        // Each entry is a raise in the migrations, naming that constraint.
        let sql: String = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/db/migrations"))
            .expect("migrations")
            .map(|entry| std::fs::read_to_string(entry.expect("entry").path()).expect("readable SQL"))
            .collect();
        for (ending, constraint) in RAISED_CONSTRAINTS {
            let raise = sql
                .split("raise exception '")
                .skip(1)
                .find(|raise| raise.split('\'').next().is_some_and(|text| text.ends_with(ending)))
                .unwrap_or_else(|| panic!("no raise ends with {ending:?}"));
            let using = raise.split(';').next().unwrap_or_default();
            assert!(using.contains(&format!("constraint = '{constraint}'")), "{ending:?} raises {using}");
        }
    }

    #[test]
    fn every_constraint_name_is_free_of_a_shard_suffix() {
        for name in migration_constraints() {
            assert_eq!(table_constraint(&name), name, "{name} ends like a Citus shard's copy");
        }
    }

    #[test]
    fn the_parser_finds_each_form_of_name() {
        let sql = "create table t (a int constraint t_a_check check (a > 0), -- constraint not_this\n\
                   select conname from pg_constraint where true;\n\
                   b int, constraint t_b_fkey foreign key (b) references u);\n\
                   create unique index t_lower_key on t (lower(c));\n\
                   raise exception 'x' using errcode = 'FO422', constraint = 't_rule';";
        let names: Vec<String> = constraint_names(sql).into_iter().collect();
        assert_eq!(names, ["t_a_check", "t_b_fkey", "t_lower_key", "t_rule"]);
    }

    #[test]
    fn every_named_constraint_is_mapped_or_listed_as_internal() {
        let names = migration_constraints();
        assert!(names.len() > 40, "found only {} constraint names: is the parser broken?", names.len());
        let unmapped: Vec<&String> = names
            .iter()
            .filter(|name| {
                constraint_field(name).is_none() && !INTERNAL_CONSTRAINTS.iter().any(|(n, _)| n == name)
            })
            .collect();
        assert!(
            unmapped.is_empty(),
            "constraints with no user-facing message: add each to CONSTRAINT_MESSAGES, or to \
             INTERNAL_CONSTRAINTS with the reason no request can break it: {unmapped:?}"
        );
    }

    #[test]
    fn every_listed_constraint_exists_once() {
        let names = migration_constraints();
        let listed: Vec<&str> = CONSTRAINT_MESSAGES
            .iter()
            .map(|(name, _, _)| *name)
            .chain(INTERNAL_CONSTRAINTS.iter().map(|(name, _)| *name))
            .collect();
        let stale: Vec<&&str> = listed.iter().filter(|name| !names.contains(**name)).collect();
        assert!(stale.is_empty(), "listed but in no migration: {stale:?}");
        let distinct: BTreeSet<&&str> = listed.iter().collect();
        assert_eq!(distinct.len(), listed.len(), "a constraint is listed twice");
    }
}
