//! The sender: a task of `fieldops serve` that delivers due mail.
//!
//! Each round asks which mails are due (`auth.mail_due`, every company's) and
//! claims them one at a time (`auth.mail_claim`: `FOR UPDATE SKIP LOCKED`, by
//! company and id), which marks the mail `sending` for a lease. Only then is it
//! delivered, outside any transaction, and the outcome recorded. A replica
//! that finds a mail claimed skips it, so several replicas never send one mail
//! twice; a sender that dies mid-delivery leaves the mail due again when the
//! lease ends (delivery is at least once, as with any SMTP client).
//!
//! A failed attempt is retried after `retry_base`, doubling each time up to
//! `retry_max`; after `max_attempts` the mail is `failed` and an error is
//! logged. All of it runs over the sign-in pool, as `fieldops_login`.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use sqlx::PgPool;
use uuid::Uuid;

use super::Wake;
use crate::config::{MailConfig, MailTransport};

/// How long a claimed mail is left to its sender before others may try it:
/// well beyond the SMTP timeout, so a slow delivery is never sent twice.
const LEASE: Duration = Duration::from_secs(300);
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);
/// Mails claimed per round; the next round follows at once while there were any.
const BATCH: i32 = 20;

enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Directory(PathBuf),
}

pub struct Sender {
    db: PgPool,
    transport: Transport,
    from: Mailbox,
    config: MailConfig,
}

/// A claimed mail.
struct Claimed {
    company_id: Uuid,
    id: Uuid,
    kind: String,
    recipient: String,
    subject: String,
    text_body: String,
    html_body: String,
    attempts: i32,
}

impl Sender {
    /// `None` when no transport is configured (outside development without
    /// `SMTP_URL`): mail then waits in the outbox, and the start-up log says so.
    pub fn new(db: PgPool, config: &MailConfig) -> anyhow::Result<Option<Self>> {
        let transport = match &config.transport {
            MailTransport::Smtp(url) => Transport::Smtp(Box::new(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .context("SMTP_URL")?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            )),
            MailTransport::Directory(dir) => Transport::Directory(dir.clone()),
            MailTransport::Off => return Ok(None),
        };
        let from = config.from.parse().context("MAIL_FROM")?;
        Ok(Some(Sender { db, transport, from, config: config.clone() }))
    }

    /// Delivers due mail until the task is dropped: at once when `wake` is
    /// notified, else every poll interval.
    pub async fn run(self, wake: Wake) {
        let mut database_down = false;
        loop {
            match self.deliver_due().await {
                Ok(delivered) => {
                    if database_down {
                        tracing::info!("mail sender: the database is back");
                        database_down = false;
                    }
                    if delivered == BATCH as usize {
                        continue;
                    }
                }
                // Said once per outage, not every poll.
                Err(error) if !database_down => {
                    tracing::warn!(error = %format!("{error:#}"), "mail sender: cannot read the outbox");
                    database_down = true;
                }
                Err(_) => {}
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.config.poll_interval) => {}
            }
        }
    }

    /// One round: claims and delivers what is due now; answers how many it claimed.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let due =
            sqlx::query!(r#"select company_id as "company_id!", id as "id!" from auth.mail_due($1)"#, BATCH)
                .fetch_all(&self.db)
                .await?;
        let mut claimed_count = 0;
        for row in due {
            let Some(mail) = self.claim(row.company_id, row.id).await? else {
                continue;
            };
            claimed_count += 1;
            let outcome = self.deliver(&mail).await;
            self.record(&mail, outcome).await?;
        }
        Ok(claimed_count)
    }

    async fn claim(&self, company_id: Uuid, id: Uuid) -> anyhow::Result<Option<Claimed>> {
        let lease = sqlx::postgres::types::PgInterval::try_from(LEASE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let row = sqlx::query!(
            r#"select kind as "kind!", recipient as "recipient!", subject as "subject!",
                      text_body as "text_body!", html_body as "html_body!", attempts as "attempts!"
               from auth.mail_claim($1, $2, $3)"#,
            company_id,
            id,
            lease,
        )
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(|r| Claimed {
            company_id,
            id,
            kind: r.kind,
            recipient: r.recipient,
            subject: r.subject,
            text_body: r.text_body,
            html_body: r.html_body,
            attempts: r.attempts,
        }))
    }

    async fn deliver(&self, mail: &Claimed) -> anyhow::Result<()> {
        let to: Mailbox = mail.recipient.parse().context("the recipient is not a mail address")?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(mail.text_body.clone(), mail.html_body.clone()))
            .context("building the message")?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP")?;
            }
            Transport::Directory(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .with_context(|| format!("creating {}", dir.display()))?;
                let path =
                    dir.join(format!("{}-{}.eml", chrono::Utc::now().format("%Y%m%dT%H%M%S"), mail.id));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .with_context(|| format!("writing {}", path.display()))?;
                let file = std::path::absolute(&path).unwrap_or(path);
                // Development only: the links are what a developer clicks to
                // go on (a reset link signs in; this directory is theirs).
                tracing::info!(
                    kind = %mail.kind,
                    to = %mail.recipient,
                    file = %format!("file://{}", file.display()),
                    links = %links(&mail.text_body).join(" "),
                    "mail written"
                );
            }
        }
        Ok(())
    }

    async fn record(&self, mail: &Claimed, outcome: anyhow::Result<()>) -> anyhow::Result<()> {
        match outcome {
            Ok(()) => {
                sqlx::query!("select auth.mail_delivered($1, $2)", mail.company_id, mail.id)
                    .execute(&self.db)
                    .await?;
                crate::metrics::mail_sent();
                tracing::info!(mail_id = %mail.id, company_id = %mail.company_id, kind = %mail.kind, "mail sent");
            }
            Err(error) => {
                let error = format!("{error:#}");
                let retry_in = retry_delay(&self.config, mail.attempts);
                let interval = retry_in
                    .map(sqlx::postgres::types::PgInterval::try_from)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                sqlx::query!(
                    "select auth.mail_failed($1, $2, $3, $4)",
                    mail.company_id,
                    mail.id,
                    error,
                    interval
                )
                .execute(&self.db)
                .await?;
                match retry_in {
                    Some(wait) => {
                        crate::metrics::mail_retried();
                        tracing::warn!(
                            mail_id = %mail.id, company_id = %mail.company_id, kind = %mail.kind,
                            attempts = mail.attempts, retry_in_secs = wait.as_secs_f64(), %error,
                            "mail not delivered; will retry"
                        );
                    }
                    None => {
                        crate::metrics::mail_failed();
                        tracing::error!(
                            mail_id = %mail.id, company_id = %mail.company_id, kind = %mail.kind,
                            attempts = mail.attempts, %error,
                            "mail given up after its last attempt (state failed; docs/operations.md says how to retry)"
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

/// The wait before the next attempt after `attempts` failed ones, or `None`
/// when that was the last: `retry_base`, doubling, at most `retry_max`.
pub fn retry_delay(config: &MailConfig, attempts: i32) -> Option<Duration> {
    let attempts = u32::try_from(attempts).unwrap_or(0).max(1);
    if attempts >= config.max_attempts {
        return None;
    }
    let factor = 2u32.saturating_pow(attempts - 1);
    Some(config.retry_base.saturating_mul(factor).min(config.retry_max))
}

/// The http(s) links of a plain-text body.
fn links(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(max_attempts: u32) -> MailConfig {
        MailConfig {
            transport: MailTransport::Off,
            from: "a@b.test".into(),
            max_attempts,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(300),
            poll_interval: Duration::from_secs(5),
        }
    }

    #[test]
    fn retries_double_up_to_the_cap_and_stop_at_the_limit() {
        let c = config(6);
        let waits: Vec<Option<u64>> = (1..=6).map(|n| retry_delay(&c, n).map(|d| d.as_secs())).collect();
        assert_eq!(waits, [Some(30), Some(60), Some(120), Some(240), Some(300), None]);
        assert_eq!(retry_delay(&config(1), 1), None, "one attempt allowed: no retry");
    }

    #[test]
    fn the_log_shows_a_bodys_links() {
        assert_eq!(
            links("open\n\nhttps://x.test/a?b=c\n\nor http://y.test"),
            ["https://x.test/a?b=c", "http://y.test"]
        );
    }
}
