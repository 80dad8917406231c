//! Conversations (issue #17): the messages of a job request or a job between
//! the customer and the shop, read markers and unread counts.
//!
//! Who reads what is the database's (db/policies/messages.sql): a customer
//! never reads an internal note, a worker reads its own jobs' threads only and
//! no request's. The author comes from the verified context, and the other
//! side's mail is addressed, coalesced and queued by the trigger
//! app.message_written() in the inserting statement (db/migrations/0030); the
//! handler only renders it.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page, PageParams},
    AppState,
};
use crate::mail::templates;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_request_messages, post_request_message))
        .routes(routes!(list_job_messages, post_job_message))
        .routes(routes!(read_request_messages))
        .routes(routes!(read_job_messages))
        .routes(routes!(unread_counts))
}

/// One message of a conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    /// The job request whose conversation it is (or `job_id`).
    pub request_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub author_id: Uuid,
    /// The author's name when it was written.
    pub author_name: String,
    /// `ADMIN`, `WORKER` or `CUSTOMER`.
    pub author_role: String,
    pub body: String,
    /// A staff-only note: never shown to customers.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    #[validate(length(min = 1, max = 5000, message = "must be 1 to 5000 characters"))]
    pub body: String,
    /// A staff-only note (staff only; customers never see it, and it mails nobody).
    #[serde(default)]
    pub internal: bool,
}

/// The unread messages of one conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadUnread {
    pub request_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub unread: i64,
    pub last_at: DateTime<Utc>,
}

/// Messages by others the caller has not read yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCounts {
    /// For the header badge: the sum over the threads.
    pub total: i64,
    /// Newest first, at most 200.
    pub threads: Vec<ThreadUnread>,
}

/// A conversation: a job request's or a job's.
#[derive(Debug, Clone, Copy)]
enum Thread {
    Request(Uuid),
    Job(Uuid),
}

impl Thread {
    fn request_id(self) -> Option<Uuid> {
        match self {
            Thread::Request(id) => Some(id),
            Thread::Job(_) => None,
        }
    }

    fn job_id(self) -> Option<Uuid> {
        match self {
            Thread::Job(id) => Some(id),
            Thread::Request(_) => None,
        }
    }

    /// Who may take part: workers have no request threads.
    fn roles(self) -> &'static [Role] {
        match self {
            Thread::Request(_) => &[Role::Admin, Role::Customer],
            Thread::Job(_) => &[Role::Admin, Role::Worker, Role::Customer],
        }
    }

    /// The page the recipient of a notification opens: staff's or the customer's.
    fn link(self, public_url: &str, to_staff: bool) -> String {
        match (self, to_staff) {
            (Thread::Request(id), true) => format!("{public_url}/admin/requests/{id}"),
            (Thread::Request(id), false) => format!("{public_url}/portal/requests/{id}"),
            (Thread::Job(id), true) => format!("{public_url}/admin/jobs/{id}"),
            (Thread::Job(id), false) => format!("{public_url}/portal/jobs/{id}"),
        }
    }
}

/// The thread's title and the company's brand, as the caller sees the thread:
/// 404 when it does not (another customer's, another company's, a worker's
/// job not assigned to it).
struct ThreadInfo {
    title: String,
    company_name: String,
    color: String,
    slug: String,
}

async fn thread_info(ctx: &mut Ctx, thread: Thread) -> Result<ThreadInfo> {
    ctx.require(thread.roles())?;
    let company_id = ctx.user.company_id;
    let info = match thread {
        Thread::Request(id) => {
            sqlx::query_as!(
                ThreadInfo,
                "select r.title, c.name as company_name, c.color, c.slug
             from app.job_requests r join app.companies c on c.id = r.company_id
             where r.company_id = $1 and r.id = $2",
                company_id,
                id,
            )
            .fetch_optional(&mut *ctx.tx)
            .await?
        }
        Thread::Job(id) => {
            sqlx::query_as!(
                ThreadInfo,
                "select j.title, c.name as company_name, c.color, c.slug
             from app.jobs j join app.companies c on c.id = j.company_id
             where j.company_id = $1 and j.id = $2",
                company_id,
                id,
            )
            .fetch_optional(&mut *ctx.tx)
            .await?
        }
    };
    info.ok_or(Error::NotFound)
}

async fn list(ctx: &mut Ctx, thread: Thread, page: PageParams) -> Result<Page<Message>> {
    thread_info(ctx, thread).await?;
    let (limit, after): (_, Option<(DateTime<Utc>, Uuid)>) = page.start()?;
    let (after_at, after_id) = after.unzip();
    let rows = sqlx::query_scalar!(
        r#"select to_jsonb(m) as "row!: Json<Message>"
           from (select id, request_id, job_id, author_id, author_name, author_role, body, internal, created_at
                 from app.messages
                 where company_id = $1 and (request_id = $2 or job_id = $3)
                   and ($4::timestamptz is null or (created_at, id) > ($4, $5::uuid))
                 order by created_at, id
                 limit $6) m"#,
        ctx.user.company_id,
        thread.request_id(),
        thread.job_id(),
        after_at,
        after_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let items: Vec<Message> = rows.into_iter().map(|Json(m)| m).collect();
    Ok(pagination::page(items, limit, |m| (m.created_at, m.id)))
}

async fn post(ctx: &mut Ctx, state: &AppState, thread: Thread, body: NewMessage) -> Result<Message> {
    body.validate()?;
    let text = body.body.trim();
    if text.is_empty() {
        return Err(Error::field("body", "must be 1 to 5000 characters"));
    }
    let customer = ctx.is(Role::Customer);
    if customer && body.internal {
        return Err(Error::field("internal", "only staff write internal notes"));
    }
    let info = thread_info(ctx, thread).await?;
    // Every role reads its own user row (db/policies/users.sql).
    let author = sqlx::query_scalar!(
        "select name from app.users where company_id = $1 and id = $2",
        ctx.user.company_id,
        ctx.user.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    // Rendered for the other side; the trigger addresses it, or drops it (an
    // internal note, a side that mailed this thread a moment ago).
    let mail = (!body.internal).then(|| {
        let brand = templates::Brand { company_name: &info.company_name, color: &info.color };
        let public_url = &state.config.server.public_url;
        let unsubscribe = templates::unsubscribe_link(public_url, &info.slug);
        let mail = templates::new_message(
            &brand,
            &info.title,
            &author,
            text,
            &thread.link(public_url, customer),
            &unsubscribe,
        );
        mail.for_trigger()
    });
    let message = if customer {
        sqlx::query_as!(
            Message,
            "insert into app.messages (request_id, job_id, body, mail) values ($1, $2, $3, $4)
             returning id, request_id, job_id, author_id, author_name, author_role, body, internal, created_at",
            thread.request_id(),
            thread.job_id(),
            text,
            mail,
        )
        .fetch_one(&mut *ctx.tx)
        .await?
    } else {
        sqlx::query_as!(
            Message,
            "insert into app.messages (request_id, job_id, body, internal, mail) values ($1, $2, $3, $4, $5)
             returning id, request_id, job_id, author_id, author_name, author_role, body, internal, created_at",
            thread.request_id(),
            thread.job_id(),
            text,
            body.internal,
            mail,
        )
        .fetch_one(&mut *ctx.tx)
        .await?
    };
    Ok(message)
}

async fn mark_read(ctx: &mut Ctx, thread: Thread) -> Result<()> {
    thread_info(ctx, thread).await?;
    let user_id = ctx.user.user_id;
    match thread {
        Thread::Request(id) => {
            sqlx::query!(
                "insert into app.message_reads (user_id, request_id, last_read_at) values ($1, $2, now())
                 on conflict (company_id, user_id, request_id) where request_id is not null
                 do update set last_read_at = excluded.last_read_at",
                user_id,
                id,
            )
            .execute(&mut *ctx.tx)
            .await?
        }
        Thread::Job(id) => {
            sqlx::query!(
                "insert into app.message_reads (user_id, job_id, last_read_at) values ($1, $2, now())
                 on conflict (company_id, user_id, job_id) where job_id is not null
                 do update set last_read_at = excluded.last_read_at",
                user_id,
                id,
            )
            .execute(&mut *ctx.tx)
            .await?
        }
    };
    Ok(())
}

/// The conversation of a job request, oldest first (its customer, admins).
#[utoipa::path(
    get, path = "/api/v1/job-requests/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path, description = "Request id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of messages (customers: internal notes left out)", body = Page<Message>),
        (status = 403, description = "Workers have no request threads", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
    )
)]
async fn list_request_messages(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<Message>>> {
    let page = list(&mut ctx, Thread::Request(id), page).await?;
    ctx.commit().await?;
    Ok(AppJson(page))
}

/// Writes in a job request's conversation (its customer, admins; admins may
/// write an internal note). The other side is mailed, at most once per
/// thread and side every 10 minutes.
#[utoipa::path(
    post, path = "/api/v1/job-requests/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = NewMessage,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Written", body = Message),
        (status = 403, description = "Workers have no request threads", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
        (status = 422, description = "Empty or too long, or an internal note from a customer", body = Problem),
    )
)]
async fn post_request_message(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<NewMessage>,
) -> Result<(StatusCode, AppJson<Message>)> {
    let message = post(&mut ctx, &state, Thread::Request(id), body).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok((StatusCode::CREATED, AppJson(message)))
}

/// The conversation of a job, oldest first (its customer, its worker, admins).
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path, description = "Job id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of messages (customers: internal notes left out)", body = Page<Message>),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn list_job_messages(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<Message>>> {
    let page = list(&mut ctx, Thread::Job(id), page).await?;
    ctx.commit().await?;
    Ok(AppJson(page))
}

/// Writes in a job's conversation (its customer, its worker, admins; staff
/// may write an internal note). The other side is mailed, at most once per
/// thread and side every 10 minutes.
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/messages", tag = "messages",
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = NewMessage,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Written", body = Message),
        (status = 404, description = "No such job visible to you", body = Problem),
        (status = 422, description = "Empty or too long, or an internal note from a customer", body = Problem),
    )
)]
async fn post_job_message(
    mut ctx: Ctx,
    State(state): State<AppState>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<NewMessage>,
) -> Result<(StatusCode, AppJson<Message>)> {
    let message = post(&mut ctx, &state, Thread::Job(id), body).await?;
    ctx.commit().await?;
    state.mail.notify();
    Ok((StatusCode::CREATED, AppJson(message)))
}

/// Marks a job request's conversation read up to now, for the caller.
#[utoipa::path(
    post, path = "/api/v1/job-requests/{id}/messages/read", tag = "messages",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Read"),
        (status = 403, description = "Workers have no request threads", body = Problem),
        (status = 404, description = "No such request visible to you", body = Problem),
    )
)]
async fn read_request_messages(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    mark_read(&mut ctx, Thread::Request(id)).await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks a job's conversation read up to now, for the caller.
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/messages/read", tag = "messages",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Read"),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn read_job_messages(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    mark_read(&mut ctx, Thread::Job(id)).await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's unread messages, per conversation and in total: messages by
/// others, among those it may read, after its read marker of the thread.
#[utoipa::path(
    get, path = "/api/v1/messages/unread", tag = "messages",
    security(("bearer" = [])),
    responses((status = 200, description = "Unread counts", body = UnreadCounts))
)]
async fn unread_counts(mut ctx: Ctx) -> Result<AppJson<UnreadCounts>> {
    let threads = sqlx::query_as!(
        ThreadUnread,
        r#"select m.request_id, m.job_id, count(*) as "unread!", max(m.created_at) as "last_at!"
           from app.messages m
           left join app.message_reads r
             on r.company_id = m.company_id and r.company_id = $1 and r.user_id = $2
            and r.request_id is not distinct from m.request_id and r.job_id is not distinct from m.job_id
           where m.company_id = $1 and m.author_id <> $2 and (r.last_read_at is null or m.created_at > r.last_read_at)
           group by m.request_id, m.job_id
           order by max(m.created_at) desc
           limit 200"#,
        ctx.user.company_id,
        ctx.user.user_id,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let total = threads.iter().map(|t| t.unread).sum();
    Ok(AppJson(UnreadCounts { total, threads }))
}
