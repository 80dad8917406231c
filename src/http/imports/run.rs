//! One import, dry run or applied, inside the caller's transaction (the
//! request's, or the CLI's admin context): RLS and every constraint check
//! each row. The rows go to `app.import_rows` a
//! chunk at a time, each row in its own subtransaction there; a dry run rolls
//! the rows back to a savepoint and keeps only the record of the run.

use std::collections::HashMap;

use sqlx::{types::Json, PgConnection};
use uuid::Uuid;

use super::{
    mapping::{self, Columns, Mapping},
    parse, Import, ImportReport, Kind, RowError, RowMatch,
};
use crate::http::shared::{context::CurrentUser, error::constraint_field, Error, Result};

/// Rows per call of the import function: large enough that round trips do
/// not count, small enough that a chunk's JSON stays a few hundred kB.
const CHUNK: usize = 1000;
/// Refused rows kept for errors.csv, and rows answered in the report.
const KEPT_ERRORS: usize = 10_000;
const REPORTED: usize = 1000;

pub struct Options {
    pub kind: Kind,
    pub source: String,
    pub file_name: String,
    /// None: proposed from the headers (and the preset named by `source`).
    pub mapping: Option<Mapping>,
    pub dry_run: bool,
}

struct Outcome {
    row_number: i32,
    outcome: String,
    record_id: Option<Uuid>,
    matched_by: Option<String>,
    constraint_name: Option<String>,
    column_name: Option<String>,
    message: Option<String>,
}

/// Runs the import; `progress` hears the number of rows done after each chunk.
pub async fn run(
    conn: &mut PgConnection,
    user: &CurrentUser,
    bytes: &[u8],
    options: Options,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<ImportReport> {
    let mut table = parse::open(bytes)?;
    let headers = table.headers.clone();
    let preset = mapping::PRESETS.contains(&options.source.as_str()).then_some(options.source.as_str());
    let mapping = options.mapping.unwrap_or_else(|| mapping::propose(options.kind, preset, &headers));
    mapping::check(options.kind, &mapping, &headers)?;
    let columns = Columns::new(&mapping, &headers);

    let import_id = sqlx::query_scalar!(
        "insert into app.imports (kind, file_name, source, mapping, created_by, state, headers)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
        options.kind.as_str(),
        options.file_name,
        options.source,
        Json(&mapping) as _,
        user.user_id,
        if options.dry_run { "dry_run" } else { "applied" },
        &headers,
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("savepoint import_rows").execute(&mut *conn).await?;

    let mut counts: HashMap<&'static str, i32> = HashMap::new();
    let mut errors: Vec<RowError> = Vec::new();
    let mut matches: Vec<RowMatch> = Vec::new();
    let mut chunk: Vec<serde_json::Value> = Vec::with_capacity(CHUNK);
    let mut pending: HashMap<i32, Vec<String>> = HashMap::with_capacity(CHUNK);
    let mut number = 1; // the header is row 1, as a spreadsheet numbers them
    let mut done = 0;
    loop {
        let record = table.next_record();
        let at_end = record.is_none();
        if let Some(record) = record {
            number += 1;
            match record {
                Err(message) => {
                    refuse(&mut errors, &mut counts, RowError::new(number, "", message, Vec::new()))
                }
                Ok(values) if values.iter().all(String::is_empty) => {}
                Ok(values) => match columns.row(options.kind, number as usize, &values) {
                    Ok(row) => {
                        chunk.push(row);
                        pending.insert(number, values);
                    }
                    Err(refusal) => {
                        let column =
                            columns.header_of(&refusal.field, &mapping).unwrap_or(&refusal.field).to_owned();
                        refuse(
                            &mut errors,
                            &mut counts,
                            RowError::new(number, &column, refusal.message, values),
                        );
                    }
                },
            }
            if chunk.len() < CHUNK {
                continue;
            }
        }
        if !chunk.is_empty() {
            let rows = serde_json::Value::Array(std::mem::take(&mut chunk));
            for outcome in apply_chunk(conn, options.kind, import_id, &options.source, rows).await? {
                let values = pending.remove(&outcome.row_number).unwrap_or_default();
                match outcome.outcome.as_str() {
                    "refused" => {
                        let (column, message) = explain(&outcome, &mapping);
                        refuse(
                            &mut errors,
                            &mut counts,
                            RowError::new(outcome.row_number, &column, message, values),
                        );
                    }
                    kind => {
                        let key = match kind {
                            "created" => "created",
                            "updated" => "updated",
                            _ => "skipped",
                        };
                        *counts.entry(key).or_default() += 1;
                        if let (Some(record_id), Some(matched_by)) = (outcome.record_id, outcome.matched_by) {
                            if matches.len() < REPORTED {
                                matches.push(RowMatch {
                                    row: outcome.row_number,
                                    outcome: key.to_owned(),
                                    record_id,
                                    matched_by,
                                    label: String::new(),
                                });
                            }
                        }
                    }
                }
                done += 1;
            }
            pending.clear();
            progress(done);
        }
        if at_end {
            break;
        }
    }

    if options.dry_run {
        sqlx::query("rollback to savepoint import_rows").execute(&mut *conn).await?;
    }
    sqlx::query("release savepoint import_rows").execute(&mut *conn).await?;
    label(conn, user, options.kind, &mut matches).await?;
    errors.sort_by_key(|e| e.row);

    // The transaction that applied it, as its own history records it (on
    // Citus the audit rows are written on the company's node, with that
    // node's transaction id).
    let applied_xact = if options.dry_run {
        None
    } else {
        sqlx::query_scalar!(
            "select xact_id from app.audit_log
             where company_id = $1 and table_name = 'imports' and row_id = $2 and action = 'INSERT'",
            user.company_id,
            import_id
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    let import = sqlx::query_as!(
        Import,
        r#"update app.imports set created_count = $3, updated_count = $4, skipped_count = $5, refused_count = $6,
                  errors = $7, applied_xact = $8,
                  -- No CASE around now() (Citus refuses it in an UPDATE): a dry run's
                  -- null interval leaves no deadline.
                  undo_deadline = now() + $9::interval
           where company_id = $1 and id = $2
           returning id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                     created_at, created_count, updated_count, skipped_count, refused_count, state,
                     undo_deadline, undone_at"#,
        user.company_id,
        import_id,
        counts.get("created").copied().unwrap_or(0),
        counts.get("updated").copied().unwrap_or(0),
        counts.get("skipped").copied().unwrap_or(0),
        counts.get("refused").copied().unwrap_or(0),
        Json(&errors) as _,
        applied_xact,
        applied_xact.map(|_| sqlx::postgres::types::PgInterval { months: 0, days: 0, microseconds: 24 * 3600 * 1_000_000 }),
    )
    .fetch_one(&mut *conn)
    .await?;
    errors.truncate(REPORTED);
    Ok(ImportReport { import, encoding: table.encoding.as_str().to_owned(), matches, errors })
}

fn refuse(errors: &mut Vec<RowError>, counts: &mut HashMap<&'static str, i32>, error: RowError) {
    *counts.entry("refused").or_default() += 1;
    if errors.len() < KEPT_ERRORS {
        errors.push(error);
    }
}

async fn apply_chunk(
    conn: &mut PgConnection,
    kind: Kind,
    import_id: Uuid,
    source: &str,
    rows: serde_json::Value,
) -> Result<Vec<Outcome>> {
    let outcomes = sqlx::query_as!(
        Outcome,
        r#"select row_number as "row_number!", outcome as "outcome!", record_id, matched_by,
                  constraint_name, column_name, message
           from app.import_rows($1, $2, $3, $4)"#,
        kind.as_str(),
        import_id,
        source,
        rows,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(outcomes)
}

/// A refused row's column (the file's header where the field is mapped) and
/// reason: a named constraint says it as the API would.
fn explain(outcome: &Outcome, mapping: &Mapping) -> (String, String) {
    let (field, message) = match outcome.constraint_name.as_deref().and_then(constraint_field) {
        Some((field, message)) => (field.to_owned(), message.to_owned()),
        None => (
            outcome.column_name.clone().unwrap_or_default(),
            outcome.message.clone().unwrap_or_else(|| "refused".to_owned()),
        ),
    };
    let header = match field.as_str() {
        "name" => {
            ["name", "company_name", "first_name", "last_name"].iter().find_map(|f| mapping.get(*f)).cloned()
        }
        "customer" => ["customer_external_id", "customer_name"].iter().find_map(|f| mapping.get(*f)).cloned(),
        other => mapping.get(other).cloned(),
    };
    (header.unwrap_or(field), message)
}

/// Names the matched records, for "would update Ann's Bakery (row 7)".
async fn label(
    conn: &mut PgConnection,
    user: &CurrentUser,
    kind: Kind,
    matches: &mut [RowMatch],
) -> Result<()> {
    let ids: Vec<Uuid> = matches.iter().map(|m| m.record_id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let names: HashMap<Uuid, String> = match kind {
        Kind::Customers => sqlx::query!(
            "select id, name from app.customers where company_id = $1 and id = any($2)",
            user.company_id,
            &ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect(),
        Kind::Jobs => sqlx::query!(
            "select id, title from app.jobs where company_id = $1 and id = any($2)",
            user.company_id,
            &ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.title))
        .collect(),
    };
    for m in matches.iter_mut() {
        m.label = names.get(&m.record_id).cloned().unwrap_or_default();
    }
    Ok(())
}

/// Reverts an applied import within its 24 hours, as one step.
pub async fn undo(conn: &mut PgConnection, user: &CurrentUser, id: Uuid) -> Result<Import> {
    let found = sqlx::query!(
        "select state, applied_xact, undo_deadline > now() as in_time from app.imports
         where company_id = $1 and id = $2 for update",
        user.company_id,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound)?;
    let xact = match (found.state.as_str(), found.applied_xact) {
        ("applied", Some(xact)) if found.in_time == Some(true) => xact,
        ("applied", _) => return Err(Error::Conflict("the 24 hours to undo this import have passed".into())),
        ("undone", _) => return Err(Error::Conflict("this import was already undone".into())),
        _ => return Err(Error::Conflict("a dry run changed nothing to undo".into())),
    };
    sqlx::query_scalar!(r#"select app.undo_import($1) as "reverted!""#, xact).fetch_one(&mut *conn).await?;
    let import = sqlx::query_as!(
        Import,
        r#"update app.imports set state = 'undone', undone_at = now()
           where company_id = $1 and id = $2
           returning id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                     created_at, created_count, updated_count, skipped_count, refused_count, state,
                     undo_deadline, undone_at"#,
        user.company_id,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(import)
}
