//! The staff's list of portal invitations and their revocation (admins).
//! Revoking deletes an invitation not used yet: its link then finds nothing
//! and answers as an unknown one. The policy portal_invitations_admin_delete
//! lets an admin delete only its own company's unused invitations.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page, PageParams},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_portal_invitations)).routes(routes!(revoke_portal_invitation))
}

/// An invitation as staff see it (never its token).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationListed {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    /// When someone registered with it; null while it is unused.
    pub used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InvitationFilter {
    /// `pending` (default: unused and not expired), `used`, `expired` or `all`.
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const STATES: [&str; 4] = ["pending", "used", "expired", "all"];

/// Portal invitations of your company (admins), newest first: by default
/// those still waiting to be used.
#[utoipa::path(
    get, path = "/api/v1/portal-invitations", tag = "portal",
    params(InvitationFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of invitations", body = Page<InvitationListed>),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Unknown state", body = Problem),
    )
)]
async fn list_portal_invitations(
    mut ctx: Ctx,
    AppQuery(filter): AppQuery<InvitationFilter>,
) -> Result<AppJson<Page<InvitationListed>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    let state = super::state_filter(filter.state.as_deref(), "pending", &STATES)?;
    let page = PageParams { limit: filter.limit, cursor: filter.cursor };
    let (limit, after): (_, Option<(DateTime<Utc>, Uuid)>) = page.start()?;
    let (after_at, after_id) = after.unzip();
    let rows = sqlx::query_scalar!(
        r#"select to_jsonb(i) as "row!: Json<InvitationListed>"
           from (select i.id, i.customer_id, c.name as customer_name, i.email, i.expires_at, i.used_at,
                        i.created_at
                 from app.portal_invitations i
                 join app.customers c on c.company_id = i.company_id and c.id = i.customer_id
                 where i.company_id = $1 and c.company_id = $1
                   and case $2
                         when 'pending' then i.used_at is null and i.expires_at > now()
                         when 'used' then i.used_at is not null
                         when 'expired' then i.used_at is null and i.expires_at <= now()
                         else true
                       end
                   and ($3::timestamptz is null or (i.created_at, i.id) < ($3, $4::uuid))
                 order by i.created_at desc, i.id desc
                 limit $5) i"#,
        ctx.user.company_id,
        state,
        after_at,
        after_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let items: Vec<InvitationListed> = rows.into_iter().map(|Json(i)| i).collect();
    Ok(AppJson(pagination::page(items, limit, |i| (i.created_at, i.id))))
}

/// Revokes an invitation not used yet (admins): its link stops working.
#[utoipa::path(
    delete, path = "/api/v1/portal-invitations/{id}", tag = "portal",
    params(("id" = Uuid, Path, description = "Invitation id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such invitation in your company", body = Problem),
        (status = 409, description = "Already used: the account exists", body = Problem),
    )
)]
async fn revoke_portal_invitation(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("portal.manage").await?;
    let outcome = sqlx::query!(
        r#"with revoked as (
             delete from app.portal_invitations
             where company_id = $1 and id = $2 and used_at is null
             returning id)
           select exists (select 1 from revoked) as "revoked!",
                  exists (select 1 from app.portal_invitations where company_id = $1 and id = $2) as "found!""#,
        ctx.user.company_id,
        id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if !outcome.revoked {
        return Err(if outcome.found {
            Error::Conflict("the invitation was used already: its account exists".into())
        } else {
            Error::NotFound
        });
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
