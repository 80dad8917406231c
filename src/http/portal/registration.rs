//! Registration on a company's portal, email verification and its re-send.
//!
//! Everything runs over the sign-in pool through narrow definer functions
//! (db/migrations/0022), before anyone is signed in, as sign-in and password
//! reset do. Each attempt is counted per address and per email in PostgreSQL
//! before any password work (429 with `Retry-After` past the limit).

use axum::{extract::State, http::StatusCode};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use super::RegistrationMode;
use crate::auth::{password, tokens};
use crate::http::shared::{
    client_addr::ClientAddr,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    password_strength, sign_in, AppState,
};
use crate::mail::{outbox, templates};

/// How long a verification link works.
const VERIFY_HOURS: u32 = 24;
/// Registrations, and verification re-sends, per client address and per
/// email in an hour.
const ATTEMPTS_PER_HOUR: i32 = 10;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(verify))
        .routes(routes!(resend_verification))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    #[validate(email(message = "is not a valid email address"), length(max = 254, message = "is too long"))]
    pub email: String,
    #[validate(length(min = 1, max = 50, message = "must be 1 to 50 characters"))]
    pub phone: Option<String>,
    /// Where the work happens: the first service location of a new customer.
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    pub address: Option<String>,
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters"))]
    pub password: String,
    /// The terms must be accepted.
    pub accept_terms: bool,
    /// Left empty by people; a form field hidden from them that bots fill in.
    #[serde(default)]
    pub website: Option<String>,
    /// The token of a mailed invitation (after `#invitation=`).
    #[validate(length(min = 1, max = 200, message = "is not an invitation"))]
    pub invitation: Option<String>,
}

/// What became of a registration.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// A link to confirm the email is on its way (if the address has no account yet).
    VerificationSent,
    /// Registered with an invitation: sign in now.
    Registered,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationAnswer {
    pub status: RegistrationStatus,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The token of the mailed link (after `#token=`).
    #[validate(length(min = 1, max = 200, message = "is required"))]
    pub token: String,
}

/// What a verified account may do now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Sign in now.
    Approved,
    /// The company's staff approve accounts first: a mail follows their decision.
    Pending,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationAnswer {
    pub state: AccountState,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ResendVerification {
    #[validate(length(min = 1, max = 254, message = "is required"))]
    pub email: String,
}

/// The company an attempt is for, once counted.
struct Portal {
    company_id: Uuid,
    name: String,
    slug: String,
    color: String,
    mode: RegistrationMode,
}

/// Counts one attempt (`register` or `verify`) for the address and the email,
/// in its own committed statement so that a refusal later still counts.
async fn attempt(
    state: &AppState,
    action: &str,
    slug: &str,
    email: &str,
    addr: ClientAddr,
) -> Result<Portal> {
    let client_ip = addr.0.map(|ip| ip.to_string());
    let found = sqlx::query!(
        r#"select retry_after as "retry_after!", company_id, company_name, company_slug, company_color,
                  registration_mode
           from auth.portal_attempt($1, $2, $3, $4, $5, interval '1 hour')"#,
        action,
        slug,
        email,
        client_ip,
        ATTEMPTS_PER_HOUR,
    )
    .fetch_one(&state.login_db)
    .await?;
    if found.retry_after > 0 {
        tracing::warn!(company = %slug, action, "portal attempt throttled");
        return Err(Error::TooManyRequests { retry_after_secs: found.retry_after as u64 });
    }
    let (Some(company_id), Some(name), Some(slug), Some(color), Some(mode)) = (
        found.company_id,
        found.company_name,
        found.company_slug,
        found.company_color,
        found.registration_mode,
    ) else {
        return Err(Error::NotFound);
    };
    let mode = serde_json::from_value(serde_json::Value::String(mode)).map_err(anyhow::Error::from)?;
    Ok(Portal { company_id, name, slug, color, mode })
}

/// Registers on the company's portal.
///
/// Without an invitation, the portal must take registrations (`open` or
/// `approval`); the answer is 202 whether or not the address already has an
/// account, and a link to confirm the email goes out if it has none. With an
/// invitation (any mode), the account is ready at once (201). A filled-in
/// honeypot (`website`) is answered 202 and nothing happens.
#[utoipa::path(
    post, path = "/api/v1/portal/{slug}/register", tag = "portal",
    params(("slug" = String, Path, description = "The company's slug")),
    request_body = Registration,
    responses(
        (status = 201, description = "Registered with an invitation: sign in now", body = RegistrationAnswer),
        (status = 202, description = "A confirmation link is on its way (if the address has no account)",
         body = RegistrationAnswer),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 404, description = "No active company by that slug", body = Problem),
        (status = 422, description = "Invalid fields: terms not accepted (`accept_terms`), a password too easy \
                                      to guess (`password`, with advice), a portal by invitation only or an \
                                      unknown, used or expired invitation (`invitation`), another address than \
                                      the invitation's (`email`)", body = Problem),
        (status = 429, description = "Too many registrations for this address or email",
         body = Problem, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
async fn register(
    State(state): State<AppState>,
    addr: ClientAddr,
    AppPath(slug): AppPath<String>,
    AppJson(body): AppJson<Registration>,
) -> Result<(StatusCode, AppJson<RegistrationAnswer>)> {
    let sent = || {
        Ok((
            StatusCode::ACCEPTED,
            AppJson(RegistrationAnswer { status: RegistrationStatus::VerificationSent }),
        ))
    };
    if body.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        tracing::info!(company = %slug, "portal registration dropped: honeypot filled in");
        return sent();
    }
    body.validate()?;
    if !body.accept_terms {
        return Err(Error::field("accept_terms", "must be accepted to register"));
    }
    let portal = attempt(&state, "register", &slug, &body.email, addr).await?;
    if body.invitation.is_none() && portal.mode == RegistrationMode::Invitation {
        return Err(Error::field(
            "invitation",
            format!("{} registers customers by invitation only; ask them for an invitation", portal.name),
        ));
    }
    let words = vec![body.name.clone(), body.email.clone(), portal.name.clone(), portal.slug.clone()];
    password_strength::require_strong("password", &body.password, words).await?;
    let hash = password::hash(body.password.clone()).await?;
    let phone = body.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let address = body.address.as_deref().map(str::trim).filter(|a| !a.is_empty());

    let mut flow = sign_in::begin(&state.login_db).await?;
    if let Some(invitation) = &body.invitation {
        let outcome = sqlx::query_scalar!(
            r#"select auth.portal_register_invited($1, $2, $3, $4, $5, $6) as "outcome!""#,
            portal.company_id,
            tokens::digest(invitation),
            body.name,
            body.email,
            phone,
            hash,
        )
        .fetch_one(&mut *flow)
        .await?;
        return match outcome.as_str() {
            "registered" => {
                flow.commit().await?;
                tracing::info!(company_id = %portal.company_id, "portal registration by invitation");
                Ok((
                    StatusCode::CREATED,
                    AppJson(RegistrationAnswer { status: RegistrationStatus::Registered }),
                ))
            }
            "email_mismatch" => Err(Error::field("email", "is not the address this invitation was sent to")),
            "exists" => {
                Err(Error::field("email", "already has an account here: sign in, or reset your password"))
            }
            _ => Err(Error::field(
                "invitation",
                "this invitation is unknown, used or expired; ask for a new one",
            )),
        };
    }

    let token = tokens::generate(portal.company_id);
    let expires = Utc::now() + chrono::Duration::hours(i64::from(VERIFY_HOURS));
    let account = sqlx::query_scalar!(
        "select auth.portal_register($1, $2, $3, $4, $5, $6, $7, $8)",
        portal.company_id,
        body.name,
        body.email,
        phone,
        address,
        hash,
        tokens::digest(&token),
        expires,
    )
    .fetch_one(&mut *flow)
    .await?;
    if account.is_some() {
        queue_verification(&state, &mut flow, &portal, &body.email, &body.name, &token).await?;
    } else {
        tracing::info!(company_id = %portal.company_id, "portal registration of an address that has an account");
    }
    flow.commit().await?;
    state.mail.notify();
    sent()
}

/// The verification mail, in the transaction that stored its token.
async fn queue_verification(
    state: &AppState,
    flow: &mut sqlx::PgConnection,
    portal: &Portal,
    email: &str,
    name: &str,
    token: &str,
) -> Result<()> {
    let link = format!("{}/p/{}/verify#token={token}", state.config.server.public_url, portal.slug);
    let brand = templates::Brand { company_name: &portal.name, color: &portal.color };
    let mail = templates::portal_verification(&brand, email, name, &link, VERIFY_HOURS);
    outbox::enqueue(flow, portal.company_id, &mail).await?;
    Ok(())
}

/// Confirms a registration's email with the mailed token.
///
/// The link works once, for 24 hours. On an `open` portal the account is
/// ready at once (a customer of its own is made with it); otherwise it waits
/// for the company's staff.
#[utoipa::path(
    post, path = "/api/v1/portal/verify", tag = "portal",
    request_body = Verification,
    responses(
        (status = 200, description = "The email is confirmed", body = VerificationAnswer),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 422, description = "Unknown, used or expired link (`errors.token`)", body = Problem),
    )
)]
async fn verify(
    State(state): State<AppState>,
    AppJson(body): AppJson<Verification>,
) -> Result<AppJson<VerificationAnswer>> {
    body.validate()?;
    let invalid_link = || Error::field("token", "this link is unknown, used or expired; ask for a new one");
    let company_id = tokens::company_of(&body.token).ok_or_else(invalid_link)?;
    let mut flow = sign_in::begin(&state.login_db).await?;
    let verified = sqlx::query!(
        r#"select account_id as "account_id!", state as "state!" from auth.portal_verify($1, $2)"#,
        company_id,
        tokens::digest(&body.token),
    )
    .fetch_optional(&mut *flow)
    .await?
    .ok_or_else(invalid_link)?;
    flow.commit().await?;
    tracing::info!(%company_id, account_id = %verified.account_id, state = %verified.state, "portal email verified");
    let state =
        serde_json::from_value(serde_json::Value::String(verified.state)).map_err(anyhow::Error::from)?;
    Ok(AppJson(VerificationAnswer { state }))
}

/// Sends a new confirmation link to a registration that is not confirmed yet.
///
/// Always 202, whether such a registration exists or not. Limited per address
/// and per email, as registrations are.
#[utoipa::path(
    post, path = "/api/v1/portal/{slug}/verify/resend", tag = "portal",
    params(("slug" = String, Path, description = "The company's slug")),
    request_body = ResendVerification,
    responses(
        (status = 202, description = "If an unconfirmed registration exists, a new link is on its way"),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 404, description = "No active company by that slug", body = Problem),
        (status = 422, description = "Invalid body", body = Problem),
        (status = 429, description = "Too many re-sends for this address or email",
         body = Problem, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
async fn resend_verification(
    State(state): State<AppState>,
    addr: ClientAddr,
    AppPath(slug): AppPath<String>,
    AppJson(body): AppJson<ResendVerification>,
) -> Result<StatusCode> {
    body.validate()?;
    let portal = attempt(&state, "verify", &slug, &body.email, addr).await?;
    let token = tokens::generate(portal.company_id);
    let expires = Utc::now() + chrono::Duration::hours(i64::from(VERIFY_HOURS));
    let mut flow = sign_in::begin(&state.login_db).await?;
    let account = sqlx::query!(
        r#"select name as "name!", email as "email!" from auth.portal_resend_verification($1, $2, $3, $4)"#,
        portal.company_id,
        body.email,
        tokens::digest(&token),
        expires,
    )
    .fetch_optional(&mut *flow)
    .await?;
    if let Some(account) = account {
        queue_verification(&state, &mut flow, &portal, &account.email, &account.name, &token).await?;
    }
    flow.commit().await?;
    state.mail.notify();
    Ok(StatusCode::ACCEPTED)
}
