//! The job lists: everyone's `/jobs` (filtered, searched) and the worker's queue.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{JobSummary, SummaryRow};
use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    custom_fields::{CustomFieldFilter, CustomFieldParams, Entity},
    error::{Error, Problem, Result},
    extract::{AppJson, AppQuery},
    like::like_pattern,
    pagination::{self, Page, PageParams},
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    pub status_id: Option<Uuid>,
    /// Matches the title or the customer's name, case-insensitively; for
    /// admins also the values of the job's custom fields.
    pub q: Option<String>,
    pub assigned_worker_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Archived jobs instead of active ones (default false).
    pub archived: Option<bool>,
    /// One branch's jobs. Another branch than a scoped caller's own, or
    /// another company's, finds nothing (the policies decide).
    pub branch_id: Option<Uuid>,
}

/// Jobs, newest first. What each role gets is decided by the database:
/// admins their company's jobs, workers their assigned jobs, customers their own.
#[utoipa::path(
    get, path = "/api/v1/jobs", tag = "jobs",
    params(JobFilter, PageParams, CustomFieldParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of jobs", body = Page<JobSummary>),
        (status = 422, description = "A `cf.<key>` names no job field, its value fits not its type, \
                                      or the caller is not an admin", body = Problem),
    )
)]
pub(super) async fn list_jobs(
    mut ctx: Ctx,
    AppQuery(filter): AppQuery<JobFilter>,
    AppQuery(page): AppQuery<PageParams>,
    AppQuery(query): AppQuery<BTreeMap<String, String>>,
) -> Result<AppJson<Page<JobSummary>>> {
    let (limit, after): (_, Option<(DateTime<Utc>, Uuid)>) = page.start()?;
    let (after_created, after_id) = after.unzip();
    let pattern = filter.q.as_deref().filter(|q| !q.trim().is_empty()).map(like_pattern);
    let archived = filter.archived.unwrap_or(false);
    let company_id = ctx.user.company_id;
    let cf = CustomFieldFilter::from_query(&query);
    // Workers and customers see few jobs and none of the raw values: the
    // filter is the office's.
    if !cf.is_empty() && !ctx.is(Role::Admin) {
        return Err(Error::field("cf", "custom-field filters are for admins"));
    }
    let wanted = if cf.is_empty() { None } else { Some(cf.containment(&mut ctx, Entity::Job).await?) };
    let rows = match pattern {
        // Through the GIN index on custom_fields (auth.filter_jobs, which also
        // applies `q`), from the view for the same reason as the search below.
        pattern if wanted.is_some() => {
            select_summaries!(
                view,
                "where company_id = $10
                   and id = any(array(select s from auth.filter_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9) s))
                   and ($11::uuid is null or branch_id = $11)
                 order by created_at desc, id desc",
                wanted,
                pattern,
                archived,
                filter.status_id,
                filter.assigned_worker_id,
                filter.customer_id,
                after_created,
                after_id,
                (limit + 1) as i32,
                company_id,
                filter.branch_id,
            )
            .fetch_all(&mut *ctx.tx)
            .await?
        }
        // Admins search the whole company: through the indexed search function
        // (RLS would otherwise filter a LIKE only after reading every job).
        Some(pattern) if ctx.is(Role::Admin) => {
            // Loaded under the caller's own policies all the same. One statement:
            // with the ids bound as a parameter the planner knew their values but
            // not how few they were, and walked the tenant's jobs by status.
            select_summaries!(
                view,
                "where company_id = $9
                   and id = any(array(select s from auth.search_jobs($1, $2, $3, $4, $5, $6, $7, $8) s))
                   and ($10::uuid is null or branch_id = $10)
                 order by created_at desc, id desc",
                pattern,
                archived,
                filter.status_id,
                filter.assigned_worker_id,
                filter.customer_id,
                after_created,
                after_id,
                (limit + 1) as i32,
                company_id,
                filter.branch_id,
            )
            .fetch_all(&mut *ctx.tx)
            .await?
        }
        pattern => {
            // The page's ids first, from app.jobs alone along its keyset index;
            // only those rows then get their summary (joins, task counts).
            select_summaries!(
                company = "$9",
                // `= any(array(...))`: the ids are computed first and then looked
                // up by primary key (an `in (...)` let the planner build the
                // summaries of every visible job before matching them).
                "where company_id = $9 and id = any(array(
                   select j.id from app.jobs j
                   left join app.customers c on c.company_id = j.company_id and c.id = j.customer_id
                   where j.company_id = $9
                     and ($1::uuid is null or j.status_id = $1)
                     and ($2::uuid is null or j.assigned_worker_id = $2)
                     and ($3::uuid is null or j.customer_id = $3)
                     and j.is_archived = $4
                     and ($5::text is null or lower(j.title) like $5 or lower(c.name) like $5)
                     and ($6::timestamptz is null or (j.created_at, j.id) < ($6, $7::uuid))
                     and ($10::uuid is null or j.branch_id = $10)
                   order by j.created_at desc, j.id desc
                   limit $8))
                 order by created_at desc, id desc",
                filter.status_id,
                filter.assigned_worker_id,
                filter.customer_id,
                archived,
                pattern,
                after_created,
                after_id,
                limit + 1,
                company_id,
                filter.branch_id,
            )
            .fetch_all(&mut *ctx.tx)
            .await?
        }
    };
    ctx.commit().await?;
    let summaries: Vec<JobSummary> = rows.iter().map(SummaryRow::summary).collect();
    Ok(AppJson(pagination::page(summaries, limit, |j| (j.created_at, j.id))))
}

/// Where a job sits in a worker's queue: status order, then schedule (unscheduled
/// last), then oldest first. Also the queue's cursor.
type QueueKey = (i32, Option<DateTime<Utc>>, DateTime<Utc>, Uuid);

/// The signed-in worker's assigned, unarchived jobs, a page at a time: in the
/// company's workflow order, then by schedule (unscheduled last), oldest first.
#[utoipa::path(
    get, path = "/api/v1/workers/assigned-jobs", tag = "jobs",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of assigned, unarchived jobs", body = Page<JobSummary>),
        (status = 403, description = "Not a worker", body = Problem),
    )
)]
pub(super) async fn assigned_jobs(
    mut ctx: Ctx,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<JobSummary>>> {
    ctx.require(&[Role::Worker])?;
    let (limit, after): (_, Option<QueueKey>) = page.start()?;
    let (after_order, after_scheduled, after_created, after_id) = match after {
        Some((order, scheduled, created, id)) => (Some(order), scheduled, Some(created), Some(id)),
        None => (None, None, None, None),
    };
    // A queue is bounded by what is open now, not by the worker's history: the
    // page is chosen from the unarchived-jobs index, and `not is_archived` again
    // outside lets the summaries use that index too.
    let rows = select_summaries!(
        company = "$6",
        "where company_id = $6 and id = any(array(
           select j.id from app.jobs j
           join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
           where j.company_id = $6 and j.assigned_worker_id = $7 and not j.is_archived
             and ($1::integer is null
                  or (s.order_index, coalesce(j.scheduled_at, 'infinity'), j.created_at, j.id)
                     > ($1, coalesce($2::timestamptz, 'infinity'), $3::timestamptz, $4::uuid))
           order by s.order_index, coalesce(j.scheduled_at, 'infinity'), j.created_at, j.id
           limit $5))
         and not is_archived
         order by status_order, scheduled_at nulls last, created_at, id",
        after_order,
        after_scheduled,
        after_created,
        after_id,
        limit + 1,
        ctx.user.company_id,
        ctx.user.user_id,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let page = pagination::page(rows, limit, |row| -> QueueKey {
        (row.status_order, row.scheduled_at, row.created_at, row.id)
    });
    Ok(AppJson(Page {
        items: page.items.iter().map(SummaryRow::summary).collect(),
        next_cursor: page.next_cursor,
    }))
}
