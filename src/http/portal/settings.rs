//! The company's portal settings (admins) and its public portal page.

use axum::{extract::State, response::IntoResponse};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use validator::Validate;

use super::{PortalSettings, RegistrationMode, RequestField};
use crate::auth::Role;
use crate::http::shared::{
    concurrency::{etag, IfMatch},
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    sign_in, AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, put_settings)).routes(routes!(portal_page))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PutPortalSettings {
    pub registration_mode: RegistrationMode,
    /// Each field at most once.
    #[validate(length(max = 5, message = "names each field at most once"))]
    pub locked_fields: Vec<RequestField>,
    pub job_status_mails: bool,
}

/// What anyone may know of a company's portal before signing in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalPage {
    pub company_name: String,
    /// `#rrggbb`
    pub color: String,
    pub registration_mode: RegistrationMode,
}

/// The portal settings of your company (admins).
#[utoipa::path(
    get, path = "/api/v1/portal-settings", tag = "portal",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings (the defaults, version 0, until first saved)",
         body = PortalSettings, headers(("ETag" = String, description = "The settings' version"))),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn get_settings(mut ctx: Ctx) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    let row = sqlx::query_scalar!(
        r#"select to_jsonb(s) as "row!: Json<PortalSettings>"
           from (select registration_mode, locked_fields, job_status_mails, version
                 from app.portal_settings where company_id = $1) s"#,
        ctx.user.company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let settings = row.map(|Json(s)| s).unwrap_or_default();
    Ok((etag(settings.version), AppJson(settings)))
}

/// Saves your company's portal settings (admins); `If-Match` makes the save
/// conditional on the version read (`"0"`: nobody saved them yet).
#[utoipa::path(
    put, path = "/api/v1/portal-settings", tag = "portal",
    request_body = PutPortalSettings,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = PortalSettings,
         headers(("ETag" = String, description = "The settings' new version"))),
        (status = 400, description = "Malformed body or If-Match", body = Problem),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn put_settings(
    mut ctx: Ctx,
    if_match: IfMatch,
    AppJson(body): AppJson<PutPortalSettings>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    body.validate()?;
    let mut locked: Vec<&'static str> = Vec::new();
    for field in &body.locked_fields {
        let name = field_name(*field);
        if locked.contains(&name) {
            return Err(Error::field("locked_fields", "names each field at most once"));
        }
        locked.push(name);
    }
    let locked: Vec<String> = locked.into_iter().map(str::to_owned).collect();
    let mode = mode_name(body.registration_mode);
    // One row per company, one statement: the first save inserts it, a later
    // one updates it when If-Match is absent or names its version.
    let saved = sqlx::query_scalar!(
        r#"with saved as (
             insert into app.portal_settings (registration_mode, locked_fields, job_status_mails)
             values ($2, $3, $4)
             on conflict (company_id) do update
               set registration_mode = excluded.registration_mode,
                   locked_fields = excluded.locked_fields,
                   job_status_mails = excluded.job_status_mails
               -- The row's company is the default's, app.session_company_hint(),
               -- which the policy's WITH CHECK verifies; $1 names it for Citus.
               where portal_settings.company_id = $1 and ($5::int is null or portal_settings.version = $5)
             returning registration_mode, locked_fields, job_status_mails, version)
           select to_jsonb(s) as "row!: Json<PortalSettings>" from saved s"#,
        ctx.user.company_id,
        mode,
        &locked,
        body.job_status_mails,
        if_match.0,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    // A first save (version 1) is an insert: against a saved version named by
    // If-Match, the client read settings that are not there. The early return
    // drops the transaction, which rolls the insert back.
    .filter(|Json(s)| !(s.version == 1 && if_match.0.is_some_and(|v| v != 0)));
    // Nothing written: If-Match named a version the settings do not have.
    // Never 404: every company has its settings, saved or not.
    let Json(settings) = saved.ok_or(Error::PreconditionFailed)?;
    ctx.commit().await?;
    Ok((etag(settings.version), AppJson(settings)))
}

/// A company's public portal page: its name, colour and who may register. No login.
#[utoipa::path(
    get, path = "/api/v1/portal/{slug}", tag = "portal",
    params(("slug" = String, Path, description = "The company's slug, e.g. `acme`")),
    responses(
        (status = 200, description = "The company's portal", body = PortalPage),
        (status = 404, description = "No active company by that slug", body = Problem),
    )
)]
async fn portal_page(
    State(state): State<AppState>,
    AppPath(slug): AppPath<String>,
) -> Result<impl IntoResponse> {
    if slug.is_empty() || slug.len() > 63 {
        return Err(Error::NotFound);
    }
    let mut flow = sign_in::begin(&state.login_db).await?;
    let page = sqlx::query!(
        r#"select company_name as "company_name!", company_color as "color!",
                  registration_mode as "registration_mode!"
           from auth.portal_lookup($1)"#,
        slug
    )
    .fetch_optional(&mut *flow)
    .await?
    .ok_or(Error::NotFound)?;
    flow.commit().await?;
    let registration_mode = serde_json::from_value(serde_json::Value::String(page.registration_mode))
        .map_err(anyhow::Error::from)?;
    Ok(AppJson(PortalPage { company_name: page.company_name, color: page.color, registration_mode }))
}

fn mode_name(mode: RegistrationMode) -> &'static str {
    match mode {
        RegistrationMode::Open => "open",
        RegistrationMode::Approval => "approval",
        RegistrationMode::Invitation => "invitation",
    }
}

fn field_name(field: RequestField) -> &'static str {
    match field {
        RequestField::Title => "title",
        RequestField::Description => "description",
        RequestField::PreferredWindows => "preferred_windows",
        RequestField::ServiceLocationId => "service_location_id",
        RequestField::Urgency => "urgency",
    }
}
