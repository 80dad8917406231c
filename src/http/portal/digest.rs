//! The daily digest of waiting job requests, as admins set it up: who of
//! them receives it and at which hour (UTC). The mails themselves are queued
//! by the task in src/mail/digest.rs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::AppJson,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_digest, put_digest))
}

/// Who receives the daily digest of waiting requests, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct DigestSettings {
    /// The hour of the day (0 to 23, UTC) from which the day's digest goes out.
    pub hour: i16,
    /// The admins who receive it; none: nobody is mailed.
    pub recipient_ids: Vec<Uuid>,
    /// The last day the digest ran, if ever.
    pub last_run: Option<DigestRun>,
}

/// One day's digest.
#[derive(Debug, Serialize, ToSchema)]
pub struct DigestRun {
    pub digest_date: NaiveDate,
    /// The requests waiting that day.
    pub requests: i32,
    /// The mails queued (none when nothing waited).
    pub mails: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PutDigest {
    /// 0 to 23 (UTC).
    #[validate(range(min = 0, max = 23, message = "must be 0 to 23"))]
    pub hour: i16,
    /// Active admins of your company, each at most once.
    #[validate(length(max = 100, message = "names at most 100 people"))]
    pub recipient_ids: Vec<Uuid>,
}

/// The daily digest's recipients and hour (admins).
#[utoipa::path(
    get, path = "/api/v1/portal-digest", tag = "portal",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The digest settings", body = DigestSettings),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn get_digest(mut ctx: Ctx) -> Result<AppJson<DigestSettings>> {
    ctx.require(&[Role::Admin])?;
    let settings = read(&mut ctx).await?;
    ctx.commit().await?;
    Ok(AppJson(settings))
}

/// Chooses who receives the daily digest and from which hour (admins).
#[utoipa::path(
    put, path = "/api/v1/portal-digest", tag = "portal",
    request_body = PutDigest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = DigestSettings),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "An hour out of range, or a recipient who is not an active admin of yours",
         body = Problem),
    )
)]
async fn put_digest(mut ctx: Ctx, AppJson(body): AppJson<PutDigest>) -> Result<AppJson<DigestSettings>> {
    ctx.require(&[Role::Admin])?;
    body.validate()?;
    let mut ids = body.recipient_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.len() != body.recipient_ids.len() {
        return Err(Error::field("recipient_ids", "names each person at most once"));
    }
    let company_id = ctx.user.company_id;
    let admins = sqlx::query_scalar!(
        r#"select count(*) as "count!" from app.users
           where company_id = $1 and id = any($2) and role = 'ADMIN' and is_active and deleted_at is null"#,
        company_id,
        &ids
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if usize::try_from(admins).unwrap_or(0) != ids.len() {
        return Err(Error::field(
            "recipient_ids",
            "names someone who is not an active admin of your company",
        ));
    }
    // The hour lives with the portal settings: their first save, or an edit.
    sqlx::query!(
        "insert into app.portal_settings (digest_hour) values ($2)
         on conflict (company_id) do update set digest_hour = excluded.digest_hour
         where portal_settings.company_id = $1",
        company_id,
        body.hour
    )
    .execute(&mut *ctx.tx)
    .await?;
    sqlx::query!(
        "delete from app.digest_recipients where company_id = $1 and not (user_id = any($2))",
        company_id,
        &ids
    )
    .execute(&mut *ctx.tx)
    .await?;
    // One statement per person: Citus refuses INSERT … SELECT from unnest.
    for id in &ids {
        sqlx::query!(
            "insert into app.digest_recipients (user_id) values ($1) on conflict (company_id, user_id) do nothing",
            id
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    let settings = read(&mut ctx).await?;
    ctx.commit().await?;
    Ok(AppJson(settings))
}

async fn read(ctx: &mut Ctx) -> Result<DigestSettings> {
    let company_id = ctx.user.company_id;
    let hour =
        sqlx::query_scalar!("select digest_hour from app.portal_settings where company_id = $1", company_id)
            .fetch_optional(&mut *ctx.tx)
            .await?
            // The column's default until the settings are saved.
            .unwrap_or(7);
    let recipient_ids = sqlx::query_scalar!(
        "select user_id from app.digest_recipients where company_id = $1 order by created_at, user_id",
        company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let last_run = sqlx::query_as!(
        DigestRun,
        "select digest_date, requests, mails, created_at from app.digest_runs
         where company_id = $1 order by digest_date desc limit 1",
        company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    Ok(DigestSettings { hour, recipient_ids, last_run })
}
