//! The company's default job status, for whoever creates a job without naming
//! one (the job form, a job request's approval).

use uuid::Uuid;

use super::{context::Ctx, error::Result};

/// `requested`, or else the first status of the company's workflow. Read on
/// its own: Citus cannot route an INSERT whose values hold a subquery.
pub async fn or_first(ctx: &mut Ctx, requested: Option<Uuid>) -> Result<Option<Uuid>> {
    if requested.is_some() {
        return Ok(requested);
    }
    Ok(sqlx::query_scalar!(
        "select id from app.job_statuses where company_id = $1 order by order_index, id limit 1",
        ctx.user.company_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?)
}
