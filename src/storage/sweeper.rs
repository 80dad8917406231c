//! The sweeper: removes the objects of uploads that never finished (a crash,
//! a dropped connection the server could not clean up after) and of files
//! deleted longer ago than the retention period, then their rows. It runs in
//! every replica over the sign-in pool (auth.attachments_to_purge and
//! auth.attachment_purged, migration 0028); two replicas removing the same
//! object is harmless.
//!
//! Objects go first, the row last: a row is never left pointing at a missing
//! object, and an object whose removal failed keeps its row for the next
//! round. A pending row is swept only when older than any upload may take
//! (`ATTACHMENT_PENDING_SECONDS`); an upload that finishes later is refused
//! at its last step, which checks the same age.

use std::time::Duration;

use sqlx::postgres::types::PgInterval;

use super::Storage;

/// How many files one round handles; the next round takes the rest.
const BATCH: i32 = 200;

/// Sweeps once; returns how many files were removed.
pub async fn sweep(db: &sqlx::PgPool, storage: &Storage) -> anyhow::Result<usize> {
    let pending = interval(storage.config.pending_timeout)?;
    let retention = interval(storage.config.retention)?;
    let due = sqlx::query!(
        r#"select company_id as "company_id!", id as "id!", storage_key as "storage_key!",
                  thumb_small_key, thumb_medium_key
             from auth.attachments_to_purge($1, $2, $3)"#,
        pending,
        retention,
        BATCH
    )
    .fetch_all(db)
    .await?;
    let mut removed = 0;
    for file in due {
        let keys = [Some(file.storage_key), file.thumb_small_key, file.thumb_medium_key];
        let mut gone = true;
        for key in keys.iter().flatten() {
            if let Err(error) = storage.remove(key).await {
                tracing::warn!(%error, attachment = %file.id, "removing an attachment's object failed");
                gone = false;
            }
        }
        if gone
            && sqlx::query_scalar!(
                r#"select auth.attachment_purged($1, $2, $3, $4) as "purged!""#,
                file.company_id,
                file.id,
                pending,
                retention
            )
            .fetch_one(db)
            .await?
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Sweeps every `sweep_interval` until the server stops.
pub async fn run(db: sqlx::PgPool, storage: Storage) {
    let mut every = tokio::time::interval(storage.config.sweep_interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match sweep(&db, &storage).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "expired and unfinished attachments removed"),
            Err(error) => tracing::warn!(error = %format!("{error:#}"), "sweeping attachments failed"),
        }
    }
}

pub fn interval(duration: Duration) -> anyhow::Result<PgInterval> {
    PgInterval::try_from(duration).map_err(|e| anyhow::anyhow!("{e}"))
}
