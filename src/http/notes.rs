//! Notes on a job. `internal` notes are for staff; `customer` notes are also
//! shown to the customer and on the share-link page. The policies decide who
//! reads which; this module never filters by visibility itself.

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
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    job_visibility::require_job_visible,
    refs::NamedRef,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_notes, create_note))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, ToSchema, Default)]
#[sqlx(type_name = "app.note_visibility", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Internal,
    Customer,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Note {
    pub id: Uuid,
    pub job_id: Uuid,
    pub body: String,
    pub visibility: Visibility,
    /// Absent when the author is not visible to the caller (a customer sees
    /// only the assigned worker's name).
    pub author: Option<NamedRef>,
    pub created_at: DateTime<Utc>,
}

pub async fn for_job(ctx: &mut Ctx, job_id: Uuid) -> Result<Vec<Note>> {
    let rows = sqlx::query!(
        r#"select n.id, n.job_id, n.body, n.visibility as "visibility: Visibility", n.created_at,
                  u.id as "author_id?", u.name as "author_name?"
           from app.job_notes n
           left join app.users u on u.company_id = n.company_id and u.id = n.author_id
           where n.company_id = $2 and n.job_id = $1
           order by n.created_at, n.id"#,
        job_id,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Note {
            id: r.id,
            job_id: r.job_id,
            body: r.body,
            visibility: r.visibility,
            author: r.author_id.zip(r.author_name).map(|(id, name)| NamedRef { id, name }),
            created_at: r.created_at,
        })
        .collect())
}

/// A job's notes, oldest first (admins and the assigned worker).
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/notes", tag = "notes",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Notes", body = Vec<Note>),
        (status = 403, description = "Customers read notes through the job", body = Problem),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn list_notes(mut ctx: Ctx, AppPath(job_id): AppPath<Uuid>) -> Result<AppJson<Vec<Note>>> {
    ctx.require(&[Role::Admin, Role::Worker])?;
    require_job_visible(&mut ctx, job_id).await?;
    let notes = for_job(&mut ctx, job_id).await?;
    ctx.commit().await?;
    Ok(AppJson(notes))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateNote {
    #[validate(length(min = 1, max = 5000, message = "must be 1 to 5000 characters"))]
    pub body: String,
    /// `internal` (default) or `customer`.
    #[serde(default)]
    pub visibility: Visibility,
}

/// Adds a note to a job, as the signed-in user.
#[utoipa::path(
    post, path = "/api/v1/jobs/{id}/notes", tag = "notes",
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = CreateNote,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Note),
        (status = 403, description = "Customers cannot write notes", body = Problem),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
async fn create_note(
    mut ctx: Ctx,
    AppPath(job_id): AppPath<Uuid>,
    AppJson(body): AppJson<CreateNote>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin, Role::Worker])?;
    body.validate()?;
    if body.body.trim().is_empty() {
        return Err(Error::field("body", "must not be blank"));
    }
    require_job_visible(&mut ctx, job_id).await?;
    let id = sqlx::query_scalar!(
        "insert into app.job_notes (job_id, body, visibility) values ($1, $2, $3) returning id",
        job_id,
        body.body.trim(),
        body.visibility as Visibility,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let note = for_job(&mut ctx, job_id).await?.into_iter().find(|n| n.id == id).ok_or(Error::NotFound)?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/jobs/{job_id}/notes"))];
    Ok((StatusCode::CREATED, location, AppJson(note)))
}
