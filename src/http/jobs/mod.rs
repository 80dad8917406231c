//! Jobs: the list (role-scoped by the policies), detail, creation, edits,
//! archiving, and the worker's own queue. This file holds the router and the
//! types the parts share; `list.rs` the lists, `detail.rs` one job as its page
//! shows it, `writes.rs` creation, edits and archiving.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::http::{
    notes::Note,
    shared::{
        contacts::Contact,
        custom_fields::{CustomFieldValue, CustomFields},
        refs::NamedRef,
        service_locations::ServiceLocation,
        AppState,
    },
    tasks::Task,
};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusRef {
    pub id: Uuid,
    pub name: String,
    pub color: String,
    pub is_final: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobSummary {
    pub id: Uuid,
    pub title: String,
    pub status: StatusRef,
    pub customer: NamedRef,
    pub assigned_worker: Option<NamedRef>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub is_archived: bool,
    pub tasks_total: i32,
    pub tasks_done: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// The branch the job belongs to; none: company-wide members only see it.
    pub branch_id: Option<Uuid>,
}

/// What the caller may see of the job's customer: workers get no email.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerContact {
    pub id: Uuid,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// The customer's custom fields you may read, by key: all of them for
    /// admins, those visible to workers or customers for them (the database's
    /// projections; staff-only fields never reach them).
    #[schema(value_type = HashMap<String, CustomFieldValue>)]
    pub custom_fields: CustomFields,
}

/// A job with everything its page shows. Like [`JobSummary`], but with the
/// customer's contact details (as far as the caller may read them).
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDetail {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub status: StatusRef,
    pub customer: CustomerContact,
    /// Where the job happens. Its gate code and access notes (`access`) are
    /// there only when the database lets you read them: admins, and the
    /// assigned worker while the job is not archived; never customers.
    pub service_location: Option<ServiceLocation>,
    /// Who to ask for on site, one of the customer's contacts.
    pub site_contact: Option<Contact>,
    pub assigned_worker: Option<NamedRef>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub is_archived: bool,
    pub tasks_total: i32,
    pub tasks_done: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// The job's branch (none: company-wide).
    pub branch_id: Option<Uuid>,
    pub tasks: Vec<Task>,
    /// Internal notes are never included for customers (by policy).
    pub notes: Vec<Note>,
    /// The job's custom fields you may read, by key: all of them for admins;
    /// for the assigned worker those visible to workers, for the customer
    /// those visible to customers (the database's projections: staff-only
    /// fields never reach them).
    #[schema(value_type = HashMap<String, CustomFieldValue>)]
    pub custom_fields: CustomFields,
}

/// One row of app.job_summaries.
pub struct SummaryRow {
    id: Uuid,
    title: String,
    description: String,
    status_id: Uuid,
    status_name: String,
    status_color: String,
    status_is_final: bool,
    status_order: i32,
    customer_id: Uuid,
    customer_name: Option<String>,
    assigned_worker_id: Option<Uuid>,
    worker_name: Option<String>,
    scheduled_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    is_archived: bool,
    tasks_total: i32,
    tasks_done: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i32,
    branch_id: Option<Uuid>,
}

impl SummaryRow {
    fn summary(&self) -> JobSummary {
        JobSummary {
            id: self.id,
            title: self.title.clone(),
            status: StatusRef {
                id: self.status_id,
                name: self.status_name.clone(),
                color: self.status_color.clone(),
                is_final: self.status_is_final,
            },
            customer: NamedRef { id: self.customer_id, name: self.customer_name.clone().unwrap_or_default() },
            assigned_worker: self
                .assigned_worker_id
                .map(|id| NamedRef { id, name: self.worker_name.clone().unwrap_or_default() }),
            scheduled_at: self.scheduled_at,
            completed_at: self.completed_at,
            is_archived: self.is_archived,
            tasks_total: self.tasks_total,
            tasks_done: self.tasks_done,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            branch_id: self.branch_id,
        }
    }
}

/// `select … from` the rows of app.job_summaries + the rest of the query.
///
/// The view's query inlined, with the company bound in the task counts too:
/// Citus routes a statement to one shard only if every distributed table in it
/// is filtered by a company id it knows, and the view's lateral count has only
/// `t.company_id = j.company_id`, so a job read through the view went to every
/// shard (docs/scaling.md). `company` names the parameter holding the caller's
/// company (e.g. "$2"), which the tail must also bind (`where company_id = $2`).
/// On one server the plan is the view's.
///
/// `view`: from the view itself, for a tail that calls a function reading
/// other tables (the admin search): routed to one shard, the whole statement
/// would run there, and Citus refuses a distributed query from inside a
/// shard's; through the view Citus runs the function on the coordinator first.
macro_rules! select_summaries {
    (view, $tail:literal $(, $arg:expr)* $(,)?) => {
        select_summaries!(@from ["app.job_summaries "], $tail $(, $arg)*)
    };
    (company = $company:literal, $tail:literal $(, $arg:expr)* $(,)?) => {
        select_summaries!(@from [r#"(
                 select j.id, j.company_id, j.title, j.description, j.status_id,
                        s.name as status_name, s.color as status_color, s.is_final as status_is_final,
                        s.order_index as status_order, j.customer_id, c.name as customer_name,
                        j.assigned_worker_id, w.name as worker_name, j.scheduled_at, j.completed_at,
                        j.is_archived, j.created_at, j.updated_at, j.version,
                        coalesce(t.total, 0)::integer as tasks_total, coalesce(t.done, 0)::integer as tasks_done,
                        j.branch_id
                 from app.jobs j
                 join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
                 left join app.customers c on c.company_id = j.company_id and c.id = j.customer_id
                 left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id
                 left join lateral (
                   select count(*) as total, count(*) filter (where t.is_completed) as done
                   from app.job_tasks t
                   where t.company_id = "# + $company + r#" and t.job_id = j.id
                 ) t on true
               ) job_summaries "#], $tail $(, $arg)*)
    };
    (@from [$($from:tt)+], $tail:literal $(, $arg:expr)*) => {
        sqlx::query_as!(
            SummaryRow,
            r#"select id as "id!", title as "title!", description as "description!",
                      status_id as "status_id!", status_name as "status_name!",
                      status_color as "status_color!", status_is_final as "status_is_final!",
                      status_order as "status_order!", customer_id as "customer_id!", customer_name as "customer_name?",
                      assigned_worker_id as "assigned_worker_id?", worker_name as "worker_name?",
                      scheduled_at as "scheduled_at?", completed_at as "completed_at?", is_archived as "is_archived!",
                      tasks_total as "tasks_total!", tasks_done as "tasks_done!",
                      created_at as "created_at!", updated_at as "updated_at!", version as "version!",
                      branch_id as "branch_id?"
               from "# + $($from)+ + $tail
            $(, $arg)*
        )
    };
}

// Declared after `select_summaries!`, which they use.
mod detail;
mod list;
mod writes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list_jobs, writes::create_job))
        .routes(routes!(detail::get_job, writes::update_job))
        .routes(routes!(writes::archive_job))
        .routes(routes!(writes::unarchive_job))
        .routes(routes!(list::assigned_jobs))
}
