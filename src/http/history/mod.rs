//! The change history of a job: the `app.audit_log` rows of the job itself and
//! of its tasks, notes and share links, newest first. The database writes the
//! log (a trigger on every table) and decides who reads it: its policy gives
//! admins their own company's rows and nobody else anything.
//!
//! As in the timeline (see `timeline.rs`), the log's global `id` never leaves:
//! its gaps would measure the other companies' writes. Entries are named, and
//! pages continued, by `(at, rank among this job's entries of that instant)`.
//! The CSV download is written in `csv_export.rs`.

use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    job_visibility::require_job_visible,
    pagination::{self, Page},
    AppState,
};

mod csv_export;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(job_history))
}

/// A CSV download holds at most this many changes; `Link: rel="next"` continues it.
pub const CSV_MAX_ENTRIES: i64 = 10_000;

/// Columns every row has; they say nothing about what happened to it.
const ROW_BOOKKEEPING: &[&str] =
    &["id", "company_id", "job_id", "created_at", "updated_at", "created_by", "updated_by", "version"];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HistoryFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Entries per page: 1 to 200 (default 50); for `format=csv` up to 10000 (the default).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `csv` downloads the history as a spreadsheet, one line per changed column.
    #[param(inline)]
    pub format: Option<HistoryFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    Insert,
    Update,
    Delete,
}

/// How a change reached the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A request to this API, by a signed-in user.
    Api,
    /// The sign-in and share-link steps, before anyone is signed in.
    Auth,
    /// Directly in the database (psql, the CLI, a migration).
    Direct,
}

/// Who made a change, as the request context (or a psql session) said.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Actor {
    pub id: Uuid,
    /// Absent when the user is not one of your company's.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// Opaque key of the entry, stable and unique within this job's history.
    pub id: String,
    pub at: DateTime<Utc>,
    pub action: Action,
    /// The changed row's table: `jobs`, `job_tasks`, `job_notes` or `share_links`.
    pub table: String,
    pub row_id: Uuid,
    /// Absent for changes made without a signed-in user (e.g. directly in psql).
    pub actor: Option<Actor>,
    /// The actor's role at the time.
    pub role: Option<Role>,
    pub source: Source,
    /// The database role that made the change, e.g. `fieldops_admin` for the
    /// API or a DBA's own role.
    pub db_role: String,
    /// `{column: [old, new]}`. A creation lists each column as `[null, value]`,
    /// a deletion as `[value, null]`; updates only the columns that changed.
    /// Password and token hashes never appear.
    #[schema(value_type = Object)]
    pub changes: Value,
}

/// The history of a job and of its tasks, notes and share links, newest first.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}/history", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id"), HistoryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of changes, or all of them as CSV",
         content(
             (Page<HistoryEntry> = "application/json"),
             (String = "text/csv"),
         )),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such job in your company", body = Problem),
    )
)]
async fn job_history(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(query): AppQuery<HistoryQuery>,
) -> Result<Response> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("history.read").await?;
    let format = query.format.unwrap_or_default();
    let limit = match (format, query.limit) {
        (HistoryFormat::Csv, None) => CSV_MAX_ENTRIES,
        (HistoryFormat::Csv, Some(n)) if (1..=CSV_MAX_ENTRIES).contains(&n) => n,
        (HistoryFormat::Csv, Some(_)) => {
            return Err(Error::field("limit", format!("must be between 1 and {CSV_MAX_ENTRIES}")))
        }
        (HistoryFormat::Json, requested) => pagination::limit(requested)?,
    };
    let after: Option<(DateTime<Utc>, i64)> = pagination::decode(query.cursor.as_deref())?;
    let (after_at, after_tie) = after.unzip();

    require_job_visible(&mut ctx, id).await?;

    // `company_id` and `job_id`: one range of audit_log_company_job_idx. The
    // company is written out in the lateral too: Citus routes a statement to
    // one shard only when every table it reads is pinned to the company.
    let rows = sqlx::query!(
        r#"select a.at, r.tie as "tie!", a.action, a.table_name, a.row_id, a.actor_id,
                  u.name as "actor_name?", a.actor_role as "actor_role: Role", a.source, a.db_role, a.changes
           from app.audit_log a
           -- The entry's rank among this job's entries of the same instant
           -- (see timeline.rs): one index probe per row listed.
           cross join lateral (
             select count(*) + 1 as tie from app.audit_log x
             where x.company_id = $5 and x.job_id = a.job_id and x.at = a.at and x.id > a.id) r
           left join app.users u on u.company_id = a.company_id and u.id = a.actor_id
           where a.company_id = $5 and a.job_id = $1
             and ($2::timestamptz is null or a.at <= $2)
             and ($2::timestamptz is null or a.at < $2 or r.tie > $3::bigint)
           order by a.at desc, a.id desc
           limit $4"#,
        id,
        after_at,
        after_tie,
        limit + 1,
        ctx.user.company_id,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;

    let entries = rows
        .into_iter()
        .map(|row| {
            let action = parse_action(&row.action)?;
            Ok((
                row.tie,
                HistoryEntry {
                    id: pagination::encode(&(row.at, row.tie)),
                    at: row.at,
                    action,
                    table: row.table_name,
                    row_id: row.row_id,
                    actor: row.actor_id.map(|id| Actor { id, name: row.actor_name }),
                    role: row.actor_role,
                    source: parse_source(&row.source)?,
                    db_role: row.db_role,
                    changes: as_changes(action, row.changes),
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let page = pagination::page(entries, limit, |(tie, e)| (e.at, *tie));
    let page =
        Page { items: page.items.into_iter().map(|(_, e)| e).collect(), next_cursor: page.next_cursor };

    match format {
        HistoryFormat::Json => Ok(AppJson(page).into_response()),
        HistoryFormat::Csv => csv_export::response(id, page),
    }
}

fn parse_action(action: &str) -> Result<Action> {
    match action {
        "INSERT" => Ok(Action::Insert),
        "UPDATE" => Ok(Action::Update),
        "DELETE" => Ok(Action::Delete),
        other => Err(Error::Internal(anyhow::anyhow!("unknown audit action {other:?}"))),
    }
}

fn parse_source(source: &str) -> Result<Source> {
    match source {
        "api" => Ok(Source::Api),
        "auth" => Ok(Source::Auth),
        "direct" => Ok(Source::Direct),
        other => Err(Error::Internal(anyhow::anyhow!("unknown audit source {other:?}"))),
    }
}

/// The log keeps whole rows for inserts and deletes; the API shows every change
/// the same way, `{column: [old, new]}`, without the bookkeeping columns.
fn as_changes(action: Action, stored: Value) -> Value {
    let Value::Object(columns) = stored else {
        return Value::Object(Map::new());
    };
    if action == Action::Update {
        return Value::Object(columns);
    }
    let changes = columns
        .into_iter()
        .filter(|(column, _)| !ROW_BOOKKEEPING.contains(&column.as_str()))
        .map(|(column, value)| {
            let pair = match action {
                Action::Delete => vec![value, Value::Null],
                _ => vec![Value::Null, value],
            };
            (column, Value::Array(pair))
        })
        .collect();
    Value::Object(changes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn inserts_and_deletes_read_as_old_new_pairs_without_bookkeeping() {
        let row = json!({ "id": "x", "company_id": "c", "title": "Fix", "version": 1, "is_archived": false });
        assert_eq!(
            as_changes(Action::Insert, row.clone()),
            json!({ "title": [null, "Fix"], "is_archived": [null, false] })
        );
        assert_eq!(
            as_changes(Action::Delete, row),
            json!({ "title": ["Fix", null], "is_archived": [false, null] })
        );
        let diff = json!({ "title": ["a", "b"] });
        assert_eq!(as_changes(Action::Update, diff.clone()), diff);
    }
}
