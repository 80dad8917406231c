//! API tests: real HTTP against the real router over a real PostgreSQL, with the
//! server connected as `fieldops_authenticator` (never a superuser or owner).

mod attachments;
mod auth;
mod boundary;
mod branches;
mod catalog;
mod citus;
mod crm;
mod custom_fields;
mod customer_search;
mod hardening;
mod helpers;
mod history;
mod hygiene;
mod idempotency;
mod imports;
mod injection;
mod invitations;
mod isolation;
mod job_requests;
mod jobs;
mod lifecycle;
mod mail;
mod messages;
mod organizations;
mod pooling;
mod portal;
mod portal_accounts;
mod portal_scope;
mod probe;
mod rls;
mod roles;
mod signup;
mod throttle;
mod timeline;
mod users;
