//! The sign-in flow's writes (a new session, a rotated refresh token, a share
//! link's opening) run in a transaction marked `app.flow = 'sign-in'`.
//!
//! On one server the history knows them by their login, fieldops_login. On
//! Citus the flow's definer functions write to a worker's shard over a
//! connection of the table owner, where only this mark, forwarded by Citus,
//! tells them from a DBA's changes (db/migrations/0017, app.audit_row()).

use sqlx::{Executor, PgPool, Postgres, Transaction};

use super::error::Error;

/// Begins the flow's transaction on the login pool. In a task of its own, as
/// the request context does: a client going away mid-way must not return the
/// connection to the pool inside the transaction.
pub async fn begin(login_db: &PgPool) -> Result<Transaction<'static, Postgres>, Error> {
    let db = login_db.clone();
    let opening = tokio::spawn(async move {
        let mut tx = db.begin().await?;
        // A message of its own: Citus replays a forwarded SET LOCAL's whole
        // message on each worker connection of the transaction.
        tx.execute("set local app.flow = 'sign-in'").await?;
        Ok::<_, sqlx::Error>(tx)
    });
    Ok(opening.await.map_err(|e| Error::Internal(e.into()))??)
}
