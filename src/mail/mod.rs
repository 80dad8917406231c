//! Mail that really leaves: a transactional outbox (issue #17).
//!
//! A mail is rendered from a template ([`templates`]) and written to
//! `app.mail_outbox` in the same transaction as the change that causes it
//! ([`outbox::enqueue`]): when that transaction rolls back, there is no mail.
//! The [`sender`] inside `fieldops serve` delivers what is due, over SMTP or to
//! a directory of `.eml` files in development, retries with backoff and gives
//! up loudly after a limit. docs/operations.md ("Mail") is the operator's view.

pub mod outbox;
pub mod sender;
pub mod templates;

use std::sync::Arc;

use tokio::sync::Notify;

/// A rendered mail, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// What it is, for operators (`password_reset`).
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The mail as a trigger takes it (subject, text, html), for the mails
    /// the database addresses itself in the statement that causes them
    /// (db/migrations/0022, 0030).
    pub fn for_trigger(&self) -> serde_json::Value {
        serde_json::json!({"subject": self.subject, "text": self.text, "html": self.html})
    }
}

/// Tells this process's sender that mail was queued, so it goes out at once
/// rather than at the next poll. Only a hint: a lost wake-up costs one poll
/// interval, and other replicas find the mail by polling.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    /// Call after the transaction that queued mail has committed.
    pub fn notify(&self) {
        self.0.notify_one();
    }

    async fn notified(&self) {
        self.0.notified().await;
    }
}
