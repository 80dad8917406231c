//! The portal report for the admin's dashboard: job requests per week by
//! state, and the portal per week (registrations, submissions, decisions,
//! approval time) with the rejection reasons.

use chrono::{Datelike, NaiveDate};
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

impl ReportParams {
    fn weeks(&self) -> Result<i32> {
        let weeks = self.weeks.unwrap_or(12);
        if !(1..=104).contains(&weeks) {
            return Err(Error::field("weeks", "must be 1 to 104"));
        }
        Ok(weeks)
    }
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
    let weeks = params.weeks()?;
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

/// One week (from Monday, UTC) of the portal: who registered, what was
/// submitted, and how long approvals took.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalWeek {
    pub week: NaiveDate,
    /// Portal registrations made that week (any state now).
    pub registrations: i64,
    /// Requests submitted that week.
    pub submitted: i64,
    /// Requests approved that week.
    pub approved: i64,
    /// Requests rejected that week.
    pub rejected: i64,
    /// Of the week's approvals, the median hours from submission to approval.
    pub approval_hours_median: Option<f64>,
    /// Of the week's approvals, the 90th percentile hours.
    pub approval_hours_p90: Option<f64>,
}

/// A rejection reason and how often it was given in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
}

/// The portal report of the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalOverview {
    /// Every week of the period, oldest first, empty weeks included.
    pub weeks: Vec<PortalWeek>,
    /// The rejection reasons of the period, most frequent first (at most 20).
    pub rejection_reasons: Vec<ReasonCount>,
}

/// The portal per week (admins): registrations, requests submitted,
/// approvals and rejections, approval time (median and 90th percentile), and
/// the period's rejection reasons.
#[utoipa::path(
    get, path = "/api/v1/portal-report/weekly", tag = "job-requests",
    params(ReportParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The period's weeks and rejection reasons", body = PortalOverview),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 422, description = "`weeks` out of range", body = Problem),
    )
)]
pub(super) async fn portal_overview(
    mut ctx: Ctx,
    AppQuery(params): AppQuery<ReportParams>,
) -> Result<AppJson<PortalOverview>> {
    ctx.require(&[Role::Admin])?;
    let weeks = params.weeks()?;
    let today = chrono::Utc::now().date_naive();
    let this_monday = today - chrono::Days::new(u64::from(today.weekday().num_days_from_monday()));
    let first = this_monday - chrono::Days::new(7 * u64::try_from(weeks - 1).unwrap_or(0));
    let company_id = ctx.user.company_id;
    // What started in each week: registrations by when they were made,
    // requests by when they were submitted.
    let started = sqlx::query!(
        r#"select 'registrations' as "kind!", date_trunc('week', created_at at time zone 'UTC')::date as "week!",
                  count(*) as "count!"
           from app.portal_accounts
           where company_id = $1 and created_at >= $2::date::timestamp at time zone 'UTC'
           group by 2
           union all
           select 'submitted', date_trunc('week', submitted_at at time zone 'UTC')::date, count(*)
           from app.job_requests
           where company_id = $1 and submitted_at >= $2::date::timestamp at time zone 'UTC'
           group by 2"#,
        company_id,
        first,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    // Decisions by the week they were made in; the approval time of each is
    // from its submission.
    let decided = sqlx::query!(
        r#"select date_trunc('week', decided_at at time zone 'UTC')::date as "week!",
                  count(*) filter (where state = 'approved') as "approved!",
                  count(*) filter (where state = 'rejected') as "rejected!",
                  percentile_cont(0.5) within group (order by extract(epoch from decided_at - submitted_at) / 3600)
                    filter (where state = 'approved') as "median?: f64",
                  percentile_cont(0.9) within group (order by extract(epoch from decided_at - submitted_at) / 3600)
                    filter (where state = 'approved') as "p90?: f64"
           from app.job_requests
           where company_id = $1 and state in ('approved', 'rejected') and submitted_at is not null
             and decided_at >= $2::date::timestamp at time zone 'UTC'
           group by 1"#,
        company_id,
        first,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let rejection_reasons = sqlx::query_as!(
        ReasonCount,
        r#"select btrim(rejected_reason) as "reason!", count(*) as "count!"
           from app.job_requests
           where company_id = $1 and state = 'rejected' and rejected_reason is not null
             and decided_at >= $2::date::timestamp at time zone 'UTC'
           group by 1
           order by 2 desc, 1
           limit 20"#,
        company_id,
        first,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let weeks = (0..u64::try_from(weeks).unwrap_or(0))
        .map(|n| first + chrono::Days::new(7 * n))
        .map(|week| {
            let count =
                |kind: &str| started.iter().find(|r| r.kind == kind && r.week == week).map_or(0, |r| r.count);
            let decision = decided.iter().find(|d| d.week == week);
            PortalWeek {
                week,
                registrations: count("registrations"),
                submitted: count("submitted"),
                approved: decision.map_or(0, |d| d.approved),
                rejected: decision.map_or(0, |d| d.rejected),
                approval_hours_median: decision.and_then(|d| d.median).map(round1),
                approval_hours_p90: decision.and_then(|d| d.p90).map(round1),
            }
        })
        .collect();
    Ok(AppJson(PortalOverview { weeks, rejection_reasons }))
}

/// Hours to a tenth: what a chart shows.
fn round1(hours: f64) -> f64 {
    (hours * 10.0).round() / 10.0
}
