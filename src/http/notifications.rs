//! Notification mails (issue #17): each user's preference, and the one-click
//! unsubscribe link every notification mail carries.
//!
//! The mails themselves are queued by triggers in the statement of the change
//! that causes them (db/migrations/0030), which skip a user who turned them
//! off. Account mails (verification, reset, an account's approval or
//! rejection) are sent regardless.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use validator::Validate;

use crate::auth::tokens;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    sign_in, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_preferences, put_preferences)).routes(routes!(unsubscribe))
}

/// Your notification mails: new messages, job status changes, decisions on
/// your requests.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    pub mail_notifications: bool,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Unsubscribe {
    /// The token of the mail's link (after `#token=`).
    #[validate(length(equal = 64, message = "is not a link of ours"))]
    pub token: String,
}

/// Your notification preference (every role).
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, description = "Your preference", body = NotificationPreferences))
)]
async fn get_preferences(mut ctx: Ctx) -> Result<AppJson<NotificationPreferences>> {
    let off = sqlx::query_scalar!(
        "select mail_notifications from app.notification_preferences where company_id = $1 and user_id = $2",
        ctx.user.company_id,
        ctx.user.user_id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(NotificationPreferences { mail_notifications: off.unwrap_or(true) }))
}

/// Turns your notification mails on or off (every role).
#[utoipa::path(
    put, path = "/api/v1/me/notifications", tag = "notifications",
    request_body = NotificationPreferences,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = NotificationPreferences),
        (status = 422, description = "Invalid body", body = Problem),
    )
)]
async fn put_preferences(
    mut ctx: Ctx,
    AppJson(body): AppJson<NotificationPreferences>,
) -> Result<AppJson<NotificationPreferences>> {
    let saved = sqlx::query_scalar!(
        "insert into app.notification_preferences (user_id, mail_notifications) values ($1, $2)
         on conflict (company_id, user_id) do update set mail_notifications = excluded.mail_notifications
         returning mail_notifications",
        ctx.user.user_id,
        body.mail_notifications,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(NotificationPreferences { mail_notifications: saved }))
}

/// The one-click unsubscribe of a notification mail's link: turns that
/// person's notification mails off, without signing in. Account mails still
/// come.
#[utoipa::path(
    post, path = "/api/v1/portal/{slug}/unsubscribe", tag = "notifications",
    params(("slug" = String, Path, description = "The company's slug")),
    request_body = Unsubscribe,
    responses(
        (status = 200, description = "Notification mails are off", body = NotificationPreferences),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 404, description = "No active company by that slug", body = Problem),
        (status = 422, description = "Not a link of ours (`errors.token`)", body = Problem),
    )
)]
async fn unsubscribe(
    State(state): State<AppState>,
    AppPath(slug): AppPath<String>,
    AppJson(body): AppJson<Unsubscribe>,
) -> Result<AppJson<NotificationPreferences>> {
    body.validate()?;
    let mut flow = sign_in::begin(&state.login_db).await?;
    let company_id =
        sqlx::query_scalar!(r#"select company_id as "company_id!" from auth.portal_lookup($1)"#, slug)
            .fetch_optional(&mut *flow)
            .await?
            .ok_or(Error::NotFound)?;
    let known = sqlx::query_scalar!(
        r#"select auth.portal_unsubscribe($1, $2) as "known!""#,
        company_id,
        tokens::digest(&body.token),
    )
    .fetch_one(&mut *flow)
    .await?;
    if !known {
        return Err(Error::field("token", "this link is not one of ours"));
    }
    flow.commit().await?;
    tracing::info!(%company_id, "notification mails turned off by an unsubscribe link");
    Ok(AppJson(NotificationPreferences { mail_notifications: false }))
}
