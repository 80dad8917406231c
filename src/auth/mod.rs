//! Tokens and passwords.

pub mod jwt;
pub mod password;
pub mod tokens;

use serde::{Deserialize, Serialize};

/// A user's role; also names the database role its requests run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema)]
#[sqlx(type_name = "app.user_role", rename_all = "UPPERCASE")]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    Admin,
    Worker,
    Customer,
}

impl Role {
    /// The database role a request of this user runs as.
    pub fn db_role(self) -> &'static str {
        match self {
            Role::Admin => "fieldops_admin",
            Role::Worker => "fieldops_worker",
            Role::Customer => "fieldops_customer",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Worker => "WORKER",
            Role::Customer => "CUSTOMER",
        }
    }
}
