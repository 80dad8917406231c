//! A customer's communication log (admins only): every call, email, text or
//! visit noted against a customer, optionally at one of its locations, with
//! one of its contacts, about one of its jobs. The author is whoever is
//! signed in (the database stamps it); only the author edits or deletes an
//! entry (the policies of db/policies/communications.sql). Workers and
//! customers see nothing: they are refused here, and the database shows them
//! no row either.

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{double_option, etag, IfMatch},
    context::Ctx,
    customer_visibility::require_customer_visible,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page, PageParams},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_communications, create_communication))
        .routes(routes!(update_communication, delete_communication))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Call,
    Email,
    Text,
    Visit,
}

impl Channel {
    /// The value of `app.communications.channel`.
    fn as_str(self) -> &'static str {
        match self {
            Channel::Call => "call",
            Channel::Email => "email",
            Channel::Text => "text",
            Channel::Visit => "visit",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Communication {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub service_location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    /// When it happened (default: when it was logged).
    pub occurred_at: DateTime<Utc>,
    /// `call`, `email`, `text` or `visit`.
    pub channel: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    pub summary: String,
    /// Who logged it.
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateCommunication {
    pub channel: Channel,
    pub direction: Direction,
    #[validate(length(min = 1, max = 5000, message = "must be 1 to 5000 characters"))]
    pub summary: String,
    /// Default: now.
    pub occurred_at: Option<DateTime<Utc>>,
    /// One of the customer's locations.
    pub service_location_id: Option<Uuid>,
    /// One of the customer's contacts.
    pub contact_id: Option<Uuid>,
    /// One of the customer's jobs.
    pub job_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateCommunication {
    pub channel: Option<Channel>,
    pub direction: Option<Direction>,
    #[validate(length(min = 1, max = 5000, message = "must be 1 to 5000 characters"))]
    pub summary: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub service_location_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub contact_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub job_id: Option<Option<Uuid>>,
}

/// A blank summary is refused before the database's check says the same.
fn summary(text: &str) -> Result<&str> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::field("summary", "must be 1 to 5000 characters"));
    }
    Ok(trimmed)
}

/// Entry `id` of customer `customer_id`, with its author's name.
async fn load(ctx: &mut Ctx, customer_id: Uuid, id: Uuid) -> Result<Option<Communication>> {
    Ok(sqlx::query_as!(
        Communication,
        r#"select m.id, m.customer_id, m.service_location_id, m.contact_id, m.job_id, m.occurred_at,
                  m.channel, m.direction, m.summary, m.created_by as author_id, u.name as "author_name?",
                  m.created_at, m.updated_at, m.version
           from app.communications m
           left join app.users u on u.company_id = m.company_id and u.id = m.created_by
           where m.company_id = $3 and m.customer_id = $1 and m.id = $2"#,
        customer_id,
        id,
        ctx.user.company_id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?)
}

/// A customer's log, newest first.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/communications", tag = "communications",
    params(("id" = Uuid, Path, description = "Customer id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the log, newest first", body = Page<Communication>),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such customer in your company", body = Problem),
    )
)]
async fn list_communications(
    mut ctx: Ctx,
    AppPath(customer_id): AppPath<Uuid>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<Communication>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.read").await?;
    let (limit, after): (_, Option<(DateTime<Utc>, Uuid)>) = page.start()?;
    let (after_at, after_id) = after.unzip();
    require_customer_visible(&mut ctx, customer_id).await?;
    let rows = sqlx::query_as!(
        Communication,
        r#"select m.id, m.customer_id, m.service_location_id, m.contact_id, m.job_id, m.occurred_at,
                  m.channel, m.direction, m.summary, m.created_by as author_id, u.name as "author_name?",
                  m.created_at, m.updated_at, m.version
           from app.communications m
           left join app.users u on u.company_id = m.company_id and u.id = m.created_by
           where m.company_id = $4 and m.customer_id = $1
             and ($2::timestamptz is null or (m.occurred_at, m.id) < ($2, $3::uuid))
           order by m.occurred_at desc, m.id desc
           limit $5"#,
        customer_id,
        after_at,
        after_id,
        ctx.user.company_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(pagination::page(rows, limit, |m| (m.occurred_at, m.id))))
}

/// Logs a call, email, text or visit with a customer.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/communications", tag = "communications",
    params(("id" = Uuid, Path, description = "Customer id")),
    request_body = CreateCommunication,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Logged", body = Communication),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such customer in your company", body = Problem),
        (status = 422, description = "Invalid fields, or a location, contact or job not of this customer", body = Problem),
    )
)]
async fn create_communication(
    mut ctx: Ctx,
    AppPath(customer_id): AppPath<Uuid>,
    AppJson(body): AppJson<CreateCommunication>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.validate()?;
    let text = summary(&body.summary)?;
    require_customer_visible(&mut ctx, customer_id).await?;
    // occurred_at: an absent one is the database's now() (its default), so
    // the statement names the column only when it was given.
    let id = sqlx::query_scalar!(
        "insert into app.communications
           (customer_id, service_location_id, contact_id, job_id, channel, direction, summary, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, statement_timestamp()))
         returning id",
        customer_id,
        body.service_location_id,
        body.contact_id,
        body.job_id,
        body.channel.as_str(),
        body.direction.as_str(),
        text,
        body.occurred_at,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let entry = load(&mut ctx, customer_id, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    let path = [(header::LOCATION, format!("/api/v1/customers/{customer_id}/communications/{id}"))];
    Ok((StatusCode::CREATED, path, etag(entry.version), AppJson(entry)))
}

/// Edits an entry you logged; `If-Match` makes the edit conditional.
#[utoipa::path(
    patch, path = "/api/v1/customers/{id}/communications/{communication_id}", tag = "communications",
    params(
        ("id" = Uuid, Path, description = "Customer id"),
        ("communication_id" = Uuid, Path, description = "Log entry id"),
    ),
    request_body = UpdateCommunication,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Communication),
        (status = 403, description = "Not an admin, or not your entry", body = Problem),
        (status = 404, description = "No such entry in your company", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn update_communication(
    mut ctx: Ctx,
    AppPath((customer_id, id)): AppPath<(Uuid, Uuid)>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateCommunication>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.validate()?;
    let text = body.summary.as_deref().map(summary).transpose()?;
    // The update policy shows the caller only its own entries; the select
    // policy all of the company's, so `found` and `mine` tell 404 from 403.
    let edit = sqlx::query!(
        r#"with updated as (
             update app.communications set
               channel = coalesce($4, channel),
               direction = coalesce($5, direction),
               summary = coalesce($6, summary),
               occurred_at = coalesce($7, occurred_at),
               service_location_id = case when $8 then $9 else service_location_id end,
               contact_id = case when $10 then $11 else contact_id end,
               job_id = case when $12 then $13 else job_id end
             where company_id = $3 and customer_id = $1 and id = $2 and ($14::int is null or version = $14)
             returning id)
           select exists (select 1 from app.communications where company_id = $3 and customer_id = $1 and id = $2)
                    as "found!",
                  exists (select 1 from app.communications
                          where company_id = $3 and customer_id = $1 and id = $2 and created_by = $15) as "mine!",
                  exists (select 1 from updated) as "updated!""#,
        customer_id,
        id,
        ctx.user.company_id,
        body.channel.map(Channel::as_str),
        body.direction.map(Direction::as_str),
        text,
        body.occurred_at,
        body.service_location_id.is_some(),
        body.service_location_id.flatten(),
        body.contact_id.is_some(),
        body.contact_id.flatten(),
        body.job_id.is_some(),
        body.job_id.flatten(),
        if_match.0,
        ctx.user.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if !edit.updated {
        return Err(match (edit.found, edit.mine) {
            (false, _) => Error::NotFound,
            (true, false) => Error::Forbidden,
            (true, true) => Error::PreconditionFailed,
        });
    }
    let entry = load(&mut ctx, customer_id, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(entry.version), AppJson(entry)))
}

/// Deletes an entry you logged.
#[utoipa::path(
    delete, path = "/api/v1/customers/{id}/communications/{communication_id}", tag = "communications",
    params(
        ("id" = Uuid, Path, description = "Customer id"),
        ("communication_id" = Uuid, Path, description = "Log entry id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin, or not your entry", body = Problem),
        (status = 404, description = "No such entry in your company", body = Problem),
    )
)]
async fn delete_communication(
    mut ctx: Ctx,
    AppPath((customer_id, id)): AppPath<(Uuid, Uuid)>,
) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    let outcome = sqlx::query!(
        r#"with deleted as (
             delete from app.communications where company_id = $3 and customer_id = $1 and id = $2 returning id)
           select exists (select 1 from app.communications where company_id = $3 and customer_id = $1 and id = $2)
                    as "found!",
                  exists (select 1 from deleted) as "deleted!""#,
        customer_id,
        id,
        ctx.user.company_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    match (outcome.found, outcome.deleted) {
        (_, true) => {
            ctx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        (true, false) => Err(Error::Forbidden),
        (false, false) => Err(Error::NotFound),
    }
}
