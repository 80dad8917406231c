//! Each company's custom-field definitions for customers, locations and jobs
//! (migration 0023, docs/custom-fields.md). Admins shape them; workers and
//! customers read the ones visible to them (the policies decide which).

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Role;
use crate::http::shared::{
    concurrency::{edited, etag, IfMatch},
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_definitions, create_definition)).routes(routes!(
        get_definition,
        update_definition,
        delete_definition
    ))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FieldEntity {
    Customer,
    Location,
    Job,
}

impl FieldEntity {
    fn as_str(self) -> &'static str {
        match self {
            FieldEntity::Customer => "customer",
            FieldEntity::Location => "location",
            FieldEntity::Job => "job",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Boolean,
    Choice,
}

impl FieldType {
    fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Boolean => "boolean",
            FieldType::Choice => "choice",
        }
    }
}

/// One custom field of customers, locations or jobs.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomFieldDefinition {
    pub id: Uuid,
    #[schema(value_type = FieldEntity)]
    pub entity: String,
    /// Stable, slug-like (`a-z`, `0-9`, `_`, starting with a letter): the key
    /// of the value in a row's `custom_fields` and in `?cf.<key>=` filters.
    pub key: String,
    pub label: String,
    #[schema(value_type = FieldType)]
    pub field_type: String,
    /// A choice's options, in order; empty for the other types.
    pub options: Vec<String>,
    /// Asked for on new rows and whenever a row's custom fields are edited;
    /// older rows keep working without it.
    pub is_required: bool,
    /// Shown to the worker assigned to the job (of the customer, at the location).
    pub visible_to_workers: bool,
    /// Shown to the customer's logins and on share links.
    pub visible_to_customers: bool,
    pub position: i32,
    /// Takes no new values; stored ones stay, for admins only.
    pub is_archived: bool,
    pub version: i32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DefinitionFilter {
    /// Only this entity's fields.
    pub entity: Option<FieldEntity>,
}

fn options_valid(options: &[String]) -> Result<(), validator::ValidationError> {
    if options.len() <= 100 && options.iter().all(|o| (1..=100).contains(&o.chars().count())) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("options")
            .with_message("at most 100 options, each 1 to 100 characters".into()))
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateDefinition {
    pub entity: FieldEntity,
    #[validate(length(min = 1, max = 40, message = "must be 1 to 40 characters"))]
    pub key: String,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub label: String,
    pub field_type: FieldType,
    /// Required for `choice`, refused for the other types.
    #[validate(custom(function = "options_valid"))]
    pub options: Option<Vec<String>>,
    #[serde(default)]
    pub is_required: bool,
    #[serde(default)]
    pub visible_to_workers: bool,
    #[serde(default)]
    pub visible_to_customers: bool,
    #[validate(range(min = 0, max = 10000, message = "must be between 0 and 10000"))]
    pub position: Option<i32>,
}

/// Key, entity and type never change: stored values are keyed and typed by them.
#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateDefinition {
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub label: Option<String>,
    /// Replaces the options of a choice. Values already stored stay.
    #[validate(custom(function = "options_valid"))]
    pub options: Option<Vec<String>>,
    pub is_required: Option<bool>,
    pub visible_to_workers: Option<bool>,
    pub visible_to_customers: Option<bool>,
    #[validate(range(min = 0, max = 10000, message = "must be between 0 and 10000"))]
    pub position: Option<i32>,
    pub is_archived: Option<bool>,
}

fn trimmed(options: &[String]) -> Vec<String> {
    options.iter().map(|o| o.trim().to_owned()).collect()
}

/// The company's custom fields that you may see, in their order: admins all
/// of them, workers and customers the unarchived ones visible to them.
#[utoipa::path(
    get, path = "/api/v1/custom-fields", tag = "custom-fields",
    params(DefinitionFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "The definitions", body = Vec<CustomFieldDefinition>))
)]
async fn list_definitions(
    mut ctx: Ctx,
    AppQuery(filter): AppQuery<DefinitionFilter>,
) -> Result<AppJson<Vec<CustomFieldDefinition>>> {
    let definitions = sqlx::query_as!(
        CustomFieldDefinition,
        "select id, entity, key, label, field_type, options, is_required, visible_to_workers,
                visible_to_customers, position, is_archived, version
         from app.custom_field_definitions
         where company_id = $1 and ($2::text is null or entity = $2)
         order by entity, position, key",
        ctx.user.company_id,
        filter.entity.map(FieldEntity::as_str),
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(definitions))
}

/// Defines a custom field.
#[utoipa::path(
    post, path = "/api/v1/custom-fields", tag = "custom-fields",
    request_body = CreateDefinition,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CustomFieldDefinition),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 409, description = "The key is taken for this entity", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn create_definition(
    mut ctx: Ctx,
    AppJson(body): AppJson<CreateDefinition>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("custom_fields.manage").await?;
    body.validate()?;
    let definition = sqlx::query_as!(
        CustomFieldDefinition,
        "insert into app.custom_field_definitions
           (entity, key, label, field_type, options, is_required, visible_to_workers, visible_to_customers,
            position)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         returning id, entity, key, label, field_type, options, is_required, visible_to_workers,
                   visible_to_customers, position, is_archived, version",
        body.entity.as_str(),
        body.key.trim(),
        body.label.trim(),
        body.field_type.as_str(),
        &trimmed(body.options.as_deref().unwrap_or_default()),
        body.is_required,
        body.visible_to_workers,
        body.visible_to_customers,
        body.position.unwrap_or(0),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/custom-fields/{}", definition.id))];
    Ok((StatusCode::CREATED, location, etag(definition.version), AppJson(definition)))
}

/// One custom field.
#[utoipa::path(
    get, path = "/api/v1/custom-fields/{id}", tag = "custom-fields",
    params(("id" = Uuid, Path, description = "Custom field id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The definition", body = CustomFieldDefinition),
        (status = 404, description = "No such field visible to you", body = Problem),
    )
)]
async fn get_definition(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    let definition = sqlx::query_as!(
        CustomFieldDefinition,
        "select id, entity, key, label, field_type, options, is_required, visible_to_workers,
                visible_to_customers, position, is_archived, version
         from app.custom_field_definitions where company_id = $2 and id = $1",
        id,
        ctx.user.company_id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(definition.version), AppJson(definition)))
}

/// Edits a custom field; `If-Match` makes the edit conditional on the version
/// read. Changing who sees it, or archiving it, updates what workers and
/// customers are shown of every row at once (in the database).
#[utoipa::path(
    patch, path = "/api/v1/custom-fields/{id}", tag = "custom-fields",
    params(("id" = Uuid, Path, description = "Custom field id")),
    request_body = UpdateDefinition,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = CustomFieldDefinition),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such field in your company", body = Problem),
        (status = 412, description = "Changed since read (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn update_definition(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateDefinition>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("custom_fields.manage").await?;
    body.validate()?;
    let options = body.options.as_deref().map(trimmed);
    let edit = sqlx::query!(
        r#"with updated as (
             update app.custom_field_definitions set
               label = coalesce($2, label),
               options = coalesce($3, options),
               is_required = coalesce($4, is_required),
               visible_to_workers = coalesce($5, visible_to_workers),
               visible_to_customers = coalesce($6, visible_to_customers),
               position = coalesce($7, position),
               is_archived = coalesce($8, is_archived)
             where company_id = $10 and id = $1 and ($9::int is null or version = $9)
             returning id, entity, key, label, field_type, options, is_required, visible_to_workers,
                       visible_to_customers, position, is_archived, version)
           select exists (select 1 from app.custom_field_definitions where company_id = $10 and id = $1)
                    as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<CustomFieldDefinition>""#,
        id,
        body.label.as_deref().map(str::trim),
        options.as_deref(),
        body.is_required,
        body.visible_to_workers,
        body.visible_to_customers,
        body.position,
        body.is_archived,
        if_match.0,
        ctx.user.company_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let definition = edited(edit.found, edit.row, if_match)?;
    ctx.commit().await?;
    Ok((etag(definition.version), AppJson(definition)))
}

/// Deletes a custom field that no row has a value for (409 otherwise:
/// archive it instead).
#[utoipa::path(
    delete, path = "/api/v1/custom-fields/{id}", tag = "custom-fields",
    params(("id" = Uuid, Path, description = "Custom field id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such field in your company", body = Problem),
        (status = 409, description = "Rows still have values for it", body = Problem),
    )
)]
async fn delete_definition(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("custom_fields.manage").await?;
    let deleted = sqlx::query!(
        "delete from app.custom_field_definitions where company_id = $2 and id = $1",
        id,
        ctx.user.company_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
