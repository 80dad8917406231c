//! The signed-in person's own profile (issue #17): a customer renames itself,
//! and anyone changes its email by confirming the new address. The name is a
//! plain edit of the caller's own user row (db/policies/users.sql); the email
//! changes only through the link mailed to the new address, over the sign-in
//! pool (auth.email_change_*, db/migrations/0030), so no request role can
//! set an address nobody confirmed. Both are in the company's history.

use axum::{extract::State, http::StatusCode};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use validator::Validate;

use crate::auth::{tokens, Role};
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::AppJson,
    sign_in, AppState,
};
use crate::mail::{outbox, templates};

/// How long a confirmation link of a new email works.
const CONFIRM_HOURS: u32 = 24;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_profile))
        .routes(routes!(change_email))
        .routes(routes!(confirm_email))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProfileEdit {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileName {
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EmailChange {
    #[validate(email(message = "is not a valid email address"), length(max = 254, message = "is too long"))]
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EmailConfirmation {
    #[validate(length(min = 1, max = 200, message = "is required"))]
    pub token: String,
}

/// Renames yourself (customers; staff are renamed by an admin).
#[utoipa::path(
    patch, path = "/api/v1/me/profile", tag = "notifications",
    request_body = ProfileEdit,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = ProfileName),
        (status = 403, description = "Not a customer", body = Problem),
        (status = 422, description = "Invalid name", body = Problem),
    )
)]
async fn update_profile(mut ctx: Ctx, AppJson(body): AppJson<ProfileEdit>) -> Result<AppJson<ProfileName>> {
    ctx.require(&[Role::Customer])?;
    body.validate()?;
    let name = body.name.trim();
    if name.is_empty() {
        return Err(Error::field("name", "must be 1 to 200 characters"));
    }
    let name = sqlx::query_scalar!(
        "update app.users set name = $3 where company_id = $1 and id = $2 returning name",
        ctx.user.company_id,
        ctx.user.user_id,
        name,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(ProfileName { name }))
}

/// Asks to sign in with a new email: a link to confirm it is mailed there (24
/// hours, single use); until then the old address stays. Always 202, whether
/// or not another login has the address.
#[utoipa::path(
    post, path = "/api/v1/me/email", tag = "notifications",
    request_body = EmailChange,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "If the address is free, a confirmation link is on its way"),
        (status = 422, description = "Invalid email", body = Problem),
    )
)]
async fn change_email(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppJson(body): AppJson<EmailChange>,
) -> Result<StatusCode> {
    body.validate()?;
    let (company_id, user_id) = (ctx.user.company_id, ctx.user.user_id);
    let me = sqlx::query!(
        "select u.name, c.name as company_name, c.slug, c.color
         from app.users u join app.companies c on c.id = u.company_id
         where u.company_id = $1 and u.id = $2",
        company_id,
        user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let email = body.email.trim();
    let token = tokens::generate(company_id);
    let expires = Utc::now() + chrono::Duration::hours(i64::from(CONFIRM_HOURS));
    let mut flow = sign_in::begin(&state.login_db).await?;
    let recorded = sqlx::query_scalar!(
        r#"select auth.email_change_request($1, $2, $3, $4, $5) as "recorded!""#,
        company_id,
        user_id,
        email,
        tokens::digest(&token),
        expires,
    )
    .fetch_one(&mut *flow)
    .await?;
    if recorded {
        let link = format!("{}/p/{}/email#token={token}", state.config.server.public_url, me.slug);
        let brand = templates::Brand { company_name: &me.company_name, color: &me.color };
        let mail = templates::email_change(&brand, email, &me.name, &link, CONFIRM_HOURS);
        outbox::enqueue(&mut flow, company_id, &mail).await?;
    }
    flow.commit().await?;
    state.mail.notify();
    Ok(StatusCode::ACCEPTED)
}

/// Confirms a new email with the mailed link: it is the login's address from
/// now on.
#[utoipa::path(
    post, path = "/api/v1/me/email/confirm", tag = "notifications",
    request_body = EmailConfirmation,
    responses(
        (status = 204, description = "The new email is confirmed"),
        (status = 422, description = "Unknown, used or expired link, or the address is taken (`errors.token`)", body = Problem),
    )
)]
async fn confirm_email(
    State(state): State<AppState>,
    AppJson(body): AppJson<EmailConfirmation>,
) -> Result<StatusCode> {
    body.validate()?;
    let invalid = || Error::field("token", "this link is unknown, used or expired; ask for a new one");
    let company_id = tokens::company_of(&body.token).ok_or_else(invalid)?;
    let mut flow = sign_in::begin(&state.login_db).await?;
    let user_id = sqlx::query_scalar!(
        r#"select auth.email_change_confirm($1, $2) as "user_id""#,
        company_id,
        tokens::digest(&body.token),
    )
    .fetch_one(&mut *flow)
    .await?
    .ok_or_else(invalid)?;
    flow.commit().await?;
    tracing::info!(%company_id, %user_id, "email change confirmed");
    Ok(StatusCode::NO_CONTENT)
}
