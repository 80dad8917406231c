//! A contact as every resource shows it (its own routes, the job page's site
//! contact): name, title, its methods, and staff notes where the caller may
//! read them (customers may not: their column grant leaves them out).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{context::Ctx, Result};
use crate::auth::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    Mobile,
    OfficePhone,
    Email,
    Fax,
}

impl MethodKind {
    /// The value of `app.contact_methods.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Mobile => "mobile",
            MethodKind::OfficePhone => "office_phone",
            MethodKind::Email => "email",
            MethodKind::Fax => "fax",
        }
    }

    fn from_db(kind: &str) -> Option<Self> {
        [MethodKind::Mobile, MethodKind::OfficePhone, MethodKind::Email, MethodKind::Fax]
            .into_iter()
            .find(|k| k.as_str() == kind)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactMethod {
    pub id: Uuid,
    pub kind: MethodKind,
    pub value: String,
    /// One primary method of each kind.
    pub is_primary: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub title: Option<String>,
    /// Staff notes; absent for customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The customer's primary contact (one per customer).
    pub is_primary: bool,
    pub methods: Vec<ContactMethod>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

pub struct ContactRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl ContactRow {
    fn into_contact(self, methods: Vec<ContactMethod>) -> Contact {
        Contact {
            id: self.id,
            customer_id: self.customer_id,
            name: self.name,
            title: self.title,
            notes: self.notes,
            is_primary: self.is_primary,
            methods,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// Contact `id` as the caller may see it; None when it is not visible.
pub async fn load_contact(ctx: &mut Ctx, id: Uuid) -> Result<Option<Contact>> {
    let company_id = ctx.user.company_id;
    let row = if ctx.is(Role::Customer) {
        sqlx::query_as!(
            ContactRow,
            r#"select id, customer_id, name, title, null::text as "notes?", is_primary, created_at, updated_at, version
               from app.contacts where company_id = $2 and id = $1"#,
            id,
            company_id
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
    } else {
        sqlx::query_as!(
            ContactRow,
            "select id, customer_id, name, title, notes, is_primary, created_at, updated_at, version
             from app.contacts where company_id = $2 and id = $1",
            id,
            company_id
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
    };
    let Some(row) = row else { return Ok(None) };
    let mut contacts = with_methods(ctx, vec![row]).await?;
    Ok(contacts.pop())
}

/// The contacts with their methods, in the order given.
pub async fn with_methods(ctx: &mut Ctx, rows: Vec<ContactRow>) -> Result<Vec<Contact>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let methods = sqlx::query!(
        "select id, contact_id, kind, value, is_primary from app.contact_methods
         where company_id = $2 and contact_id = any($1)
         order by kind, is_primary desc, id",
        &ids,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut by_contact: HashMap<Uuid, Vec<ContactMethod>> = HashMap::new();
    for m in methods {
        let Some(kind) = MethodKind::from_db(&m.kind) else { continue };
        by_contact.entry(m.contact_id).or_default().push(ContactMethod {
            id: m.id,
            kind,
            value: m.value,
            is_primary: m.is_primary,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let methods = by_contact.remove(&row.id).unwrap_or_default();
            row.into_contact(methods)
        })
        .collect())
}
