//! The middleware stack around the whole application: request id, a tracing
//! span per request, metrics, panics as 500s, security headers, a 30 s
//! timeout, a 1 MiB body limit, and CORS for the listed origins only.

use std::time::Duration;

use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use super::Error;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Cross-origin access for the listed browser origins (`CORS_ALLOWED_ORIGINS`);
/// none (same origin only) when the list is empty.
pub fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
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

/// Answers that carry tokens (sign-in, refresh) or one signed-in user's data
/// must never sit in a browser's or a proxy's cache, where the next user of a
/// shared computer, or the proxy's operator, could read them.
pub async fn no_store(request: Request, next: axum::middleware::Next) -> Response {
    let private = request.headers().contains_key(header::AUTHORIZATION)
        || request.uri().path().starts_with("/api/v1/auth/");
    let mut response = next.run(request).await;
    if private {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

pub fn with_middleware(router: Router, cors: Option<CorsLayer>, hsts: bool) -> Router {
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

    // `blob:` images: attachments reach an <img> as object URLs of their
    // bytes, fetched with the bearer token (src/http/attachments/download.rs).
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
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
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
