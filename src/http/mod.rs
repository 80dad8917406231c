//! The HTTP layer, assembled: every resource's routes and OpenAPI paths under
//! `/api/v1`, health checks, the web app, and the middleware stack.
//!
//! The shared request machinery lives in [`shared`], below the resources; a
//! resource is one module (or one folder, once it outgrows a file) that owns
//! its routes, handlers and request/response types.

pub mod shared;

pub mod attachments;
pub mod auth;
pub mod branches;
pub mod communications;
pub mod contacts;
pub mod custom_fields;
pub mod customers;
pub mod export;
pub mod health;
pub mod history;
pub mod imports;
pub mod invitations;
pub mod job_requests;
pub mod jobs;
pub mod messages;
pub mod notes;
pub mod notifications;
pub mod portal;
pub mod profile;
pub mod roles;
pub mod service_locations;
pub mod share;
pub mod signup;
pub mod statuses;
pub mod tasks;
pub mod timeline;
pub mod users;
pub mod web;

use std::sync::Arc;

use axum::{routing::get, Json, Router};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_axum::router::OpenApiRouter;

use shared::{idempotency, middleware, AppState, Error};

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
        (name = "service-locations", description = "Where a customer's work happens, as your role may see it"),
        (name = "contacts", description = "A customer's people and how to reach them, as your role may see them"),
        (name = "communications", description = "A customer's communication log (admins)"),
        (name = "custom-fields", description = "Your company's custom fields of customers, locations and jobs"),
        (name = "job-statuses", description = "Your company's workflow"),
        (name = "jobs", description = "Jobs, as your role may see them"),
        (name = "tasks", description = "Checklists of jobs"),
        (name = "notes", description = "Notes on jobs"),
        (name = "share-links", description = "Read-only links to one job"),
        (name = "job-requests", description = "What customers ask for, from draft to job, with every change"),
        (name = "notifications", description = "Your notification mails, and the unsubscribe link they carry"),
        (name = "messages", description = "Conversations of job requests and jobs, read markers and unread counts"),
        (name = "portal", description = "The customer portal: its public page and your company's settings"),
        (name = "invitations", description = "Invitations of people to join your company as staff, and their accepting"),
        (name = "roles", description = "The company's roles and the permissions each holds; the catalogue of permissions"),
        (name = "imports", description = "Import from spreadsheets and other systems, and export everything (admins)"),
        (name = "attachments", description = "Photos and documents on jobs and job requests"),
        (name = "branches", description = "Your company's branches, and what a branch-scoped member sees"),
        (name = "signup", description = "Self-service sign-up: a new company with you as its first admin"),
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
        .merge(service_locations::router())
        .merge(contacts::router())
        .merge(communications::router())
        .merge(custom_fields::router())
        .merge(statuses::router())
        .merge(jobs::router())
        .merge(history::router())
        .merge(timeline::router())
        .merge(tasks::router())
        .merge(notes::router())
        .merge(share::router())
        .merge(portal::router())
        .merge(job_requests::router())
        .merge(invitations::router())
        .merge(roles::router())
        .merge(messages::router())
        .merge(notifications::router())
        .merge(profile::router())
        .merge(imports::router())
        .merge(export::router())
        .merge(attachments::router())
        .merge(branches::router())
        .merge(signup::router())
        .split_for_parts()
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole application: API, health checks, the web app and the middleware,
/// with `extra` routes merged in under the same state and middleware (tests
/// mount probes this way; the server passes none).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let web_dir = state.config.server.web_dir.clone();
    let cors = middleware::cors_layer(&state.config.server.cors_allowed_origins);
    let hsts = state.config.server.is_https();
    // Only the resource routes above remember Idempotency-Keys.
    let api = api
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::guard))
        .layer(axum::middleware::from_fn(middleware::no_store))
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

    middleware::with_middleware(api.with_state(state).fallback_service(web::service(&web_dir)), cors, hsts)
}

async fn api_not_found() -> Error {
    Error::NotFound
}
