//! Self-service sign-up (docs/organizations.md#self-service-sign-up): a person
//! creates a new company with themselves as its first admin, and the mailed
//! link confirms the address and opens the company.
//!
//! Everything runs over the sign-in pool through the definer functions of
//! db/migrations/0043, before anyone is signed in, as portal registration
//! does. Attempts are counted per email and per client address in PostgreSQL
//! before any password work (429 with `Retry-After` past the limit), and
//! `SIGNUP=off` turns the whole of it off.

use axum::{extract::State, http::StatusCode};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{password, tokens};
use crate::http::shared::{
    client_addr::ClientAddr,
    error::{Error, Problem, Result},
    extract::AppJson,
    password_strength, sign_in, AppState,
};
use crate::mail::{outbox, templates};

/// How long a confirmation link works.
const CONFIRM_HOURS: u32 = 24;
/// Room left in a slug for the `-2`, `-3`, … of a name taken since.
const SLUG_MAX: usize = 55;
/// Slugs nobody may ask for: words that would read as FieldOps' own. (The
/// pending companies' placeholders, `signup-…`, are refused by their prefix.)
const RESERVED_SLUGS: [&str; 6] = ["signup", "admin", "api", "fieldops", "www", "support"];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(signup_settings, sign_up)).routes(routes!(confirm_signup))
}

/// Whether this server takes self-service sign-ups.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupSettings {
    pub enabled: bool,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Signup {
    /// The new company's name, as its people and customers will read it.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub company_name: String,
    /// What people type to sign in to it (`acme-plumbing`): lowercase letters,
    /// digits and hyphens. Derived from the name when absent.
    #[validate(length(min = 1, max = 55, message = "must be 1 to 55 characters"))]
    pub slug: Option<String>,
    /// Your name.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    #[validate(email(message = "is not a valid email address"), length(max = 254, message = "is too long"))]
    pub email: String,
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters"))]
    pub password: String,
    /// The terms must be accepted.
    pub accept_terms: bool,
    /// Left empty by people; a form field hidden from them that bots fill in.
    #[serde(default)]
    pub website: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    /// A link to confirm the address is on its way.
    ConfirmationSent,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupAnswer {
    pub status: SignupStatus,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SignupConfirmation {
    /// The token of the mailed link (after `#token=`).
    #[validate(length(min = 1, max = 200, message = "is required"))]
    pub token: String,
}

/// The company a confirmed sign-up opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmedSignup {
    /// Sign in with this (it has `-2`, `-3`, … when the slug asked for was
    /// taken in the meantime).
    pub company_slug: String,
    pub company_name: String,
    /// Brand colour, `#rrggbb`; an admin changes it.
    pub company_color: String,
    pub email: String,
    /// The address already signed in to FieldOps: it signs in with the password
    /// it had, and the company is one more of its memberships.
    pub existing_account: bool,
}

fn turned_off() -> Error {
    Error::ForbiddenBecause(
        "self-service sign-up is turned off on this server: ask its operator to create your company".into(),
    )
}

/// The slug a sign-up asks for: the one given, checked, or one made of the
/// company's name (transliterated: "Müller Sanitär" is `muller-sanitar`).
fn requested_slug(body: &Signup) -> Result<(String, bool)> {
    match body.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(given) => {
            let well_formed = given.len() <= SLUG_MAX
                && given.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !given.starts_with('-')
                && !given.ends_with('-');
            if !well_formed {
                return Err(Error::field(
                    "slug",
                    "use lowercase letters, digits and hyphens (not first or last), at most 55",
                ));
            }
            if is_reserved(given) {
                return Err(Error::field("slug", "is reserved: choose another"));
            }
            Ok((given.to_owned(), true))
        }
        None => {
            let mut derived = slug::slugify(&body.company_name);
            derived.truncate(SLUG_MAX);
            let derived = derived.trim_matches('-').to_owned();
            let derived = if derived.is_empty() || is_reserved(&derived) {
                format!("company-{derived}").trim_end_matches('-').to_owned()
            } else {
                derived
            };
            Ok((derived, false))
        }
    }
}

fn is_reserved(slug: &str) -> bool {
    RESERVED_SLUGS.contains(&slug) || slug.starts_with("signup-")
}

/// Whether this server takes self-service sign-ups (`SIGNUP`), for the
/// sign-in page's "Create a company".
#[utoipa::path(
    get, path = "/api/v1/signup", tag = "signup",
    responses((status = 200, description = "Whether sign-up is open", body = SignupSettings))
)]
async fn signup_settings(State(state): State<AppState>) -> AppJson<SignupSettings> {
    AppJson(SignupSettings { enabled: state.auth.signup_open })
}

/// Creates a new company with you as its first admin.
///
/// A link to confirm the address is mailed (24 hours, single use); the
/// company opens when it is followed. Until then it exists, inactive, and
/// nobody signs in to it. Signing up again from the same address replaces the
/// pending sign-up and its link. An address that already signs in to FieldOps
/// keeps its password: the company becomes one more of its memberships.
/// A filled-in honeypot (`website`) is answered 202 and nothing happens.
#[utoipa::path(
    post, path = "/api/v1/signup", tag = "signup",
    request_body = Signup,
    responses(
        (status = 202, description = "A confirmation link is on its way", body = SignupAnswer),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 403, description = "Sign-up is turned off on this server", body = Problem),
        (status = 422, description = "Invalid fields: a slug that is taken, reserved or malformed (`slug`), \
                                      a password too easy to guess (`password`, with advice), terms not \
                                      accepted (`accept_terms`)", body = Problem),
        (status = 429, description = "Too many sign-ups for this email or client address",
         body = Problem, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
async fn sign_up(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    AppJson(body): AppJson<Signup>,
) -> Result<(StatusCode, AppJson<SignupAnswer>)> {
    if !state.auth.signup_open {
        return Err(turned_off());
    }
    let sent =
        || Ok((StatusCode::ACCEPTED, AppJson(SignupAnswer { status: SignupStatus::ConfirmationSent })));
    if body.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        tracing::info!("sign-up dropped: honeypot filled in");
        return sent();
    }
    body.validate()?;
    if !body.accept_terms {
        return Err(Error::field("accept_terms", "must be accepted to sign up"));
    }
    if body.company_name.trim().is_empty() {
        return Err(Error::field("company_name", "is required"));
    }
    if body.name.trim().is_empty() {
        return Err(Error::field("name", "is required"));
    }
    let (slug, slug_chosen) = requested_slug(&body)?;
    let client_ip = addr.map(|ip| ip.to_string());

    // Counted in a statement of its own, so that a refusal below still counts.
    let retry_after = sqlx::query_scalar!(
        r#"select auth.signup_attempt($1, $2, $3, interval '1 hour') as "retry_after!""#,
        body.email,
        client_ip,
        state.auth.signups_per_hour as i32,
    )
    .fetch_one(&state.login_db)
    .await?;
    if retry_after > 0 {
        tracing::warn!("sign-up throttled");
        return Err(Error::TooManyRequests { retry_after_secs: retry_after as u64 });
    }

    let words = vec![body.name.clone(), body.email.clone(), body.company_name.clone(), slug.clone()];
    password_strength::require_strong("password", &body.password, words).await?;
    let hash = password::hash(body.password.clone()).await?;

    // The address's pending company, if it has one, is started again: its
    // new link's token must name it.
    let pending = sqlx::query_scalar!("select auth.signup_pending_company($1)", body.email)
        .fetch_one(&state.login_db)
        .await?;
    let company_id = pending.unwrap_or_else(Uuid::new_v4);
    let token = tokens::generate(company_id);
    let expires = Utc::now() + chrono::Duration::hours(i64::from(CONFIRM_HOURS));

    let mut flow = sign_in::begin(&state.login_db).await?;
    let outcome = sqlx::query_scalar!(
        r#"select auth.signup_start($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) as "outcome!""#,
        company_id,
        body.company_name.trim(),
        slug,
        slug_chosen,
        body.name.trim(),
        body.email.trim(),
        hash,
        tokens::digest(&token),
        expires,
        client_ip,
    )
    .fetch_one(&mut *flow)
    .await?;
    let existing_account = match outcome.as_str() {
        "started" => false,
        "started_existing" => true,
        "slug_taken" => return Err(Error::field("slug", "is taken: choose another")),
        other => return Err(Error::Internal(anyhow::anyhow!("auth.signup_start answered {other:?}"))),
    };
    let link = format!("{}/signup/confirm#token={token}", state.config.server.public_url);
    let mail = templates::company_signup(
        body.email.trim(),
        body.name.trim(),
        body.company_name.trim(),
        &link,
        CONFIRM_HOURS,
        existing_account,
    );
    outbox::enqueue(&mut flow, company_id, &mail).await?;
    flow.commit().await?;
    state.mail.notify();
    tracing::info!(%company_id, restarted = pending.is_some(), "sign-up started");
    sent()
}

/// Confirms a sign-up with the mailed token: the company opens, with the
/// address's person as its first admin (the default Admin role).
#[utoipa::path(
    post, path = "/api/v1/signup/confirm", tag = "signup",
    request_body = SignupConfirmation,
    responses(
        (status = 201, description = "The company is open: sign in to it", body = ConfirmedSignup),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 403, description = "Sign-up is turned off on this server", body = Problem),
        (status = 422, description = "Unknown, used, replaced or expired link (`errors.token`)", body = Problem),
    )
)]
async fn confirm_signup(
    State(state): State<AppState>,
    AppJson(body): AppJson<SignupConfirmation>,
) -> Result<(StatusCode, AppJson<ConfirmedSignup>)> {
    if !state.auth.signup_open {
        return Err(turned_off());
    }
    body.validate()?;
    let invalid_link = || {
        Error::field("token", "this link is unknown, used, replaced by a newer one or expired; sign up again")
    };
    let company_id = tokens::company_of(&body.token).ok_or_else(invalid_link)?;
    let mut flow = sign_in::begin(&state.login_db).await?;
    let confirmed = sqlx::query!(
        r#"select outcome as "outcome!", user_id, company_slug, company_name, company_color, email, existing_account
           from auth.signup_confirm($1, $2)"#,
        company_id,
        tokens::digest(&body.token),
    )
    .fetch_one(&mut *flow)
    .await?;
    let (
        "confirmed",
        Some(user_id),
        Some(company_slug),
        Some(company_name),
        Some(company_color),
        Some(email),
        Some(existing_account),
    ) = (
        confirmed.outcome.as_str(),
        confirmed.user_id,
        confirmed.company_slug,
        confirmed.company_name,
        confirmed.company_color,
        confirmed.email,
        confirmed.existing_account,
    )
    else {
        return Err(invalid_link());
    };
    flow.commit().await?;
    tracing::info!(%company_id, %user_id, "sign-up confirmed: company opened");
    Ok((
        StatusCode::CREATED,
        AppJson(ConfirmedSignup { company_slug, company_name, company_color, email, existing_account }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signup(company_name: &str, slug: Option<&str>) -> Signup {
        Signup {
            company_name: company_name.into(),
            slug: slug.map(Into::into),
            name: "Sam".into(),
            email: "sam@example.com".into(),
            password: "x".into(),
            accept_terms: true,
            website: None,
        }
    }

    #[test]
    fn a_slug_is_made_of_the_name_when_none_is_given() {
        let slug = |name: &str| requested_slug(&signup(name, None)).expect("derived").0;
        assert_eq!(slug("Acme Plumbing & Heating"), "acme-plumbing-heating");
        assert_eq!(slug("Müller Sanitär GmbH"), "muller-sanitar-gmbh");
        assert_eq!(slug("!!!"), "company");
        assert_eq!(slug("Admin"), "company-admin");
        assert!(slug(&"Very Long Name ".repeat(10)).len() <= SLUG_MAX);
        assert!(!slug(&"ab ".repeat(40)).ends_with('-'));
    }

    #[test]
    fn a_given_slug_is_taken_as_it_is_or_refused() {
        assert_eq!(requested_slug(&signup("X", Some("north-star"))).expect("valid").0, "north-star");
        for bad in ["North", "-north", "north-", "north star", "signup-abc", "admin"] {
            assert!(requested_slug(&signup("X", Some(bad))).is_err(), "{bad} must be refused");
        }
    }
}
