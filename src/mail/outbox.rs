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

/// Queues `mail` in a request's transaction, as its role (an admin: insert
/// only, db/policies/mail_outbox.sql), for the request's own company (the
/// column's default, which the policy verifies).
pub async fn enqueue_in_request(conn: &mut PgConnection, mail: &Mail) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into app.mail_outbox (kind, recipient, subject, text_body, html_body) values ($1, $2, $3, $4, $5)",
        mail.kind,
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
    )
    .execute(conn)
    .await?;
    Ok(())
}
