//! Whether the caller can see a job: the one check that the job's own routes
//! and every route under it (tasks, notes, share links, history, timeline)
//! make before they act. The job's policies decide; a job of another company,
//! or one a worker is not assigned, is simply not there (404, never 403).

use uuid::Uuid;

use super::{context::Ctx, Error, Result};

/// Whether job `id` is visible to the caller.
pub async fn job_visible(ctx: &mut Ctx, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from app.jobs where company_id = $2 and id = $1) as "exists!""#,
        id,
        ctx.user.company_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?)
}

/// Answers 404 unless job `id` is visible to the caller.
pub async fn require_job_visible(ctx: &mut Ctx, id: Uuid) -> Result<()> {
    if job_visible(ctx, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
