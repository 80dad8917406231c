//! The person behind a signed-in caller (docs/organizations.md): used by the
//! membership list, the switch and an invitation's accepting. Over the
//! sign-in pool, outside any request transaction: no request role reads
//! app.identities.

use uuid::Uuid;

use super::{
    context::CurrentUser,
    error::{Error, Result},
    AppState,
};

/// The identity behind the caller's live session, and whether the session
/// may speak for it (its membership signs in with the identity's password).
/// A session that is no longer live is a 401, as on every other endpoint.
pub async fn session_identity(state: &AppState, user: &CurrentUser) -> Result<(Uuid, bool)> {
    let row = sqlx::query!(
        r#"select identity_id as "identity_id!", speaks_for_identity as "speaks_for_identity!"
           from auth.session_identity($1, $2, $3, $4)"#,
        user.session_id,
        user.user_id,
        user.company_id,
        // As text, as in GET /auth/me: the login role may not name app's types.
        user.role.as_str(),
    )
    .fetch_optional(&state.login_db)
    .await?
    .ok_or(Error::Unauthorized)?;
    Ok((row.identity_id, row.speaks_for_identity))
}

/// A person whose password was just verified (a sign-in without company, an
/// invitation accepted with the password): the claimed attempt, to mark as
/// succeeded once the caller is done with it, and the company used last.
pub struct VerifiedIdentity {
    pub attempt_id: i64,
    pub identity_id: Uuid,
    pub last_company_id: Option<Uuid>,
}

/// Checks `password` against the person of `email`, as a sign-in: claimed
/// and counted first (429 when throttled, no argon2), the same 401 for an
/// unknown address and a wrong password.
pub async fn verify_password(
    state: &AppState,
    email: &str,
    client_ip: Option<String>,
    password: String,
) -> Result<VerifiedIdentity> {
    let attempt = sqlx::query!(
        r#"select attempt_id, retry_after as "retry_after!", identity_id, password_hash, last_company_id
           from auth.identity_login_attempt($1, $2, $3, interval '1 minute')"#,
        email,
        client_ip,
        state.auth.login_failures_per_minute as i32,
    )
    .fetch_one(&state.login_db)
    .await?;
    let Some(attempt_id) = attempt.attempt_id.filter(|_| attempt.retry_after <= 0) else {
        tracing::warn!("sign-in of a person throttled");
        crate::metrics::login_throttled();
        return Err(Error::TooManyRequests { retry_after_secs: attempt.retry_after.max(1) as u64 });
    };
    crate::metrics::password_verified();
    let verified = crate::auth::password::verify(password, attempt.password_hash).await?;
    match attempt.identity_id {
        Some(identity_id) if verified => {
            Ok(VerifiedIdentity { attempt_id, identity_id, last_company_id: attempt.last_company_id })
        }
        _ => {
            tracing::info!("failed sign-in of a person");
            crate::metrics::login_failed();
            Err(Error::InvalidCredentials)
        }
    }
}

/// Marks a verified attempt as no failure (the throttle stops counting it).
pub async fn attempt_succeeded(state: &AppState, attempt_id: i64) -> Result<()> {
    sqlx::query!("select auth.login_attempt_succeeded($1)", attempt_id).execute(&state.login_db).await?;
    Ok(())
}

/// The person a membership write names (db/migrations/0034), found or made
/// over the sign-in pool before the request writes the row: on Citus a
/// request's `SET LOCAL ROLE` reaches every connection of its transaction,
/// so a definer inside it could not reach app.identities. For the admin the
/// caller's live session names. None when `user_id` names no live user of
/// the caller's company.
pub struct LinkedPerson {
    pub identity_id: Uuid,
    /// A password the membership keeps as its own: the one it signed in with,
    /// when it moves to another person.
    pub own_password_hash: Option<String>,
}

pub async fn link_membership(
    state: &AppState,
    caller: &CurrentUser,
    user_id: Option<Uuid>,
    email: Option<&str>,
    name: Option<&str>,
    password_hash: Option<&str>,
) -> Result<Option<LinkedPerson>> {
    let row = sqlx::query!(
        r#"select identity_id as "identity_id!", own_password_hash
           from auth.link_membership($1, $2, $3, $4, $5, $6, $7)"#,
        caller.session_id,
        caller.user_id,
        caller.company_id,
        user_id,
        email,
        name,
        password_hash,
    )
    .fetch_optional(&state.login_db)
    .await?;
    Ok(row.map(|r| LinkedPerson { identity_id: r.identity_id, own_password_hash: r.own_password_hash }))
}

/// The person of a pending portal registration the caller approves, found or
/// made the same way; None when the caller's company has no such pending one.
pub async fn link_portal_account(
    state: &AppState,
    caller: &CurrentUser,
    account_id: Uuid,
) -> Result<Option<Uuid>> {
    let identity_id = sqlx::query_scalar!(
        "select auth.link_portal_account($1, $2, $3, $4)",
        caller.session_id,
        caller.user_id,
        caller.company_id,
        account_id,
    )
    .fetch_one(&state.login_db)
    .await?;
    Ok(identity_id)
}
