//! Tracing set-up. Development logs are human-readable; staging and production
//! emit one JSON object per line.

use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

use crate::config::AppEnv;

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(env: AppEnv) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if env.is_development() {
        registry.with(fmt::layer().compact()).try_init()
    } else {
        registry.with(fmt::layer().json().flatten_event(true).with_current_span(true)).try_init()
    };
}
