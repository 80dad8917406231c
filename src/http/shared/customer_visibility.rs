//! Whether the caller can see a customer: what the routes under a customer
//! (its locations, its contacts) check before they act. The customers'
//! policies decide; another company's customer, or one a worker has no job
//! for, is simply not there (404, never 403).

use uuid::Uuid;

use super::{context::Ctx, Error, Result};
use crate::auth::Role;

/// Answers 404 unless customer `id` is visible to the caller. An admin's
/// deleted customers count as gone (workers and customers may not read
/// `deleted_at`; a deleted customer's logins are signed out by the database).
pub async fn require_customer_visible(ctx: &mut Ctx, id: Uuid) -> Result<()> {
    let company_id = ctx.user.company_id;
    let visible = if ctx.is(Role::Admin) {
        sqlx::query_scalar!(
            r#"select exists (select 1 from app.customers where company_id = $2 and id = $1 and deleted_at is null)
                 as "exists!""#,
            id,
            company_id
        )
        .fetch_one(&mut *ctx.tx)
        .await?
    } else {
        sqlx::query_scalar!(
            r#"select exists (select 1 from app.customers where company_id = $2 and id = $1) as "exists!""#,
            id,
            company_id
        )
        .fetch_one(&mut *ctx.tx)
        .await?
    };
    if visible {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
