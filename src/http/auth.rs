//! Sign-in, token refresh with rotation, sign-out and the current user.
//!
//! Browser clients (header `X-Requested-With: fieldops-web`) get the refresh
//! token in an HttpOnly, SameSite=Strict cookie scoped to `/api/v1/auth` and never
//! see it in a body; other clients receive it in the JSON body.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{password, tokens, Role};
use crate::http::shared::{
    client_addr::ClientAddr,
    context::{Ctx, CurrentUser},
    error::{Error, Problem, Result},
    extract::AppJson,
    sign_in, AppState,
};

pub const REFRESH_COOKIE: &str = "fieldops_refresh";
pub const BROWSER_CLIENT_HEADER: &str = "x-requested-with";
pub const BROWSER_CLIENT_VALUE: &str = "fieldops-web";

mod memberships;
mod password_reset;

pub use memberships::{Membership, MembershipChoice};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
        .merge(memberships::router())
        .merge(password_reset::router())
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct LoginRequest {
    /// The company's slug, e.g. `acme`. Optional: without it the person's
    /// memberships decide (see the endpoint).
    #[validate(length(min = 1, max = 63, message = "is required"))]
    pub company: Option<String>,
    #[validate(length(min = 1, max = 254, message = "is required"))]
    pub email: String,
    #[validate(length(min = 1, max = 1024, message = "is required"))]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct RefreshRequest {
    /// Omit when the browser's refresh cookie carries it.
    pub refresh_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyInfo {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// Brand color, `#rrggbb`.
    pub color: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// The kind of member.
    pub role: Role,
    /// The company role the membership holds, and its name.
    pub role_id: Uuid,
    pub role_name: String,
    /// What the role allows (`resource.action`), for showing and hiding; the
    /// database decides regardless.
    pub permissions: Vec<String>,
    pub customer_id: Option<Uuid>,
    pub company: CompanyInfo,
    /// The branch a branch-scoped ADMIN or WORKER membership sees (from the
    /// verified context); absent for company-wide members and customers, and
    /// in sign-in answers (`GET /auth/me` has it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<BranchInfo>,
}

/// A branch as the header shows it: name and colour.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BranchInfo {
    pub id: Uuid,
    pub name: String,
    /// `#rrggbb`
    pub color: String,
}

/// The role and permissions of a live session, over the sign-in pool.
async fn session_role<'c, E>(
    executor: E,
    session_id: Uuid,
    user_id: Uuid,
    company_id: Uuid,
) -> Result<(Uuid, String, Vec<String>)>
where
    E: sqlx::PgExecutor<'c>,
{
    let row = sqlx::query!(
        r#"select role_id as "role_id!", role_name as "role_name!", permissions as "permissions!"
           from auth.session_role($1, $2, $3)"#,
        session_id,
        user_id,
        company_id
    )
    .fetch_optional(executor)
    .await?
    .ok_or(Error::Unauthorized)?;
    Ok((row.role_id, row.role_name, row.permissions))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Absent for browser clients, which receive it as an HttpOnly cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: String,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    /// The signed-in user (login and switch only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Profile>,
    /// Every company the person may switch to, this one included (a sign-in
    /// without `company`, and a switch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memberships: Option<Vec<Membership>>,
}

/// A sign-in of an address that is no user: a portal registration not (yet)
/// approved says why, to whoever knows its password; anything else is the
/// usual refusal.
async fn portal_account_refusal(state: &AppState, body: &LoginRequest, company: &str) -> Result<Error> {
    let account = sqlx::query!(
        r#"select state as "state!", password_hash as "password_hash!", rejected_reason
           from auth.portal_account_status($1, $2)"#,
        company,
        body.email,
    )
    .fetch_optional(&state.login_db)
    .await?;
    // The same argon2 work whether the address registered or not (a dummy
    // hash without a registration): the time of the refusal tells nothing.
    crate::metrics::password_verified();
    let matches =
        password::verify(body.password.clone(), account.as_ref().map(|a| a.password_hash.clone())).await?;
    let Some(account) = account.filter(|_| matches) else {
        tracing::info!(company = %company, "failed login");
        return Ok(Error::InvalidCredentials);
    };
    tracing::info!(company = %company, state = %account.state, "sign-in of a portal account not approved");
    Ok(Error::AccountNotReady(match account.state.as_str() {
        "unverified" => {
            "confirm your email first: open the link we mailed you (or ask for a new one)".to_owned()
        }
        "pending" => "your account is waiting for the company's approval; you will get a mail".to_owned(),
        _ => format!(
            "your registration was declined: {}",
            account.rejected_reason.as_deref().unwrap_or("no reason given")
        ),
    }))
}

fn is_browser(headers: &HeaderMap) -> bool {
    headers
        .get(BROWSER_CLIENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case(BROWSER_CLIENT_VALUE))
}

fn refresh_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((REFRESH_COOKIE, value))
        .path("/api/v1/auth")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(!state.config.env.is_development())
        .max_age(time_duration(state.auth.refresh_token_ttl))
        .build()
}

fn removal_cookie() -> Cookie<'static> {
    Cookie::build((REFRESH_COOKIE, "")).path("/api/v1/auth").build()
}

fn time_duration(duration: std::time::Duration) -> time::Duration {
    time::Duration::seconds(duration.as_secs() as i64)
}

fn tokens_response(
    state: &AppState,
    jar: CookieJar,
    browser: bool,
    access_token: String,
    refresh_token: String,
    user: Option<Profile>,
    memberships: Option<Vec<Membership>>,
) -> (CookieJar, AppJson<TokenResponse>) {
    let (jar, body_refresh) = if browser {
        (jar.add(refresh_cookie(state, refresh_token)), None)
    } else {
        (jar, Some(refresh_token))
    };
    let body = TokenResponse {
        access_token,
        refresh_token: body_refresh,
        token_type: "Bearer".to_owned(),
        expires_in: state.keys.access_ttl().as_secs(),
        user,
        memberships,
    };
    (jar, AppJson(body))
}

/// What `auth.login_attempt` answers: the claim, and the user if one matched.
struct LoginRow {
    attempt_id: Option<i64>,
    retry_after: i32,
    user_id: Option<Uuid>,
    company_id: Option<Uuid>,
    role: Option<Role>,
    customer_id: Option<Uuid>,
    password_hash: Option<String>,
    name: Option<String>,
    email: Option<String>,
    company_name: Option<String>,
    company_slug: Option<String>,
    company_color: Option<String>,
}

struct LoginUser {
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

/// Signs in with email and password, and the company's slug when the client
/// knows it.
///
/// With `company`: that membership, as always. Without it: the person's live
/// memberships decide. One: straight in. Several: straight into the company
/// used last if it is among them, with `memberships` in the answer so the
/// client can offer a switch; else a 409 whose `memberships` list the
/// companies to choose from (send the sign-in again with one of their slugs).
///
/// Every failure (unknown company, unknown email, wrong password, deleted or
/// deactivated user, inactive company) answers the same 401 after the same work.
/// The one exception: the right password of a portal registration that is not
/// approved (yet) answers 403 with the reason (confirm the email, wait for
/// approval, or declined and why).
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong credentials", body = Problem),
        (status = 403, description = "A portal registration that cannot sign in yet, and why", body = Problem),
        (status = 409, description = "No `company` given and several memberships, none used last: choose one",
         body = MembershipChoice),
        (status = 422, description = "Invalid body", body = Problem),
    )
)]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    AppJson(body): AppJson<LoginRequest>,
) -> Result<Response> {
    body.validate()?;
    let client_ip = addr.map(|ip| ip.to_string());
    let Some(company) = body.company.as_deref() else {
        return memberships::login_without_company(&state, &headers, client_ip, jar, &body).await;
    };
    // The attempt is claimed (and counted) before any password work, in one
    // statement that also looks the user up: a throttled attempt costs no
    // argon2, a concurrent burst cannot all slip past the count, and the
    // database alone normalizes company and email (raw strings go in), so the
    // throttle bucket and the account found can never disagree.
    let attempt = sqlx::query_as!(
        LoginRow,
        r#"select attempt_id, retry_after as "retry_after!", user_id, company_id, role as "role: Role",
                  customer_id, password_hash, name, email, company_name, company_slug, company_color
           from auth.login_attempt($1, $2, $3, $4, interval '1 minute')"#,
        company,
        body.email,
        client_ip,
        state.auth.login_failures_per_minute as i32,
    )
    .fetch_one(&state.login_db)
    .await?;
    let Some(attempt_id) = attempt.attempt_id.filter(|_| attempt.retry_after <= 0) else {
        tracing::warn!(company = %company, "login throttled");
        crate::metrics::login_throttled();
        return Err(Error::TooManyRequests { retry_after_secs: attempt.retry_after.max(1) as u64 });
    };

    crate::metrics::password_verified();
    let verified = password::verify(body.password.clone(), attempt.password_hash.clone()).await?;
    let user = match attempt {
        LoginRow {
            user_id: Some(user_id),
            company_id: Some(company_id),
            role: Some(role),
            name: Some(name),
            email: Some(email),
            company_name: Some(company_name),
            company_slug: Some(company_slug),
            company_color: Some(company_color),
            customer_id,
            ..
        } if verified => LoginUser {
            user_id,
            company_id,
            role,
            customer_id,
            name,
            email,
            company_name,
            company_slug,
            company_color,
        },
        // The attempt stays recorded: it is the failure the throttle counts.
        LoginRow { user_id: None, .. } => {
            crate::metrics::login_failed();
            return Err(portal_account_refusal(&state, &body, company).await?);
        }
        _ => {
            tracing::info!(company = %company, "failed login");
            crate::metrics::login_failed();
            return Err(Error::InvalidCredentials);
        }
    };
    sqlx::query!("select auth.login_attempt_succeeded($1)", attempt_id).execute(&state.login_db).await?;
    signed_in(&state, &headers, client_ip, jar, user, None).await
}

/// A new session (and its refresh token) for a membership whose sign-in or
/// switch has been verified, remembered as the person's last company.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    client_ip: Option<String>,
    jar: CookieJar,
    user: LoginUser,
    memberships: Option<Vec<Membership>>,
) -> Result<Response> {
    let refresh_token = tokens::generate(user.company_id);
    let now = Utc::now();
    let expires = now + chrono::Duration::seconds(state.auth.refresh_token_ttl.as_secs() as i64);
    let user_agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
    let mut flow = sign_in::begin(&state.login_db).await?;
    let session_id = sqlx::query_scalar!(
        r#"select auth.create_session($1, $2, $3, $4, $5, $6, $7) as "session_id!""#,
        user.user_id,
        user.company_id,
        tokens::digest(&refresh_token),
        expires,
        expires,
        user_agent,
        client_ip,
    )
    .fetch_one(&mut *flow)
    .await?;
    let (role_id, role_name, permissions) =
        session_role(&mut *flow, session_id, user.user_id, user.company_id).await?;
    sqlx::query!("select auth.remember_company($1, $2)", user.user_id, user.company_id)
        .execute(&mut *flow)
        .await?;
    flow.commit().await?;

    let access_token = state
        .keys
        .issue(user.user_id, user.company_id, user.role, user.customer_id, session_id)
        .map_err(anyhow::Error::from)?;
    let profile = Profile {
        id: user.user_id,
        name: user.name,
        email: user.email,
        role: user.role,
        role_id,
        role_name,
        permissions,
        customer_id: user.customer_id,
        company: CompanyInfo {
            id: user.company_id,
            name: user.company_name,
            slug: user.company_slug,
            color: user.company_color,
        },
        branch: None,
    };
    let browser = is_browser(headers);
    Ok(tokens_response(state, jar, browser, access_token, refresh_token, Some(profile), memberships)
        .into_response())
}

/// Trades a refresh token for a new pair. The old refresh token is spent; if it
/// is ever presented again the whole session is revoked (token theft).
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body(content = RefreshRequest, description = "Browser clients may send `{}` and rely on the cookie"),
    responses(
        (status = 200, description = "New token pair", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem),
    )
)]
async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response> {
    let request: RefreshRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RefreshRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?
    };
    let browser = is_browser(&headers);
    // The cookie is only honoured with the browser header, which a cross-site
    // form cannot set: a second guard beside SameSite=Strict.
    let presented = request
        .refresh_token
        .or_else(|| browser.then(|| jar.get(REFRESH_COOKIE).map(|c| c.value().to_owned())).flatten());
    let Some(old_token) = presented.filter(|t| tokens::looks_valid(t)) else {
        return Ok((jar.remove(removal_cookie()), Error::Unauthorized).into_response());
    };

    // The new token names the company the old one does. A session signed in
    // before tokens carried their company keeps that form until it ends.
    let company_hint = tokens::company_of(&old_token);
    let new_token = match company_hint {
        Some(company_id) => tokens::generate(company_id),
        None => tokens::generate_without_company(),
    };
    let expires = Utc::now() + chrono::Duration::seconds(state.auth.refresh_token_ttl.as_secs() as i64);
    let mut flow = sign_in::begin(&state.login_db).await?;
    let outcome = sqlx::query!(
        r#"select outcome as "outcome!", session_id, user_id, company_id, role as "role: Role", customer_id
           from auth.rotate_refresh_token($1, $2, $3, $4)"#,
        company_hint,
        tokens::digest(&old_token),
        tokens::digest(&new_token),
        expires,
    )
    .fetch_one(&mut *flow)
    .await?;
    flow.commit().await?;

    match (outcome.outcome.as_str(), outcome.session_id, outcome.user_id, outcome.company_id, outcome.role) {
        ("ok", Some(session_id), Some(user_id), Some(company_id), Some(role)) => {
            let access_token = state
                .keys
                .issue(user_id, company_id, role, outcome.customer_id, session_id)
                .map_err(anyhow::Error::from)?;
            Ok(tokens_response(&state, jar, browser, access_token, new_token, None, None).into_response())
        }
        ("reused", session_id, ..) => {
            tracing::warn!(session_id = ?session_id, "spent refresh token presented again; session revoked");
            Ok((jar.remove(removal_cookie()), Error::Unauthorized).into_response())
        }
        _ => Ok((jar.remove(removal_cookie()), Error::Unauthorized).into_response()),
    }
}

/// Ends the session: its access and refresh tokens stop working at once.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = Problem),
    )
)]
async fn logout(mut ctx: Ctx, jar: CookieJar) -> Result<(CookieJar, StatusCode)> {
    sqlx::query!(
        "update app.sessions set revoked_at = now(), revoked_reason = 'logout'
         where company_id = $1 and id = $2",
        ctx.user.company_id,
        ctx.user.session_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok((jar.remove(removal_cookie()), StatusCode::NO_CONTENT))
}

/// The signed-in user and company.
#[utoipa::path(
    get, path = "/api/v1/auth/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current user", body = Profile),
        (status = 401, description = "Not signed in", body = Problem),
    )
)]
async fn me(user: CurrentUser, State(state): State<AppState>) -> Result<AppJson<Profile>> {
    // Over the sign-in pool, outside any request transaction: on Citus a
    // definer reads with its own rights only there (db/migrations/0017).
    let row = sqlx::query!(
        r#"select user_id as "user_id!", name as "name!", email as "email!", role as "role!: Role",
                  customer_id, company_id as "company_id!", company_name as "company_name!",
                  company_slug as "company_slug!", company_color as "company_color!"
           from auth.session_profile($1, $2, $3, $4)"#,
        user.session_id,
        user.user_id,
        user.company_id,
        // As text: binding the enum would make sqlx look its type up by name
        // first, in schema app, which the login role may not use (a 403).
        user.role.as_str(),
    )
    .fetch_optional(&state.login_db)
    .await?
    .ok_or(Error::Unauthorized)?;
    let (role_id, role_name, permissions) =
        session_role(&state.login_db, user.session_id, user.user_id, user.company_id).await?;
    let branch = if user.role == Role::Customer { None } else { session_branch(&state, user).await? };
    Ok(AppJson(Profile {
        id: row.user_id,
        name: row.name,
        email: row.email,
        role: row.role,
        role_id,
        role_name,
        permissions,
        customer_id: row.customer_id,
        company: CompanyInfo {
            id: row.company_id,
            name: row.company_name,
            slug: row.company_slug,
            color: row.company_color,
        },
        branch,
    }))
}

/// The branch the session pinned, read as the member under its own policies
/// (a scoped member sees its own branch only; `app.branch_id()` is the
/// verified context's).
async fn session_branch(state: &AppState, user: CurrentUser) -> Result<Option<BranchInfo>> {
    let mut ctx = Ctx::open(state, user).await?;
    let branch = sqlx::query_as!(
        BranchInfo,
        "select b.id, b.name, b.color from app.branches b
         where b.company_id = $1 and b.id = (select app.branch_id())",
        user.company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(branch)
}
