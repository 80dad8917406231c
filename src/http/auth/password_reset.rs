//! Password reset by mail: ask for a link, then spend it on a new password.
//!
//! The link's token carries its company (src/auth/tokens.rs) and is stored as
//! its digest, lives one hour and works once. Setting the new password ends
//! every session of the user. Everything runs over the sign-in pool through
//! narrow definer functions (db/migrations/0021), as sign-in does.

use axum::{extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use validator::Validate;

use crate::auth::{password, tokens};
use crate::http::shared::{
    client_addr::ClientAddr,
    error::{Error, Problem, Result},
    extract::AppJson,
    password_strength, sign_in, AppState,
};
use crate::mail::{outbox, templates};

/// How long a reset link works.
const LINK_MINUTES: u32 = 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_reset)).routes(routes!(confirm_reset))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The company's slug, e.g. `acme`.
    #[validate(length(min = 1, max = 63, message = "is required"))]
    pub company: String,
    #[validate(length(min = 1, max = 254, message = "is required"))]
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token of the mailed link (after `#token=`).
    #[validate(length(min = 1, max = 200, message = "is required"))]
    pub token: String,
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters"))]
    pub new_password: String,
}

/// Mails a link that sets a new password.
///
/// Always answers 202, whether the account exists or not, so the answer tells
/// nobody which addresses have accounts. Requests are limited per account and
/// per client address (`PASSWORD_RESETS_PER_HOUR`), known accounts or not.
#[utoipa::path(
    post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the account exists, a link is on its way"),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 422, description = "Invalid body", body = Problem),
        (status = 429, description = "Too many requests for this account or address",
         body = Problem, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
async fn request_reset(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    AppJson(body): AppJson<PasswordResetRequest>,
) -> Result<StatusCode> {
    body.validate()?;
    let client_ip = addr.map(|ip| ip.to_string());
    let mut flow = sign_in::begin(&state.login_db).await?;
    // Counted before anything else, in the statement that finds the account,
    // as a sign-in attempt is (auth.login_attempt).
    let found = sqlx::query!(
        r#"select retry_after as "retry_after!", user_id, company_id, name, email, company_name, company_color
           from auth.password_reset_request($1, $2, $3, $4, interval '1 hour')"#,
        body.company,
        body.email,
        client_ip,
        state.auth.password_resets_per_hour as i32,
    )
    .fetch_one(&mut *flow)
    .await?;
    if found.retry_after > 0 {
        tracing::warn!(company = %body.company, "password reset throttled");
        return Err(Error::TooManyRequests { retry_after_secs: found.retry_after as u64 });
    }
    let (Some(user_id), Some(company_id), Some(name), Some(email), Some(company_name), Some(color)) =
        (found.user_id, found.company_id, found.name, found.email, found.company_name, found.company_color)
    else {
        // The request is counted all the same: commit it.
        flow.commit().await?;
        tracing::info!(company = %body.company, "password reset for no account");
        return Ok(StatusCode::ACCEPTED);
    };

    let token = tokens::generate(company_id);
    let link = format!("{}/reset-password#token={token}", state.config.server.public_url);
    let brand = templates::Brand { company_name: &company_name, color: &color };
    let mail = templates::password_reset(&brand, &email, &name, &link, LINK_MINUTES);
    let expires = Utc::now() + chrono::Duration::minutes(i64::from(LINK_MINUTES));
    sqlx::query!(
        "select auth.create_password_reset($1, $2, $3, $4)",
        company_id,
        user_id,
        tokens::digest(&token),
        expires,
    )
    .execute(&mut *flow)
    .await?;
    // The same transaction: no token without its mail, no mail without its token.
    outbox::enqueue(&mut flow, company_id, &mail).await?;
    flow.commit().await?;
    state.mail.notify();
    tracing::info!(%company_id, %user_id, "password reset mail queued");
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with a mailed token.
///
/// The token works once and for one hour. The new password's strength is
/// estimated with zxcvbn (with the account's name, email and company as words
/// it must not lean on); a weak one is refused with the estimator's advice and
/// the token stays usable. Success ends every session of the user.
#[utoipa::path(
    post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "The password is set; every session of the user has ended"),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 422, description = "Unknown, used or expired token (`errors.token`), or a password that \
                                      is too easy to guess (`errors.new_password`: the estimator's advice)",
         body = Problem),
    )
)]
async fn confirm_reset(
    State(state): State<AppState>,
    AppJson(body): AppJson<PasswordResetConfirm>,
) -> Result<StatusCode> {
    body.validate()?;
    let invalid_link = || Error::field("token", "this link is unknown, used or expired; ask for a new one");
    let company_id = tokens::company_of(&body.token).ok_or_else(invalid_link)?;
    let digest = tokens::digest(&body.token);
    let account = sqlx::query!(
        r#"select name as "name!", email as "email!", company_name as "company_name!", company_slug as "company_slug!"
           from auth.password_reset_account($1, $2)"#,
        company_id,
        digest,
    )
    .fetch_optional(&state.login_db)
    .await?
    .ok_or_else(invalid_link)?;

    let words = vec![account.name, account.email, account.company_name, account.company_slug];
    password_strength::require_strong("new_password", &body.new_password, words).await?;

    let hash = password::hash(body.new_password).await?;
    let mut flow = sign_in::begin(&state.login_db).await?;
    let user_id =
        sqlx::query_scalar!("select auth.complete_password_reset($1, $2, $3)", company_id, digest, hash)
            .fetch_one(&mut *flow)
            .await?;
    // Spent by a concurrent confirmation since the lookup above.
    let user_id = user_id.ok_or_else(invalid_link)?;
    flow.commit().await?;
    tracing::info!(%company_id, %user_id, "password reset; every session of the user ended");
    Ok(StatusCode::NO_CONTENT)
}
