//! A job's history as CSV: one line per changed column, formulas defused.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use chrono::SecondsFormat;
use serde_json::Value;
use uuid::Uuid;

use super::{Action, HistoryEntry, Source};
use crate::auth::Role;
use crate::http::shared::{
    error::{Error, Result},
    pagination::Page,
};

const CSV_HEADER: [&str; 12] = [
    "at",
    "action",
    "table",
    "row_id",
    "actor_id",
    "actor_name",
    "role",
    "source",
    "db_role",
    "column",
    "old",
    "new",
];

/// One line per changed column, so a spreadsheet can filter and sort them.
pub(super) fn response(job_id: Uuid, page: Page<HistoryEntry>) -> Result<Response> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::Internal(anyhow::Error::new(e).context("writing history CSV"));
    out.write_record(CSV_HEADER).map_err(csv_error)?;
    for entry in &page.items {
        let at = entry.at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let action = match entry.action {
            Action::Insert => "INSERT",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
        };
        let source = match entry.source {
            Source::Api => "api",
            Source::Auth => "auth",
            Source::Direct => "direct",
        };
        let actor_id = entry.actor.as_ref().map(|a| a.id.to_string()).unwrap_or_default();
        let actor_name = entry.actor.as_ref().and_then(|a| a.name.as_deref()).map(cell).unwrap_or_default();
        let role = entry.role.map(Role::as_str).unwrap_or_default();
        let row_id = entry.row_id.to_string();
        let columns = entry.changes.as_object().into_iter().flatten();
        for (column, pair) in columns {
            let (old, new) = match pair.as_array().map(Vec::as_slice) {
                Some([old, new]) => (value_cell(old), value_cell(new)),
                _ => (String::new(), value_cell(pair)),
            };
            out.write_record([
                at.as_str(),
                action,
                entry.table.as_str(),
                row_id.as_str(),
                actor_id.as_str(),
                actor_name.as_str(),
                role,
                source,
                entry.db_role.as_str(),
                column.as_str(),
                old.as_str(),
                new.as_str(),
            ])
            .map_err(csv_error)?;
        }
    }
    let body = out
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("finishing history CSV: {}", e.error())))?;

    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let disposition = format!("attachment; filename=\"job-{job_id}-history.csv\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(cursor) = &page.next_cursor {
        let link = format!("</api/v1/jobs/{job_id}/history?format=csv&cursor={cursor}>; rel=\"next\"");
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// A JSON value as a spreadsheet cell: text as is, null empty, the rest as JSON.
fn value_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => cell(text),
        other => other.to_string(),
    }
}

/// Text a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR)
/// gets a leading apostrophe, so opening the export runs nothing (CSV injection).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cells_that_look_like_formulas_are_defused() {
        assert_eq!(value_cell(&json!("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(value_cell(&json!("-1+1")), "'-1+1");
        assert_eq!(value_cell(&json!(-1)), "-1");
        assert_eq!(value_cell(&json!("Boiler")), "Boiler");
        assert_eq!(value_cell(&Value::Null), "");
        assert_eq!(value_cell(&json!(true)), "true");
    }
}
