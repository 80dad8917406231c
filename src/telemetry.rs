//! Tracing set-up. Development logs are human-readable; staging and production
//! emit one JSON object per line (`LOG_FORMAT` overrides either way).
//!
//! Slow statements: sqlx logs every statement slower than 100 ms at WARN under
//! the `sqlx::query` target (see `db::server_pool`), which the default filter keeps.
//!
//! Secrets: no token (share link, refresh, access) may reach a log line. Request
//! spans carry the route pattern, and where no route matched, the path with
//! token segments replaced ([`redact_path`]); query strings and headers are never
//! logged.

use std::borrow::Cow;

use tracing::Subscriber;
use tracing_subscriber::{
    fmt::{self, MakeWriter},
    layer::SubscriberExt,
    util::SubscriberInitExt,
    EnvFilter,
};

use crate::config::LogFormat;

/// The filter used when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=info";

/// What replaces a secret path segment in logs.
pub const REDACTED: &str = "[redacted]";

/// A subscriber writing to `writer` (stdout in the server; a buffer in tests
/// that read the logs).
pub fn subscriber<W>(format: LogFormat, filter: EnvFilter, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => Box::new(registry.with(fmt::layer().compact().with_writer(writer))),
        // One object per line: the event's fields at the top level, plus the
        // request span's fields (request_id, route, company_id, user_id, role).
        LogFormat::Json => Box::new(
            registry.with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            ),
        ),
    }
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = subscriber(format, filter, std::io::stdout).try_init();
}

/// `path` fit for a log line: the segment after `/t/` (the web app's share-link
/// page) and after `/share/` (the API's), and any segment shaped like one of
/// our tokens, become [`REDACTED`]. Whoever reads the logs must not be able to
/// open a customer's job, or replay a session, from them.
pub fn redact_path(path: &str) -> Cow<'_, str> {
    let segments: Vec<&str> = path.split('/').collect();
    let secret = |i: usize| {
        let previous = i.checked_sub(1).and_then(|p| segments.get(p)).copied();
        !segments[i].is_empty() && (matches!(previous, Some("t" | "share")) || looks_like_token(segments[i]))
    };
    if !(0..segments.len()).any(secret) {
        return Cow::Borrowed(path);
    }
    let redacted: Vec<&str> =
        (0..segments.len()).map(|i| if secret(i) { REDACTED } else { segments[i] }).collect();
    Cow::Owned(redacted.join("/"))
}

/// 32 random bytes in base64url (43 characters), or a JWT; percent-encoded
/// variants are caught by the length alone.
fn looks_like_token(segment: &str) -> bool {
    segment.len() >= 40 && !segment.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_segments_never_reach_a_log_line() {
        let token = crate::auth::tokens::generate(uuid::Uuid::new_v4());
        assert_eq!(redact_path(&format!("/t/{token}")), "/t/[redacted]");
        assert_eq!(redact_path(&format!("/api/v1/share/{token}")), "/api/v1/share/[redacted]");
        assert_eq!(redact_path("/t/short"), "/t/[redacted]", "a mistyped token is still one");
        assert_eq!(redact_path(&format!("/api/v1/whatever/{token}/x")), "/api/v1/whatever/[redacted]/x");
        assert_eq!(redact_path("/admin/jobs"), "/admin/jobs");
        assert_eq!(redact_path("/t/"), "/t/");
        // Ids stay readable: a UUID is hex and dashes.
        let id = "/api/v1/jobs/5b7f2a53-8c3e-4a4e-9a49-2a4f0f4b8a01";
        assert_eq!(redact_path(id), id);
    }
}
