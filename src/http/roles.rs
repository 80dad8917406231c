//! Company-defined roles from code-defined permissions (issue #15,
//! db/migrations/0039, docs/policies.md "Roles and permissions").
//!
//! The permissions are a catalogue the migrations write; a company's roles
//! each hold some of them, and every membership holds one role. The database
//! decides everything here: who may manage roles (`roles.manage`), that a
//! member gives only what it holds, that the last manager of roles stays,
//! that a default role or one still held is not deleted. The handlers word
//! the answers.

use std::collections::BTreeSet;

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
    concurrency::{etag, missing_or_stale, IfMatch},
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_permissions))
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role, update_role, delete_role))
}

/// A permission of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Permission {
    /// `resource.action`, e.g. `jobs.assign`.
    pub name: String,
    /// The kind of membership that may hold it.
    pub base: Role,
    pub description: String,
}

/// One of the company's roles, with its permissions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompanyRole {
    pub id: Uuid,
    pub name: String,
    /// The kind of member the role is for: ADMIN (the office), WORKER (the
    /// field) or CUSTOMER. Fixed once the role exists.
    pub base: Role,
    /// What a membership written by kind alone gets; cannot be deleted.
    pub is_default: bool,
    pub description: String,
    /// Sorted by name.
    pub permissions: Vec<String>,
    /// Active and inactive members holding it (not deleted ones).
    pub member_count: i64,
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    #[validate(length(min = 1, max = 80, message = "must be 1 to 80 characters"))]
    pub name: String,
    /// The kind of member the role is for.
    pub base: Role,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub description: Option<String>,
    /// Permissions of the role's kind; you can give only those you hold.
    #[serde(default)]
    pub permissions: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateRole {
    #[validate(length(min = 1, max = 80, message = "must be 1 to 80 characters"))]
    pub name: Option<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub description: Option<String>,
    /// The role's whole set of permissions from now on (left out: unchanged).
    /// You can add or remove only permissions you hold.
    pub permissions: Option<Vec<String>>,
}

/// The catalogue of permissions a role may hold (every signed-in role).
#[utoipa::path(
    get, path = "/api/v1/permissions", tag = "roles",
    security(("bearer" = [])),
    responses((status = 200, description = "Every permission, in the catalogue's order", body = Vec<Permission>))
)]
async fn list_permissions(mut ctx: Ctx) -> Result<AppJson<Vec<Permission>>> {
    let permissions = sqlx::query_as!(
        Permission,
        r#"select name, base as "base: Role", description from app.permissions order by position"#
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(permissions))
}

async fn read_roles(ctx: &mut Ctx, id: Option<Uuid>) -> Result<Vec<CompanyRole>> {
    let company_id = ctx.user.company_id;
    let rows = sqlx::query!(
        r#"select r.id, r.name, r.base as "base: Role", r.is_default, r.description, r.version
           from app.roles r
           where r.company_id = $1 and ($2::uuid is null or r.id = $2)
           order by r.base, r.is_default desc, lower(r.name), r.id"#,
        company_id,
        id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    // Two company-keyed reads instead of joins: each is one shard's on Citus.
    let grants = sqlx::query!(
        "select role_id, permission from app.role_permissions
         where company_id = $1 and ($2::uuid is null or role_id = $2) order by permission",
        company_id,
        id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let members = sqlx::query!(
        r#"select role_id, count(*) as "count!" from app.users
           where company_id = $1 and deleted_at is null and ($2::uuid is null or role_id = $2)
           group by role_id"#,
        company_id,
        id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CompanyRole {
            permissions: grants.iter().filter(|g| g.role_id == r.id).map(|g| g.permission.clone()).collect(),
            member_count: members.iter().find(|m| m.role_id == r.id).map_or(0, |m| m.count),
            id: r.id,
            name: r.name,
            base: r.base,
            is_default: r.is_default,
            description: r.description,
            version: r.version,
        })
        .collect())
}

async fn one_role(ctx: &mut Ctx, id: Uuid) -> Result<CompanyRole> {
    read_roles(ctx, Some(id)).await?.into_iter().next().ok_or(Error::NotFound)
}

/// Names the permissions that are not of `base` (or not at all), for a 422
/// that says which, rather than a foreign key's refusal.
async fn check_permission_names(ctx: &mut Ctx, base: Role, names: &BTreeSet<String>) -> Result<()> {
    let names: Vec<String> = names.iter().cloned().collect();
    let unknown = sqlx::query_scalar!(
        r#"select n as "name!" from unnest($1::text[]) n
           where not exists (select 1 from app.permissions p where p.name = n and p.base = $2)"#,
        &names,
        base as Role
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::field(
            "permissions",
            format!("not permissions of a {} role: {}", base.as_str(), unknown.join(", ")),
        ))
    }
}

/// Gives and takes away permissions, one row each (the triggers check each
/// against the caller's own).
async fn set_permissions(
    ctx: &mut Ctx,
    role_id: Uuid,
    base: Role,
    current: &[String],
    wanted: &BTreeSet<String>,
) -> Result<()> {
    let company_id = ctx.user.company_id;
    for permission in wanted.iter().filter(|p| !current.contains(p)) {
        sqlx::query!(
            "insert into app.role_permissions (role_id, permission, base) values ($1, $2, $3)",
            role_id,
            permission,
            base as Role
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    for permission in current.iter().filter(|p| !wanted.contains(*p)) {
        sqlx::query!(
            "delete from app.role_permissions where company_id = $1 and role_id = $2 and permission = $3",
            company_id,
            role_id,
            permission
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    Ok(())
}

/// The company's roles, each with its permissions and how many members hold it (office).
#[utoipa::path(
    get, path = "/api/v1/roles", tag = "roles",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The company's roles", body = Vec<CompanyRole>),
        (status = 403, description = "Not a member of the office", body = Problem),
    )
)]
async fn list_roles(mut ctx: Ctx) -> Result<AppJson<Vec<CompanyRole>>> {
    ctx.require(&[Role::Admin])?;
    let roles = read_roles(&mut ctx, None).await?;
    ctx.commit().await?;
    Ok(AppJson(roles))
}

/// One role of the company.
#[utoipa::path(
    get, path = "/api/v1/roles/{id}", tag = "roles",
    params(("id" = Uuid, Path, description = "Role id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The role", body = CompanyRole),
        (status = 404, description = "No such role in your company", body = Problem),
    )
)]
async fn get_role(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    let role = one_role(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok((etag(role.version), AppJson(role)))
}

/// Creates a role of a kind with some of that kind's permissions (`roles.manage`).
#[utoipa::path(
    post, path = "/api/v1/roles", tag = "roles",
    request_body = CreateRole,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CompanyRole),
        (status = 403, description = "Without roles.manage, or giving a permission you do not hold", body = Problem),
        (status = 422, description = "Invalid fields, a taken name or a permission of another kind", body = Problem),
    )
)]
async fn create_role(mut ctx: Ctx, AppJson(body): AppJson<CreateRole>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("roles.manage").await?;
    body.validate()?;
    let wanted: BTreeSet<String> = body.permissions.into_iter().collect();
    check_permission_names(&mut ctx, body.base, &wanted).await?;
    let id = sqlx::query_scalar!(
        "insert into app.roles (name, base, description) values ($1, $2, coalesce($3, '')) returning id",
        body.name.trim(),
        body.base as Role,
        body.description.as_deref().map(str::trim),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    set_permissions(&mut ctx, id, body.base, &[], &wanted).await?;
    let role = one_role(&mut ctx, id).await?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/roles/{id}"))];
    Ok((StatusCode::CREATED, location, etag(role.version), AppJson(role)))
}

/// Renames a role or sets its permissions (`roles.manage`). The members'
/// live sessions carry the new permissions from their next request on.
#[utoipa::path(
    patch, path = "/api/v1/roles/{id}", tag = "roles",
    params(("id" = Uuid, Path, description = "Role id")),
    request_body = UpdateRole,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = CompanyRole),
        (status = 403, description = "Without roles.manage, or changing a permission you do not hold", body = Problem),
        (status = 404, description = "No such role in your company", body = Problem),
        (status = 409, description = "It would leave nobody who may manage roles", body = Problem),
        (status = 412, description = "Changed since you read it (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields, a taken name or a permission of another kind", body = Problem),
    )
)]
async fn update_role(
    mut ctx: Ctx,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateRole>,
) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("roles.manage").await?;
    body.validate()?;
    // Locks the role, so that two edits of its permissions take turns, and
    // checks the version read.
    let current = sqlx::query!(
        r#"update app.roles set
             name = coalesce($3, name),
             description = coalesce($4, description)
           where company_id = $1 and id = $2 and ($5::int is null or version = $5)
           returning base as "base: Role""#,
        ctx.user.company_id,
        id,
        body.name.as_deref().map(str::trim),
        body.description.as_deref().map(str::trim),
        if_match.0,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let Some(current) = current else {
        let found = sqlx::query_scalar!(
            r#"select exists (select 1 from app.roles where company_id = $1 and id = $2) as "found!""#,
            ctx.user.company_id,
            id
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        return Err(missing_or_stale(found, if_match));
    };
    if let Some(permissions) = body.permissions {
        let wanted: BTreeSet<String> = permissions.into_iter().collect();
        check_permission_names(&mut ctx, current.base, &wanted).await?;
        let held = one_role(&mut ctx, id).await?.permissions;
        set_permissions(&mut ctx, id, current.base, &held, &wanted).await?;
    }
    let role = one_role(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok((etag(role.version), AppJson(role)))
}

/// Deletes a role no member holds (`roles.manage`); the default roles stay.
#[utoipa::path(
    delete, path = "/api/v1/roles/{id}", tag = "roles",
    params(("id" = Uuid, Path, description = "Role id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Without roles.manage, or it holds a permission you do not", body = Problem),
        (status = 404, description = "No such role in your company", body = Problem),
        (status = 409, description = "Members hold it, or it is a default role", body = Problem),
    )
)]
async fn delete_role(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("roles.manage").await?;
    let role = one_role(&mut ctx, id).await?;
    if role.is_default {
        return Err(Error::Conflict("a default role cannot be deleted".into()));
    }
    if role.member_count > 0 {
        return Err(Error::Conflict(format!(
            "{} member(s) hold this role; give them another role first",
            role.member_count
        )));
    }
    // Its permissions go first, each checked like any other taking away.
    set_permissions(&mut ctx, id, role.base, &role.permissions, &BTreeSet::new()).await?;
    let deleted =
        sqlx::query!("delete from app.roles where company_id = $1 and id = $2", ctx.user.company_id, id)
            .execute(&mut *ctx.tx)
            .await;
    match deleted {
        Ok(done) if done.rows_affected() == 0 => Err(Error::NotFound),
        Ok(_) => {
            ctx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        // A membership written meanwhile holds it.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23503") => {
            Err(Error::Conflict("members hold this role; give them another role first".into()))
        }
        Err(other) => Err(other.into()),
    }
}
