//! Mail that really leaves: the outbox, its sender and password reset, against
//! a real SMTP server (scripts/test/smtp-sink.py, aiosmtpd) that stores every
//! message it accepts. The server is stopped and started again mid-run to
//! show that nothing is lost.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use fieldops::mail::{outbox, Mail};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app_configured, TestApp, PASSWORD};

const STRONG: &str = "violet tractor hums beside quiet lanterns";

/// The SMTP server of one test: a port of its own and a directory of messages.
struct SmtpSink {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/test-smtp/{}", Uuid::new_v4()));
        let mut sink = SmtpSink { port: free_port(), dir, child: None };
        sink.resume().await;
        sink
    }

    /// Starts the server (again) on the same port and directory.
    async fn resume(&mut self) {
        // One at a time: the first start may create target/venv, which
        // concurrent starts would race for.
        static STARTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _turn = STARTING.lock().await;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(root.join("scripts/setup/python-env.sh"))
            .arg("python3")
            .arg(root.join("scripts/test/smtp-sink.py"))
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting scripts/test/smtp-sink.py");
        let stdout = child.stdout.take().expect("the sink's stdout");
        let mut lines = BufReader::new(stdout).lines();
        // The first run may install aiosmtpd into target/venv.
        let ready = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
            .await
            .expect("the SMTP sink starts within 5 minutes")
            .expect("the sink's output");
        assert_eq!(ready.as_deref(), Some(format!("ready {}", self.port).as_str()));
        self.child = Some(child);
    }

    /// Stops the server at once, as a crash or an outage would.
    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("stopping the SMTP sink");
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    fn messages(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                serde_json::from_slice(&std::fs::read(p).expect("a message")).expect("the message's JSON")
            })
            .collect()
    }

    /// Waits until at least `count` messages arrived.
    async fn wait_for(&self, count: usize) -> Vec<Value> {
        for _ in 0..300 {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{count} messages did not arrive in 30 s: {:?}", self.messages());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on now: bound, then released.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// An app that delivers to `sink`, retrying fast.
async fn app_with(sink: &SmtpSink, extra: &[(&str, &str)]) -> TestApp {
    let url = sink.url();
    let mut settings = vec![
        ("SMTP_URL", url.as_str()),
        ("MAIL_FROM", "FieldOps Test <no-reply@fieldops.test>"),
        ("MAIL_POLL_SECONDS", "0.2"),
        ("MAIL_RETRY_SECONDS", "0.2"),
        ("MAIL_RETRY_MAX_SECONDS", "0.5"),
        ("PUBLIC_URL", "http://app.test"),
    ];
    settings.extend_from_slice(extra);
    spawn_app_configured(axum::Router::new(), &settings).await
}

async fn ask_reset(app: &TestApp, company: &str, email: &str) -> StatusCode {
    app.request(
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some(json!({"company": company, "email": email})),
    )
    .await
    .status
}

async fn confirm(app: &TestApp, token: &str, new_password: &str) -> crate::helpers::Reply {
    app.request(
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(json!({"token": token, "new_password": new_password})),
    )
    .await
}

/// The token of a reset mail's link.
fn token_in(message: &Value) -> String {
    let text = message["text"].as_str().expect("a plain-text part");
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http://app.test/reset-password#token="))
        .unwrap_or_else(|| panic!("no reset link in {text}"));
    link.trim_start_matches("http://app.test/reset-password#token=").to_owned()
}

fn test_mail(subject: &str) -> Mail {
    Mail {
        kind: "test",
        to: "someone@example.test".to_owned(),
        subject: subject.to_owned(),
        text: format!("{subject}\n"),
        html: format!("<p>{subject}</p>"),
    }
}

/// Queues mails in one committed transaction, as a change that causes them would.
async fn queue(app: &TestApp, company_id: Uuid, subjects: &[String]) {
    let mut tx = app.login.begin().await.expect("a transaction of the sign-in role");
    for subject in subjects {
        outbox::enqueue(&mut tx, company_id, &test_mail(subject)).await.expect("queued");
    }
    tx.commit().await.expect("committed");
}

async fn outbox_states(app: &TestApp, company_id: Uuid) -> Vec<(String, String, i32, Option<String>)> {
    sqlx::query_as(
        "select subject, state, attempts, last_error from app.mail_outbox where company_id = $1 order by subject",
    )
    .bind(company_id)
    .fetch_all(&app.owner)
    .await
    .expect("the outbox")
}

#[tokio::test]
async fn a_reset_mail_arrives_and_its_link_sets_a_new_password_once_ending_every_session() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink, &[]).await;
    let acme = app.company("acme").await;
    let second_session = app.login("acme", "admin@acme.test").await;

    assert_eq!(ask_reset(&app, "acme", "admin@acme.test").await, StatusCode::ACCEPTED);
    // No account, same answer, and no mail.
    assert_eq!(ask_reset(&app, "acme", "nobody@acme.test").await, StatusCode::ACCEPTED);
    assert_eq!(ask_reset(&app, "no-such-company", "admin@acme.test").await, StatusCode::ACCEPTED);

    let messages = sink.wait_for(1).await;
    let mail = &messages[0];
    assert_eq!(mail["rcpt_tos"], json!(["admin@acme.test"]));
    assert_eq!(mail["mail_from"], "no-reply@fieldops.test");
    assert!(mail["subject"].as_str().is_some_and(|s| s.contains("Company acme")), "{mail}");
    assert!(mail["html"]
        .as_str()
        .is_some_and(|h| h.contains("#123456") && h.contains("reset-password#token=")));
    let token = token_in(mail);

    // A weak password is refused with the estimator's advice; the link still works.
    let weak = confirm(&app, &token, "password123").await;
    assert_problem(&weak, StatusCode::UNPROCESSABLE_ENTITY);
    let advice = weak.body["errors"]["new_password"].as_array().expect("advice");
    assert!(!advice.is_empty(), "{:?}", weak.body);
    let personal = confirm(&app, &token, "acmeadmin").await;
    assert_problem(&personal, StatusCode::UNPROCESSABLE_ENTITY);

    let done = confirm(&app, &token, STRONG).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);

    // Every session of the user ended: access and refresh tokens alike.
    for session in [&acme.admin, &second_session] {
        assert_eq!(app.get("/api/v1/auth/me", &session.access).await.status, StatusCode::UNAUTHORIZED);
        let refreshed = app
            .request(
                Method::POST,
                "/api/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": session.refresh})),
            )
            .await;
        assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
    }
    // Other users keep theirs.
    assert_eq!(app.get("/api/v1/auth/me", &acme.worker.access).await.status, StatusCode::OK);
    assert_eq!(app.login_reply("acme", "admin@acme.test", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.login_reply("acme", "admin@acme.test", STRONG).await.status, StatusCode::OK);

    // Single use.
    let again = confirm(&app, &token, "another fine passphrase for later").await;
    assert_problem(&again, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body["errors"]["token"].is_array(), "{:?}", again.body);
    assert_eq!(app.login_reply("acme", "admin@acme.test", STRONG).await.status, StatusCode::OK);

    let states = outbox_states(&app, acme.id).await;
    assert_eq!(states.len(), 1, "one mail for one known account: {states:?}");
    assert_eq!((states[0].1.as_str(), states[0].2), ("sent", 1));
    assert_eq!(sink.messages().len(), 1);
    let reasons: Vec<String> = sqlx::query_scalar(
        "select distinct revoked_reason from app.sessions
         where company_id = $1 and user_id = $2 and revoked_at is not null",
    )
    .bind(acme.id)
    .bind(acme.admin.user_id)
    .fetch_all(&app.owner)
    .await
    .expect("sessions");
    assert_eq!(reasons, ["password reset"]);
}

#[tokio::test]
async fn expired_malformed_and_other_company_tokens_are_refused() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink, &[]).await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;

    assert_eq!(ask_reset(&app, "acme", "admin@acme.test").await, StatusCode::ACCEPTED);
    let first = token_in(&sink.wait_for(1).await[0]);
    sqlx::query(
        "update app.password_reset_tokens set expires_at = now() - interval '1 second' where company_id = $1",
    )
    .bind(acme.id)
    .execute(&app.owner)
    .await
    .expect("expiring the token");
    let expired = confirm(&app, &first, STRONG).await;
    assert_problem(&expired, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(expired.body["errors"]["token"].is_array());

    assert_eq!(ask_reset(&app, "acme", "admin@acme.test").await, StatusCode::ACCEPTED);
    let live = token_in(&sink.wait_for(2).await[1]);
    // The same token naming company B (the digest covers it: unknown there and here).
    let mut bytes = URL_SAFE_NO_PAD.decode(&live).expect("base64url");
    bytes[..16].copy_from_slice(bolt.id.as_bytes());
    let moved = URL_SAFE_NO_PAD.encode(bytes);
    let zeros = "A".repeat(64);
    let forged_tokens: [&str; 4] = [&moved, "short", &zeros, &live[..43]];
    for forged in forged_tokens {
        let reply = confirm(&app, forged, STRONG).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"]["token"].is_array(), "{forged}: {:?}", reply.body);
    }
    assert_eq!(app.login_reply("bolt", "admin@bolt.test", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/auth/me", &bolt.admin.access).await.status, StatusCode::OK);
    // A's own live token still works after all that.
    assert_eq!(confirm(&app, &live, STRONG).await.status, StatusCode::NO_CONTENT);
    // And spent the expired one's siblings: nothing of the user is left to use.
    let unused: i64 = sqlx::query_scalar(
        "select count(*) from app.password_reset_tokens where company_id = $1 and used_at is null",
    )
    .bind(acme.id)
    .fetch_one(&app.owner)
    .await
    .expect("tokens");
    assert_eq!(unused, 0);
}

#[tokio::test]
async fn requests_are_throttled_per_account_and_address_with_retry_after() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink, &[("PASSWORD_RESETS_PER_HOUR", "2")]).await;
    app.company("acme").await;
    for _ in 0..2 {
        assert_eq!(ask_reset(&app, "acme", "admin@acme.test").await, StatusCode::ACCEPTED);
    }
    let refused = app
        .request(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"company": "ACME", "email": " Admin@acme.test"})),
        )
        .await;
    assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry_after > 0 && retry_after <= 3600, "{retry_after}");
    // The address is used up too, for any account; sign-in is not affected.
    assert_eq!(ask_reset(&app, "acme", "nobody@acme.test").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.login_reply("acme", "admin@acme.test", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(sink.wait_for(2).await.len(), 2);
}

#[tokio::test]
async fn a_rolled_back_change_sends_nothing_and_two_senders_never_send_one_mail_twice() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink, &[]).await;
    let acme = app.company("acme").await;

    let mut tx = app.login.begin().await.expect("transaction");
    outbox::enqueue(&mut tx, acme.id, &test_mail("rolled back")).await.expect("queued");
    tx.rollback().await.expect("rolled back");

    // Three replicas deliver the same outbox.
    app.second_instance().await;
    app.second_instance().await;
    let subjects: Vec<String> = (0..40).map(|n| format!("mail {n:02}")).collect();
    queue(&app, acme.id, &subjects).await;

    let messages = sink.wait_for(subjects.len()).await;
    // Time for a late duplicate to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut received: Vec<String> =
        sink.messages().iter().map(|m| m["subject"].as_str().expect("subject").to_owned()).collect();
    received.sort();
    assert_eq!(received, subjects, "every mail exactly once, and not the rolled-back one");
    assert!(messages.iter().all(|m| m["rcpt_tos"] == json!(["someone@example.test"])));
    let states = outbox_states(&app, acme.id).await;
    assert_eq!(states.len(), subjects.len(), "the rolled-back mail was never in the outbox");
    assert!(states.iter().all(|(_, state, attempts, _)| state == "sent" && *attempts == 1), "{states:?}");
}

#[tokio::test]
async fn mail_waits_out_an_smtp_outage_and_is_delivered_when_the_server_is_back() {
    let mut sink = SmtpSink::start().await;
    let app = app_with(&sink, &[("MAIL_MAX_ATTEMPTS", "100")]).await;
    let acme = app.company("acme").await;
    queue(&app, acme.id, &["before the outage".to_owned()]).await;
    sink.wait_for(1).await;

    sink.stop().await;
    let during: Vec<String> = (0..3).map(|n| format!("during the outage {n}")).collect();
    queue(&app, acme.id, &during).await;
    // Attempts fail, are recorded and retried with backoff; nothing is lost.
    for _ in 0..300 {
        let states = outbox_states(&app, acme.id).await;
        let failing = states
            .iter()
            .filter(|(_, state, attempts, error)| state == "queued" && *attempts >= 2 && error.is_some());
        if failing.count() == during.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let states = outbox_states(&app, acme.id).await;
    assert!(
        states
            .iter()
            .filter(|(s, ..)| s.starts_with("during"))
            .all(|(_, state, attempts, error)| { state == "queued" && *attempts >= 2 && error.is_some() }),
        "{states:?}"
    );
    assert_eq!(sink.messages().len(), 1);

    sink.resume().await;
    let messages = sink.wait_for(1 + during.len()).await;
    let mut received: Vec<&str> = messages.iter().filter_map(|m| m["subject"].as_str()).collect();
    received.sort();
    assert_eq!(
        received,
        ["before the outage", "during the outage 0", "during the outage 1", "during the outage 2"]
    );
    for _ in 0..50 {
        if outbox_states(&app, acme.id).await.iter().all(|(_, state, ..)| state == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let states = outbox_states(&app, acme.id).await;
    assert!(states.iter().all(|(_, state, _, error)| state == "sent" && error.is_none()), "{states:?}");
}

#[tokio::test]
async fn a_mail_is_given_up_after_its_last_attempt() {
    let mut sink = SmtpSink::start().await;
    sink.stop().await;
    let app = app_with(&sink, &[("MAIL_MAX_ATTEMPTS", "3")]).await;
    let acme = app.company("acme").await;
    queue(&app, acme.id, &["never arrives".to_owned()]).await;
    let mut states = Vec::new();
    for _ in 0..300 {
        states = outbox_states(&app, acme.id).await;
        if states.iter().all(|(_, state, ..)| state == "failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(states.len(), 1);
    let (_, state, attempts, error) = &states[0];
    assert_eq!((state.as_str(), *attempts), ("failed", 3), "{states:?}");
    assert!(error.as_deref().is_some_and(|e| !e.is_empty()));
    // Given up means given up: the server coming back changes nothing.
    sink.resume().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(sink.messages().is_empty());
}

/// A request of `company`'s customer, submitted.
async fn submitted(app: &TestApp, company: &crate::helpers::Company, title: &str) -> Uuid {
    let id = crate::job_requests::draft(app, company, title).await.id();
    let reply =
        app.post(&format!("/api/v1/job-requests/{id}/submit"), &company.customer.access, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    id
}

/// `day` days from today (UTC) at `hour`:`minute`: a fixed time for the
/// digest, after every request the test makes (their ages are positive) and
/// never today's (the server's own digest task, running on the clock, cannot
/// take the test's days).
fn day_at(day: u64, hour: u32, minute: u32) -> chrono::DateTime<chrono::Utc> {
    let date = chrono::Utc::now().date_naive() + chrono::Days::new(day);
    date.and_hms_opt(hour, minute, 0).expect("a time of day").and_utc()
}

async fn digest(app: &TestApp, at: chrono::DateTime<chrono::Utc>) -> usize {
    fieldops::mail::digest::run_due(&app.login, "http://app.test", at).await.expect("the digest runs")
}

#[tokio::test]
async fn the_daily_digest_mails_the_chosen_admins_the_waiting_requests_once_a_day() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink, &[]).await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let chosen = app
        .put(
            "/api/v1/portal-digest",
            &acme.admin.access,
            json!({"hour": 8, "recipient_ids": [acme.admin.user_id]}),
        )
        .await;
    assert_eq!(chosen.status, StatusCode::OK, "{:?}", chosen.body);
    assert_eq!(chosen.body["hour"], 8);
    let reply = app
        .put(
            "/api/v1/portal-digest",
            &globex.admin.access,
            json!({"hour": 6, "recipient_ids": [globex.admin.user_id]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    // Day 1: nothing waits anywhere. The day is claimed, nobody is mailed.
    assert_eq!(digest(&app, day_at(1, 7, 59)).await, 0, "before acme's hour; globex has nothing");
    assert_eq!(digest(&app, day_at(1, 8, 0)).await, 0);
    let runs: Vec<(Uuid, i32, i32)> =
        sqlx::query_as("select company_id, requests, mails from app.digest_runs order by company_id")
            .fetch_all(&app.owner)
            .await
            .expect("runs");
    assert_eq!(runs.len(), 2, "each company's day 1 is claimed: {runs:?}");
    assert!(runs.iter().all(|(_, requests, mails)| *requests == 0 && *mails == 0), "{runs:?}");

    let first = submitted(&app, &acme, "Leaking tap").await;
    let second = submitted(&app, &acme, "Broken <boiler>").await;
    crate::job_requests::draft(&app, &acme, "Still a draft").await;
    submitted(&app, &globex, "Globex gutter").await;
    // Requests now wait, but day 1's digest ran already.
    assert_eq!(digest(&app, day_at(1, 23, 0)).await, 0, "never twice the same day");

    // Day 2, two replicas at once: one of them queues each company's mail.
    let (a, b) = tokio::join!(digest(&app, day_at(2, 8, 30)), digest(&app, day_at(2, 8, 30)));
    assert_eq!(a + b, 2, "one mail per company, whichever replica claimed it");
    // Three "request received" mails to the customers, then the two digests.
    sink.wait_for(5).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let messages: Vec<Value> = sink
        .messages()
        .into_iter()
        .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains("for review")))
        .collect();
    assert_eq!(messages.len(), 2, "no duplicate: {messages:?}");
    let to_acme = messages
        .iter()
        .find(|m| m["rcpt_tos"] == json!(["admin@acme.test"]))
        .unwrap_or_else(|| panic!("acme's digest in {messages:?}"));
    assert_eq!(to_acme["subject"], "2 job requests wait for review (Company acme)");
    let text = to_acme["text"].as_str().expect("a text part");
    // Submitted a moment ago: at day 2, 08:30 the age is one or two whole
    // days, by the time of day the test runs.
    let days = (day_at(2, 8, 30) - chrono::Utc::now()).num_days();
    let age = if days == 1 { "1 day".to_owned() } else { format!("{days} days") };
    let leak = text
        .find(&format!("Leaking tap (Customer of acme, waiting {age})"))
        .unwrap_or_else(|| panic!("the first request, waiting {age}, in {text}"));
    let boiler = text.find("Broken <boiler> (Customer of acme").expect("the second request");
    assert!(leak < boiler, "oldest first: {text}");
    assert!(text.contains(&format!("http://app.test/admin/requests/{first}")));
    assert!(text.contains(&format!("http://app.test/admin/requests/{second}")));
    assert!(!text.contains("Still a draft") && !text.contains("Globex"), "{text}");
    let html = to_acme["html"].as_str().expect("an HTML part");
    assert!(html.contains("Broken &lt;boiler&gt;") && !html.contains("<boiler>"));
    let to_globex =
        messages.iter().find(|m| m["rcpt_tos"] == json!(["admin@globex.test"])).expect("globex's");
    assert!(to_globex["text"]
        .as_str()
        .is_some_and(|t| t.contains("Globex gutter") && !t.contains("Leaking")));

    let seen = app.get("/api/v1/portal-digest", &acme.admin.access).await;
    assert_eq!(seen.body["last_run"]["requests"], 2, "{:?}", seen.body);
    assert_eq!(seen.body["last_run"]["mails"], 1);

    // Nobody chosen: no mail, whatever waits.
    let none =
        app.put("/api/v1/portal-digest", &acme.admin.access, json!({"hour": 8, "recipient_ids": []})).await;
    assert_eq!(none.body["recipient_ids"], json!([]));
    assert_eq!(digest(&app, day_at(3, 9, 0)).await, 1, "globex's only");
}

#[tokio::test]
async fn only_admins_choose_admins_of_their_own_company() {
    let app = spawn_app_configured(axum::Router::new(), &[]).await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let admin = &acme.admin.access;
    let defaults = app.get("/api/v1/portal-digest", admin).await;
    assert_eq!(defaults.body, json!({"hour": 7, "recipient_ids": [], "last_run": null}));
    for (body, field) in [
        (json!({"hour": 24, "recipient_ids": []}), "hour"),
        (json!({"hour": 8, "recipient_ids": [acme.worker.user_id]}), "recipient_ids"),
        (json!({"hour": 8, "recipient_ids": [acme.customer.user_id]}), "recipient_ids"),
        (json!({"hour": 8, "recipient_ids": [globex.admin.user_id]}), "recipient_ids"),
        (json!({"hour": 8, "recipient_ids": [acme.admin.user_id, acme.admin.user_id]}), "recipient_ids"),
    ] {
        let reply = app.put("/api/v1/portal-digest", admin, body.clone()).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"][field].is_array(), "{body}: {:?}", reply.body);
    }
    assert_problem(
        &app.put("/api/v1/portal-digest", admin, json!({"hour": 8, "recipients": []})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/portal-digest", token).await, StatusCode::FORBIDDEN);
        assert_problem(
            &app.put("/api/v1/portal-digest", token, json!({"hour": 8, "recipient_ids": []})).await,
            StatusCode::FORBIDDEN,
        );
    }
    let count: i64 = sqlx::query_scalar("select count(*) from app.digest_recipients")
        .fetch_one(&app.owner)
        .await
        .expect("count");
    assert_eq!(count, 0, "nothing refused was saved");
    // The hour lives with the portal settings, which keep the rest.
    let saved = app
        .put("/api/v1/portal-digest", admin, json!({"hour": 5, "recipient_ids": [acme.admin.user_id]}))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let settings = app.get("/api/v1/portal-settings", admin).await;
    assert_eq!(settings.body["registration_mode"], "invitation");
    assert_eq!(app.get("/api/v1/portal-digest", &globex.admin.access).await.body["recipient_ids"], json!([]));
}

#[tokio::test]
async fn an_invitation_mail_arrives_in_the_company_colours_and_its_link_makes_the_membership() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink, &[]).await;
    let acme = app.company("acme").await;
    let invited = app
        .post(
            "/api/v1/invitations",
            &acme.admin.access,
            json!({"email": "new.hire@people.test", "role": "WORKER"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);

    let messages = sink.wait_for(1).await;
    let mail = &messages[0];
    assert_eq!(mail["rcpt_tos"], json!(["new.hire@people.test"]));
    assert!(mail["subject"].as_str().is_some_and(|s| s.contains("Company acme")), "{mail}");
    assert!(mail["html"].as_str().is_some_and(|h| h.contains("#123456")), "{mail}");
    let text = mail["text"].as_str().expect("a plain-text part");
    let marker = "http://app.test/invitations/accept#token=";
    let token = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix(marker))
        .unwrap_or_else(|| panic!("no invitation link in {text}"));

    let accepted = app
        .request(
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({"token": token, "name": "New Hire", "password": STRONG})),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{:?}", accepted.body);
    assert_eq!(app.login_reply("acme", "new.hire@people.test", STRONG).await.status, StatusCode::OK);
    let states = outbox_states(&app, acme.id).await;
    assert_eq!(states.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(), ["sent"]);
}
