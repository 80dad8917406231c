//! Imports (admins): a CSV or Excel file of customers or jobs, mapped to
//! FieldOps' fields, dry run first, then applied in the request's own
//! transaction (RLS and every constraint check each row), recorded, and
//! undoable for 24 hours. Saved mappings per company. See docs/import.md.

pub mod mapping;
pub mod parse;
pub mod run;

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequest, Request, State},
    http::{header, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    csv_safe,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page, PageParams},
    AppState,
};
use mapping::Mapping;

/// Files up to this size; 100,000 customer rows are about 15 MB.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Larger files import in the background: about 7,000 customer rows, a few
/// seconds, well inside the 30 s a request may take.
pub const BACKGROUND_BYTES: usize = 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_import))
        .routes(routes!(preview_import))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES))
        .routes(routes!(list_imports))
        .routes(routes!(get_import))
        .routes(routes!(import_errors_csv))
        .routes(routes!(undo_import))
        .routes(routes!(list_mappings, save_mapping))
        .routes(routes!(delete_mapping))
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Customers,
    Jobs,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Customers => "customers",
            Kind::Jobs => "jobs",
        }
    }
}

/// One import run.
#[derive(Debug, Serialize, ToSchema)]
pub struct Import {
    pub id: Uuid,
    /// `customers` or `jobs`.
    pub kind: String,
    pub file_name: String,
    /// The source system (a preset's name, or `spreadsheet`): external ids
    /// are unique per source.
    pub source: String,
    /// FieldOps field → the file's column.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub mapping: Json<Mapping>,
    pub headers: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub created_count: i32,
    pub updated_count: i32,
    pub skipped_count: i32,
    pub refused_count: i32,
    /// `running` (a background import, not finished yet), `dry_run`,
    /// `applied`, `undoing` (a background undo, not finished yet), `undone`
    /// or `failed`.
    pub state: String,
    /// Until when an applied import can be undone.
    pub undo_deadline: Option<DateTime<Utc>>,
    pub undone_at: Option<DateTime<Utc>>,
    /// The file's rows, and how many are done: a `running` import's progress.
    pub rows_total: Option<i32>,
    pub rows_done: Option<i32>,
    /// Why a `failed` import stopped (it changed nothing), or why its
    /// background undo did not finish (it is `applied` again, unchanged).
    pub failure: Option<String>,
}

/// A refused row: its number in the file (the header is row 1), the column
/// at fault and why; `values` are the row as it was, for errors.csv.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    pub row: i32,
    pub column: String,
    pub message: String,
    pub values: Vec<String>,
}

impl RowError {
    fn new(row: i32, column: &str, message: impl Into<String>, values: Vec<String>) -> Self {
        RowError { row, column: column.to_owned(), message: message.into(), values }
    }
}

/// A row that matched an existing record: by `external_id`, `phone`,
/// `email` or `address`. In a dry run, what would be updated.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowMatch {
    pub row: i32,
    /// `updated` or `skipped` (nothing to change).
    pub outcome: String,
    pub record_id: Uuid,
    pub matched_by: String,
    /// The customer's name or the job's title.
    pub label: String,
}

/// An import's result: the record with its counts, the matched rows and the
/// refused ones (the first 1,000 of each; errors.csv has up to 10,000).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub import: Import,
    /// `utf-8`, `utf-8-bom`, `windows-1252` or `xlsx`.
    pub encoding: String,
    pub matches: Vec<RowMatch>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportDetail {
    pub import: Import,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    pub kind: Kind,
    /// `servicefusion`, `jobber`, `housecallpro`, or another source name
    /// (a-z, 0-9, `_`, `-`); default `spreadsheet`.
    pub preset: Option<String>,
    /// The uploaded file's name, for the record.
    pub file_name: Option<String>,
    /// The mapping as JSON (`{"name": "Customer Name", …}`); default: the
    /// saved mapping named by `mapping_name`, else the one proposed.
    pub mapping: Option<String>,
    pub mapping_name: Option<String>,
    /// Default true: report what would happen and change nothing.
    pub dry_run: Option<bool>,
    /// Run after the request answers (202, state `running`; follow it with
    /// `GET /api/v1/imports/{id}`). Default: for files over 1 MB.
    pub background: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UndoParams {
    /// Undo after the request answers (202, state `undoing`, then `undone`;
    /// follow it with `GET /api/v1/imports/{id}`). Default: for imports that
    /// created or updated more than 2,000 records.
    pub background: Option<bool>,
}

/// Imports that created or updated more records than this undo in the
/// background: on one server an undo reverts about 10,000 records a second
/// (five per customer row), on Citus far fewer, and a request has 30 s.
pub const BACKGROUND_UNDO_ROWS: i32 = 2_000;

/// The uploaded file: the raw request body (CSV or .xlsx).
pub struct Upload(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> std::result::Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| Error::PayloadTooLarge)?;
        if bytes.is_empty() {
            return Err(Error::field("file", "is empty"));
        }
        Ok(Upload(bytes))
    }
}

impl ImportParams {
    fn source(&self) -> Result<String> {
        let source = self.preset.as_deref().unwrap_or("spreadsheet").trim().to_lowercase();
        let valid = (1..=40).contains(&source.len())
            && source.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !valid {
            return Err(Error::field("preset", "must be 1 to 40 of a-z, 0-9, _ and -"));
        }
        Ok(source)
    }

    fn file_name(&self) -> Result<String> {
        let name = self.file_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("upload");
        if name.chars().count() > 255 {
            return Err(Error::field("file_name", "must be at most 255 characters"));
        }
        Ok(name.to_owned())
    }

    async fn mapping(&self, ctx: &mut Ctx) -> Result<Option<Mapping>> {
        if let Some(json) = &self.mapping {
            return serde_json::from_str(json).map(Some).map_err(|_| {
                Error::field("mapping", "must be a JSON object of field names to column names")
            });
        }
        let Some(name) = &self.mapping_name else { return Ok(None) };
        let saved = sqlx::query_scalar!(
            r#"select mapping as "mapping: Json<Mapping>" from app.import_mappings
               where company_id = $1 and kind = $2 and name = $3"#,
            ctx.user.company_id,
            self.kind.as_str(),
            name
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
        .ok_or_else(|| Error::field("mapping_name", "names no saved mapping of this kind"))?;
        Ok(Some(saved.0))
    }
}

/// Imports a file: a dry run by default (`dry_run=false` applies it). The
/// body is the file itself, CSV (UTF-8, with or without BOM, or
/// Windows-1252) or .xlsx (its first sheet).
#[utoipa::path(
    post, path = "/api/v1/imports", tag = "imports",
    params(ImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The file (CSV or .xlsx)"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Run and recorded: counts, matches, refused rows", body = ImportReport),
        (status = 202, description = "Recorded and running in the background: the report's import is `running`; follow it with GET /api/v1/imports/{id}", body = ImportReport),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 413, description = "The file is larger than 64 MB", body = Problem),
        (status = 422, description = "Unreadable file, or a mapping that names unknown fields or columns", body = Problem),
    )
)]
async fn create_import(
    State(state): State<AppState>,
    mut ctx: Ctx,
    AppQuery(params): AppQuery<ImportParams>,
    Upload(bytes): Upload,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let mut options = run::Options {
        kind: params.kind,
        source: params.source()?,
        file_name: params.file_name()?,
        mapping: params.mapping(&mut ctx).await?,
        dry_run: params.dry_run.unwrap_or(true),
        existing: None,
    };
    let user = ctx.user;
    if params.background.unwrap_or(bytes.len() > BACKGROUND_BYTES) {
        let (import, encoding) = run::record_running(&mut ctx.tx, &user, &bytes, &mut options).await?;
        ctx.commit().await?;
        let location = [(header::LOCATION, format!("/api/v1/imports/{}", import.id))];
        run::spawn(state, user, bytes, options);
        let report = ImportReport { import, encoding, matches: Vec::new(), errors: Vec::new() };
        return Ok((StatusCode::ACCEPTED, location, AppJson(report)));
    }
    let report = run::run(&mut ctx.tx, &user, &bytes, options, &mut |_| {}).await?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/imports/{}", report.import.id))];
    Ok((StatusCode::CREATED, location, AppJson(report)))
}

/// What FieldOps makes of a file before importing it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPreview {
    pub headers: Vec<String>,
    pub encoding: String,
    /// The saved mapping asked for, else the one proposed from the headers.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub mapping: Mapping,
    /// The fields a column may fill.
    pub fields: Vec<String>,
    pub presets: Vec<String>,
    /// The first five rows.
    pub sample: Vec<Vec<String>>,
}

/// Reads a file's headers and proposes a mapping; imports nothing.
#[utoipa::path(
    post, path = "/api/v1/imports/preview", tag = "imports",
    params(ImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The file (CSV or .xlsx)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Headers, the proposed mapping and a sample", body = ImportPreview),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 413, description = "The file is larger than 64 MB", body = Problem),
        (status = 422, description = "Unreadable file", body = Problem),
    )
)]
async fn preview_import(
    mut ctx: Ctx,
    AppQuery(params): AppQuery<ImportParams>,
    Upload(bytes): Upload,
) -> Result<AppJson<ImportPreview>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let source = params.source()?;
    let saved = params.mapping(&mut ctx).await?;
    ctx.commit().await?;
    let mut table = parse::open(&bytes)?;
    let preset = mapping::PRESETS.contains(&source.as_str()).then_some(source.as_str());
    let mapping = saved.unwrap_or_else(|| mapping::propose(params.kind, preset, &table.headers));
    let mut sample = Vec::new();
    while sample.len() < 5 {
        match table.next_record() {
            Some(Ok(row)) => sample.push(row),
            Some(Err(_)) => continue,
            None => break,
        }
    }
    Ok(AppJson(ImportPreview {
        headers: table.headers.clone(),
        encoding: table.encoding.as_str().to_owned(),
        mapping,
        fields: mapping::targets(params.kind).iter().map(|t| (*t).to_owned()).collect(),
        presets: mapping::PRESETS.iter().map(|p| (*p).to_owned()).collect(),
        sample,
    }))
}

/// The company's imports, newest first.
#[utoipa::path(
    get, path = "/api/v1/imports", tag = "imports",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of imports", body = Page<Import>),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn list_imports(mut ctx: Ctx, AppQuery(page): AppQuery<PageParams>) -> Result<AppJson<Page<Import>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let (limit, after): (_, Option<(DateTime<Utc>, Uuid)>) = page.start()?;
    let (after_at, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        Import,
        r#"select id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                  created_at, created_count, updated_count, skipped_count, refused_count, state,
                  undo_deadline, undone_at, rows_total, rows_done, failure
           from app.imports
           where company_id = $1 and ($2::timestamptz is null or (created_at, id) < ($2, $3::uuid))
           order by created_at desc, id desc
           limit $4"#,
        ctx.user.company_id,
        after_at,
        after_id,
        limit + 1
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(pagination::page(rows, limit, |i| (i.created_at, i.id))))
}

/// One import, with its refused rows.
#[utoipa::path(
    get, path = "/api/v1/imports/{id}", tag = "imports",
    params(("id" = Uuid, Path, description = "Import id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The import", body = ImportDetail),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such import in your company", body = Problem),
    )
)]
async fn get_import(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<AppJson<ImportDetail>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let (import, errors) = load(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok(AppJson(ImportDetail { import, errors }))
}

async fn load(ctx: &mut Ctx, id: Uuid) -> Result<(Import, Vec<RowError>)> {
    let row = sqlx::query!(
        r#"select id, kind, file_name, source, mapping as "mapping: Json<Mapping>", headers, created_by,
                  created_at, created_count, updated_count, skipped_count, refused_count, state,
                  undo_deadline, undone_at, rows_total, rows_done, failure, errors as "errors: Json<Vec<RowError>>"
           from app.imports where company_id = $1 and id = $2"#,
        ctx.user.company_id,
        id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    let import = Import {
        id: row.id,
        kind: row.kind,
        file_name: row.file_name,
        source: row.source,
        mapping: row.mapping,
        headers: row.headers,
        created_by: row.created_by,
        created_at: row.created_at,
        created_count: row.created_count,
        updated_count: row.updated_count,
        skipped_count: row.skipped_count,
        refused_count: row.refused_count,
        state: row.state,
        undo_deadline: row.undo_deadline,
        undone_at: row.undone_at,
        rows_total: row.rows_total,
        rows_done: row.rows_done,
        failure: row.failure,
    };
    Ok((import, row.errors.0))
}

/// The refused rows as CSV: the file's columns, then `row` and `reason`,
/// ready to fix and upload again.
#[utoipa::path(
    get, path = "/api/v1/imports/{id}/errors.csv", tag = "imports",
    params(("id" = Uuid, Path, description = "Import id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The refused rows", content_type = "text/csv", body = String),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such import in your company", body = Problem),
    )
)]
async fn import_errors_csv(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let (import, errors) = load(&mut ctx, id).await?;
    ctx.commit().await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    // Formula-like cells defused (csv_safe): the file's own values may be anything.
    let write = |out: &mut csv::Writer<Vec<u8>>, record: Vec<String>| {
        out.write_record(record.iter().map(|cell| csv_safe::defuse(cell).into_owned()))
            .map_err(|e| Error::Internal(e.into()))
    };
    let mut header = import.headers.clone();
    header.extend(["row".to_owned(), "reason".to_owned()]);
    write(&mut out, header)?;
    for error in errors {
        let mut record = error.values;
        record.resize(import.headers.len(), String::new());
        let reason = if error.column.is_empty() {
            error.message
        } else {
            format!("{}: {}", error.column, error.message)
        };
        record.extend([error.row.to_string(), reason]);
        write(&mut out, record)?;
    }
    let body = out.into_inner().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    let disposition = format!("attachment; filename=\"import-{id}-errors.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}

/// Undoes an applied import within 24 hours, as one step: what it created is
/// deleted (customers as the API deletes them; jobs archived), what it
/// updated gets its old values back from the history.
#[utoipa::path(
    post, path = "/api/v1/imports/{id}/undo", tag = "imports",
    params(("id" = Uuid, Path, description = "Import id"), UndoParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Undone", body = Import),
        (status = 202, description = "Being undone in the background: the import is `undoing`; follow it with GET /api/v1/imports/{id}", body = Import),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such import in your company", body = Problem),
        (status = 409, description = "A dry run, already undone or being undone, or past its 24 hours", body = Problem),
    )
)]
async fn undo_import(
    State(state): State<AppState>,
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(params): AppQuery<UndoParams>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let user = ctx.user;
    let (xact, changed) = run::undoable(&mut ctx.tx, &user, id).await?;
    if params.background.unwrap_or(changed > BACKGROUND_UNDO_ROWS) {
        let import = run::record_undoing(&mut ctx.tx, &user, id).await?;
        ctx.commit().await?;
        run::spawn_undo(state, user, id, xact);
        return Ok((StatusCode::ACCEPTED, AppJson(import)));
    }
    let import = run::undo(&mut ctx.tx, &user, id, xact).await?;
    ctx.commit().await?;
    Ok((StatusCode::OK, AppJson(import)))
}

/// A saved mapping.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportMapping {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub source: String,
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub mapping: Json<Mapping>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveMapping {
    pub kind: Kind,
    /// 1 to 100 characters; saving under a name again replaces it.
    pub name: String,
    /// The preset or source the mapping is for (default `spreadsheet`).
    pub source: Option<String>,
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub mapping: Mapping,
}

/// The company's saved mappings.
#[utoipa::path(
    get, path = "/api/v1/import-mappings", tag = "imports",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every saved mapping, by kind and name", body = Vec<ImportMapping>),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn list_mappings(mut ctx: Ctx) -> Result<AppJson<Vec<ImportMapping>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let rows = sqlx::query_as!(
        ImportMapping,
        r#"select id, kind, name, source, mapping as "mapping: Json<Mapping>", updated_at
           from app.import_mappings where company_id = $1 order by kind, lower(name), id"#,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(rows))
}

/// Saves a mapping under a name (replacing one of that kind and name).
#[utoipa::path(
    post, path = "/api/v1/import-mappings", tag = "imports",
    request_body = SaveMapping,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = ImportMapping),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Invalid name, source or mapping", body = Problem),
    )
)]
async fn save_mapping(mut ctx: Ctx, AppJson(body): AppJson<SaveMapping>) -> Result<AppJson<ImportMapping>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let name = body.name.trim();
    if !(1..=100).contains(&name.chars().count()) {
        return Err(Error::field("name", "must be 1 to 100 characters"));
    }
    let source = ImportParams {
        kind: body.kind,
        preset: body.source.clone(),
        file_name: None,
        mapping: None,
        mapping_name: None,
        dry_run: None,
        background: None,
    }
    .source()?;
    if let Some(field) = body.mapping.keys().find(|k| !mapping::targets(body.kind).contains(&k.as_str())) {
        return Err(Error::field("mapping", format!("\"{field}\" is not a field of {}", body.kind.as_str())));
    }
    // Saving under a name again replaces that mapping (its history shows the edit).
    let updated = sqlx::query_as!(
        ImportMapping,
        r#"update app.import_mappings set source = $4, mapping = $5
           where company_id = $1 and kind = $2 and name = $3
           returning id, kind, name, source, mapping as "mapping: Json<Mapping>", updated_at"#,
        ctx.user.company_id,
        body.kind.as_str(),
        name,
        source,
        Json(&body.mapping) as _,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let saved = match updated {
        Some(saved) => saved,
        None => {
            sqlx::query_as!(
                ImportMapping,
                r#"insert into app.import_mappings (kind, name, source, mapping) values ($1, $2, $3, $4)
                   returning id, kind, name, source, mapping as "mapping: Json<Mapping>", updated_at"#,
                body.kind.as_str(),
                name,
                source,
                Json(&body.mapping) as _,
            )
            .fetch_one(&mut *ctx.tx)
            .await?
        }
    };
    ctx.commit().await?;
    Ok(AppJson(saved))
}

/// Deletes a saved mapping.
#[utoipa::path(
    delete, path = "/api/v1/import-mappings/{id}", tag = "imports",
    params(("id" = Uuid, Path, description = "Mapping id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such mapping in your company", body = Problem),
    )
)]
async fn delete_mapping(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("imports.run").await?;
    let deleted = sqlx::query!(
        "delete from app.import_mappings where company_id = $1 and id = $2",
        ctx.user.company_id,
        id
    )
    .execute(&mut *ctx.tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
