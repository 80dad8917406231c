//! The portal report: job requests per week, by state, for the admin's
//! dashboard chart.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Role;
use crate::http::shared::{
    context::Ctx,
    error::{Error, Problem, Result},
    extract::{AppJson, AppQuery},
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// How many weeks back, this one included (1 to 104; default 12).
    pub weeks: Option<i32>,
}

/// The requests created in one week (from Monday, UTC) that are now in one state.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekCount {
    pub week: NaiveDate,
    /// `draft`, `submitted`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
    pub count: i64,
}

/// Job requests per week and state (admins), oldest week first; weeks
/// without requests are left out.
#[utoipa::path(
    get, path = "/api/v1/portal-report", tag = "job-requests",
    params(ReportParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Counts per week and state", body = Vec<WeekCount>),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "`weeks` out of range", body = Problem),
    )
)]
pub(super) async fn portal_report(
    mut ctx: Ctx,
    AppQuery(params): AppQuery<ReportParams>,
) -> Result<AppJson<Vec<WeekCount>>> {
    ctx.require(&[Role::Admin])?;
    let weeks = params.weeks.unwrap_or(12);
    if !(1..=104).contains(&weeks) {
        return Err(Error::field("weeks", "must be 1 to 104"));
    }
    let rows = sqlx::query_as!(
        WeekCount,
        r#"select date_trunc('week', created_at at time zone 'UTC')::date as "week!", state as "state!",
                  count(*) as "count!"
           from app.job_requests
           where company_id = $1
             and created_at >= date_trunc('week', now() at time zone 'UTC') at time zone 'UTC'
                               - make_interval(weeks => $2 - 1)
           group by 1, 2
           order by 1, 2"#,
        ctx.user.company_id,
        weeks,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(AppJson(rows))
}
