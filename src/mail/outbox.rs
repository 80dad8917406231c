//! The outbox writer.

use sqlx::PgConnection;
use uuid::Uuid;

use super::Mail;

/// Queues `mail` of `company_id` in the caller's transaction: it is sent only
/// if that transaction commits. Runs on a connection of the sign-in pool
/// (`auth.enqueue_mail` is executable by `fieldops_login` only); call
/// [`super::Wake::notify`] after the commit.
pub async fn enqueue(conn: &mut PgConnection, company_id: Uuid, mail: &Mail) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select auth.enqueue_mail($1, $2, $3, $4, $5, $6) as "id!""#,
        company_id,
        mail.kind,
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
    )
    .fetch_one(conn)
    .await
}
