//! A service location as every resource shows it (its own routes, the job
//! page): name, structured address, coordinates and, where the caller may read
//! them, the gate code and access notes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{
    context::Ctx,
    custom_fields::{self, CustomFieldValue, CustomFields, Entity},
    text::blank_to_none,
    Result,
};
use crate::auth::Role;

/// A structured postal address; every part optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub line1: Option<String>,
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    pub line2: Option<String>,
    #[validate(length(max = 100, message = "must be at most 100 characters"))]
    pub city: Option<String>,
    #[validate(length(max = 100, message = "must be at most 100 characters"))]
    pub region: Option<String>,
    #[validate(length(max = 20, message = "must be at most 20 characters"))]
    pub postal_code: Option<String>,
    #[validate(length(max = 100, message = "must be at most 100 characters"))]
    pub country: Option<String>,
}

impl Address {
    /// Blank parts become absent, the others lose surrounding whitespace.
    pub fn trimmed(&self) -> Address {
        let part = |value: &Option<String>| blank_to_none(value.as_deref()).map(str::to_owned);
        Address {
            line1: part(&self.line1),
            line2: part(&self.line2),
            city: part(&self.city),
            region: part(&self.region),
            postal_code: part(&self.postal_code),
            country: part(&self.country),
        }
    }
}

/// How to get in: for admins and for the worker of an open job there only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocationAccess {
    pub gate_code: Option<String>,
    pub access_notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceLocation {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub address: Address,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Gate code and access notes, present only where the database lets the
    /// caller read them: admins, and the worker assigned to an open job at
    /// this location. Never customers, never share links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<LocationAccess>,
    /// The location's custom fields you may read, by key: all of them for
    /// admins, those visible to workers or customers for them (the database's
    /// projections; staff-only fields never reach them).
    #[schema(value_type = HashMap<String, CustomFieldValue>)]
    pub custom_fields: CustomFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// A row of app.service_locations (also the JSON of `to_jsonb` of one).
#[derive(Debug, Deserialize)]
pub struct LocationRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl LocationRow {
    pub fn into_location(
        self,
        access: Option<LocationAccess>,
        custom_fields: CustomFields,
    ) -> ServiceLocation {
        ServiceLocation {
            id: self.id,
            customer_id: self.customer_id,
            name: self.name,
            address: Address {
                line1: self.line1,
                line2: self.line2,
                city: self.city,
                region: self.region,
                postal_code: self.postal_code,
                country: self.country,
            },
            latitude: self.latitude,
            longitude: self.longitude,
            access,
            custom_fields,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// Location `id` as the caller may see it; None when it is not visible.
pub async fn load_location(ctx: &mut Ctx, id: Uuid) -> Result<Option<ServiceLocation>> {
    let row = sqlx::query_as!(
        LocationRow,
        "select id, customer_id, name, line1, line2, city, region, postal_code, country, latitude, longitude,
                created_at, updated_at, version
         from app.service_locations where company_id = $2 and id = $1",
        id,
        ctx.user.company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let access = load_access(ctx, id).await?;
    let values = custom_fields::visible_one(ctx, Entity::Location, id).await?;
    Ok(Some(row.into_location(access, values)))
}

/// The gate code and access notes of location `id`, if the caller may read
/// them. The table's policies decide; the customer role holds no privilege on
/// it at all, so it is not asked (the query would be refused, not empty).
pub async fn load_access(ctx: &mut Ctx, location_id: Uuid) -> Result<Option<LocationAccess>> {
    Ok(load_accesses(ctx, &[location_id]).await?.remove(&location_id))
}

/// The gate codes and access notes of several locations that the caller may
/// read (see [`load_access`]), by location.
pub async fn load_accesses(ctx: &mut Ctx, location_ids: &[Uuid]) -> Result<HashMap<Uuid, LocationAccess>> {
    if ctx.is(Role::Customer) || location_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query!(
        "select location_id, gate_code, access_notes from app.service_location_access
         where company_id = $2 and location_id = any($1)",
        location_ids,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.location_id, LocationAccess { gate_code: r.gate_code, access_notes: r.access_notes }))
        .collect())
}
