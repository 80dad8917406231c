//! A job's timeline: what its customer and its worker may follow of its history
//! (created, status and appointment changes, tasks added, done, undone and
//! removed), newest first. It is read from `app.audit_log.timeline`, an
//! allow-listed projection of each change that the database computes; the
//! policy on the log shows workers and customers the rows of the jobs they can
//! see, and their column grant never reaches the full diff.
//!
//! Nothing global leaves this module. `audit_log.id` is one sequence shared by
//! every company, so handing it out (as an entry id, or inside a cursor) would
//! let anyone with a job to watch measure every other company's write volume
//! from the gaps. Entries are ordered by `(at, id)` inside the database only;
//! outside, an entry is named by its time and its rank among this job's
//! entries of that same instant (`tie`: 1 for the newest), which says nothing
//! beyond what the caller already sees. The cursor is that pair too: the next
//! page is everything older than `at`, or of the same `at` with a larger rank.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(job_timeline))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Entries per page: 1 to 200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// The job was opened; `status` is its first status, `scheduled_at` its
    /// appointment if it had one. Tasks it was opened with are not listed apart.
    JobCreated,
    /// The status (`status` present) or the appointment (`rescheduled`) changed.
    JobUpdated,
    TaskAdded,
    TaskCompleted,
    TaskReopened,
    TaskRemoved,
}

/// A status as the job had it then.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineStatus {
    pub id: Uuid,
    /// Absent when the status has since been deleted.
    pub name: Option<String>,
    pub color: Option<String>,
    pub is_final: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineTask {
    pub id: Uuid,
    /// The task's title now, or its last title if it was removed.
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// Opaque key of the entry, stable and unique within this job's timeline.
    pub id: String,
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    /// The role of whoever made the change; absent for changes made directly
    /// in the database.
    pub by: Option<Role>,
    /// The new status, when the change set one.
    pub status: Option<TimelineStatus>,
    /// Whether the change set or moved the appointment.
    pub rescheduled: bool,
    /// The appointment after the change; absent when it was removed.
    pub scheduled_at: Option<DateTime<Utc>>,
    pub task: Option<TimelineTask>,
}

/// The job's timeline, newest first: every role, for the jobs it can see.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/timeline", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id"), TimelineQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the job's timeline", body = Page<TimelineEntry>),
        (status = 404, description = "No such job among those you can see", body = Problem),
    )
)]
async fn job_timeline(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(query): AppQuery<TimelineQuery>,
) -> Result<AppJson<Page<TimelineEntry>>> {
    let (limit, after): (_, Option<(DateTime<Utc>, i64)>) =
        pagination::start(query.limit, query.cursor.as_deref())?;
    let (after_at, after_tie) = after.unzip();

    // The job's creation instant, and at once the visibility check (404).
    let company_id = ctx.user.company_id;
    let created_at = sqlx::query_scalar!(
        "select created_at from app.jobs where company_id = $2 and id = $1",
        id,
        company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;

    // Tasks a job is opened with share the job's transaction, hence its
    // created_at: they are part of `job_created`, not news of their own.
    let rows = sqlx::query!(
        r#"select a.at, r.tie as "tie!", a.table_name, a.action, a.row_id,
                  a.actor_role as "actor_role: Role", a.timeline as "timeline!",
                  s.name as "status_name?", s.color as "status_color?", s.is_final as "status_is_final?",
                  coalesce(t.title, a.timeline #>> '{title,1}', a.timeline #>> '{title,0}',
                           (select d.timeline #>> '{title,0}' from app.audit_log d
                             where d.company_id = $6 and d.job_id = a.job_id and d.table_name = 'job_tasks'
                               and d.row_id = a.row_id and d.action = 'DELETE'
                             limit 1)) as task_title
           from app.audit_log a
           -- The entry's rank among this job's listed entries of the same
           -- instant: an index probe per row, and the scan stays in index
           -- order, so the limit stops it early. The company is written out in
           -- every part: Citus routes a statement to one shard only when each
           -- table it reads is pinned to the company.
           cross join lateral (
             select count(*) + 1 as tie from app.audit_log x
             where x.company_id = $6 and x.job_id = a.job_id and x.at = a.at and x.id > a.id
               and x.timeline is not null
               and not (x.table_name = 'job_tasks' and x.action = 'INSERT' and x.at = $2)) r
           left join app.job_statuses s
             on s.company_id = a.company_id and a.table_name = 'jobs'
                and s.id = (a.timeline #>> '{status_id,1}')::uuid
           left join app.job_tasks t
             on t.company_id = a.company_id and a.table_name = 'job_tasks' and t.id = a.row_id
           where a.company_id = $6 and a.job_id = $1
             and a.timeline is not null
             and not (a.table_name = 'job_tasks' and a.action = 'INSERT' and a.at = $2)
             and ($3::timestamptz is null or a.at <= $3)
             and ($3::timestamptz is null or a.at < $3 or r.tie > $4::bigint)
           order by a.at desc, a.id desc
           limit $5"#,
        id,
        created_at,
        after_at,
        after_tie,
        limit + 1,
        company_id,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;

    let entries = rows
        .into_iter()
        .map(|row| {
            let change = Change(&row.timeline);
            let kind = match (row.table_name.as_str(), row.action.as_str()) {
                ("jobs", "INSERT") => TimelineKind::JobCreated,
                ("jobs", _) => TimelineKind::JobUpdated,
                ("job_tasks", "INSERT") => TimelineKind::TaskAdded,
                ("job_tasks", "DELETE") => TimelineKind::TaskRemoved,
                ("job_tasks", _) if change.after("is_completed") == Some(&Value::Bool(true)) => {
                    TimelineKind::TaskCompleted
                }
                ("job_tasks", _) => TimelineKind::TaskReopened,
                (table, action) => {
                    return Err(Error::Internal(anyhow::anyhow!("no timeline kind for {action} on {table}")))
                }
            };
            let is_job = row.table_name == "jobs";
            let status = change.after_uuid("status_id").filter(|_| is_job).map(|id| TimelineStatus {
                id,
                name: row.status_name,
                color: row.status_color,
                is_final: row.status_is_final,
            });
            Ok((
                row.tie,
                TimelineEntry {
                    id: pagination::encode(&(row.at, row.tie)),
                    at: row.at,
                    kind,
                    by: row.actor_role,
                    status,
                    rescheduled: is_job && change.has("scheduled_at"),
                    scheduled_at: change
                        .after("scheduled_at")
                        .and_then(|v| serde_json::from_value(v.clone()).ok()),
                    task: (!is_job).then_some(TimelineTask { id: row.row_id, title: row.task_title }),
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let page = pagination::page(entries, limit, |(tie, e)| (e.at, *tie));
    Ok(AppJson(Page {
        items: page.items.into_iter().map(|(_, e)| e).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A timeline value: `{column: [old, new]}`.
struct Change<'a>(&'a Value);

impl Change<'_> {
    fn has(&self, column: &str) -> bool {
        self.0.get(column).is_some()
    }

    fn after(&self, column: &str) -> Option<&Value> {
        self.0.get(column)?.get(1).filter(|v| !v.is_null())
    }

    fn after_uuid(&self, column: &str) -> Option<Uuid> {
        self.after(column)?.as_str()?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_change_reads_the_new_side_of_each_pair() {
        let value = json!({"status_id": [null, "5b7f2a53-8c3e-4a4e-9a49-2a4f0f4b8a01"], "scheduled_at": ["2026-01-02T10:00:00Z", null]});
        let change = Change(&value);
        assert_eq!(
            change.after_uuid("status_id"),
            Some("5b7f2a53-8c3e-4a4e-9a49-2a4f0f4b8a01".parse().expect("uuid"))
        );
        assert!(change.has("scheduled_at"));
        assert_eq!(change.after("scheduled_at"), None, "an appointment removed has no new value");
        assert!(!change.has("title"));
    }
}
