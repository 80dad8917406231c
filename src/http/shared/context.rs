//! The per-request database context.
//!
//! `Ctx` verifies the bearer token, then opens the request's transaction on the
//! authenticator pool with one batch, in one round trip:
//!
//! ```sql
//! reset role; reset all;              -- whatever an earlier request left
//! select auth.require_session(...);   -- as the authenticator: live session?
//! set local role fieldops_<role>;
//! set local app.session_id = '...';
//! set local app.session_company = '...'; set local app.session_user_id = '...';
//! set local plan_cache_mode = force_custom_plan;
//! begin;
//! ```
//!
//! (On Citus, four messages instead: [`citus_context_messages`].)
//!
//! The session id is the only context the database trusts. Policies derive
//! company, user, role and customer from the live session row it names, and
//! only while the role in force is the one the session was issued for
//! (`auth.request_context()`, db/migrations/0013 and 0016). So SQL running
//! inside the request, whatever it sets or whichever request role it switches
//! to, can act for no one but the caller. The company and user go along as
//! hints (the session lookup's key on Citus, column defaults); every policy
//! checks rows against the verified context, so a forged hint finds nothing.
//!
//! `begin` comes last. Statements before it form an implicit transaction that
//! `begin` turns into the request's transaction; if any of them fails (the
//! session check, a refused role switch, a timeout) PostgreSQL rolls the
//! implicit transaction back by itself, so the pooled connection is never left
//! inside an aborted transaction for the next request.
//!
//! `reset role; reset all`: SQL inside an earlier request on this connection
//! may have ended its transaction and left session-level settings or a role
//! behind; they must not change how this request's context opens.
//!
//! `plan_cache_mode`: handlers' prepared statements carry optional filters
//! (`$1 is null or status_id = $1`); a cached generic plan cannot simplify
//! those and walked whole tenants in the benchmark, so every execution is
//! planned with its real values (a fraction of a millisecond).
//!
//! Everything is `SET LOCAL`: it ends with the transaction and never leaks to the
//! next request on a pooled connection (and PgBouncer in transaction mode and
//! Citus both forward it). The values are UUIDs and enum names from a verified
//! token, formatted by us, so interpolating them is safe.

use std::{fmt::Write as _, time::Duration};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use sqlx::{Executor, Postgres, Transaction};
use uuid::Uuid;

use super::{error::Error, AppState};
use crate::{
    auth::{jwt::Claims, Role},
    db::citus::Topology,
};

/// Who is asking, from the verified token.
#[derive(Debug, Clone, Copy)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub company_id: Uuid,
    pub role: Role,
    pub customer_id: Option<Uuid>,
    pub session_id: Uuid,
}

impl From<&Claims> for CurrentUser {
    fn from(claims: &Claims) -> Self {
        CurrentUser {
            user_id: claims.sub,
            company_id: claims.cid,
            role: claims.role,
            customer_id: claims.cus,
            session_id: claims.sid,
        }
    }
}

/// The request's transaction, already running as the caller's database role with
/// its context set. Handlers query through `tx` and call `commit` on success;
/// dropping it (an early error) rolls back.
pub struct Ctx {
    pub tx: Transaction<'static, Postgres>,
    pub user: CurrentUser,
}

impl Ctx {
    /// Refuses roles an endpoint is not for (403, before any row is read).
    pub fn require(&self, allowed: &[Role]) -> Result<(), Error> {
        if allowed.contains(&self.user.role) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Refuses an office member whose company role lacks `permission` (403,
    /// before any row is read), so that a write the policies would refuse
    /// gets a clear answer instead of an empty update. Asked of the database
    /// (`app.has_permission`, from the verified session): the policies decide
    /// regardless, this only words the refusal.
    pub async fn require_permission(&mut self, permission: &str) -> Result<(), Error> {
        let held = sqlx::query_scalar!(r#"select app.has_permission($1) as "held!""#, permission)
            .fetch_one(&mut *self.tx)
            .await?;
        if held {
            Ok(())
        } else {
            Err(Error::ForbiddenBecause(format!("your role does not have the permission {permission}")))
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.user.role == role
    }

    /// The context of an already verified caller, for handlers that must do
    /// slow work (password hashing) before they hold a pooled connection.
    pub async fn open(state: &AppState, user: CurrentUser) -> Result<Self, Error> {
        let topology = state.topology().await?;
        Ok(Ctx { tx: open(&state.db, &user, Limits::from(&*state.config), topology).await?, user })
    }

    pub async fn commit(self) -> Result<(), Error> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Per-transaction time limits. Set in the batch, not only as connection
/// options: PgBouncer drops a client's startup `options`, and role-level
/// settings of `SET ROLE` targets do not apply, so only `SET LOCAL` reaches every
/// server connection (and Citus forwards it).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub statement_timeout: Duration,
    pub idle_in_transaction_timeout: Duration,
}

impl From<&crate::config::Config> for Limits {
    fn from(config: &crate::config::Config) -> Self {
        Limits {
            statement_timeout: config.database.statement_timeout,
            idle_in_transaction_timeout: config.database.idle_in_transaction_timeout,
        }
    }
}

pub fn context_batch(user: &CurrentUser, limits: Limits) -> String {
    let mut sql = String::with_capacity(320);
    let _ = write!(
        sql,
        "reset role;\n\
         reset all;\n\
         select auth.require_session('{session}', '{user}', '{company}', '{role}');\n\
         set local role {db_role};\n\
         set local app.session_id = '{session}';\n\
         set local app.session_company = '{company}';\n\
         set local app.session_user_id = '{user}';\n\
         set local plan_cache_mode = force_custom_plan;\n\
         set local statement_timeout = '{statement_ms}ms';\n\
         set local idle_in_transaction_session_timeout = '{idle_ms}ms';\n\
         begin;",
        session = user.session_id,
        user = user.user_id,
        company = user.company_id,
        role = user.role.as_str(),
        db_role = user.role.db_role(),
        statement_ms = limits.statement_timeout.as_millis(),
        idle_ms = limits.idle_in_transaction_timeout.as_millis(),
    );
    sql
}

/// The context on Citus, as the three messages sent around `begin`: the
/// resets, the session check, then (after `begin`) the settings.
///
/// Citus records each forwarded `SET LOCAL` (and `RESET`) as the text of the
/// whole message it came in and replays that text on every worker connection
/// of the transaction, so a message holding one must hold nothing else: not
/// the session check (a function the request role may not run), not `begin`,
/// not a `RESET` (docs/scaling.md, "The batch shape"). And the session check
/// reads app.sessions on a worker over a connection of the function's owner:
/// it must finish (its implicit transaction end) before the request's
/// transaction begins, or the role switch would be replayed on that connection
/// and refused; and it must not share a message with the resets, which would
/// be replayed there with it. Hence four round trips instead of one.
pub fn citus_context_messages(user: &CurrentUser, limits: Limits) -> [String; 3] {
    let reset = "reset role; reset all;".to_owned();
    let check = format!(
        "select auth.require_session('{session}', '{user}', '{company}', '{role}');",
        session = user.session_id,
        user = user.user_id,
        company = user.company_id,
        role = user.role.as_str(),
    );
    let settings = format!(
        "set local role {db_role}; \
         set local app.session_id = '{session}'; \
         set local app.session_company = '{company}'; \
         set local app.session_user_id = '{user}'; \
         set local plan_cache_mode = force_custom_plan; \
         set local statement_timeout = '{statement_ms}ms'; \
         set local idle_in_transaction_session_timeout = '{idle_ms}ms';",
        db_role = user.role.db_role(),
        session = user.session_id,
        company = user.company_id,
        user = user.user_id,
        statement_ms = limits.statement_timeout.as_millis(),
        idle_ms = limits.idle_in_transaction_timeout.as_millis(),
    );
    [reset, check, settings]
}

pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(*user);
        }
        let token = bearer_token(parts).ok_or(Error::Unauthorized)?;
        let state = AppState::from_ref(state);
        let claims = state.keys.verify(token).map_err(|error| {
            tracing::debug!(%error, "rejected access token");
            Error::Unauthorized
        })?;
        let user = CurrentUser::from(&claims);
        // Request spans and logs pick the caller up from here.
        tracing::Span::current().record("company_id", tracing::field::display(user.company_id));
        tracing::Span::current().record("user_id", tracing::field::display(user.user_id));
        tracing::Span::current().record("role", user.role.as_str());
        parts.extensions.insert(user);
        Ok(user)
    }
}

/// Opens a request's transaction: session check, role switch and context in
/// one round trip (four on Citus).
///
/// Runs in a task of its own: if the client goes away while the batch is on
/// the wire, the request's future is dropped, but this task still receives the
/// transaction and drops it properly (sqlx then rolls it back). Awaited
/// in place, a cancellation at that instant would return the connection to the
/// pool inside the request's transaction, with its role and context.
pub async fn open(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    limits: Limits,
    topology: Topology,
) -> Result<Transaction<'static, Postgres>, Error> {
    match topology {
        Topology::SingleNode => open_batch(db, context_batch(user, limits)).await,
        Topology::Citus => open_messages(db, citus_context_messages(user, limits)).await,
    }
}

/// `open` for tools and tests that hold a pool but no AppState: finds out the
/// topology first (one more query).
pub async fn open_detected(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    limits: Limits,
) -> Result<Transaction<'static, Postgres>, Error> {
    let topology = {
        let mut conn = db.acquire().await?;
        crate::db::citus::detect(&mut conn).await.map_err(Error::Internal)?
    };
    open(db, user, limits, topology).await
}

/// `open` with the batch given: the fault tests make a statement of it fail.
pub async fn open_batch(db: &sqlx::PgPool, batch: String) -> Result<Transaction<'static, Postgres>, Error> {
    let db = db.clone();
    let opening = tokio::spawn(async move { db.begin_with(batch).await });
    Ok(opening.await.map_err(|e| Error::Internal(e.into()))??)
}

async fn open_messages(
    db: &sqlx::PgPool,
    [reset, check, settings]: [String; 3],
) -> Result<Transaction<'static, Postgres>, Error> {
    let db = db.clone();
    let opening = tokio::spawn(async move {
        let mut conn = db.acquire().await?;
        let connection: &mut sqlx::PgConnection = &mut conn;
        connection.execute(reset.as_str()).await?;
        connection.execute(check.as_str()).await?;
        // Pool::begin, on a connection we have already used.
        let mut tx = Transaction::begin(conn, None).await?;
        let connection: &mut sqlx::PgConnection = &mut tx;
        connection.execute(settings.as_str()).await?;
        Ok::<_, sqlx::Error>(tx)
    });
    Ok(opening.await.map_err(|e| Error::Internal(e.into()))??)
}

impl<S> FromRequestParts<S> for Ctx
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let state = AppState::from_ref(state);
        let tx = open(&state.db, &user, Limits::from(&*state.config), state.topology().await?).await?;
        Ok(Ctx { tx, user })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_checks_the_session_then_switches_role_and_begins_last() {
        let user = CurrentUser {
            user_id: Uuid::nil(),
            company_id: Uuid::max(),
            role: Role::Customer,
            customer_id: Some(Uuid::nil()),
            session_id: Uuid::nil(),
        };
        let limits = Limits {
            statement_timeout: Duration::from_secs(30),
            idle_in_transaction_timeout: Duration::from_secs(60),
        };
        let sql = context_batch(&user, limits);
        assert!(sql.contains("set local statement_timeout = '30000ms'"));
        let check = sql.find("auth.require_session").expect("session check");
        let role = sql.find("set local role fieldops_customer").expect("role switch");
        assert!(check < role);
        // Anything failing before `begin` is rolled back by PostgreSQL itself.
        assert!(sql.trim_end().ends_with("begin;"), "begin must be the batch's last statement");
        assert_eq!(sql.matches("begin").count(), 1);
        assert!(!sql.contains("set_config"), "SET LOCAL, not set_config (Citus forwards SET LOCAL)");
        assert!(!sql.contains("\nset app."), "never a session-level SET");
        // The session id is the whole context: nothing the database would trust blindly.
        for trusted in ["app.company_id", "app.user_id", "app.role", "app.customer_id"] {
            assert!(!sql.contains(trusted), "{trusted} is derived from the session, never set");
        }
    }
}
