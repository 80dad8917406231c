//! One job as its page shows it: summary, customer contact, service location
//! and site contact, tasks and notes.

use axum::response::IntoResponse;
use uuid::Uuid;

use super::{CustomerContact, JobDetail, SummaryRow};
use crate::auth::Role;
use crate::http::{
    notes,
    shared::{
        concurrency::etag,
        contacts::load_contact,
        context::Ctx,
        custom_fields::{self, CustomFields, Entity},
        error::{Error, Problem, Result},
        extract::{AppJson, AppPath},
        service_locations::load_location,
    },
    tasks,
};

/// Loads a job as the caller may see it; None when it is not visible.
pub async fn load_detail(ctx: &mut Ctx, id: Uuid) -> Result<Option<JobDetail>> {
    let company_id = ctx.user.company_id;
    let Some(row) = select_summaries!(company = "$2", "where company_id = $2 and id = $1", id, company_id)
        .fetch_optional(&mut *ctx.tx)
        .await?
    else {
        return Ok(None);
    };
    // Column grants differ by role: a worker may not read customer emails.
    let customer_contact = if ctx.is(Role::Worker) {
        sqlx::query!(
            "select id, name, phone, address from app.customers where company_id = $2 and id = $1",
            row.customer_id,
            company_id
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
        .map(|c| CustomerContact {
            id: c.id,
            name: c.name,
            email: None,
            phone: c.phone,
            address: c.address,
            custom_fields: CustomFields::default(),
        })
    } else {
        sqlx::query!(
            "select id, name, email, phone, address from app.customers where company_id = $2 and id = $1",
            row.customer_id,
            company_id
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
        .map(|c| CustomerContact {
            id: c.id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            address: c.address,
            custom_fields: CustomFields::default(),
        })
    };
    let place = sqlx::query!(
        "select service_location_id, site_contact_id from app.jobs where company_id = $2 and id = $1",
        id,
        company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let (location_id, contact_id) =
        place.map(|p| (p.service_location_id, p.site_contact_id)).unwrap_or_default();
    let service_location = match location_id {
        Some(location_id) => load_location(ctx, location_id).await?,
        None => None,
    };
    let site_contact = match contact_id {
        Some(contact_id) => load_contact(ctx, contact_id).await?,
        None => None,
    };
    let tasks = tasks::for_job(ctx, id).await?;
    let notes = notes::for_job(ctx, id).await?;
    let custom_fields = custom_fields::visible_one(ctx, Entity::Job, id).await?;
    let customer_fields = custom_fields::visible_one(ctx, Entity::Customer, row.customer_id).await?;
    let summary = row.summary();
    let customer = CustomerContact {
        custom_fields: customer_fields,
        ..customer_contact.unwrap_or(CustomerContact {
            id: summary.customer.id,
            name: summary.customer.name,
            email: None,
            phone: None,
            address: None,
            custom_fields: CustomFields::default(),
        })
    };
    Ok(Some(JobDetail {
        id: summary.id,
        title: summary.title,
        description: row.description,
        status: summary.status,
        customer,
        service_location,
        site_contact,
        assigned_worker: summary.assigned_worker,
        scheduled_at: summary.scheduled_at,
        completed_at: summary.completed_at,
        is_archived: summary.is_archived,
        tasks_total: summary.tasks_total,
        tasks_done: summary.tasks_done,
        created_at: summary.created_at,
        updated_at: summary.updated_at,
        version: summary.version,
        branch_id: summary.branch_id,
        tasks,
        notes,
        custom_fields,
    }))
}

pub(super) fn detail_response(detail: JobDetail) -> impl IntoResponse {
    (etag(detail.version), AppJson(detail))
}

/// A job with its tasks and notes, as the caller may see it.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job", body = JobDetail),
        (status = 404, description = "No such job visible to you", body = Problem),
    )
)]
pub(super) async fn get_job(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    let detail = load_detail(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok(detail_response(detail))
}
