//! Invitations to join a company as staff (docs/organizations.md): an admin
//! invites an address with a role, lists the pending ones and revokes them;
//! the mailed link (7 days, single use) is accepted by the person, new or
//! existing, which makes the membership.
//!
//! Inviting, listing and revoking run in the admin's request under the
//! policies of app.invitations. The link's page and its accepting come before
//! (or beside) any session of that company: they go through the sign-in
//! pool's definer functions, by the link's digest, as the password reset does.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Utc};
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
    extract::{AppJson, AppPath, AppQuery},
    identity::{attempt_succeeded, session_identity, verify_password},
    pagination::{self, Page, PageParams},
    password_strength, sign_in, AppState,
};
use crate::mail::{outbox, templates};

/// How long an invitation's link works.
const INVITATION_DAYS: u32 = 7;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite_staff, list_invitations))
        .routes(routes!(revoke_invitation))
        .routes(routes!(preview_invitation))
        .routes(routes!(accept_invitation))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    #[validate(email(message = "is not a valid email address"), length(max = 254, message = "is too long"))]
    pub email: String,
    /// `ADMIN` or `WORKER`: customers join through the portal.
    pub role: Role,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct InvitationToken {
    /// The token of the mailed link (after `#token=`).
    #[validate(length(min = 1, max = 200, message = "is required"))]
    pub token: String,
}

/// What the link's page shows before accepting.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationPreview {
    pub email: String,
    pub role: Role,
    pub company_name: String,
    pub company_slug: String,
    /// Brand color, `#rrggbb`.
    pub company_color: String,
    /// The address already signs in to FieldOps: accept signed in, or with
    /// its password. Otherwise give a name and a new password.
    pub has_account: bool,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    #[validate(length(min = 1, max = 200, message = "is required"))]
    pub token: String,
    /// A new person's name.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    /// A new person's password, or an existing person's (unless signed in).
    #[validate(length(min = 1, max = 1024, message = "is required"))]
    pub password: Option<String>,
}

/// The membership an accepted invitation made.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedInvitation {
    pub user_id: Uuid,
    pub role: Role,
    pub company_slug: String,
    pub company_name: String,
}

/// Invites an address to join your company with a role: a link (7 days,
/// single use) is mailed. The address may already sign in to FieldOps for
/// other companies: accepting then adds this company to them.
#[utoipa::path(
    post, path = "/api/v1/invitations", tag = "invitations",
    request_body = NewInvitation,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Invited: the link is on its way", body = Invitation),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 409, description = "The address is a member of your company already", body = Problem),
        (status = 422, description = "Invalid email, or a customer role", body = Problem),
    )
)]
async fn invite_staff(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppJson(body): AppJson<NewInvitation>,
) -> Result<(StatusCode, AppJson<Invitation>)> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("users.manage").await?;
    body.validate()?;
    if body.role == Role::Customer {
        return Err(Error::field(
            "role",
            "customers join through the portal: invite them from the customer's page",
        ));
    }
    let company_id = ctx.user.company_id;
    let email = body.email.trim();
    let member = sqlx::query_scalar!(
        r#"select exists (select 1 from app.users where company_id = $1 and lower(email) = lower($2)
                          and deleted_at is null) as "member!""#,
        company_id,
        email,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if member {
        return Err(Error::Conflict("this address is a member of your company already".into()));
    }
    let company = sqlx::query!("select name, slug, color from app.companies where id = $1", company_id)
        .fetch_one(&mut *ctx.tx)
        .await?;
    let token = tokens::generate(company_id);
    let expires = Utc::now() + chrono::Duration::days(i64::from(INVITATION_DAYS));
    let invitation = sqlx::query_as!(
        Invitation,
        r#"insert into app.invitations (email, role, token_hash, expires_at)
           values (normalize($1, nfkc), $2, $3, $4)
           returning id, email, role as "role: Role", expires_at, created_at"#,
        email,
        body.role as Role,
        tokens::digest(&token),
        expires,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let link = format!("{}/invitations/accept#token={token}", state.config.server.public_url);
    let brand = templates::Brand { company_name: &company.name, color: &company.color };
    let role = if body.role == Role::Admin { "an admin" } else { "a field worker" };
    let mail = templates::staff_invitation(&brand, email, role, &link, INVITATION_DAYS);
    // In this request's transaction: no invitation without its mail.
    outbox::enqueue_in_request(&mut ctx.tx, &mail).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok((StatusCode::CREATED, AppJson(invitation)))
}

/// The pending invitations of your company (not accepted, revoked or
/// expired), newest first.
#[utoipa::path(
    get, path = "/api/v1/invitations", tag = "invitations",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending invitations", body = Page<Invitation>),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn list_invitations(
    mut ctx: Ctx,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<Invitation>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("users.manage").await?;
    let (limit, after) = page.start::<(DateTime<Utc>, Uuid)>()?;
    let (after_at, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        Invitation,
        r#"select id, email, role as "role: Role", expires_at, created_at
           from app.invitations
           where company_id = $1 and accepted_at is null and revoked_at is null and expires_at > now()
             and ($2::timestamptz is null or (created_at, id) < ($2, $3::uuid))
           order by created_at desc, id desc
           limit $4"#,
        ctx.user.company_id,
        after_at,
        after_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(pagination::page(rows, limit, |i: &Invitation| (i.created_at, i.id))))
}

/// Revokes a pending invitation: its link stops working.
#[utoipa::path(
    delete, path = "/api/v1/invitations/{id}", tag = "invitations",
    params(("id" = Uuid, Path, description = "Invitation id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No pending invitation with this id in your company", body = Problem),
    )
)]
async fn revoke_invitation(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("users.manage").await?;
    let revoked = sqlx::query!(
        "update app.invitations set revoked_at = now()
         where company_id = $1 and id = $2 and accepted_at is null and revoked_at is null",
        ctx.user.company_id,
        id,
    )
    .execute(&mut *ctx.tx)
    .await?
    .rows_affected();
    if revoked == 0 {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

fn invalid_link() -> Error {
    Error::field("token", "this invitation is unknown, used, revoked or expired; ask for a new one")
}

struct PendingInvitation {
    company_id: Uuid,
    digest: Vec<u8>,
    email: String,
    role: Role,
    company_name: String,
    company_slug: String,
    company_color: String,
    identity_id: Option<Uuid>,
}

/// The pending invitation a link's token names, or a 422 on `token`.
async fn pending(state: &AppState, token: &str) -> Result<PendingInvitation> {
    let company_id = tokens::company_of(token).ok_or_else(invalid_link)?;
    let digest = tokens::digest(token);
    let row = sqlx::query!(
        r#"select email as "email!", role as "role!: Role", company_name as "company_name!",
                  company_slug as "company_slug!", company_color as "company_color!", state as "state!", identity_id
           from auth.invitation_status($1, $2)"#,
        company_id,
        digest,
    )
    .fetch_optional(&state.login_db)
    .await?
    .filter(|row| row.state == "pending")
    .ok_or_else(invalid_link)?;
    Ok(PendingInvitation {
        company_id,
        digest,
        email: row.email,
        role: row.role,
        company_name: row.company_name,
        company_slug: row.company_slug,
        company_color: row.company_color,
        identity_id: row.identity_id,
    })
}

/// What an invitation's link offers: the company, the role, and whether the
/// address already signs in to FieldOps. For the accept page.
#[utoipa::path(
    post, path = "/api/v1/invitations/preview", tag = "invitations",
    request_body = InvitationToken,
    responses(
        (status = 200, description = "A pending invitation", body = InvitationPreview),
        (status = 422, description = "Unknown, used, revoked or expired (`errors.token`)", body = Problem),
    )
)]
async fn preview_invitation(
    State(state): State<AppState>,
    AppJson(body): AppJson<InvitationToken>,
) -> Result<AppJson<InvitationPreview>> {
    body.validate()?;
    let invitation = pending(&state, &body.token).await?;
    Ok(AppJson(InvitationPreview {
        email: invitation.email,
        role: invitation.role,
        company_name: invitation.company_name,
        company_slug: invitation.company_slug,
        company_color: invitation.company_color,
        has_account: invitation.identity_id.is_some(),
    }))
}

/// The person an accepting proves: the signed-in caller (whose address must
/// be the invitation's), or the password of the address's person.
async fn proven_identity(
    state: &AppState,
    headers: &HeaderMap,
    client_ip: Option<String>,
    invitation: &PendingInvitation,
    body: &AcceptInvitation,
) -> Result<Option<Uuid>> {
    let Some(expected) = invitation.identity_id else {
        return Ok(None);
    };
    if let Some(user) = signed_in_caller(state, headers) {
        let (identity_id, speaks_for_identity) = session_identity(state, &user).await?;
        if !speaks_for_identity || identity_id != expected {
            return Err(Error::AccountNotReady(
                "this invitation is for another address: sign out, or sign in as the invited person".into(),
            ));
        }
        return Ok(Some(identity_id));
    }
    let Some(given) = body.password.clone() else {
        return Err(Error::field("password", "this address signs in to FieldOps already: give its password"));
    };
    // Counted and throttled as a sign-in of the address.
    let person = verify_password(state, &invitation.email, client_ip, given).await?;
    if person.identity_id != expected {
        return Err(Error::InvalidCredentials);
    }
    attempt_succeeded(state, person.attempt_id).await?;
    Ok(Some(expected))
}

/// The caller of a request with a valid bearer token, if it has one.
fn signed_in_caller(state: &AppState, headers: &HeaderMap) -> Option<CurrentUser> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    state.keys.verify(token.trim()).ok().map(|claims| CurrentUser::from(&claims))
}

/// Accepts an invitation: makes the membership.
///
/// An address that already signs in to FieldOps proves it is its person:
/// signed in as them (bearer token), or with their password; the company is
/// then one more of theirs. A new address gives a name and a password (as
/// strong as a reset's), which make the person.
#[utoipa::path(
    post, path = "/api/v1/invitations/accept", tag = "invitations",
    request_body = AcceptInvitation,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "A member now: sign in, or switch to the company", body = AcceptedInvitation),
        (status = 401, description = "Wrong password of the existing person", body = Problem),
        (status = 403, description = "Signed in as someone else than the invited address", body = Problem),
        (status = 409, description = "A member of the company already", body = Problem),
        (status = 422, description = "Unknown, used, revoked or expired link (`errors.token`), a missing name \
                                      or password, or a password that is too easy to guess", body = Problem),
        (status = 429, description = "Too many wrong passwords", body = Problem),
    )
)]
async fn accept_invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    AppJson(body): AppJson<AcceptInvitation>,
) -> Result<(StatusCode, AppJson<AcceptedInvitation>)> {
    body.validate()?;
    let invitation = pending(&state, &body.token).await?;
    let client_ip = addr.map(|ip| ip.to_string());
    let identity_id = proven_identity(&state, &headers, client_ip, &invitation, &body).await?;
    let new_password = match identity_id {
        Some(_) => None,
        None => {
            let name = body.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let name = name.ok_or_else(|| Error::field("name", "is required for a new account"))?;
            let chosen =
                body.password.clone().ok_or_else(|| Error::field("password", "choose a password"))?;
            let words = vec![name.to_owned(), invitation.email.clone(), invitation.company_name.clone()];
            password_strength::require_strong("password", &chosen, words).await?;
            Some(password::hash(chosen).await?)
        }
    };
    let mut flow = sign_in::begin(&state.login_db).await?;
    let outcome = sqlx::query!(
        r#"select outcome as "outcome!", user_id from auth.accept_invitation($1, $2, $3, $4, $5)"#,
        invitation.company_id,
        invitation.digest,
        identity_id,
        body.name.as_deref().map(str::trim),
        new_password,
    )
    .fetch_one(&mut *flow)
    .await?;
    let user_id = match (outcome.outcome.as_str(), outcome.user_id) {
        ("accepted", Some(user_id)) => user_id,
        ("member", _) => return Err(Error::Conflict("you are a member of this company already".into())),
        // The address got a person since the preview (a race): try again.
        ("identity", _) => {
            return Err(Error::Conflict(
                "this address has just signed up: accept again with its password".into(),
            ))
        }
        _ => return Err(invalid_link()),
    };
    flow.commit().await?;
    tracing::info!(company_id = %invitation.company_id, %user_id, "invitation accepted");
    Ok((
        StatusCode::CREATED,
        AppJson(AcceptedInvitation {
            user_id,
            role: invitation.role,
            company_slug: invitation.company_slug,
            company_name: invitation.company_name,
        }),
    ))
}
