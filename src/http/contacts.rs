//! A customer's contacts: the people to reach, each with typed methods
//! (mobile, office phone, email, fax; one primary per kind), and one primary
//! contact per customer. Every role lists and reads the contacts the database
//! shows it (admins: the company's; workers: those of the customers of their
//! jobs; customers: their own, without staff notes); admins write them.

use std::collections::HashSet;

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{double_option, etag, missing_or_stale, IfMatch},
    contacts::{load_contact, with_methods, Contact, ContactRow, MethodKind},
    context::Ctx,
    customer_visibility::require_customer_visible,
    duplicates::{phone_key, refuse_duplicates, refuse_duplicates_of_edit, Probe},
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    pagination::{self, Page, PageParams},
    text::blank_to_none,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact, delete_contact))
        .routes(routes!(get_contact_locations, put_contact_locations))
}

/// Which of its customer's locations a contact is limited to. A customer login
/// linked to the contact (`users.contact_id`) sees only those locations and
/// their jobs; the database enforces it (migration 0025).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactLocations {
    /// false: the contact (and its logins) see every location of the customer.
    pub restricted_to_locations: bool,
    /// The locations it is limited to while `restricted_to_locations` is true
    /// (kept when it is false, for the next time it is limited). Restricted
    /// with none: it sees no location and no job.
    pub location_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PutContactLocations {
    pub restricted_to_locations: bool,
    #[validate(length(max = 500, message = "at most 500 locations"))]
    pub location_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewMethod {
    pub kind: MethodKind,
    #[validate(length(min = 1, max = 254, message = "must be 1 to 254 characters"))]
    pub value: String,
    /// Default: the first method of its kind is the primary one.
    pub is_primary: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    pub title: Option<String>,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    pub notes: Option<String>,
    /// Makes it the customer's primary contact (the previous one stops being
    /// it). Default: only when the customer has no primary contact yet.
    pub is_primary: Option<bool>,
    #[validate(length(max = 20, message = "at most 20 methods"), nested)]
    pub methods: Option<Vec<NewMethod>>,
    /// Create it even though one of its phones or emails is already a
    /// contact's in the company (otherwise: 409 with the likely duplicates).
    pub allow_duplicate: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateContact {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// `true` makes it the customer's primary contact (the previous one stops
    /// being it); `false` leaves the customer without one.
    pub is_primary: Option<bool>,
    /// Replaces every method.
    #[validate(length(max = 20, message = "at most 20 methods"), nested)]
    pub methods: Option<Vec<NewMethod>>,
    /// Keep a new phone or email even though another contact of the company
    /// has it (otherwise: 409 with the likely duplicates).
    pub allow_duplicate: Option<bool>,
}

impl UpdateContact {
    fn check(&self) -> Result<()> {
        self.validate()?;
        let probe = CreateContact {
            name: "x".into(),
            title: self.title.clone().flatten(),
            notes: self.notes.clone().flatten(),
            ..CreateContact::default()
        };
        probe.validate()?;
        Ok(())
    }
}

/// The methods as stored: trimmed, and one primary per kind (the one flagged,
/// or else the first of its kind). Two flagged of one kind is a 422.
fn primaries(methods: &[NewMethod]) -> Result<Vec<(MethodKind, String, bool)>> {
    let mut flagged: HashSet<MethodKind> = HashSet::new();
    for method in methods.iter().filter(|m| m.is_primary == Some(true)) {
        if !flagged.insert(method.kind) {
            return Err(Error::field("methods", "at most one primary method of each kind"));
        }
    }
    let mut seen: HashSet<MethodKind> = HashSet::new();
    Ok(methods
        .iter()
        .map(|m| {
            let first = seen.insert(m.kind);
            let primary = m.is_primary.unwrap_or(first && !flagged.contains(&m.kind));
            (m.kind, m.value.trim().to_owned(), primary)
        })
        .collect())
}

/// Replaces contact `contact_id`'s methods, one statement per row (Citus turns
/// an INSERT … SELECT over a set into COPY, which row-level security refuses).
async fn replace_methods(
    ctx: &mut Ctx,
    customer_id: Uuid,
    contact_id: Uuid,
    methods: &[NewMethod],
) -> Result<()> {
    let methods = primaries(methods)?;
    sqlx::query!(
        "delete from app.contact_methods where company_id = $2 and contact_id = $1",
        contact_id,
        ctx.user.company_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    for (kind, value, is_primary) in methods {
        sqlx::query!(
            "insert into app.contact_methods (customer_id, contact_id, kind, value, is_primary)
             values ($1, $2, $3, $4, $5)",
            customer_id,
            contact_id,
            kind.as_str(),
            value,
            is_primary,
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    Ok(())
}

/// The customer's other contacts stop being its primary one.
async fn clear_primary(ctx: &mut Ctx, customer_id: Uuid, except: Option<Uuid>) -> Result<()> {
    sqlx::query!(
        "update app.contacts set is_primary = false
         where company_id = $2 and customer_id = $1 and is_primary and id is distinct from $3",
        customer_id,
        ctx.user.company_id,
        except,
    )
    .execute(&mut *ctx.tx)
    .await?;
    Ok(())
}

/// A customer's contacts: the primary one first, then by name.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/contacts", tag = "contacts",
    params(("id" = Uuid, Path, description = "Customer id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of contacts", body = Page<Contact>),
        (status = 404, description = "No such customer visible to you", body = Problem),
    )
)]
async fn list_contacts(
    mut ctx: Ctx,
    AppPath(customer_id): AppPath<Uuid>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<Contact>>> {
    let (limit, after): (_, Option<(bool, String, Uuid)>) = page.start()?;
    let (after_secondary, after_name, after_id) = match after {
        Some((secondary, name, id)) => (Some(secondary), Some(name), Some(id)),
        None => (None, None, None),
    };
    require_customer_visible(&mut ctx, customer_id).await?;
    let company_id = ctx.user.company_id;
    // Column grants differ by role: a customer may not read staff notes.
    let rows = if ctx.is(Role::Customer) {
        sqlx::query_as!(
            ContactRow,
            r#"select id, customer_id, name, title, null::text as "notes?", is_primary, created_at, updated_at, version
               from app.contacts
               where company_id = $5 and customer_id = $1
                 and ($2::bool is null or (not is_primary, lower(name), id) > ($2, $3::text, $4::uuid))
               order by not is_primary, lower(name), id
               limit $6"#,
            customer_id,
            after_secondary,
            after_name,
            after_id,
            company_id,
            limit + 1,
        )
        .fetch_all(&mut *ctx.tx)
        .await?
    } else {
        sqlx::query_as!(
            ContactRow,
            "select id, customer_id, name, title, notes, is_primary, created_at, updated_at, version
             from app.contacts
             where company_id = $5 and customer_id = $1
               and ($2::bool is null or (not is_primary, lower(name), id) > ($2, $3::text, $4::uuid))
             order by not is_primary, lower(name), id
             limit $6",
            customer_id,
            after_secondary,
            after_name,
            after_id,
            company_id,
            limit + 1,
        )
        .fetch_all(&mut *ctx.tx)
        .await?
    };
    let contacts = with_methods(&mut ctx, rows).await?;
    ctx.commit().await?;
    Ok(AppJson(pagination::page(contacts, limit, |c| (!c.is_primary, c.name.to_lowercase(), c.id))))
}

/// Adds a contact to a customer.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/contacts", tag = "contacts",
    params(("id" = Uuid, Path, description = "Customer id")),
    request_body = CreateContact,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Contact),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such customer in your company", body = Problem),
        (status = 409, description = "Likely duplicates exist (`duplicates`); `allow_duplicate` creates it anyway", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn create_contact(
    mut ctx: Ctx,
    AppPath(customer_id): AppPath<Uuid>,
    AppJson(body): AppJson<CreateContact>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.validate()?;
    let methods = body.methods.clone().unwrap_or_default();
    primaries(&methods)?;
    require_customer_visible(&mut ctx, customer_id).await?;
    let (emails, phones): (Vec<&NewMethod>, Vec<&NewMethod>) =
        methods.iter().partition(|m| m.kind == MethodKind::Email);
    let probe = Probe {
        phones: phones.iter().map(|m| m.value.clone()).collect(),
        emails: emails.iter().map(|m| m.value.clone()).collect(),
        address: None,
    };
    refuse_duplicates(&mut ctx, &probe, body.allow_duplicate).await?;
    let company_id = ctx.user.company_id;
    let is_primary = match body.is_primary {
        Some(true) => {
            clear_primary(&mut ctx, customer_id, None).await?;
            true
        }
        Some(false) => false,
        None => !sqlx::query_scalar!(
            r#"select exists (select 1 from app.contacts where company_id = $2 and customer_id = $1 and is_primary)
                 as "exists!""#,
            customer_id,
            company_id
        )
        .fetch_one(&mut *ctx.tx)
        .await?,
    };
    let id = sqlx::query_scalar!(
        "insert into app.contacts (customer_id, name, title, notes, is_primary) values ($1, $2, $3, $4, $5)
         returning id",
        customer_id,
        body.name.trim(),
        blank_to_none(body.title.as_deref()),
        blank_to_none(body.notes.as_deref()),
        is_primary,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    replace_methods(&mut ctx, customer_id, id, &methods).await?;
    let contact = load_contact(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    let path = [(header::LOCATION, format!("/api/v1/contacts/{id}"))];
    Ok((StatusCode::CREATED, path, etag(contact.version), AppJson(contact)))
}

/// One contact with its methods.
#[utoipa::path(
    get, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = Uuid, Path, description = "Contact id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The contact", body = Contact),
        (status = 404, description = "No such contact visible to you", body = Problem),
    )
)]
async fn get_contact(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    let contact = load_contact(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(contact.version), AppJson(contact)))
}

/// Edits a contact; `If-Match` makes the edit conditional on the version read.
#[utoipa::path(
    patch, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = Uuid, Path, description = "Contact id")),
    request_body = UpdateContact,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Contact),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such contact in your company", body = Problem),
        (status = 409, description = "Another contact has a new phone or email (`duplicates`); `allow_duplicate` keeps it anyway", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn update_contact(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateContact>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.check()?;
    if let Some(methods) = &body.methods {
        primaries(methods)?;
    }
    let company_id = ctx.user.company_id;
    // The contact's customer, locked: the version check and the primary
    // switch below act on the row as it is now.
    let current = sqlx::query!(
        "select customer_id, version from app.contacts where company_id = $2 and id = $1 for update",
        id,
        company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let Some(current) = current else { return Err(Error::NotFound) };
    if if_match.0.is_some_and(|version| version != current.version) {
        return Err(missing_or_stale(true, if_match));
    }
    if let Some(methods) = &body.methods {
        refuse_new_methods_of_others(&mut ctx, id, methods, body.allow_duplicate).await?;
    }
    if body.is_primary == Some(true) {
        clear_primary(&mut ctx, current.customer_id, Some(id)).await?;
    }
    let title = body.title.clone().flatten();
    let notes = body.notes.clone().flatten();
    sqlx::query!(
        "update app.contacts set
           name = coalesce($3, name),
           title = case when $4 then $5 else title end,
           notes = case when $6 then $7 else notes end,
           is_primary = coalesce($8, is_primary)
         where company_id = $2 and id = $1",
        id,
        company_id,
        body.name.as_deref().map(str::trim),
        body.title.is_some(),
        blank_to_none(title.as_deref()),
        body.notes.is_some(),
        blank_to_none(notes.as_deref()),
        body.is_primary,
    )
    .execute(&mut *ctx.tx)
    .await?;
    if let Some(methods) = &body.methods {
        replace_methods(&mut ctx, current.customer_id, id, methods).await?;
    }
    let contact = load_contact(&mut ctx, id).await?.ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(contact.version), AppJson(contact)))
}

/// The phones and emails an edit adds that another contact of the company
/// already has: 409 with the candidates, as on create. The contact's own
/// methods, kept or reformatted, are not checked again.
async fn refuse_new_methods_of_others(
    ctx: &mut Ctx,
    id: Uuid,
    methods: &[NewMethod],
    allow_duplicate: Option<bool>,
) -> Result<()> {
    let current = sqlx::query!(
        "select kind, value from app.contact_methods where company_id = $2 and contact_id = $1",
        id,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let (current_emails, current_phones): (Vec<_>, Vec<_>) = current.iter().partition(|m| m.kind == "email");
    let known_phones: Vec<String> = current_phones.iter().map(|m| phone_key(&m.value)).collect();
    let known_emails: Vec<String> = current_emails.iter().map(|m| m.value.trim().to_lowercase()).collect();
    let (emails, phones): (Vec<&NewMethod>, Vec<&NewMethod>) =
        methods.iter().partition(|m| m.kind == MethodKind::Email);
    let probe = Probe {
        phones: phones
            .iter()
            .filter(|m| !known_phones.contains(&phone_key(&m.value)))
            .map(|m| m.value.clone())
            .collect(),
        emails: emails
            .iter()
            .filter(|m| !known_emails.contains(&m.value.trim().to_lowercase()))
            .map(|m| m.value.clone())
            .collect(),
        address: None,
    };
    refuse_duplicates_of_edit(ctx, &probe, allow_duplicate, id).await
}

/// Deletes a contact and its methods. Refused (409) while a job names it as
/// its site contact.
#[utoipa::path(
    delete, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = Uuid, Path, description = "Contact id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such contact in your company", body = Problem),
        (status = 409, description = "A job or a logged communication names it", body = Problem),
    )
)]
async fn delete_contact(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    let company_id = ctx.user.company_id;
    // A job or a log entry (migration 0024) naming it keeps it.
    let named_by_jobs = sqlx::query_scalar!(
        r#"select exists (select 1 from app.jobs where company_id = $2 and site_contact_id = $1)
                  or exists (select 1 from app.communications where company_id = $2 and contact_id = $1)
                  as "exists!""#,
        id,
        company_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if named_by_jobs {
        return Err(Error::Conflict(
            "jobs or logged communications name this contact; change them first".into(),
        ));
    }
    // The database refuses it too (users_contact_fkey): a login left without
    // its contact would see every location instead of its own.
    let has_login = sqlx::query_scalar!(
        r#"select exists (select 1 from app.users where company_id = $2 and contact_id = $1) as "exists!""#,
        id,
        company_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if has_login {
        return Err(Error::Conflict(
            "a portal login is linked to this contact; link the login to another contact first".into(),
        ));
    }
    let deleted = sqlx::query!("delete from app.contacts where company_id = $2 and id = $1", id, company_id)
        .execute(&mut *ctx.tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn read_contact_locations(ctx: &mut Ctx, id: Uuid, restricted: bool) -> Result<ContactLocations> {
    let location_ids = sqlx::query_scalar!(
        "select service_location_id from app.contact_locations
         where company_id = $2 and contact_id = $1 order by service_location_id",
        id,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(ContactLocations { restricted_to_locations: restricted, location_ids })
}

/// The locations a contact is limited to (admins).
#[utoipa::path(
    get, path = "/api/v1/contacts/{id}/locations", tag = "contacts",
    params(("id" = Uuid, Path, description = "Contact id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The contact's limit", body = ContactLocations),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such contact in your company", body = Problem),
    )
)]
async fn get_contact_locations(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
) -> Result<AppJson<ContactLocations>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.read").await?;
    let restricted = sqlx::query_scalar!(
        "select restricted_to_locations from app.contacts where company_id = $2 and id = $1",
        id,
        ctx.user.company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    let scope = read_contact_locations(&mut ctx, id, restricted).await?;
    ctx.commit().await?;
    Ok(AppJson(scope))
}

/// Limits a contact (and the portal logins linked to it) to some of its
/// customer's locations, or lifts the limit. Takes effect on the logins' next
/// request, without a new sign-in.
#[utoipa::path(
    put, path = "/api/v1/contacts/{id}/locations", tag = "contacts",
    params(("id" = Uuid, Path, description = "Contact id")),
    request_body = PutContactLocations,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The contact's limit as stored", body = ContactLocations),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such contact in your company", body = Problem),
        (status = 422, description = "A location that is not the customer's", body = Problem),
    )
)]
async fn put_contact_locations(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<PutContactLocations>,
) -> Result<AppJson<ContactLocations>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.validate()?;
    let company_id = ctx.user.company_id;
    let mut wanted = body.location_ids.clone();
    wanted.sort_unstable();
    wanted.dedup();
    // Locked: two edits of one contact's list apply one after the other.
    let customer_id = sqlx::query_scalar!(
        "select customer_id from app.contacts where company_id = $2 and id = $1 for update",
        id,
        company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    let known = sqlx::query_scalar!(
        "select id from app.service_locations where company_id = $1 and customer_id = $2 and id = any($3)",
        company_id,
        customer_id,
        &wanted
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    if known.len() != wanted.len() {
        return Err(Error::field(
            "location_ids",
            "does not name a service location of the contact's customer",
        ));
    }
    sqlx::query!(
        "delete from app.contact_locations
         where company_id = $1 and contact_id = $2 and not (service_location_id = any($3))",
        company_id,
        id,
        &wanted
    )
    .execute(&mut *ctx.tx)
    .await?;
    let linked = sqlx::query_scalar!(
        "select service_location_id from app.contact_locations where company_id = $1 and contact_id = $2",
        company_id,
        id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    // One statement a row (Citus turns an INSERT … SELECT over a set into
    // COPY, which row-level security refuses).
    for location_id in wanted.iter().filter(|l| !linked.contains(l)) {
        sqlx::query!(
            "insert into app.contact_locations (customer_id, contact_id, service_location_id) values ($1, $2, $3)",
            customer_id,
            id,
            location_id
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    sqlx::query!(
        "update app.contacts set restricted_to_locations = $3
         where company_id = $1 and id = $2 and restricted_to_locations is distinct from $3",
        company_id,
        id,
        body.restricted_to_locations
    )
    .execute(&mut *ctx.tx)
    .await?;
    let scope = read_contact_locations(&mut ctx, id, body.restricted_to_locations).await?;
    ctx.commit().await?;
    Ok(AppJson(scope))
}
