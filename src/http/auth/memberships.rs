//! People in several companies (docs/organizations.md): a sign-in without a
//! company, the list of the signed-in person's memberships, and the switch to
//! another of them without the password.
//!
//! All of it runs over the sign-in pool through the definer functions of
//! db/migrations/0034, as `GET /auth/me` does: no request role may read
//! app.identities, and a request's context names exactly one company. A switch
//! is a new session of the other membership, issued for it alone; the old
//! session stays valid until it ends or is revoked.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use super::{signed_in, LoginRequest, LoginUser, TokenResponse};
use crate::auth::Role;
use crate::http::shared::{
    client_addr::ClientAddr,
    context::CurrentUser,
    error::{Error, Problem, Result},
    extract::AppJson,
    identity::{attempt_succeeded, session_identity, verify_password},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_memberships)).routes(routes!(switch))
}

/// One company the person may act in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Membership {
    pub company_id: Uuid,
    pub slug: String,
    pub name: String,
    /// Brand color, `#rrggbb`.
    pub color: String,
    pub role: Role,
    /// The company the token that asked (or the one just issued) acts in.
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipList {
    pub memberships: Vec<Membership>,
}

/// The 409 of a sign-in without `company` when the person has several
/// memberships and none was used last: a problem+json with the choices.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipChoice {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SwitchRequest {
    /// The slug of the company to switch to.
    #[validate(length(min = 1, max = 63, message = "is required"))]
    pub company: String,
}

/// What `auth.identity_memberships` answers for one membership.
struct MembershipRow {
    user_id: Uuid,
    company_id: Uuid,
    role: Role,
    customer_id: Option<Uuid>,
    name: String,
    email: String,
    company_name: String,
    company_slug: String,
    company_color: String,
}

impl MembershipRow {
    fn listed(&self, current: Uuid) -> Membership {
        Membership {
            company_id: self.company_id,
            slug: self.company_slug.clone(),
            name: self.company_name.clone(),
            color: self.company_color.clone(),
            role: self.role,
            current: self.company_id == current,
        }
    }

    fn into_login(self) -> LoginUser {
        LoginUser {
            user_id: self.user_id,
            company_id: self.company_id,
            role: self.role,
            customer_id: self.customer_id,
            name: self.name,
            email: self.email,
            company_name: self.company_name,
            company_slug: self.company_slug,
            company_color: self.company_color,
        }
    }
}

fn listed(rows: &[MembershipRow], current: Uuid) -> Vec<Membership> {
    rows.iter().map(|row| row.listed(current)).collect()
}

async fn identity_memberships(state: &AppState, identity_id: Uuid) -> Result<Vec<MembershipRow>> {
    Ok(sqlx::query_as!(
        MembershipRow,
        r#"select user_id as "user_id!", company_id as "company_id!", role as "role!: Role", customer_id,
                  name as "name!", email as "email!", company_name as "company_name!",
                  company_slug as "company_slug!", company_color as "company_color!"
           from auth.identity_memberships($1)"#,
        identity_id,
    )
    .fetch_all(&state.login_db)
    .await?)
}

/// A sign-in without `company` (see `login`): the identity's password, then
/// its memberships decide.
pub(super) async fn login_without_company(
    state: &AppState,
    headers: &HeaderMap,
    client_ip: Option<String>,
    jar: CookieJar,
    body: &LoginRequest,
) -> Result<Response> {
    let person = verify_password(state, &body.email, client_ip.clone(), body.password.clone()).await?;
    let mut rows = identity_memberships(state, person.identity_id).await?;
    if rows.is_empty() {
        // Every membership deleted or deactivated: the same 401 as a wrong
        // password, and counted as a failure like one.
        tracing::info!("login without company: no live membership");
        crate::metrics::login_failed();
        return Err(Error::InvalidCredentials);
    }
    attempt_succeeded(state, person.attempt_id).await?;

    let chosen = if rows.len() == 1 {
        0
    } else if let Some(last) = rows.iter().position(|row| Some(row.company_id) == person.last_company_id) {
        last
    } else {
        return Ok(choose_company(listed(&rows, Uuid::nil())));
    };
    let memberships = listed(&rows, rows[chosen].company_id);
    signed_in(state, headers, client_ip, jar, rows.swap_remove(chosen).into_login(), Some(memberships)).await
}

fn choose_company(memberships: Vec<Membership>) -> Response {
    let status = StatusCode::CONFLICT;
    let body = MembershipChoice {
        kind: "urn:fieldops:problem:choose-company".to_owned(),
        title: "Conflict".to_owned(),
        status: status.as_u16(),
        detail: "you are a member of several companies: sign in again naming one of them in `company`"
            .to_owned(),
        memberships,
    };
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The companies the signed-in person may switch to, this one included.
///
/// A membership that signs in with a password of its own (one company's
/// admin set it) speaks for that membership only: its list is itself.
#[utoipa::path(
    get, path = "/api/v1/auth/memberships", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The person's live memberships", body = MembershipList),
        (status = 401, description = "Not signed in", body = Problem),
    )
)]
async fn list_memberships(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<AppJson<MembershipList>> {
    let (identity_id, speaks_for_identity) = session_identity(&state, &user).await?;
    let rows = identity_memberships(&state, identity_id).await?;
    let memberships = listed(&rows, user.company_id)
        .into_iter()
        .filter(|membership| speaks_for_identity || membership.current)
        .collect();
    Ok(AppJson(MembershipList { memberships }))
}

/// Switches to another company of the same person without the password: a
/// new session of that membership, with its own tokens. The caller's token
/// keeps working until it expires or is signed out.
#[utoipa::path(
    post, path = "/api/v1/auth/switch", tag = "auth",
    security(("bearer" = [])),
    request_body = SwitchRequest,
    responses(
        (status = 200, description = "Signed in to the other company", body = TokenResponse),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "This membership signs in with a password of its own and cannot switch",
         body = Problem),
        (status = 404, description = "No live membership in that company", body = Problem),
        (status = 422, description = "Invalid body", body = Problem),
    )
)]
async fn switch(
    user: CurrentUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    AppJson(body): AppJson<SwitchRequest>,
) -> Result<Response> {
    body.validate()?;
    let (identity_id, speaks_for_identity) = session_identity(&state, &user).await?;
    if !speaks_for_identity {
        return Err(Error::Forbidden);
    }
    let mut rows = identity_memberships(&state, identity_id).await?;
    let target = rows
        .iter()
        .position(|row| row.company_slug.eq_ignore_ascii_case(body.company.trim()))
        .ok_or(Error::NotFound)?;
    let memberships = listed(&rows, rows[target].company_id);
    let client_ip = addr.map(|ip| ip.to_string());
    signed_in(&state, &headers, client_ip, jar, rows.swap_remove(target).into_login(), Some(memberships))
        .await
}
