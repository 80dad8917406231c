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
use crate::http::shared::{
    context::{Ctx, CurrentUser},
    error::constraint_field,
    AppState, Error, Result,
};

/// Rows per call of the import function: large enough that round trips do
/// not count, small enough that a chunk's JSON stays a few hundred kB.
const CHUNK: usize = 1000;
/// On Citus every row goes alone through `app.import_rows`, each of its
/// statements a distributed one: about 55 ms a row on the test cluster
/// (docs/import.md). A chunk is one statement, and a statement has the
/// request's 30 s: a hundred rows stay well inside it.
const CITUS_CHUNK: usize = 100;
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
    /// A background import's record, written (state `running`) and committed
    /// before the run, so that its progress can be followed.
    pub existing: Option<Uuid>,
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
    let mapping = resolve_mapping(&options, &headers)?;
    let columns = Columns::new(&mapping, &headers);

    let import_id = match options.existing {
        Some(id) => id,
        None => {
            sqlx::query_scalar!(
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
            .await?
        }
    };
    sqlx::query("savepoint import_rows").execute(&mut *conn).await?;
    let citus = crate::db::citus::detect(&mut *conn).await.map_err(Error::Internal)?.is_citus();
    // Citus refuses INSERT … SELECT from a set-returning function: there
    // every row goes through app.import_rows alone.
    let bulk = options.kind == Kind::Customers && !citus;
    // The request's force_custom_plan is for handlers' optional filters; here
    // the same trigger statements run for every row of every chunk, and
    // planning them again each time was most of a row's cost. Not on Citus,
    // which routes a statement to its shard when it plans it (db/citus.sql).
    if !citus {
        sqlx::query("set local plan_cache_mode = auto").execute(&mut *conn).await?;
    }

    let mut counts: HashMap<&'static str, i32> = HashMap::new();
    let mut errors: Vec<RowError> = Vec::new();
    let mut matches: Vec<RowMatch> = Vec::new();
    let chunk_size = if citus { CITUS_CHUNK } else { CHUNK };
    let mut chunk: Vec<serde_json::Value> = Vec::with_capacity(chunk_size);
    let mut pending: HashMap<i32, Vec<String>> = HashMap::with_capacity(chunk_size);
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
            if chunk.len() < chunk_size {
                continue;
            }
        }
        if !chunk.is_empty() {
            let rows = std::mem::take(&mut chunk);
            let outcomes = if bulk {
                apply_chunk_set_based(conn, user, import_id, &options.source, rows).await?
            } else {
                apply_chunk(conn, options.kind, import_id, &options.source, serde_json::Value::Array(rows))
                    .await?
            };
            for outcome in outcomes {
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
    // A background import's record was inserted by the request, in another
    // transaction: this one's history of it is the change to `applied`.
    if options.existing.is_some() && !options.dry_run {
        sqlx::query!(
            "update app.imports set state = 'applied' where company_id = $1 and id = $2",
            user.company_id,
            import_id
        )
        .execute(&mut *conn)
        .await?;
    }
    let applied_xact = if options.dry_run {
        None
    } else {
        sqlx::query_scalar!(
            "select xact_id from app.audit_log
             where company_id = $1 and table_name = 'imports' and row_id = $2
               and case when $3 then action = 'UPDATE' and changes -> 'state' ->> 1 = 'applied'
                        else action = 'INSERT' end",
            user.company_id,
            import_id,
            options.existing.is_some()
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    let import = sqlx::query_as!(
        Import,
        r#"update app.imports set created_count = $3, updated_count = $4, skipped_count = $5, refused_count = $6,
                  errors = $7, applied_xact = $8, state = $10, rows_done = $11, rows_total = $11,
                  -- No CASE around now() (Citus refuses it in an UPDATE): a dry run's
                  -- null interval leaves no deadline.
                  undo_deadline = now() + $9::interval
           where company_id = $1 and id = $2
           returning id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                     created_at, created_count, updated_count, skipped_count, refused_count, state,
                     undo_deadline, undone_at, rows_total, rows_done, failure"#,
        user.company_id,
        import_id,
        counts.get("created").copied().unwrap_or(0),
        counts.get("updated").copied().unwrap_or(0),
        counts.get("skipped").copied().unwrap_or(0),
        counts.get("refused").copied().unwrap_or(0),
        Json(&errors) as _,
        applied_xact,
        applied_xact.map(|_| sqlx::postgres::types::PgInterval { months: 0, days: 0, microseconds: 24 * 3600 * 1_000_000 }),
        if options.dry_run { "dry_run" } else { "applied" },
        i32::try_from(number.saturating_sub(1)).unwrap_or(i32::MAX),
    )
    .fetch_one(&mut *conn)
    .await?;
    errors.truncate(REPORTED);
    Ok(ImportReport { import, encoding: table.encoding.as_str().to_owned(), matches, errors })
}

/// The mapping asked for, else the one proposed from the headers (and the
/// preset named by the source); checked against the file's headers.
fn resolve_mapping(options: &Options, headers: &[String]) -> Result<Mapping> {
    let preset = mapping::PRESETS.contains(&options.source.as_str()).then_some(options.source.as_str());
    let mapping = options.mapping.clone().unwrap_or_else(|| mapping::propose(options.kind, preset, headers));
    mapping::check(options.kind, &mapping, headers)?;
    Ok(mapping)
}

/// The file's rows (after the header), for a progress bar's total.
pub fn count_rows(bytes: &[u8]) -> Result<usize> {
    let mut table = parse::open(bytes)?;
    let mut rows = 0;
    while table.next_record().is_some() {
        rows += 1;
    }
    Ok(rows)
}

/// Records a background import (`running`, its rows to do) in the caller's
/// transaction, with the mapping it will run with; the caller commits, then
/// runs it with [`spawn`].
pub async fn record_running(
    conn: &mut PgConnection,
    user: &CurrentUser,
    bytes: &[u8],
    options: &mut Options,
) -> Result<(Import, String)> {
    let table = parse::open(bytes)?;
    let headers = table.headers.clone();
    let mapping = resolve_mapping(options, &headers)?;
    let total = i32::try_from(count_rows(bytes)?).unwrap_or(i32::MAX);
    let import = sqlx::query_as!(
        Import,
        r#"insert into app.imports (kind, file_name, source, mapping, created_by, state, headers, rows_total, rows_done)
           values ($1, $2, $3, $4, $5, 'running', $6, $7, 0)
           returning id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                     created_at, created_count, updated_count, skipped_count, refused_count, state,
                     undo_deadline, undone_at, rows_total, rows_done, failure"#,
        options.kind.as_str(),
        options.file_name,
        options.source,
        Json(&mapping) as _,
        user.user_id,
        &headers,
        total,
    )
    .fetch_one(&mut *conn)
    .await?;
    options.mapping = Some(mapping);
    options.existing = Some(import.id);
    Ok((import, table.encoding.as_str().to_owned()))
}

/// Runs a recorded background import after its request: in a transaction of
/// its own, as the admin in the admin's verified context (the session the
/// request came with), as the request would have. Its progress goes to the
/// record after each chunk, each time in a short transaction of its own; a
/// failure rolls the import back and records why.
pub fn spawn(state: AppState, user: CurrentUser, bytes: bytes::Bytes, options: Options) {
    let Some(id) = options.existing else { return };
    tokio::spawn(async move {
        let (sender, receiver) = tokio::sync::watch::channel(0usize);
        let writer = tokio::spawn(write_progress(state.clone(), user, id, receiver));
        let outcome = async {
            let mut ctx = Ctx::open(&state, user).await?;
            run(&mut ctx.tx, &user, &bytes, options, &mut |done| {
                sender.send_replace(done);
            })
            .await?;
            ctx.commit().await
        }
        .await;
        drop(sender);
        if let Err(e) = writer.await {
            tracing::warn!(error = %e, import = %id, "import progress writer ended");
        }
        if let Err(e) = outcome {
            tracing::error!(error = %e, import = %id, "background import failed");
            let reason = match &e {
                Error::Internal(_) | Error::Database(_) => {
                    "the import stopped on an internal error; nothing was imported".to_owned()
                }
                other => other.to_string().chars().take(2000).collect(),
            };
            if let Err(e) = note_running(&state, user, id, None, Some(&reason)).await {
                tracing::error!(error = %e, import = %id, "recording a failed import");
            }
        }
    });
}

/// Writes the rows done to a running import's record as they change; a
/// write that fails only loses that update (the next one catches up).
async fn write_progress(
    state: AppState,
    user: CurrentUser,
    id: Uuid,
    mut receiver: tokio::sync::watch::Receiver<usize>,
) {
    while receiver.changed().await.is_ok() {
        let done = i32::try_from(*receiver.borrow_and_update()).unwrap_or(i32::MAX);
        if let Err(e) = note_running(&state, user, id, Some(done), None).await {
            tracing::warn!(error = %e, import = %id, "writing an import's progress");
        }
    }
}

/// A running import's progress, or its failure, in a short transaction of
/// its own. Only while it runs: the import's own commit may come first.
async fn note_running(
    state: &AppState,
    user: CurrentUser,
    id: Uuid,
    done: Option<i32>,
    failure: Option<&str>,
) -> Result<()> {
    let mut ctx = Ctx::open(state, user).await?;
    sqlx::query!(
        "update app.imports
         set rows_done = coalesce($3, rows_done), failure = $4,
             state = case when $4::text is null then state else 'failed' end
         where company_id = $1 and id = $2 and state = 'running'",
        user.company_id,
        id,
        done,
        failure
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.commit().await
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

/// A chunk of customer rows, set-based: the rows whose external id is new
/// are written by one statement per table (customers, their first locations'
/// addresses, contacts, contact methods, external ids), still as the admin,
/// so RLS, every constraint and every trigger check each row as before. The
/// rows that match a record, and any chunk the set-based statements cannot
/// take whole, go through `app.import_rows` row by row, which reports each
/// refused row with its reason.
async fn apply_chunk_set_based(
    conn: &mut PgConnection,
    user: &CurrentUser,
    import_id: Uuid,
    source: &str,
    rows: Vec<serde_json::Value>,
) -> Result<Vec<Outcome>> {
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.get("external_id").and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    let distinct: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    // A row without an id is matched by phone, email or address against the
    // rows before it, and a repeated id updates what its first row created:
    // both depend on the order of the rows, which only row by row keeps.
    if ids.len() != rows.len() || distinct.len() != ids.len() {
        return apply_chunk(conn, Kind::Customers, import_id, source, serde_json::Value::Array(rows)).await;
    }
    let known: std::collections::HashSet<String> = sqlx::query_scalar!(
        // A join, not `external_id = any($3)`: planned while the company had
        // few ids, that ran as a filter over all of them, a thousand
        // comparisons each, for every chunk.
        "select r.external_id from unnest($3::text[]) as u (external_id)
         join app.external_refs r on r.company_id = $1 and r.source = $2 and r.kind = 'customer'
                                 and r.external_id = u.external_id",
        user.company_id,
        source,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let (matched, new): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r.get("external_id").and_then(|v| v.as_str()).is_some_and(|id| known.contains(id)));

    let mut outcomes = Vec::with_capacity(matched.len() + new.len());
    if !new.is_empty() {
        sqlx::query("savepoint import_chunk").execute(&mut *conn).await?;
        match create_customers(conn, import_id, source, &new).await {
            Ok(Some(created)) => {
                sqlx::query("release savepoint import_chunk").execute(&mut *conn).await?;
                outcomes.extend(created);
            }
            // A refused row fails its statement whole: the chunk's rows go
            // again one by one, each in its own subtransaction.
            Ok(None) | Err(sqlx::Error::Database(_)) => {
                sqlx::query("rollback to savepoint import_chunk").execute(&mut *conn).await?;
                sqlx::query("release savepoint import_chunk").execute(&mut *conn).await?;
                outcomes.extend(
                    apply_chunk(conn, Kind::Customers, import_id, source, serde_json::Value::Array(new))
                        .await?,
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !matched.is_empty() {
        outcomes.extend(
            apply_chunk(conn, Kind::Customers, import_id, source, serde_json::Value::Array(matched)).await?,
        );
    }
    outcomes.sort_by_key(|o| o.row_number);
    Ok(outcomes)
}

/// New customers, as `app.import_customer_row` creates one, a statement per
/// table for the whole chunk. None: the customers came back in another
/// order than the rows (never seen: an INSERT … SELECT … ORDER BY inserts
/// and returns in that order), so the chunk goes row by row instead.
async fn create_customers(
    conn: &mut PgConnection,
    import_id: Uuid,
    source: &str,
    rows: &[serde_json::Value],
) -> std::result::Result<Option<Vec<Outcome>>, sqlx::Error> {
    // The customers and, in the same statement, the first locations of those
    // with an address, as `app.import_customer_row` writes them (migration
    // 0044: app.create_first_locations then makes one only for a customer
    // left without). `created` returns the customers in the order they were
    // inserted, the rows' order; a location goes to the customer of its row
    // number only if the names agree too, and the check below sends the whole
    // chunk row by row if any does not. (A location written here is the
    // statement's own, so a required custom field of locations refuses it,
    // where the trigger's location waits for its first edit: such a
    // company's chunks go row by row, and import the same.)
    //
    // Each insert of a chunk names its rows' author, the verified user looked
    // up once for the statement (an InitPlan): the stamp triggers keep it
    // instead of looking the session up for every row, and the insert
    // policies refuse any other author (migration 0045).
    let created = sqlx::query!(
        r#"with rows as (
             select e.r, e.n from jsonb_array_elements($1::jsonb) with ordinality as e (r, n)
           ),
           created as (
             insert into app.customers (name, email, phone, address, notes, tags, created_by)
             select r ->> 'name', r ->> 'email', r ->> 'phone',
                    nullif(concat_ws(', ', r ->> 'line1', r ->> 'line2', r ->> 'city', r ->> 'region',
                                     r ->> 'postal_code'), ''),
                    r ->> 'notes', coalesce(array(select jsonb_array_elements_text(r -> 'tags')), '{}'),
                    (select app.user_id())
             from rows
             order by rows.n
             returning id, name
           ),
           numbered as (
             select c.id, c.name, row_number() over () as n from created c
           ),
           -- Run to completion though nothing reads it, as every
           -- data-modifying CTE.
           located as (
             insert into app.service_locations (customer_id, name, line1, line2, city, region, postal_code, country,
                                                created_by)
             select c.id, c.name, r ->> 'line1', r ->> 'line2', r ->> 'city', r ->> 'region',
                    r ->> 'postal_code', r ->> 'country', (select app.user_id())
             from numbered c join rows on rows.n = c.n and rows.r ->> 'name' = c.name
             where r ? 'line1' or r ? 'city' or r ? 'postal_code'
           )
           select c.id as "id!", c.name as "name!"
           from numbered c
           order by c.n"#,
        serde_json::Value::Array(rows.to_vec())
    )
    .fetch_all(&mut *conn)
    .await?;
    let in_order = created.len() == rows.len()
        && created
            .iter()
            .zip(rows)
            .all(|(c, r)| r.get("name").and_then(|v| v.as_str()) == Some(c.name.as_str()));
    if !in_order {
        return Ok(None);
    }
    let mut rows: Vec<serde_json::Value> = rows.to_vec();
    for (row, customer) in rows.iter_mut().zip(&created) {
        if let Some(row) = row.as_object_mut() {
            row.insert("customer_id".into(), customer.id.to_string().into());
        }
    }
    let with_ids = serde_json::Value::Array(rows);

    // The phone and email: a primary contact of the new customer, and its
    // methods (each the first of its kind, so primary).
    let contacts = sqlx::query!(
        r#"insert into app.contacts (customer_id, name, is_primary, created_by)
           select (r ->> 'customer_id')::uuid, coalesce(r ->> 'contact_name', r ->> 'name', 'Contact'), true,
                  (select app.user_id())
           from jsonb_array_elements($1::jsonb) with ordinality as e (r, n)
           where r ? 'phone' or r ? 'email'
           order by e.n
           returning id, customer_id"#,
        with_ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let contact_of: HashMap<String, String> =
        contacts.into_iter().map(|c| (c.customer_id.to_string(), c.id.to_string())).collect();
    let mut rows = match with_ids {
        serde_json::Value::Array(rows) => rows,
        _ => Vec::new(),
    };
    for row in rows.iter_mut().filter_map(serde_json::Value::as_object_mut) {
        let contact =
            row.get("customer_id").and_then(|v| v.as_str()).and_then(|c| contact_of.get(c).cloned());
        if let Some(contact) = contact {
            row.insert("contact_id".into(), contact.into());
        }
    }
    let with_ids = serde_json::Value::Array(rows);
    sqlx::query!(
        "insert into app.contact_methods (customer_id, contact_id, kind, value, is_primary, created_by)
         select (r ->> 'customer_id')::uuid, (r ->> 'contact_id')::uuid, m.kind, m.value, true,
                (select app.user_id())
         from jsonb_array_elements($1::jsonb) with ordinality as e (r, n),
              lateral (values (1, 'office_phone', r ->> 'phone'), (2, 'email', r ->> 'email')) as m (o, kind, value)
         where m.value is not null
         order by e.n, m.o",
        with_ids
    )
    .execute(&mut *conn)
    .await?;

    sqlx::query!(
        "insert into app.external_refs (source, kind, external_id, record_id, import_id, created_by)
         select $2, 'customer', r ->> 'external_id', (r ->> 'customer_id')::uuid, $3, (select app.user_id())
         from jsonb_array_elements($1::jsonb) with ordinality as e (r, n)
         order by e.n",
        with_ids,
        source,
        import_id
    )
    .execute(&mut *conn)
    .await?;

    Ok(Some(
        created
            .into_iter()
            .zip(rows_numbers(&with_ids))
            .map(|(c, n)| Outcome {
                row_number: n,
                outcome: "created".to_owned(),
                record_id: Some(c.id),
                matched_by: None,
                constraint_name: None,
                column_name: None,
                message: None,
            })
            .collect(),
    ))
}

fn rows_numbers(rows: &serde_json::Value) -> Vec<i32> {
    rows.as_array()
        .map(|rows| {
            rows.iter().map(|r| r.get("n").and_then(|n| n.as_i64()).unwrap_or_default() as i32).collect()
        })
        .unwrap_or_default()
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

/// How long an `undoing` import waits for its background undo before a new
/// request may take the undo over: longer than the ten minutes that undo's
/// transaction is allowed (see [`spawn_undo`]).
const UNDO_TAKEOVER_MINUTES: i32 = 11;

/// An applied import that can still be undone (locked until the caller's
/// transaction ends): the transaction that applied it, and how many records
/// it created or updated.
///
/// A background undo holds the import's row for its whole transaction, so a
/// row not granted at once (`nowait`) is an undo under way. An import still
/// `undoing` whose row is free, and whose undo began more than
/// [`UNDO_TAKEOVER_MINUTES`] ago, lost it (the server stopped during
/// it, and its transaction rolled back: nothing was undone): it is undone
/// again.
pub async fn undoable(conn: &mut PgConnection, user: &CurrentUser, id: Uuid) -> Result<(i64, i32)> {
    let found = sqlx::query!(
        r#"select state, applied_xact, undo_deadline > now() as in_time,
                  created_count + updated_count as "changed!",
                  coalesce(undo_started_at < now() - make_interval(mins => $3), false) as "stale!"
           from app.imports
           where company_id = $1 and id = $2 for update nowait"#,
        user.company_id,
        id,
        UNDO_TAKEOVER_MINUTES
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03") => {
            Error::Conflict("this import is being undone".into())
        }
        _ => Error::from(e),
    })?
    .ok_or(Error::NotFound)?;
    match (found.state.as_str(), found.applied_xact) {
        ("applied", Some(xact)) if found.in_time == Some(true) => Ok((xact, found.changed)),
        ("undoing", Some(xact)) if found.in_time == Some(true) && found.stale => Ok((xact, found.changed)),
        ("undoing", _) => Err(Error::Conflict("this import is being undone".into())),
        ("applied", _) => Err(Error::Conflict("the 24 hours to undo this import have passed".into())),
        ("undone", _) => Err(Error::Conflict("this import was already undone".into())),
        _ => Err(Error::Conflict("a dry run changed nothing to undo".into())),
    }
}

/// Reverts an applied import (see [`undoable`]) as one step, and records it
/// undone in the same transaction.
pub async fn undo(conn: &mut PgConnection, user: &CurrentUser, id: Uuid, xact: i64) -> Result<Import> {
    sqlx::query_scalar!(r#"select app.undo_import($1) as "reverted!""#, xact).fetch_one(&mut *conn).await?;
    let import = sqlx::query_as!(
        Import,
        r#"update app.imports set state = 'undone', undone_at = now(), failure = null
           where company_id = $1 and id = $2
           returning id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                     created_at, created_count, updated_count, skipped_count, refused_count, state,
                     undo_deadline, undone_at, rows_total, rows_done, failure"#,
        user.company_id,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(import)
}

/// Marks an import `undoing` in the caller's transaction; the caller
/// commits, then undoes it with [`spawn_undo`].
pub async fn record_undoing(conn: &mut PgConnection, user: &CurrentUser, id: Uuid) -> Result<Import> {
    let import = sqlx::query_as!(
        Import,
        r#"update app.imports set state = 'undoing', failure = null, undo_started_at = now()
           where company_id = $1 and id = $2
           returning id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                     created_at, created_count, updated_count, skipped_count, refused_count, state,
                     undo_deadline, undone_at, rows_total, rows_done, failure"#,
        user.company_id,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(import)
}

/// Undoes an `undoing` import after its request, in a transaction of its
/// own, as the admin in the admin's verified context, as the request would
/// have. The undo is one statement, which may outlast a request's limit
/// (`statement_timeout`): this transaction allows it ten minutes. A failure
/// leaves everything as it was and puts the import back to `applied`, with
/// the reason.
pub fn spawn_undo(state: AppState, user: CurrentUser, id: Uuid, xact: i64) {
    tokio::spawn(async move {
        let outcome = async {
            let mut ctx = Ctx::open(&state, user).await?;
            // Held until this transaction ends: a request finding the row
            // taken knows the undo is under way (undoable). A request may
            // have taken the undo over before this began: then it is done.
            let now = sqlx::query_scalar!(
                "select state from app.imports where company_id = $1 and id = $2 for update",
                user.company_id,
                id
            )
            .fetch_optional(&mut *ctx.tx)
            .await?;
            if now.as_deref() != Some("undoing") {
                return ctx.commit().await;
            }
            sqlx::query("set local statement_timeout = '10min'").execute(&mut *ctx.tx).await?;
            undo(&mut ctx.tx, &user, id, xact).await?;
            ctx.commit().await
        }
        .await;
        if let Err(e) = outcome {
            tracing::error!(error = %e, import = %id, "background undo failed");
            let reason = match &e {
                Error::Internal(_) | Error::Database(_) => {
                    "the undo stopped on an internal error; nothing was undone".to_owned()
                }
                other => other.to_string().chars().take(2000).collect(),
            };
            if let Err(e) = note_undo_failed(&state, user, id, &reason).await {
                tracing::error!(error = %e, import = %id, "recording a failed undo");
            }
        }
    });
}

/// A background undo that did not finish: the import is `applied` again
/// (nothing of it was undone), with the reason.
async fn note_undo_failed(state: &AppState, user: CurrentUser, id: Uuid, reason: &str) -> Result<()> {
    let mut ctx = Ctx::open(state, user).await?;
    sqlx::query!(
        "update app.imports set state = 'applied', failure = $3
         where company_id = $1 and id = $2 and state = 'undoing'",
        user.company_id,
        id,
        reason
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.commit().await
}
