//! The request machinery every resource uses, below the resources: the state,
//! the context extractor, the error type, input extractors, pagination,
//! optimistic concurrency, idempotency and the middleware stack. Nothing here
//! imports a resource module or `http/mod.rs`.

pub mod client_addr;
pub mod concurrency;
pub mod contacts;
pub mod context;
pub mod csv_safe;
pub mod custom_fields;
pub mod customer_visibility;
pub mod duplicates;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod identity;
pub mod job_visibility;
pub mod like;
pub mod middleware;
pub mod pagination;
pub mod password_strength;
pub mod refs;
pub mod service_locations;
pub mod sign_in;
pub mod state;
pub mod statuses;
pub mod text;

pub use error::{Error, Result};
pub use state::AppState;
