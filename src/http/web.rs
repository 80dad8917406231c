//! The built web app (`WEB_DIR`, default `web/dist`) at `/`: hashed assets are
//! cached for a year, everything else falls back to `index.html` (client-side
//! routes) and is never cached, so a deploy is picked up at once.

use std::path::Path;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::Response,
    routing::get_service,
    Router,
};
use tower_http::services::{ServeDir, ServeFile};

pub fn service(web_dir: &Path) -> Router {
    if !web_dir.join("index.html").exists() {
        return Router::new().fallback(|| async {
            (StatusCode::NOT_FOUND, "The web app is not built. Run `make run`, or use the API under /api/v1.")
        });
    }
    let index = web_dir.join("index.html");
    let assets = ServeDir::new(web_dir).fallback(ServeFile::new(&index));
    Router::new().fallback_service(get_service(assets)).layer(axum::middleware::map_response(cache_headers))
}

async fn cache_headers(request_path: axum::extract::OriginalUri, mut response: Response) -> Response {
    let immutable = request_path.path().starts_with("/assets/") && response.status().is_success();
    let value = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}
