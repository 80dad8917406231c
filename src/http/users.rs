//! Users of the caller's company: admin-only registration and management.
//! Deleting is soft; the database refuses to leave a company without an admin.

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

use crate::auth::{password, Role};
use crate::http::shared::{
    concurrency::{double_option, edited, etag, missing_or_stale, IfMatch},
    context::{Ctx, CurrentUser},
    error::{Error, Problem, Result},
    extract::{AppJson, AppPath, AppQuery},
    identity,
    like::like_pattern,
    pagination::{self, Page, PageParams},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user)).routes(routes!(
        get_user,
        update_user,
        delete_user
    ))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// The kind of member: which of the company's roles it may hold.
    pub role: Role,
    /// The company role it holds (GET /roles names them).
    pub role_id: Uuid,
    /// The customer a CUSTOMER user signs in for.
    pub customer_id: Option<Uuid>,
    /// The contact of that customer a CUSTOMER user is: when the contact is
    /// limited to some locations, the user sees only those locations' jobs.
    /// None: the user sees all of its customer's jobs.
    pub contact_id: Option<Uuid>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// The branch an ADMIN or WORKER membership is scoped to; none:
    /// company-wide.
    pub branch_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    pub role: Option<Role>,
    /// Matches name or email, case-insensitively.
    pub q: Option<String>,
    /// One branch's members.
    pub branch_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    #[validate(email(message = "is not a valid email address"), length(max = 254))]
    pub email: String,
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters"))]
    pub password: String,
    /// The kind of member; with `role_id` left out, it gets that kind's
    /// default role. One of `role` and `role_id` is required.
    pub role: Option<Role>,
    /// One of the company's roles (its kind is the member's kind). You can
    /// give only a role whose permissions you hold.
    pub role_id: Option<Uuid>,
    /// Required for CUSTOMER users: the customer they sign in for.
    pub customer_id: Option<Uuid>,
    /// CUSTOMER users only: which of the customer's contacts the user is (its
    /// location limits then apply to the user).
    pub contact_id: Option<Uuid>,
    /// ADMIN and WORKER only: the branch the membership is scoped to. Left
    /// out: a branch-scoped admin's own branch, else company-wide.
    pub branch_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    #[validate(email(message = "is not a valid email address"), length(max = 254))]
    pub email: Option<String>,
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters"))]
    pub password: Option<String>,
    /// Another kind of member: it gets that kind's default role, and its
    /// sessions end.
    pub role: Option<Role>,
    /// Another of the company's roles. Of the same kind, the member's live
    /// sessions carry its permissions from the next request on; of another
    /// kind, they end. Nobody gives a role holding a permission they lack,
    /// to themselves or anyone: one may step down, never up.
    pub role_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Links a CUSTOMER user to a contact of its customer; `null` unlinks it.
    /// Left out, the link stays, unless the customer changes (then it goes).
    /// Either way the user's sessions end: it is another identity.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub contact_id: Option<Option<Uuid>>,
    /// false deactivates the user: its sessions stop working at once.
    pub is_active: Option<bool>,
    /// Scopes the membership to a branch; `null` makes it company-wide. The
    /// user's sessions end: its scope changed. A CUSTOMER has none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub branch_id: Option<Option<Uuid>>,
}

/// Lists the company's users (not deleted), ordered by name.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    params(UserFilter, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
async fn list_users(
    mut ctx: Ctx,
    AppQuery(filter): AppQuery<UserFilter>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<Page<User>>> {
    ctx.require(&[Role::Admin])?;
    let (limit, after): (_, Option<(String, Uuid)>) = page.start()?;
    let (after_name, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        User,
        r#"select id, name, email, role as "role: Role", role_id, customer_id, contact_id, is_active, created_at, updated_at,
                  version, branch_id
           from app.users
           where company_id = $6 and deleted_at is null
             and ($1::app.user_role is null or role = $1)
             and ($2::text is null or lower(name) like $2 or lower(email) like $2)
             and ($3::text is null or (lower(name), id) > ($3, $4::uuid))
             and ($7::uuid is null or branch_id = $7)
           order by lower(name), id
           limit $5"#,
        filter.role as Option<Role>,
        filter.q.as_deref().map(like_pattern),
        after_name,
        after_id,
        limit + 1,
        ctx.user.company_id,
        filter.branch_id,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(pagination::page(rows, limit, |u| (u.name.to_lowercase(), u.id))))
}

/// Registers a user of the caller's company (admins only; there is no self sign-up).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = User),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    caller: CurrentUser,
    AppJson(body): AppJson<CreateUser>,
) -> Result<impl IntoResponse> {
    require_admin(&caller)?;
    body.validate()?;
    // Hashed before the transaction opens: waiting for an argon2 permit while
    // holding a pooled connection let one company's burst of sign-ups starve
    // every other company of connections.
    let password_hash = password::hash(body.password).await?;
    let person = identity::link_membership(
        &state,
        &caller,
        None,
        Some(body.email.trim()),
        Some(body.name.trim()),
        Some(&password_hash),
    )
    .await?
    .ok_or(Error::NotFound)?;
    let mut ctx = Ctx::open(&state, caller).await?;
    let (role, role_id) = match (body.role, body.role_id) {
        (_, Some(role_id)) => (role_kind(&mut ctx, role_id).await?, Some(role_id)),
        (Some(role), None) => (role, None),
        (None, None) => return Err(Error::field("role", "give the member a role: role or role_id")),
    };
    // Emails are kept in the form sign-in compares (NFKC, see
    // auth.login_normal): an address typed in full-width letters must still be
    // the account its owner signs in to.
    let user = sqlx::query_as!(
        User,
        r#"insert into app.users (name, email, password_hash, role, customer_id, contact_id, identity_id, role_id, branch_id)
           values ($1, normalize($2, nfkc), $3, $4, $5, $6, $7, $8, $9)
           returning id, name, email, role as "role: Role", role_id, customer_id, contact_id, is_active, created_at,
                     updated_at, version, branch_id"#,
        body.name.trim(),
        body.email.trim(),
        password_hash,
        role as Role,
        body.customer_id,
        body.contact_id,
        person.identity_id,
        role_id,
        body.branch_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let location = [(header::LOCATION, format!("/api/v1/users/{}", user.id))];
    Ok((StatusCode::CREATED, location, etag(user.version), AppJson(user)))
}

/// One user of the caller's company.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 404, description = "No such user in your company", body = Problem),
    )
)]
async fn get_user(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<impl IntoResponse> {
    ctx.require(&[Role::Admin])?;
    let user = sqlx::query_as!(
        User,
        r#"select id, name, email, role as "role: Role", role_id, customer_id, contact_id, is_active, created_at, updated_at,
                  version, branch_id
           from app.users where company_id = $2 and id = $1 and deleted_at is null"#,
        id,
        ctx.user.company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or(Error::NotFound)?;
    ctx.commit().await?;
    Ok((etag(user.version), AppJson(user)))
}

/// Edits a user: name, email, password, role, customer link, active flag. A new
/// password signs the user out of every other session.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUser,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = User),
        (status = 404, description = "No such user in your company", body = Problem),
        (status = 409, description = "Would leave the company without an admin", body = Problem),
        (status = 412, description = "Changed since you read it (If-Match)", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    caller: CurrentUser,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    AppJson(body): AppJson<UpdateUser>,
) -> Result<impl IntoResponse> {
    require_admin(&caller)?;
    body.validate()?;
    // As in create_user: no pooled connection is held while hashing.
    let password_hash = match body.password {
        Some(password) => Some(password::hash(password).await?),
        None => None,
    };
    // The person behind the membership, when the edit touches what links
    // them: the address or the password. None: no such user (the edit below
    // answers 404 or 412 as it always did).
    let mut identity_id = None;
    let mut password_hash = password_hash;
    if body.email.is_some() || password_hash.is_some() {
        if let Some(person) = identity::link_membership(
            &state,
            &caller,
            Some(id),
            body.email.as_deref().map(str::trim),
            body.name.as_deref().map(str::trim),
            password_hash.as_deref(),
        )
        .await?
        {
            identity_id = Some(person.identity_id);
            // Moving to another person, a membership that opened with its
            // old person's password keeps that password as its own.
            password_hash = password_hash.or(person.own_password_hash);
        }
    }
    let mut ctx = Ctx::open(&state, caller).await?;
    if id != ctx.user.user_id {
        ctx.require_permission("users.manage").await?;
    }
    // Another role names the kind it is for.
    let role = match body.role_id {
        Some(role_id) => Some(role_kind(&mut ctx, role_id).await?),
        None => body.role,
    };
    // `If-Match` makes the edit conditional on the version read, as for customers.
    let mut expected = if_match;
    if let Some(password_hash) = password_hash {
        // Its own statement: no request role may read password_hash, and
        // `coalesce($n, password_hash)` would.
        let edit = sqlx::query!(
            r#"with updated as (
                 update app.users set password_hash = $2
                 where company_id = $4 and id = $1 and deleted_at is null and ($3::int is null or version = $3)
                 returning id)
               select exists (select 1 from app.users where company_id = $4 and id = $1 and deleted_at is null)
                        as "found!",
                      exists (select 1 from updated) as "updated!""#,
            id,
            password_hash,
            if_match.0,
            ctx.user.company_id,
        )
        .fetch_one(&mut *ctx.tx)
        .await?;
        if !edit.updated {
            return Err(missing_or_stale(edit.found, if_match));
        }
        // The precondition held; the row is now locked by this transaction
        // and one version further: the rest of the edit belongs to it.
        expected = IfMatch(None);
    }
    let edit = sqlx::query!(
        r#"with updated as (
             update app.users set
               name = coalesce($2, name),
               email = coalesce(normalize($3, nfkc), email),
               role = coalesce($4, role),
               customer_id = case when coalesce($4, role) = 'CUSTOMER' then coalesce($5, customer_id) end,
               -- A contact belongs to one customer: a new customer drops the
               -- old link unless the edit names the new one.
               contact_id = case when coalesce($4, role) = 'CUSTOMER' then
                              case when $9 then $10
                                   when coalesce($5, customer_id) is distinct from customer_id then null
                                   else contact_id end
                            end,
               is_active = coalesce($6, is_active),
               identity_id = coalesce($11, identity_id),
               role_id = coalesce($14, role_id),
               -- A customer login has no branch.
               branch_id = case when coalesce($4, role) <> 'CUSTOMER' then
                             case when $12 then $13 else branch_id end
                           end
             where company_id = $8 and id = $1 and deleted_at is null and ($7::int is null or version = $7)
             returning id, name, email, role, role_id, customer_id, contact_id, is_active, created_at, updated_at, version,
                       branch_id)
           select exists (select 1 from app.users where company_id = $8 and id = $1 and deleted_at is null)
                    as "found!",
                  (select to_jsonb(u) from updated u) as "row?: Json<User>""#,
        id,
        body.name.as_deref().map(str::trim),
        body.email.as_deref().map(str::trim),
        role as Option<Role>,
        body.customer_id,
        body.is_active,
        expected.0,
        ctx.user.company_id,
        body.contact_id.is_some(),
        body.contact_id.flatten(),
        identity_id,
        body.branch_id.is_some(),
        body.branch_id.flatten(),
        body.role_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let user = edited(edit.found, edit.row, expected)?;
    ctx.commit().await?;
    Ok((etag(user.version), AppJson(user)))
}

/// The kind a company role is for; a 422 when the company has no such role.
async fn role_kind(ctx: &mut Ctx, role_id: Uuid) -> Result<Role> {
    sqlx::query_scalar!(
        r#"select base as "base: Role" from app.roles where company_id = $1 and id = $2"#,
        ctx.user.company_id,
        role_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| Error::field("role_id", "does not name a role of this company"))
}

fn require_admin(caller: &CurrentUser) -> Result<()> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Deletes a user (soft: the row stays for history, the email is freed).
#[utoipa::path(
    delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such user in your company", body = Problem),
        (status = 409, description = "Would leave the company without an admin", body = Problem),
    )
)]
async fn delete_user(mut ctx: Ctx, AppPath(id): AppPath<Uuid>) -> Result<StatusCode> {
    ctx.require(&[Role::Admin])?;
    ctx.require_permission("users.manage").await?;
    let deleted = sqlx::query!(
        "update app.users set deleted_at = now(), deleted_by = $3, is_active = false
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
