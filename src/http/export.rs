//! Exports (admins): everything the company owns as CSV files in one zip or
//! as one JSON document (the same tables and columns), and the customers and
//! jobs as CSV on their own. Streamed, inside the request's transaction, so
//! the admin's own policies decide every row, and the server holds one chunk
//! at a time. The CSV files' formula-like cells are defused (csv_safe).

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use axum::{
    body::{Body, Bytes},
    http::header,
    response::IntoResponse,
};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use zip::{write::SimpleFileOptions, CompressionMethod, ZipWriter};

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    csv_safe::Defuser,
    error::{Problem, Result},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_zip))
        .routes(routes!(export_json))
        .routes(routes!(customers_csv))
        .routes(routes!(jobs_csv))
}

/// Each file of the zip and the query that fills it. Every query names the
/// company (bound below): on Citus that routes it to the company's shards.
/// Users without their password hash; the history without its database roles.
const FILES: &[(&str, &str)] = &[
    (
        "customers.csv",
        "select id, account_number, name, email, phone, address, tags, do_not_service, notes, parent_customer_id,
                custom_fields, created_at, updated_at, deleted_at
         from app.customers where company_id = $company order by account_number",
    ),
    (
        "locations.csv",
        "select id, customer_id, name, line1, line2, city, region, postal_code, country, latitude, longitude,
                custom_fields, created_at, updated_at
         from app.service_locations where company_id = $company order by customer_id, created_at, id",
    ),
    (
        "contacts.csv",
        "select id, customer_id, name, title, notes, is_primary, created_at, updated_at
         from app.contacts where company_id = $company order by customer_id, created_at, id",
    ),
    (
        "contact_methods.csv",
        "select id, customer_id, contact_id, kind, value, is_primary
         from app.contact_methods where company_id = $company order by customer_id, contact_id, id",
    ),
    (
        "statuses.csv",
        "select id, name, color, order_index, is_final, requires_tasks_done
         from app.job_statuses where company_id = $company order by order_index, id",
    ),
    (
        "jobs.csv",
        "select id, customer_id, service_location_id, site_contact_id, status_id, assigned_worker_id, title,
                description, scheduled_at, completed_at, is_archived, archived_at, custom_fields, created_at, updated_at
         from app.jobs where company_id = $company order by created_at, id",
    ),
    (
        "tasks.csv",
        "select id, job_id, title, position, is_completed, completed_at, completed_by, created_at
         from app.job_tasks where company_id = $company order by job_id, position, id",
    ),
    (
        "notes.csv",
        "select id, job_id, author_id, body, visibility, created_at
         from app.job_notes where company_id = $company order by job_id, created_at, id",
    ),
    (
        "users.csv",
        "select id, name, email, role, customer_id, is_active, deleted_at, created_at
         from app.users where company_id = $company order by created_at, id",
    ),
    (
        "history.csv",
        "select id, table_name, row_id, job_id, action, actor_id, actor_role, source, at, changes
         from app.audit_log where company_id = $company order by id",
    ),
];

fn query_of(name: &str) -> &'static str {
    FILES.iter().find(|(file, _)| *file == name).map(|(_, sql)| *sql).unwrap_or_default()
}

/// `COPY` takes no parameters; the company is a UUID from the verified
/// token, formatted here, so nothing a client sent reaches the statement.
fn copy_statement(sql: &str, company_id: Uuid) -> String {
    let query = sql.replace("$company", &format!("'{company_id}'"));
    format!("copy ({query}) to stdout with (format csv, header)")
}

/// A sink the zip writes into; what it holds is sent on after each write.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> Vec<u8> {
        self.0.lock().map(|mut buf| std::mem::take(&mut *buf)).unwrap_or_default()
    }
}

type Chunk = std::result::Result<Bytes, std::io::Error>;

/// Runs `produce` on a task of its own, which owns the request's transaction,
/// and streams what it sends as the response body. A failure midway ends the
/// body early, which the client sees as a broken download, never as a
/// complete file.
fn stream<F, Fut>(ctx: Ctx, produce: F) -> Body
where
    F: FnOnce(Ctx, mpsc::Sender<Chunk>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let (tx, rx) = mpsc::channel::<Chunk>(8);
    tokio::spawn(async move {
        let failed = tx.clone();
        if let Err(error) = produce(ctx, tx).await {
            tracing::error!(error = %format!("{error:#}"), "export failed midway");
            let _ = failed.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    Body::from_stream(ReceiverStream::new(rx))
}

async fn copy_into_zip(
    ctx: &mut Ctx,
    zip: &mut ZipWriter<zip::write::StreamWriter<Shared>>,
    sink: &Shared,
    tx: &mpsc::Sender<Chunk>,
    name: &str,
    sql: &str,
) -> anyhow::Result<()> {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file(name, options)?;
    let statement = copy_statement(sql, ctx.user.company_id);
    let mut copy = ctx.tx.copy_out_raw(&statement).await?;
    let mut defuser = Defuser::default();
    let mut defused = Vec::new();
    while let Some(chunk) = copy.next().await {
        defuser.feed(&chunk?, &mut defused);
        zip.write_all(&defused)?;
        defused.clear();
        let ready = sink.take();
        if !ready.is_empty() {
            tx.send(Ok(Bytes::from(ready))).await?;
        }
    }
    defuser.finish(&mut defused);
    zip.write_all(&defused)?;
    Ok(())
}

/// Everything the company owns, as CSV files in one zip.
#[utoipa::path(
    get, path = "/api/v1/export.zip", tag = "imports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "customers, locations, contacts, contact_methods, statuses, jobs, tasks, notes, users and history, as CSV", content_type = "application/zip", body = Vec<u8>),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn export_zip(ctx: Ctx) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    let body = stream(ctx, |mut ctx, tx| async move {
        let sink = Shared::default();
        let mut zip = ZipWriter::new_stream(sink.clone());
        for (name, sql) in FILES {
            copy_into_zip(&mut ctx, &mut zip, &sink, &tx, name, sql).await?;
        }
        zip.finish()?;
        let rest = sink.take();
        ctx.commit().await?;
        tx.send(Ok(Bytes::from(rest))).await?;
        Ok(())
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"fieldops-export.zip\""),
        ],
        body,
    ))
}

/// The JSON export's rows are sent on in pieces of about this size.
const JSON_PIECE: usize = 64 * 1024;

/// Everything the company owns as one JSON document: the zip's tables, each
/// an array of its rows (the CSV file's columns as keys), docs/import.md.
#[utoipa::path(
    get, path = "/api/v1/export.json", tag = "imports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "{\"format\": \"fieldops-export\", \"version\": 1, \"company_id\": …, \"exported_at\": …, \"tables\": {\"customers\": [row, …], …}}: the tables of export.zip, each row an object", content_type = "application/json", body = Object),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn export_json(ctx: Ctx) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    let body = stream(ctx, |mut ctx, tx| async move {
        let company_id = ctx.user.company_id;
        let exported_at: chrono::DateTime<chrono::Utc> =
            sqlx::query_scalar("select now()").fetch_one(&mut *ctx.tx).await?;
        let mut piece = serde_json::json!({
            "format": "fieldops-export",
            "version": 1,
            "company_id": company_id,
            "exported_at": exported_at,
        })
        .to_string();
        // The object so far without its closing brace: the tables follow.
        piece.pop();
        piece.push_str(",\"tables\":{");
        for (i, (file, sql)) in FILES.iter().enumerate() {
            let table = file.trim_end_matches(".csv");
            if i > 0 {
                piece.push(',');
            }
            piece.push_str(&serde_json::to_string(table)?);
            piece.push_str(":[");
            // The company is bound, as in every query of a request.
            let query = format!("select row_to_json(t)::text from ({}) as t", sql.replace("$company", "$1"));
            let mut rows = sqlx::query_scalar::<_, String>(&query).bind(company_id).fetch(&mut *ctx.tx);
            let mut first = true;
            while let Some(row) = rows.next().await {
                if !first {
                    piece.push(',');
                }
                first = false;
                piece.push_str(&row?);
                if piece.len() >= JSON_PIECE {
                    tx.send(Ok(Bytes::from(std::mem::take(&mut piece)))).await?;
                }
            }
            piece.push(']');
        }
        piece.push_str("}}");
        ctx.commit().await?;
        tx.send(Ok(Bytes::from(piece))).await?;
        Ok(())
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"fieldops-export.json\""),
        ],
        body,
    ))
}

async fn csv_response(ctx: Ctx, file: &'static str) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    let body = stream(ctx, move |mut ctx, tx| async move {
        let statement = copy_statement(query_of(file), ctx.user.company_id);
        {
            let mut copy = ctx.tx.copy_out_raw(&statement).await?;
            let mut defuser = Defuser::default();
            while let Some(chunk) = copy.next().await {
                let mut defused = Vec::with_capacity(chunk.as_ref().map_or(0, |c| c.len()));
                defuser.feed(&chunk?, &mut defused);
                tx.send(Ok(Bytes::from(defused))).await?;
            }
            let mut rest = Vec::new();
            defuser.finish(&mut rest);
            tx.send(Ok(Bytes::from(rest))).await?;
        }
        ctx.commit().await?;
        Ok(())
    });
    let disposition = format!("attachment; filename=\"{file}\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}

/// The company's customers as CSV (deleted ones too, with `deleted_at`).
#[utoipa::path(
    get, path = "/api/v1/customers.csv", tag = "imports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every customer", content_type = "text/csv", body = String),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn customers_csv(ctx: Ctx) -> Result<impl IntoResponse> {
    csv_response(ctx, "customers.csv").await
}

/// The company's jobs as CSV (archived ones too).
#[utoipa::path(
    get, path = "/api/v1/jobs.csv", tag = "imports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every job", content_type = "text/csv", body = String),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn jobs_csv(ctx: Ctx) -> Result<impl IntoResponse> {
    csv_response(ctx, "jobs.csv").await
}
