//! Tracing set-up. Development logs are human-readable; staging and production
//! emit one JSON object per line (`LOG_FORMAT` overrides either way).
//!
//! Slow statements: sqlx logs every statement slower than 100 ms at WARN under
//! the `sqlx::query` target (see `db::server_pool`), which the default filter keeps.

use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
        // One object per line: the event's fields at the top level, plus the
        // request span's fields (request_id, route, company_id, user_id, role).
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true).with_current_span(true).with_span_list(false))
            .try_init(),
    };
}
