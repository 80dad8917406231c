//! FieldOps: a multi-tenant field-service jobs platform whose tenant isolation is
//! enforced by PostgreSQL row-level security, not by this crate.
//!
//! The crate is a thin layer: configuration, token handling, a request-context
//! extractor that opens each request's transaction as the right database role,
//! and one module of routes per resource.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod embedded;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod startup;
pub mod storage;
pub mod telemetry;
