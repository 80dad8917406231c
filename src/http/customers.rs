//! Customers of the caller's company (admins): the bill-to party, with its
//! account number, tags, notes and parent. Its service locations and contacts
//! have routes of their own. Deleting is soft.

use std::collections::{BTreeMap, HashMap};

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
};
use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{double_option, edited, etag, IfMatch},
    contacts::MethodKind,
    context::Ctx,
    custom_fields::{self, CustomFieldFilter, CustomFieldParams, CustomFieldValue, CustomFields, Entity},
    duplicates::{self, phone_key, refuse_duplicates, Probe},
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    like::like_pattern,
    pagination::{self, Page, PageParams},
    service_locations::Address,
    text::blank_to_none,
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(search_customers))
        .routes(routes!(get_customer, update_customer, delete_customer))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    pub id: Uuid,
    /// Per company, assigned by the database: 1, 2, 3… never reused.
    pub account_number: i32,
    pub name: String,
    /// Deprecated: the customer's contacts (`/customers/{id}/contacts`) hold
    /// its emails now. Kept as it was given; at creation it also became the
    /// primary contact's email.
    #[schema(deprecated)]
    pub email: Option<String>,
    /// Deprecated: the customer's contacts (`/customers/{id}/contacts`) hold
    /// its phone numbers now. Kept as it was given; at creation it also became
    /// the primary contact's office phone.
    #[schema(deprecated)]
    pub phone: Option<String>,
    /// The billing address, as one text. Where work happens is the customer's
    /// service locations (`/customers/{id}/locations`).
    pub address: Option<String>,
    pub tags: Vec<String>,
    /// Take no new work for this customer.
    pub do_not_service: bool,
    pub notes: Option<String>,
    /// The customer this one belongs under (a management company over its
    /// properties), of the same company; never itself or its own descendant.
    pub parent_customer_id: Option<Uuid>,
    /// Values of the company's customer custom fields, by key
    /// (`/custom-fields?entity=customer` names and types them).
    #[schema(value_type = HashMap<String, CustomFieldValue>)]
    pub custom_fields: Json<CustomFields>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// The branch the customer belongs to; none: shared by every branch.
    pub branch_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Matches name, email, phone or a custom field's value, case-insensitively.
    pub q: Option<String>,
    /// One branch's customers (shared ones have none).
    pub branch_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    #[validate(email(message = "is not a valid email address"), length(max = 254))]
    pub email: Option<String>,
    #[validate(length(min = 3, max = 40, message = "must be 3 to 40 characters"))]
    pub phone: Option<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub address: Option<String>,
    /// The address of its first service location (which the database creates
    /// with the customer, named after it). Default: `address` as its first line.
    #[validate(nested)]
    pub service_address: Option<Address>,
    /// Up to 20, each 1 to 50 characters.
    pub tags: Option<Vec<String>>,
    pub do_not_service: Option<bool>,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    pub notes: Option<String>,
    pub parent_customer_id: Option<Uuid>,
    /// Values by key, checked by the database against the company's customer
    /// fields (unknown keys, wrong types, missing required fields: 422 naming
    /// `custom_fields.<key>`).
    #[schema(value_type = Option<HashMap<String, CustomFieldValue>>)]
    pub custom_fields: Option<CustomFields>,
    /// Create it even though its phone, email or address matches existing
    /// records of the company (otherwise: 409 with the likely duplicates).
    pub allow_duplicate: Option<bool>,
    /// The customer's branch. Left out: a branch-scoped admin's own branch,
    /// else none (shared by every branch).
    pub branch_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name, account number (`123` or `#123`), contact name, phone (any
    /// formatting: digits are compared), email, location address or a custom
    /// field's value.
    pub q: String,
    /// At most this many matches, 1 to 50 (default 20).
    pub limit: Option<i64>,
}

/// One customer found, with the field that matched best.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerMatch {
    pub customer: Customer,
    /// `account_number`, `name`, `contact_name`, `phone`, `email`,
    /// `custom_field` or `address`.
    pub matched: String,
    /// Higher is better: exact before prefix before contains; the order of
    /// the list.
    pub rank: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSearch {
    pub items: Vec<CustomerMatch>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// Replaces every tag.
    pub tags: Option<Vec<String>>,
    pub do_not_service: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_customer_id: Option<Option<Uuid>>,
    /// Moves the customer to a branch; `null` shares it with every branch.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub branch_id: Option<Option<Uuid>>,
    /// Merged into the stored values: the keys sent are set, a key sent as
    /// `null` is removed, the others stay.
    #[schema(value_type = Option<HashMap<String, CustomFieldValue>>)]
    pub custom_fields: Option<CustomFields>,
    /// Save it even though a new phone, email or address matches records of
    /// another customer of the company (otherwise: 409 with the likely
    /// duplicates). Values the customer already had are not checked again.
    pub allow_duplicate: Option<bool>,
}

impl UpdateCustomer {
    fn check(&self) -> Result<()> {
        self.validate()?;
        let probe = CreateCustomer {
            name: "x".into(),
            email: self.email.clone().flatten(),
            phone: self.phone.clone().flatten(),
            address: self.address.clone().flatten(),
            notes: self.notes.clone().flatten(),
            ..CreateCustomer::default()
        };
        probe.validate()?;
        Ok(())
    }
}

/// Tags trimmed, blank ones and repeats dropped, in the order given.
fn clean_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut clean: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if tag.chars().count() > 50 {
            return Err(Error::field("tags", "each tag must be at most 50 characters"));
        }
        if !clean.iter().any(|t| t == tag) {
            clean.push(tag.to_owned());
        }
    }
    if clean.len() > 20 {
        return Err(Error::field("tags", "at most 20 tags"));
    }
    Ok(clean)
}

/// Lists the company's customers, ordered by name.
#[utoipa::path(
    get, path = "/api/v1/customers", tag = "customers",
    params(CustomerFilter, PageParams, CustomFieldParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of customers", body = Page<Customer>),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "A `cf.<key>` names no customer field, or its value fits not its type", body = Problem),
    )
)]
async fn list_customers(
    mut ctx: Ctx,
    AppQuery(filter): AppQuery<CustomerFilter>,
    AppQuery(page): AppQuery<PageParams>,
    AppQuery(query): AppQuery<BTreeMap<String, String>>,
) -> Result<AppJson<Page<Customer>>> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.read").await?;
    let (limit, after): (_, Option<(String, Uuid)>) = page.start()?;
    let (after_name, after_id) = after.unzip();
    let pattern = filter.q.as_deref().filter(|q| !q.trim().is_empty()).map(like_pattern);
    let cf = CustomFieldFilter::from_query(&query);
    let wanted = if cf.is_empty() { None } else { Some(cf.containment(&mut ctx, Entity::Customer).await?) };
    let ids = match (wanted, pattern) {
        // Indexed (GIN on custom_fields) through auth.filter_customers, which
        // also applies `q`; rows loaded under RLS below.
        (Some(wanted), pattern) => Some(
            sqlx::query_scalar!(
                r#"select s as "id!" from auth.filter_customers($1, $2, $3, $4, $5) s"#,
                wanted,
                pattern,
                after_name,
                after_id,
                (limit + 1) as i32,
            )
            .fetch_all(&mut *ctx.tx)
            .await?,
        ),
        // Indexed search (see auth.search_customers).
        (None, Some(pattern)) => Some(
            sqlx::query_scalar!(
                r#"select s as "id!" from auth.search_customers($1, $2, $3, $4) s"#,
                pattern,
                after_name,
                after_id,
                (limit + 1) as i32,
            )
            .fetch_all(&mut *ctx.tx)
            .await?,
        ),
        (None, None) => None,
    };
    let rows = match ids {
        Some(ids) => {
            sqlx::query_as!(
                Customer,
                r#"select id, account_number, name, email, phone, address, tags, do_not_service, notes,
                          parent_customer_id, custom_fields as "custom_fields: Json<CustomFields>",
                          created_at, updated_at, version, branch_id
                   from app.customers where company_id = $2 and id = any($1)
                     and ($3::uuid is null or branch_id = $3)
                   order by lower(name), id"#,
                &ids,
                ctx.user.company_id,
                filter.branch_id,
            )
            .fetch_all(&mut *ctx.tx)
            .await?
        }
        None => {
            sqlx::query_as!(
                Customer,
                r#"select id, account_number, name, email, phone, address, tags, do_not_service, notes,
                          parent_customer_id, custom_fields as "custom_fields: Json<CustomFields>",
                          created_at, updated_at, version, branch_id
                   from app.customers
                   where company_id = $4 and deleted_at is null
                     and ($1::text is null or (lower(name), id) > ($1, $2::uuid))
                     and ($5::uuid is null or branch_id = $5)
                   order by lower(name), id
                   limit $3"#,
                after_name,
                after_id,
                limit + 1,
                ctx.user.company_id,
                filter.branch_id,
            )
            .fetch_all(&mut *ctx.tx)
            .await?
        }
    };
    ctx.commit().await?;
    Ok(AppJson(pagination::page(rows, limit, |c| (c.name.to_lowercase(), c.id))))
}

/// Finds customers by name, account number, contact name, phone, email,
/// location address or custom-field value, best matches first (for a search box and the job form's
/// type-ahead).
#[utoipa::path(
    get, path = "/api/v1/customers/search", tag = "customers",
    params(SearchParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The best matches, best first", body = CustomerSearch),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Invalid limit", body = Problem),
    )
)]
async fn search_customers(
    State(state): State<AppState>,
    mut ctx: Ctx,
    AppQuery(params): AppQuery<SearchParams>,
) -> Result<AppJson<CustomerSearch>> {
    ctx.require(&[Role::Admin])?;
    let limit = match params.limit {
        None => 20,
        Some(n @ 1..=50) => n,
        Some(_) => return Err(Error::field("limit", "must be between 1 and 50")),
    };
    if params.q.chars().count() > 200 {
        return Err(Error::field("q", "must be at most 200 characters"));
    }
    // Indexed under RLS through auth.search_customer_matches (migration 0024),
    // which returns ids only; the rows are read under the caller's policies.
    let mut items = if state.topology().await?.is_citus() {
        search_then_read(&mut ctx, &params.q, limit).await?
    } else {
        search_joined(&mut ctx, &params.q, limit).await?
    };
    // The type-ahead asks on every keystroke: whether the role may read
    // customers at all is asked only when nothing came back (without
    // customers.read the policies show no customer, so every search of such
    // a role ends here), which spares the common answer a round trip.
    if items.is_empty() {
        ctx.require_permission("customers.read").await?;
    }
    ctx.commit().await?;
    // Ordered here, not by the statement, so both topologies order alike
    // (the function ranks; equal ranks go by name, then id).
    items.sort_by_cached_key(|m| (std::cmp::Reverse(m.rank), m.customer.name.to_lowercase(), m.customer.id));
    Ok(AppJson(CustomerSearch { items }))
}

/// One server: the matches joined with the customers in one statement. The
/// type-ahead's cost is mostly per statement (a round trip, a portal, a
/// second executor start), not per row: measured in docs/performance.md.
async fn search_joined(ctx: &mut Ctx, q: &str, limit: i64) -> Result<Vec<CustomerMatch>> {
    let rows = sqlx::query!(
        r#"select s.matched as "matched!", s.rank as "rank!",
                  c.id, c.account_number, c.name, c.email, c.phone, c.address, c.tags, c.do_not_service, c.notes,
                  c.parent_customer_id, c.custom_fields as "custom_fields: Json<CustomFields>",
                  c.created_at, c.updated_at, c.version, c.branch_id
           from auth.search_customer_matches($1, $2) s
           join app.customers c on c.company_id = $3 and c.id = s.customer_id"#,
        q,
        limit as i32,
        ctx.user.company_id,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CustomerMatch {
            customer: Customer {
                id: r.id,
                account_number: r.account_number,
                name: r.name,
                email: r.email,
                phone: r.phone,
                address: r.address,
                tags: r.tags,
                do_not_service: r.do_not_service,
                notes: r.notes,
                parent_customer_id: r.parent_customer_id,
                custom_fields: r.custom_fields,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                branch_id: r.branch_id,
            },
            matched: r.matched,
            rank: r.rank,
        })
        .collect())
}

/// Citus: two statements, not a join. Joined with app.customers the statement
/// is routed to the company's shard whole, and the function's own lookups
/// would then run nested inside a shard's query.
async fn search_then_read(ctx: &mut Ctx, q: &str, limit: i64) -> Result<Vec<CustomerMatch>> {
    let matches = sqlx::query!(
        r#"select customer_id as "customer_id!", matched as "matched!", rank as "rank!"
           from auth.search_customer_matches($1, $2)"#,
        q,
        limit as i32,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let ids: Vec<Uuid> = matches.iter().map(|m| m.customer_id).collect();
    let mut customers: HashMap<Uuid, Customer> = sqlx::query_as!(
        Customer,
        r#"select id, account_number, name, email, phone, address, tags, do_not_service, notes,
                  parent_customer_id, custom_fields as "custom_fields: Json<CustomFields>",
                  created_at, updated_at, version, branch_id
           from app.customers where company_id = $2 and id = any($1)"#,
        &ids,
        ctx.user.company_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?
    .into_iter()
    .map(|c| (c.id, c))
    .collect();
    Ok(matches
        .into_iter()
        .filter_map(|m| {
            let customer = customers.remove(&m.customer_id)?;
            Some(CustomerMatch { customer, matched: m.matched, rank: m.rank })
        })
        .collect())
}

/// Creates a customer.
#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers",
    request_body = CreateCustomer,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Customer),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 409, description = "Likely duplicates exist (`duplicates`); `allow_duplicate` creates it anyway", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn create_customer(mut ctx: Ctx, AppJson(body): AppJson<CreateCustomer>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.validate()?;
    let tags = clean_tags(body.tags.as_deref().unwrap_or_default())?;
    let company_id = ctx.user.company_id;
    let email = blank_to_none(body.email.as_deref());
    let phone = blank_to_none(body.phone.as_deref());
    let service_address = body.service_address.as_ref().map(Address::trimmed);
    let probe = Probe {
        phones: phone.into_iter().map(str::to_owned).collect(),
        emails: email.into_iter().map(str::to_owned).collect(),
        address: match &service_address {
            Some(address) => Probe::address_of(address),
            None => blank_to_none(body.address.as_deref()).map(str::to_owned),
        },
    };
    refuse_duplicates(&mut ctx, &probe, body.allow_duplicate).await?;
    let customer = sqlx::query_as!(
        Customer,
        r#"insert into app.customers (name, email, phone, address, tags, do_not_service, notes, parent_customer_id,
                                     custom_fields, branch_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::jsonb, '{}'), $10)
           returning id, account_number, name, email, phone, address, tags, do_not_service, notes,
                     parent_customer_id, custom_fields as "custom_fields: Json<CustomFields>",
                          created_at, updated_at, version, branch_id"#,
        body.name.trim(),
        email,
        phone,
        blank_to_none(body.address.as_deref()),
        &tags,
        body.do_not_service.unwrap_or(false),
        blank_to_none(body.notes.as_deref()),
        body.parent_customer_id,
        custom_fields::to_json(body.custom_fields.as_ref()),
        body.branch_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    // The database made its first location (app.create_first_location).
    if let Some(address) = service_address {
        sqlx::query!(
            "update app.service_locations
             set line1 = $3, line2 = $4, city = $5, region = $6, postal_code = $7, country = $8
             where company_id = $2 and customer_id = $1",
            customer.id,
            company_id,
            address.line1,
            address.line2,
            address.city,
            address.region,
            address.postal_code,
            address.country,
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    // As migration 0020 did for the customers before it: the phone and email
    // given become its primary contact's.
    if email.is_some() || phone.is_some() {
        let contact_id = sqlx::query_scalar!(
            "insert into app.contacts (customer_id, name, is_primary) values ($1, $2, true) returning id",
            customer.id,
            customer.name,
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        for (kind, value) in [(MethodKind::OfficePhone, phone), (MethodKind::Email, email)] {
            let Some(value) = value else { continue };
            sqlx::query!(
                "insert into app.contact_methods (customer_id, contact_id, kind, value, is_primary)
                 values ($1, $2, $3, $4, true)",
                customer.id,
                contact_id,
                kind.as_str(),
                value,
            )
            .execute(&mut *ctx.tx)
            .await?;
        }
    }
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/customers/{}", customer.id))];
    Ok((StatusCode::CREATED, location, etag(customer.version), AppJson(customer)))
}

/// One customer.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = Uuid, Path, description = "Customer id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 404, description = "No such customer in your company", body = Problem),
    )
)]
async fn get_customer(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.read").await?;
    let customer = sqlx::query_as!(
        Customer,
        r#"select id, account_number, name, email, phone, address, tags, do_not_service, notes,
                  parent_customer_id, custom_fields as "custom_fields: Json<CustomFields>",
                          created_at, updated_at, version, branch_id
           from app.customers where company_id = $2 and id = $1 and deleted_at is null"#,
        id,
        ctx.user.company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(customer.version), AppJson(customer)))
}

/// Edits a customer; `If-Match` makes the edit conditional on the version read.
#[utoipa::path(
    patch, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = Uuid, Path, description = "Customer id")),
    request_body = UpdateCustomer,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Customer),
        (status = 404, description = "No such customer in your company", body = Problem),
        (status = 409, description = "A new phone, email or address matches another customer's records (`duplicates`); `allow_duplicate` saves it anyway", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn update_customer(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateCustomer>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    body.check()?;
    let tags = body.tags.as_deref().map(clean_tags).transpose()?;
    if body.allow_duplicate != Some(true) {
        refuse_duplicate_edit(&mut ctx, id, &body).await?;
    }
    let email = body.email.clone().flatten();
    let phone = body.phone.clone().flatten();
    let address = body.address.clone().flatten();
    let notes = body.notes.clone().flatten();
    let edit = sqlx::query!(
        r#"with updated as (
             update app.customers set
               name = coalesce($2, name),
               email = case when $3 then $4 else email end,
               phone = case when $5 then $6 else phone end,
               address = case when $7 then $8 else address end,
               tags = coalesce($11, tags),
               do_not_service = coalesce($12, do_not_service),
               notes = case when $13 then $14 else notes end,
               parent_customer_id = case when $15 then $16 else parent_customer_id end,
               -- Merged: keys sent as null are removed (the trigger strips nulls).
               custom_fields = coalesce(custom_fields || $17::jsonb, custom_fields),
               branch_id = case when $18 then $19 else branch_id end
             where company_id = $10 and id = $1 and deleted_at is null and ($9::int is null or version = $9)
             returning id, account_number, name, email, phone, address, tags, do_not_service, notes,
                       parent_customer_id, custom_fields,
                          created_at, updated_at, version, branch_id)
           select exists (select 1 from app.customers where company_id = $10 and id = $1 and deleted_at is null)
                    as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<Customer>""#,
        id,
        body.name.as_deref().map(str::trim),
        body.email.is_some(),
        blank_to_none(email.as_deref()),
        body.phone.is_some(),
        blank_to_none(phone.as_deref()),
        body.address.is_some(),
        blank_to_none(address.as_deref()),
        if_match.0,
        ctx.user.company_id,
        tags.as_deref(),
        body.do_not_service,
        body.notes.is_some(),
        blank_to_none(notes.as_deref()),
        body.parent_customer_id.is_some(),
        body.parent_customer_id.flatten(),
        custom_fields::to_json(body.custom_fields.as_ref()),
        body.branch_id.is_some(),
        body.branch_id.flatten(),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let customer = edited(edit.found, edit.row, if_match)?;
    ctx.commit().await?;
    Ok((etag(customer.version), AppJson(customer)))
}

/// The duplicate check of a create, for an edit of the legacy phone, email
/// and address. Only a value that changes is probed, so a customer once saved
/// with `allow_duplicate` is not refused again at every later save of its
/// form; and its own contacts and locations are not its duplicates.
async fn refuse_duplicate_edit(ctx: &mut Ctx, id: Uuid, body: &UpdateCustomer) -> Result<()> {
    let given = |field: &Option<Option<String>>| {
        blank_to_none(field.as_ref().and_then(Option::as_deref)).map(str::to_owned)
    };
    let (email, phone, address) = (given(&body.email), given(&body.phone), given(&body.address));
    if email.is_none() && phone.is_none() && address.is_none() {
        return Ok(());
    }
    let Some(current) = sqlx::query!(
        "select email, phone, address from app.customers where company_id = $1 and id = $2 and deleted_at is null",
        ctx.user.company_id,
        id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    else {
        // The edit itself answers 404.
        return Ok(());
    };
    let probe = Probe {
        phones: phone
            .filter(|p| current.phone.as_deref().map(phone_key) != Some(phone_key(p)))
            .into_iter()
            .collect(),
        emails: email
            .filter(|e| current.email.as_deref().map(str::to_lowercase) != Some(e.to_lowercase()))
            .into_iter()
            .collect(),
        address: address.filter(|a| current.address.as_deref().map(str::trim) != Some(a.as_str())),
    };
    let candidates: Vec<_> =
        duplicates::find(ctx, &probe).await?.into_iter().filter(|c| c.customer_id != id).collect();
    if candidates.is_empty() {
        Ok(())
    } else {
        Err(Error::Duplicates(candidates))
    }
}

/// Deletes a customer (soft: its jobs and history stay).
#[utoipa::path(
    delete, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = Uuid, Path, description = "Customer id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such customer in your company", body = Problem),
    )
)]
async fn delete_customer(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("customers.write").await?;
    let deleted = sqlx::query!(
        "update app.customers set deleted_at = now(), deleted_by = $3
         where company_id = $2 and id = $1 and deleted_at is null",
        id,
        ctx.user.company_id,
        ctx.user.user_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
