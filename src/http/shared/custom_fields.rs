//! Custom fields (migration 0023, docs/custom-fields.md): the values object of
//! customers, service locations and jobs, read as the caller may see it, and
//! the admins' `?cf.<key>=<value>` list filter.
//!
//! The database validates every value (app.check_custom_fields) and decides
//! who reads what: admins read the raw `custom_fields` column, workers and
//! customers have no privilege on it and read `worker_custom_fields` or
//! `customer_custom_fields` instead. So the reads below differ by role not to
//! filter, but because each role may only name its own column.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::types::Json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{context::Ctx, error::FieldErrors, Error, Result};
use crate::auth::Role;

/// A custom field's value, as the field's type says: `text` and `choice` (one
/// of its options) are strings, `date` a `YYYY-MM-DD` string, `number` a
/// number, `boolean` true or false. Only for the OpenAPI document: values
/// travel as JSON, and the database checks them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CustomFieldValue {
    Boolean(bool),
    Number(f64),
    Text(String),
}

/// The values of a row's custom fields, by key (docs/custom-fields.md).
pub type CustomFields = Map<String, Value>;

/// Which table's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Customer,
    Location,
    Job,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Location => "location",
            Entity::Job => "job",
        }
    }
}

/// The body's `custom_fields`, as the database takes it (`null` for absent).
pub fn to_json(values: Option<&CustomFields>) -> Option<Value> {
    values.map(|v| Value::Object(v.clone()))
}

struct Row {
    id: Uuid,
    values: Json<CustomFields>,
}

/// The custom fields of rows `ids` of `entity` that the caller may read, by
/// row (rows it cannot see are absent).
pub async fn visible(ctx: &mut Ctx, entity: Entity, ids: &[Uuid]) -> Result<HashMap<Uuid, CustomFields>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let company_id = ctx.user.company_id;
    let role = ctx.user.role;
    let tx = &mut *ctx.tx;
    macro_rules! read {
        ($sql:literal) => {
            sqlx::query_as!(Row, $sql, ids, company_id).fetch_all(&mut *tx).await?
        };
    }
    let rows = match (entity, role) {
        (Entity::Customer, Role::Admin) => read!(
            r#"select id, custom_fields as "values!: Json<CustomFields>" from app.customers
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Customer, Role::Worker) => read!(
            r#"select id, worker_custom_fields as "values!: Json<CustomFields>" from app.customers
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Customer, Role::Customer) => read!(
            r#"select id, customer_custom_fields as "values!: Json<CustomFields>" from app.customers
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Location, Role::Admin) => read!(
            r#"select id, custom_fields as "values!: Json<CustomFields>" from app.service_locations
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Location, Role::Worker) => read!(
            r#"select id, worker_custom_fields as "values!: Json<CustomFields>" from app.service_locations
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Location, Role::Customer) => read!(
            r#"select id, customer_custom_fields as "values!: Json<CustomFields>" from app.service_locations
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Job, Role::Admin) => read!(
            r#"select id, custom_fields as "values!: Json<CustomFields>" from app.jobs
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Job, Role::Worker) => read!(
            r#"select id, worker_custom_fields as "values!: Json<CustomFields>" from app.jobs
               where company_id = $2 and id = any($1)"#
        ),
        (Entity::Job, Role::Customer) => read!(
            r#"select id, customer_custom_fields as "values!: Json<CustomFields>" from app.jobs
               where company_id = $2 and id = any($1)"#
        ),
    };
    Ok(rows.into_iter().map(|r| (r.id, r.values.0)).collect())
}

/// The custom fields of one row the caller may read (empty if none).
pub async fn visible_one(ctx: &mut Ctx, entity: Entity, id: Uuid) -> Result<CustomFields> {
    Ok(visible(ctx, entity, &[id]).await?.remove(&id).unwrap_or_default())
}

/// The list filter's parameters, for the OpenAPI document.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomFieldParams {
    /// `cf.<key>=<value>`, repeatable with other keys: only rows whose custom
    /// field `<key>` holds this value (read as the field's type: a number,
    /// `true`/`false`, or the text, option or `YYYY-MM-DD` date). Admins
    /// filter through an index; workers and customers among what they see.
    #[param(rename = "cf.<key>")]
    pub cf: Option<String>,
}

/// The `cf.<key>=<value>` parameters of a list's query string, by key.
#[derive(Debug, Default)]
pub struct CustomFieldFilter(pub BTreeMap<String, String>);

impl CustomFieldFilter {
    pub fn from_query(query: &BTreeMap<String, String>) -> Self {
        CustomFieldFilter(
            query
                .iter()
                .filter_map(|(name, value)| {
                    name.strip_prefix("cf.").map(|key| (key.to_owned(), value.clone()))
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The filter as a jsonb containment (`custom_fields @> …`), each value
    /// read as its field's type; an unknown key or a value its type cannot
    /// hold is a 422 naming `cf.<key>`. The definitions are read under the
    /// caller's policies.
    pub async fn containment(&self, ctx: &mut Ctx, entity: Entity) -> Result<Value> {
        let keys: Vec<String> = self.0.keys().cloned().collect();
        let types: HashMap<String, String> = sqlx::query!(
            "select key, field_type from app.custom_field_definitions
             where company_id = $1 and entity = $2 and key = any($3)",
            ctx.user.company_id,
            entity.as_str(),
            &keys,
        )
        .fetch_all(&mut *ctx.tx)
        .await?
        .into_iter()
        .map(|r| (r.key, r.field_type))
        .collect();
        let mut errors = FieldErrors::new();
        let mut wanted = Map::new();
        for (key, text) in &self.0 {
            let value = match types.get(key).map(String::as_str) {
                None => Err("no such custom field"),
                Some("number") => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or("must be a number"),
                Some("boolean") => match text.as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    _ => Err("must be true or false"),
                },
                Some(_) => Ok(Value::String(text.clone())),
            };
            match value {
                Ok(value) => {
                    wanted.insert(key.clone(), value);
                }
                Err(problem) => {
                    errors.insert(format!("cf.{key}"), vec![problem.to_owned()]);
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation { detail: "the request has invalid fields".to_owned(), errors });
        }
        Ok(Value::Object(wanted))
    }
}
