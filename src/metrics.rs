//! Prometheus metrics, served on their own listener (`METRICS_ADDR`), never on
//! the public port.
//!
//! Until [`Exporter::bind`] installs the process-wide recorder, every call here
//! is a cheap no-op, so tests and deployments without `METRICS_ADDR` pay nothing.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `http_requests_total` | counter | `method`, `route` (the matched route pattern), `status` |
//! | `http_request_duration_seconds` | histogram | `method`, `route`, `status` |
//! | `fieldops_db_pool_connections` | gauge | `state` = `idle` / `in_use` |
//! | `fieldops_db_pool_max_connections` | gauge | |
//! | `fieldops_login_failures_total` | counter | |
//! | `fieldops_login_throttled_total` | counter | |
//! | `fieldops_password_verifications_total` | counter | |
//! | `fieldops_mail_attempts_total` | counter | `outcome` = `sent` / `retried` / `failed` (given up) |
//! | `fieldops_build_info` | gauge (1) | `version` |

use std::{
    future::Future,
    net::SocketAddr,
    sync::OnceLock,
    time::{Duration, Instant},
};

use anyhow::Context;
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, Method},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use metrics::Label;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use tokio::net::TcpListener;

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
pub const POOL_CONNECTIONS: &str = "fieldops_db_pool_connections";
pub const POOL_MAX_CONNECTIONS: &str = "fieldops_db_pool_max_connections";
pub const LOGIN_FAILURES: &str = "fieldops_login_failures_total";
pub const LOGIN_THROTTLED: &str = "fieldops_login_throttled_total";
pub const PASSWORD_VERIFICATIONS: &str = "fieldops_password_verifications_total";
pub const MAIL_ATTEMPTS: &str = "fieldops_mail_attempts_total";
pub const BUILD_INFO: &str = "fieldops_build_info";

/// The `route` label of requests no route matched (the web app's files and
/// unknown paths): one label value, so scanners cannot inflate cardinality.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Latency buckets in seconds, from a fast cached read to the 30 s request timeout.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// A sign-in was refused (wrong company, email or password, inactive user…).
pub fn login_failed() {
    metrics::counter!(LOGIN_FAILURES).increment(1);
}

/// A sign-in was refused by the rate limiter before its password was checked.
pub fn login_throttled() {
    metrics::counter!(LOGIN_THROTTLED).increment(1);
}

/// A mail was delivered.
pub fn mail_sent() {
    metrics::counter!(MAIL_ATTEMPTS, "outcome" => "sent").increment(1);
}

/// A mail's delivery failed and will be tried again.
pub fn mail_retried() {
    metrics::counter!(MAIL_ATTEMPTS, "outcome" => "retried").increment(1);
}

/// A mail's last attempt failed: it is given up (worth an alert).
pub fn mail_failed() {
    metrics::counter!(MAIL_ATTEMPTS, "outcome" => "failed").increment(1);
}

/// A sign-in's password is about to be verified (argon2, ~19 MiB and tens of
/// milliseconds): what the throttle exists to bound.
pub fn password_verified() {
    metrics::counter!(PASSWORD_VERIFICATIONS).increment(1);
}

/// Installs the process-wide Prometheus recorder on first call and returns its
/// handle.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), LATENCY_BUCKETS)?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|_| anyhow::anyhow!("another metrics recorder is already installed"))?;
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

fn describe() {
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route and status");
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency, by method, route and status"
    );
    metrics::describe_gauge!(POOL_CONNECTIONS, "Connections of the server's database pool, by state");
    metrics::describe_gauge!(POOL_MAX_CONNECTIONS, "Size limit of the server's database pool");
    metrics::describe_counter!(LOGIN_FAILURES, "Sign-ins refused for wrong or unusable credentials");
    metrics::describe_counter!(LOGIN_THROTTLED, "Sign-ins refused by the rate limiter");
    metrics::describe_counter!(PASSWORD_VERIFICATIONS, "Sign-in password verifications (argon2) run");
    metrics::describe_counter!(MAIL_ATTEMPTS, "Mail delivery attempts of the outbox sender, by outcome");
    metrics::describe_gauge!(BUILD_INFO, "Always 1; the version label names the running build");
    // Counters exist from the start, so dashboards and alerts see 0, not "no data".
    metrics::counter!(LOGIN_FAILURES).absolute(0);
    metrics::counter!(LOGIN_THROTTLED).absolute(0);
    metrics::counter!(PASSWORD_VERIFICATIONS).absolute(0);
    for outcome in ["sent", "retried", "failed"] {
        metrics::counter!(MAIL_ATTEMPTS, "outcome" => outcome).absolute(0);
    }
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

/// Middleware: counts every response and records its latency, labelled by the
/// matched route pattern (never the raw path, whose ids would explode the
/// series count).
pub async fn track_http(request: Request, next: Next) -> Response {
    if HANDLE.get().is_none() {
        return next.run(request).await;
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED_ROUTE.to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = vec![
        Label::new("method", method),
        Label::new("route", route),
        Label::new("status", response.status().as_u16().to_string()),
    ];
    metrics::histogram!(HTTP_DURATION, labels.clone()).record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, labels).increment(1);
    response
}

/// Standard methods by name; anything else one label, for the same reason.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

#[derive(Clone)]
struct ScrapeState {
    handle: PrometheusHandle,
    pool: PgPool,
}

/// The metrics listener: `GET /metrics` in the Prometheus text format.
pub struct Exporter {
    listener: TcpListener,
    state: ScrapeState,
}

impl Exporter {
    /// Installs the recorder and binds `addr`. `pool` is the server's pool,
    /// whose usage each scrape reports.
    pub async fn bind(addr: SocketAddr, pool: PgPool) -> anyhow::Result<Self> {
        let handle = install()?;
        let listener =
            TcpListener::bind(addr).await.with_context(|| format!("binding METRICS_ADDR {addr}"))?;
        Ok(Exporter { listener, state: ScrapeState { handle, pool } })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves scrapes until `shutdown` resolves; drains histogram buckets
    /// between scrapes so memory stays bounded.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let handle = self.state.handle.clone();
        let upkeep = async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        };
        let app = Router::new().route("/metrics", get(scrape)).with_state(self.state);
        tokio::select! {
            served = axum::serve(self.listener, app).with_graceful_shutdown(shutdown) => {
                served.context("serving metrics")
            }
            () = upkeep => Ok(()),
        }
    }
}

async fn scrape(State(state): State<ScrapeState>) -> impl IntoResponse {
    let size = state.pool.size();
    let idle = u32::try_from(state.pool.num_idle()).unwrap_or(u32::MAX).min(size);
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(size - idle));
    metrics::gauge!(POOL_MAX_CONNECTIONS).set(f64::from(state.pool.options().get_max_connections()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.handle.render())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn requests_are_counted_by_route_pattern_never_by_raw_path() {
        let handle = install().expect("recorder");
        let app = Router::new()
            .route("/probe/things/{id}", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(track_http));
        for path in ["/probe/things/1", "/probe/things/2", "/probe/nowhere"] {
            let request = axum::http::Request::get(path).body(Body::empty()).expect("request");
            app.clone().oneshot(request).await.expect("response");
        }
        login_failed();
        let text = handle.render();
        assert!(
            text.contains(r#"http_requests_total{method="GET",route="/probe/things/{id}",status="200"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
        assert!(
            text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/probe/things/{id}""#)
        );
        assert!(!text.contains("/probe/things/1") && !text.contains("/probe/nowhere"), "{text}");
        assert!(text.contains("fieldops_login_failures_total "), "{text}");
        assert!(text.contains("fieldops_login_throttled_total 0"), "{text}");
    }
}
