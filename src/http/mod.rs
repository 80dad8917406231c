//! The HTTP layer: one module per resource, each owning its routes and types.

pub mod auth;
pub mod concurrency;
pub mod context;
pub mod customers;
pub mod error;
pub mod extract;
pub mod health;
pub mod history;
pub mod idempotency;
pub mod jobs;
pub mod notes;
pub mod pagination;
pub mod search;
pub mod share;
pub mod statuses;
pub mod tasks;
pub mod timeline;
pub mod users;
pub mod web;

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_axum::router::OpenApiRouter;

use crate::{auth::jwt::Keys, config::Config};
pub use error::{Error, Result};

/// Everything a handler may need; cloned per request (all cheap handles).
#[derive(Clone)]
pub struct AppState {
    /// The authenticator pool: every request switches role inside its transaction.
    pub db: PgPool,
    /// The login role's small pool, for the sign-in flow only (look up an
    /// account, create or rotate a session, open a share link): SQL inside a
    /// request can reach the authenticator, never this role.
    pub login_db: PgPool,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
}

impl AppState {
    pub fn new(db: PgPool, config: Config) -> Self {
        let keys =
            Keys::new(config.jwt_secret.expose().as_bytes(), &config.jwt_issuer, config.access_token_ttl);
        let login_db = crate::db::login_pool(&db, &config);
        AppState { db, login_db, config: Arc::new(config), keys: Arc::new(keys) }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "FieldOps API",
        description = "Multi-tenant field-service jobs. Tenant isolation is enforced by PostgreSQL row-level security.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in and sessions"),
        (name = "users", description = "Users of your company (admins)"),
        (name = "customers", description = "Your company's customers (admins)"),
        (name = "job-statuses", description = "Your company's workflow"),
        (name = "jobs", description = "Jobs, as your role may see them"),
        (name = "tasks", description = "Checklists of jobs"),
        (name = "notes", description = "Notes on jobs"),
        (name = "share-links", description = "Read-only links to one job"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(users::router())
        .merge(customers::router())
        .merge(statuses::router())
        .merge(jobs::router())
        .merge(history::router())
        .merge(timeline::router())
        .merge(tasks::router())
        .merge(notes::router())
        .merge(share::router())
        .split_for_parts()
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole application: API, health checks, and the request middleware.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The application with `extra` routes merged in under the same state and
/// middleware (tests mount probes this way).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let web_dir = state.config.web_dir.clone();
    let cors = cors_layer(&state.config.cors_allowed_origins);
    let hsts = state.config.is_https();
    // Only the resource routes above remember Idempotency-Keys.
    let api = api
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::guard))
        .layer(axum::middleware::from_fn(no_store))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { Json(openapi.as_ref().clone()) }
            }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(api_not_found))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(extra);

    with_middleware(api.with_state(state).fallback_service(web::service(&web_dir)), cors, hsts)
}

/// Answers that carry tokens (sign-in, refresh) or one signed-in user's data
/// must never sit in a browser's or a proxy's cache, where the next user of a
/// shared computer, or the proxy's operator, could read them.
async fn no_store(request: Request, next: axum::middleware::Next) -> Response {
    let private = request.headers().contains_key(header::AUTHORIZATION)
        || request.uri().path().starts_with("/api/v1/auth/");
    let mut response = next.run(request).await;
    if private {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn api_not_found() -> Error {
    Error::NotFound
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Cross-origin access for the listed browser origins (`CORS_ALLOWED_ORIGINS`);
/// none (same origin only) when the list is empty.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
                HeaderName::from_static("x-requested-with"),
                HeaderName::from_static("idempotency-key"),
                REQUEST_ID,
            ])
            .expose_headers([header::ETAG, header::LOCATION, REQUEST_ID])
            // The browser client's refresh token travels in a cookie.
            .allow_credentials(true)
            .max_age(Duration::from_secs(600)),
    )
}

fn with_middleware(router: Router, cors: Option<CorsLayer>, hsts: bool) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| crate::telemetry::redact_path(request.uri().path()).into_owned());
            let request_id = request
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            tracing::info_span!(
                "request",
                method = %request.method(),
                route = %route,
                request_id = %request_id,
                company_id = tracing::field::Empty,
                user_id = tracing::field::Empty,
                role = tracing::field::Empty,
            )
        })
        .on_response(log_response);

    let security_headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                 connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ));

    let router = router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
            .layer(trace)
            .layer(axum::middleware::from_fn(crate::metrics::track_http))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
            .layer(CatchPanicLayer::custom(|_| panic_response()))
            .layer(security_headers)
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
            .layer(DefaultBodyLimit::max(1024 * 1024)),
    );
    // Only a site served over https may pin browsers to https; said over plain
    // http the header is ignored anyway, and a development laptop must not be pinned.
    // Around everything else, so panics and timeouts carry it too.
    let router = if hsts {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    // Outermost, so preflight requests are answered before anything else runs.
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

fn log_response<B>(response: &axum::http::Response<B>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
}

fn panic_response() -> Response {
    tracing::error!("a handler panicked");
    Error::Internal(anyhow::anyhow!("handler panicked")).into_response()
}
