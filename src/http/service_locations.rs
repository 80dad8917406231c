//! A customer's service locations: where its work happens. Every role lists
//! and reads the locations the database shows it (admins: the company's;
//! workers: those of the customers of their jobs; customers: their own);
//! admins create, edit and delete them. Gate codes and access notes ride
//! along where the database lets the caller read them.

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use serde::Deserialize;
use sqlx::types::Json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{double_option, edited, etag, IfMatch},
    context::Ctx,
    custom_fields::{self, CustomFieldValue, CustomFields, Entity},
    customer_visibility::require_customer_visible,
    duplicates::{refuse_duplicates, refuse_duplicates_of_edit, Probe},
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page, PageParams},
    service_locations::{load_accesses, load_location, Address, LocationRow, ServiceLocation},
    text::blank_to_none,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_locations, create_location)).routes(routes!(
        get_location,
        update_location,
        delete_location
    ))
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateLocation {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    /// Create it even though the company has a location at the same address
    /// (otherwise: 409 with the likely duplicates).
    pub allow_duplicate: Option<bool>,
    #[validate(nested)]
    pub address: Option<Address>,
    /// Given together with `longitude`.
    #[validate(range(min = -90.0, max = 90.0, message = "must be between -90 and 90"))]
    pub latitude: Option<f64>,
    #[validate(range(min = -180.0, max = 180.0, message = "must be between -180 and 180"))]
    pub longitude: Option<f64>,
    #[validate(length(max = 100, message = "must be at most 100 characters"))]
    pub gate_code: Option<String>,
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    pub access_notes: Option<String>,
    /// Values by key, checked by the database against the company's location
    /// fields (422 naming `custom_fields.<key>`).
    #[schema(value_type = Option<HashMap<String, CustomFieldValue>>)]
    pub custom_fields: Option<CustomFields>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateLocation {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    /// Move it even though another location of the company is at the new
    /// address (otherwise: 409 with the likely duplicates).
    pub allow_duplicate: Option<bool>,
    /// Replaces the whole address.
    #[validate(nested)]
    pub address: Option<Address>,
    /// `null` clears it; latitude and longitude go together.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub longitude: Option<Option<f64>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub gate_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub access_notes: Option<Option<String>>,
    /// Merged into the stored values: keys sent are set, `null` removes one.
    #[schema(value_type = Option<HashMap<String, CustomFieldValue>>)]
    pub custom_fields: Option<CustomFields>,
}

impl UpdateLocation {
    fn check(&self) -> Result<()> {
        self.validate()?;
        let probe = CreateLocation {
            name: "x".into(),
            latitude: self.latitude.flatten(),
            longitude: self.longitude.flatten(),
            gate_code: self.gate_code.clone().flatten(),
            access_notes: self.access_notes.clone().flatten(),
            ..CreateLocation::default()
        };
        probe.validate()?;
        Ok(())
    }
}

/// Writes the parts of a location's gate code and access notes that were sent
/// (`Some(None)` clears one): the row is made if it is not there yet, then
/// edited, two statements that Citus routes to the company's shard.
async fn write_access(
    ctx: &mut Ctx,
    location_id: Uuid,
    gate_code: Option<Option<&str>>,
    access_notes: Option<Option<&str>>,
) -> Result<()> {
    if gate_code.is_none() && access_notes.is_none() {
        return Ok(());
    }
    sqlx::query!(
        "insert into app.service_location_access (location_id) values ($1)
         on conflict (company_id, location_id) do nothing",
        location_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    sqlx::query!(
        "update app.service_location_access set
           gate_code = case when $3 then $4 else gate_code end,
           access_notes = case when $5 then $6 else access_notes end
         where company_id = $2 and location_id = $1",
        location_id,
        ctx.user.company_id,
        gate_code.is_some(),
        gate_code.flatten(),
        access_notes.is_some(),
        access_notes.flatten(),
    )
    .execute(&mut *ctx.tx)
    .await?;
    Ok(())
}

/// A customer's locations, ordered by name.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/locations", tag = "service-locations",
    params(("id" = Uuid, Path, description = "Customer id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of locations", body = Page<ServiceLocation>),
        (status = 404, description = "No such customer visible to you", body = Problem),
    )
)]
async fn list_locations(
    mut ctx: Ctx,
    AppPath(customer_id): AppPath<Uuid>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<ServiceLocation>>> {
    let (limit, after): (_, Option<(String, Uuid)>) = page.start()?;
    let (after_name, after_id) = after.unzip();
    require_customer_visible(&mut ctx, customer_id).await?;
    let rows = sqlx::query_as!(
        LocationRow,
        "select id, customer_id, name, line1, line2, city, region, postal_code, country, latitude, longitude,
                created_at, updated_at, version
         from app.service_locations
         where company_id = $4 and customer_id = $1
           and ($2::text is null or (lower(name), id) > ($2, $3::uuid))
         order by lower(name), id
         limit $5",
        customer_id,
        after_name,
        after_id,
        ctx.user.company_id,
        limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut access = load_accesses(&mut ctx, &ids).await?;
    let mut values = custom_fields::visible(&mut ctx, Entity::Location, &ids).await?;
    ctx.commit().await?;
    let items: Vec<ServiceLocation> = rows
        .into_iter()
        .map(|row| {
            let found = access.remove(&row.id);
            let fields = values.remove(&row.id).unwrap_or_default();
            row.into_location(found, fields)
        })
        .collect();
    Ok(AppJson(pagination::page(items, limit, |l| (l.name.to_lowercase(), l.id))))
}

/// Adds a location to a customer.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/locations", tag = "service-locations",
    params(("id" = Uuid, Path, description = "Customer id")),
    request_body = CreateLocation,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ServiceLocation),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such customer in your company", body = Problem),
        (status = 409, description = "Likely duplicates exist (`duplicates`); `allow_duplicate` creates it anyway", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn create_location(
    mut ctx: Ctx,
    AppPath(customer_id): AppPath<Uuid>,
    AppJson(body): AppJson<CreateLocation>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.validate()?;
    require_customer_visible(&mut ctx, customer_id).await?;
    let address = body.address.as_ref().map(Address::trimmed).unwrap_or_default();
    let probe = Probe { address: Probe::address_of(&address), ..Probe::default() };
    refuse_duplicates(&mut ctx, &probe, body.allow_duplicate).await?;
    let id = sqlx::query_scalar!(
        "insert into app.service_locations
           (customer_id, name, line1, line2, city, region, postal_code, country, latitude, longitude,
            custom_fields)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11::jsonb, '{}'))
         returning id",
        customer_id,
        body.name.trim(),
        address.line1,
        address.line2,
        address.city,
        address.region,
        address.postal_code,
        address.country,
        body.latitude,
        body.longitude,
        custom_fields::to_json(body.custom_fields.as_ref()),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    write_access(
        &mut ctx,
        id,
        body.gate_code.as_deref().map(|g| blank_to_none(Some(g))),
        body.access_notes.as_deref().map(|n| blank_to_none(Some(n))),
    )
    .await?;
    let location = load_location(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    let path = [(header::LOCATION, format!("/api/v1/service-locations/{id}"))];
    Ok((StatusCode::CREATED, path, etag(location.version), AppJson(location)))
}

/// One location, with its gate code and access notes where you may read them.
#[utoipa::path(
    get, path = "/api/v1/service-locations/{id}", tag = "service-locations",
    params(("id" = Uuid, Path, description = "Service location id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The location", body = ServiceLocation),
        (status = 404, description = "No such location visible to you", body = Problem),
    )
)]
async fn get_location(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    let location = load_location(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(location.version), AppJson(location)))
}

/// A changed address that another location of the company already has: 409
/// with the candidates, as on create. An unchanged one (a rename, new access
/// notes) is not checked again: the location may have been created at a shared
/// address on purpose.
async fn refuse_moving_onto_another(
    ctx: &mut Ctx,
    id: Uuid,
    address: &Address,
    allow_duplicate: Option<bool>,
) -> Result<()> {
    let Some(new) = Probe::address_of(address) else { return Ok(()) };
    // Compared by the duplicate check's own key, so "St." for "Street" is no move.
    let unchanged = sqlx::query_scalar!(
        r#"select line1 is not null
                  and app.address_key(line1, line2, city, region, postal_code)
                      = app.address_key($3, null, null, null, null) as "unchanged!"
           from app.service_locations where company_id = $2 and id = $1"#,
        id,
        ctx.user.company_id,
        new
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    if unchanged != Some(false) {
        return Ok(());
    }
    let probe = Probe { address: Some(new), ..Probe::default() };
    refuse_duplicates_of_edit(ctx, &probe, allow_duplicate, id).await
}

/// Edits a location; `If-Match` makes the edit conditional on the version read.
#[utoipa::path(
    patch, path = "/api/v1/service-locations/{id}", tag = "service-locations",
    params(("id" = Uuid, Path, description = "Service location id")),
    request_body = UpdateLocation,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ServiceLocation),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such location in your company", body = Problem),
        (status = 409, description = "Another location is at the new address (`duplicates`); `allow_duplicate` moves it anyway", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn update_location(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateLocation>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.check()?;
    let address = body.address.as_ref().map(Address::trimmed);
    if let Some(address) = &address {
        refuse_moving_onto_another(&mut ctx, id, address, body.allow_duplicate).await?;
    }
    let parts = address.clone().unwrap_or_default();
    // Every edit, access notes alone included, is a new version of the
    // location: its ETag covers what GET shows.
    let edit = sqlx::query!(
        r#"with updated as (
             update app.service_locations set
               name = coalesce($2, name),
               line1 = case when $3 then $4 else line1 end,
               line2 = case when $3 then $5 else line2 end,
               city = case when $3 then $6 else city end,
               region = case when $3 then $7 else region end,
               postal_code = case when $3 then $8 else postal_code end,
               country = case when $3 then $9 else country end,
               latitude = case when $10 then $11 else latitude end,
               longitude = case when $12 then $13 else longitude end,
               -- Merged: keys sent as null are removed (the trigger strips nulls).
               custom_fields = coalesce(custom_fields || $16::jsonb, custom_fields)
             where company_id = $15 and id = $1 and ($14::int is null or version = $14)
             returning id, customer_id, name, line1, line2, city, region, postal_code, country, latitude, longitude,
                       created_at, updated_at, version)
           select exists (select 1 from app.service_locations where company_id = $15 and id = $1) as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<LocationRow>""#,
        id,
        body.name.as_deref().map(str::trim),
        address.is_some(),
        parts.line1,
        parts.line2,
        parts.city,
        parts.region,
        parts.postal_code,
        parts.country,
        body.latitude.is_some(),
        body.latitude.flatten(),
        body.longitude.is_some(),
        body.longitude.flatten(),
        if_match.0,
        ctx.user.company_id,
        custom_fields::to_json(body.custom_fields.as_ref()),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    edited(edit.found, edit.row, if_match)?;
    write_access(
        &mut ctx,
        id,
        body.gate_code.as_ref().map(|g| blank_to_none(g.as_deref())),
        body.access_notes.as_ref().map(|n| blank_to_none(n.as_deref())),
    )
    .await?;
    let location = load_location(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(location.version), AppJson(location)))
}

/// Deletes a location. Refused (409) while a job names it, and for a
/// customer's last location: a customer always keeps one.
#[utoipa::path(
    delete, path = "/api/v1/service-locations/{id}", tag = "service-locations",
    params(("id" = Uuid, Path, description = "Service location id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such location in your company", body = Problem),
        (status = 409, description = "Jobs or logged communications name it, or it is the customer's last location", body = Problem),
    )
)]
async fn delete_location(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    let company_id = ctx.user.company_id;
    // A job or a log entry (migration 0024) naming it keeps it.
    let named_by_jobs = sqlx::query_scalar!(
        r#"select exists (select 1 from app.jobs where company_id = $2 and service_location_id = $1)
                  or exists (select 1 from app.communications where company_id = $2 and service_location_id = $1)
                  as "exists!""#,
        id,
        company_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if named_by_jobs {
        return Err(Error::Conflict(
            "jobs or logged communications name this location; move them to another one first".into(),
        ));
    }
    let deleted =
        sqlx::query!("delete from app.service_locations where company_id = $2 and id = $1", id, company_id)
            .execute(&mut *ctx.tx)
            .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
