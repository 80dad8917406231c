//! The daily digest of waiting job requests: a task of `fieldops serve` that,
//! once a day per company, queues one mail per chosen admin listing the
//! submitted requests oldest first (db/migrations/0038).
//!
//! Every replica runs it. A company's day is claimed by inserting its row in
//! `app.digest_runs` (`auth.digest_claim`, `ON CONFLICT DO NOTHING`) in the
//! same transaction that queues the mails: a replica that loses the race
//! inserts nothing and queues nothing, and a run that fails rolls its claim
//! back with its mails, so the next round tries again. All of it runs over
//! the sign-in pool, as `fieldops_login`, through functions that name the
//! company they read.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{outbox, templates, Wake};

/// How often the task asks which companies are due: a digest goes out within
/// this long after its hour.
const CHECK_EVERY: Duration = Duration::from_secs(300);
/// Requests listed in one mail; the rest are counted ("…and 12 more").
const LISTED: usize = 50;
/// Requests read per company: a queue longer than this is a backlog the
/// mail's count understates, not one to load whole into memory.
const READ: i32 = 1000;

/// Queues the digests due at `now` (tests pass a fixed time); answers how
/// many mails were queued. Call [`Wake::notify`] afterwards.
pub async fn run_due(db: &PgPool, public_url: &str, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let due = sqlx::query!(
        r#"select company_id as "company_id!", digest_date as "digest_date!", company_name as "company_name!",
                  company_color as "company_color!"
           from auth.digests_due($1)"#,
        now
    )
    .fetch_all(db)
    .await?;
    let mut queued = 0;
    for company in due {
        let mut tx = db.begin().await?;
        let claimed = sqlx::query_scalar!(
            r#"select auth.digest_claim($1, $2) as "claimed!""#,
            company.company_id,
            company.digest_date
        )
        .fetch_one(&mut *tx)
        .await?;
        if !claimed {
            continue;
        }
        // Up to READ of them: the first LISTED are listed, the rest counted.
        let pending = sqlx::query!(
            r#"select id as "id!", title as "title!", customer_name as "customer_name!",
                      submitted_at as "submitted_at!"
               from auth.digest_pending($1, $2)"#,
            company.company_id,
            READ
        )
        .fetch_all(&mut *tx)
        .await?;
        let recipients = sqlx::query!(
            r#"select email as "email!", name as "name!" from auth.digest_recipients($1)"#,
            company.company_id
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut mails = 0;
        // Nothing waits: the day is claimed, and nobody is mailed.
        if !pending.is_empty() {
            let items: Vec<templates::DigestItem<'_>> = pending
                .iter()
                .take(LISTED)
                .map(|r| templates::DigestItem {
                    title: &r.title,
                    customer: &r.customer_name,
                    age: age(now - r.submitted_at),
                    link: format!("{public_url}/admin/requests/{}", r.id),
                })
                .collect();
            let more = pending.len().saturating_sub(items.len());
            let brand =
                templates::Brand { company_name: &company.company_name, color: &company.company_color };
            let queue = format!("{public_url}/admin/requests");
            for to in &recipients {
                let mail = templates::request_digest(&brand, &to.email, &to.name, &items, more, &queue);
                outbox::enqueue(&mut tx, company.company_id, &mail).await?;
                mails += 1;
            }
        }
        sqlx::query!(
            "select auth.digest_recorded($1, $2, $3, $4)",
            company.company_id,
            company.digest_date,
            i32::try_from(pending.len()).unwrap_or(i32::MAX),
            mails
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if mails > 0 {
            tracing::info!(company_id = %company.company_id, requests = pending.len(), mails, "request digest queued");
        }
        queued += usize::try_from(mails).unwrap_or(0);
    }
    Ok(queued)
}

/// Checks every few minutes until the server stops.
pub async fn run(db: PgPool, public_url: String, wake: Wake) {
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match run_due(&db, &public_url, Utc::now()).await {
            Ok(0) => {}
            Ok(_) => wake.notify(),
            Err(error) => tracing::warn!(error = %format!("{error:#}"), "the request digest failed"),
        }
    }
}

/// How long a request has waited, in the largest whole unit.
fn age(waited: chrono::TimeDelta) -> String {
    let (n, unit) = if waited.num_days() >= 1 {
        (waited.num_days(), "day")
    } else if waited.num_hours() >= 1 {
        (waited.num_hours(), "hour")
    } else {
        (waited.num_minutes().max(0), "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_is_said_in_its_largest_unit() {
        assert_eq!(age(chrono::TimeDelta::minutes(1)), "1 minute");
        assert_eq!(age(chrono::TimeDelta::minutes(59)), "59 minutes");
        assert_eq!(age(chrono::TimeDelta::hours(5)), "5 hours");
        assert_eq!(age(chrono::TimeDelta::hours(49)), "2 days");
        assert_eq!(age(chrono::TimeDelta::seconds(-5)), "0 minutes");
    }
}
