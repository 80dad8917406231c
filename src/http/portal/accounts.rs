//! The staff's side of portal accounts: the registrations waiting for them,
//! approval (to one of their customers, or a new one) and rejection, and
//! invitations to register for a customer. The rules live in the database
//! (db/policies/portal_accounts.sql): only a pending account is decided, and
//! the approval trigger makes the customer and the user.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{tokens, Role};
use crate::http::shared::{
    context::Ctx,
    customer_visibility::require_customer_visible,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    identity,
    pagination::{self, Page, PageParams},
    AppState,
};
use crate::mail::{outbox, templates};

/// How long an invitation link works.
const INVITATION_DAYS: u32 = 7;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts))
        .routes(routes!(approve_account))
        .routes(routes!(reject_account))
        .routes(routes!(invite))
}

/// A registration on the portal, as staff see it (never its password).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PortalAccount {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// `unverified`, `pending` (waiting for staff), `approved` or `rejected`.
    pub state: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    /// The customer it belongs to once approved.
    pub customer_id: Option<Uuid>,
    /// Its login once approved.
    pub user_id: Option<Uuid>,
    pub rejected_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountFilter {
    /// `pending` (default), `unverified`, `approved` or `rejected`.
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveAccount {
    /// One of your customers to link the account to; absent or null makes a
    /// new customer from what was entered at registration.
    pub customer_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RejectAccount {
    /// Why: shown to the person when they try to sign in.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    #[validate(email(message = "is not a valid email address"), length(max = 254, message = "is too long"))]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

const STATES: [&str; 4] = ["unverified", "pending", "approved", "rejected"];

/// Portal registrations of your company (admins), oldest first: by default
/// the pending ones, waiting for a decision.
#[utoipa::path(
    get, path = "/api/v1/portal-accounts", tag = "portal",
    params(AccountFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = Page<PortalAccount>),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Unknown state", body = Problem),
    )
)]
async fn list_accounts(
    mut ctx: Ctx,
    AppQuery(filter): AppQuery<AccountFilter>,
) -> Result<AppJson<Page<PortalAccount>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    let state = super::state_filter(filter.state.as_deref(), "pending", &STATES)?;
    let page = PageParams { limit: filter.limit, cursor: filter.cursor };
    let (limit, after): (_, Option<(DateTime<Utc>, Uuid)>) = page.start()?;
    let (after_at, after_id) = after.unzip();
    let rows = sqlx::query_scalar!(
        r#"select to_jsonb(a) as "row!: Json<PortalAccount>"
           from (select id, name, email, phone, address, state, email_verified_at, customer_id, user_id,
                        rejected_reason, decided_at, created_at, version
                 from app.portal_accounts
                 where company_id = $1 and state = $2
                   and ($3::timestamptz is null or (created_at, id) > ($3, $4::uuid))
                 order by created_at, id
                 limit $5) a"#,
        ctx.user.company_id,
        state,
        after_at,
        after_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let items: Vec<PortalAccount> = rows.into_iter().map(|Json(a)| a).collect();
    Ok(AppJson(pagination::page(items, limit, |a| (a.created_at, a.id))))
}

/// Decides a pending account in one statement: approved (into `customer_id`,
/// or a new customer when none) or rejected (with `reason`). The trigger
/// app.portal_account_decided() makes the customer and the login. 404 when the
/// caller does not see the account, 409 when it is not pending.
async fn decide(
    ctx: &mut Ctx,
    id: Uuid,
    state: &str,
    customer_id: Option<Uuid>,
    reason: Option<&str>,
    identity_id: Option<Uuid>,
) -> Result<PortalAccount> {
    let edit = sqlx::query!(
        r#"with updated as (
             update app.portal_accounts set state = $3, customer_id = $4, rejected_reason = $5, identity_id = $6
             where company_id = $1 and id = $2 and state = 'pending'
             returning id, name, email, phone, address, state, email_verified_at, customer_id, user_id,
                       rejected_reason, decided_at, created_at, version)
           select exists (select 1 from app.portal_accounts where company_id = $1 and id = $2) as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<PortalAccount>""#,
        ctx.user.company_id,
        id,
        state,
        customer_id,
        reason,
        identity_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    match (edit.found, edit.row) {
        (_, Some(Json(account))) => Ok(account),
        (true, None) => Err(Error::Conflict(
            "only a pending account (email confirmed) can be approved or rejected".into(),
        )),
        (false, None) => Err(Error::NotFound),
    }
}

/// Approves a pending account: its login is created, for the customer named
/// or for a new customer made from the registration (with its first location
/// and primary contact).
#[utoipa::path(
    post, path = "/api/v1/portal-accounts/{id}/approve", tag = "portal",
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = ApproveAccount,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved: the account is a customer login now", body = PortalAccount),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such account in your company", body = Problem),
        (status = 409, description = "The account is not pending", body = Problem),
        (status = 422, description = "Not a customer of your company (`customer_id`), or the email has a login \
                                      already (`email`)", body = Problem),
    )
)]
async fn approve_account(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<ApproveAccount>,
) -> Result<AppJson<PortalAccount>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    if let Some(customer_id) = body.customer_id {
        require_customer_visible(&mut ctx, customer_id)
            .await
            .map_err(|_| Error::field("customer_id", "does not name a customer of this company"))?;
    }
    // The login's person, found or made first (db/migrations/0034): on Citus
    // the trigger that writes the login runs on the account's shard, where
    // the people's table is out of reach.
    let identity_id = identity::link_portal_account(&state, &ctx.user, id).await?;
    let account = decide(&mut ctx, id, "approved", body.customer_id, None, identity_id).await?;
    mail_decision(&mut ctx, &state, &account, None).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok(AppJson(account))
}

/// Rejects a pending account, with the reason its owner is shown.
#[utoipa::path(
    post, path = "/api/v1/portal-accounts/{id}/reject", tag = "portal",
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = RejectAccount,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = PortalAccount),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such account in your company", body = Problem),
        (status = 409, description = "The account is not pending", body = Problem),
        (status = 422, description = "No reason", body = Problem),
    )
)]
async fn reject_account(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<RejectAccount>,
) -> Result<AppJson<PortalAccount>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    body.validate()?;
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(Error::field("reason", "must be 1 to 2000 characters"));
    }
    let account = decide(&mut ctx, id, "rejected", None, Some(reason), None).await?;
    mail_decision(&mut ctx, &state, &account, Some(reason)).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok(AppJson(account))
}

/// The decision's mail to the registration's address, in this transaction
/// (as the admin: insert only). An account mail: sent whatever the person's
/// notification preference.
async fn mail_decision(
    ctx: &mut Ctx,
    state: &AppState,
    account: &PortalAccount,
    reason: Option<&str>,
) -> Result<()> {
    let company =
        sqlx::query!("select name, slug, color from app.companies where id = $1", ctx.user.company_id)
            .fetch_one(&mut *ctx.tx)
            .await?;
    let link = format!("{}/p/{}", state.config.server.public_url, company.slug);
    let brand = templates::Brand { company_name: &company.name, color: &company.color };
    let mail = templates::account_decided(&brand, &account.email, &account.name, &link, reason);
    outbox::enqueue_in_request(&mut ctx.tx, &mail).await?;
    Ok(())
}

/// Invites an email to register on the portal for one of your customers: a
/// link (7 days, single use) is mailed; it works in every registration mode.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/portal-invitations", tag = "portal",
    params(("id" = Uuid, Path, description = "Customer id")),
    request_body = NewInvitation,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Invited: the link is on its way", body = Invitation),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such customer in your company", body = Problem),
        (status = 422, description = "Invalid email", body = Problem),
    )
)]
async fn invite(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(customer_id): AppPath<Uuid>,
    AppJson(body): AppJson<NewInvitation>,
) -> Result<(StatusCode, AppJson<Invitation>)> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    body.validate()?;
    require_customer_visible(&mut ctx, customer_id).await?;
    let company_id = ctx.user.company_id;
    let company = sqlx::query!("select name, slug, color from app.companies where id = $1", company_id)
        .fetch_one(&mut *ctx.tx)
        .await?;
    let token = tokens::generate(company_id);
    let expires = Utc::now() + chrono::Duration::days(i64::from(INVITATION_DAYS));
    let email = body.email.trim();
    let invitation = sqlx::query_as!(
        Invitation,
        "insert into app.portal_invitations (customer_id, email, token_hash, expires_at)
         values ($1, $2, $3, $4)
         returning id, customer_id, email, expires_at",
        customer_id,
        email,
        tokens::digest(&token),
        expires,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let link = format!("{}/p/{}/register#invitation={token}", state.config.server.public_url, company.slug);
    let brand = templates::Brand { company_name: &company.name, color: &company.color };
    let mail = templates::portal_invitation(&brand, email, &link, INVITATION_DAYS);
    // As the admin, in this request's transaction: no invitation without its mail.
    outbox::enqueue_in_request(&mut ctx.tx, &mail).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok((StatusCode::CREATED, AppJson(invitation)))
}
