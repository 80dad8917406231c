//! Sign-in throttling that neither a concurrent burst nor Unicode spellings of
//! an account can get around.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app_configured, TestApp, PASSWORD};

async fn login_from(
    app: &TestApp,
    forwarded_for: &str,
    company: &str,
    email: &str,
    password: &str,
) -> StatusCode {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"company": company, "email": email, "password": password}))
        .send()
        .await
        .expect("sent")
        .status()
}

/// Recorded attempts of one account key: each is one password verification
/// (the server verifies only after the database recorded the attempt).
async fn attempts_recorded(app: &TestApp, account_key: &str) -> i64 {
    sqlx::query_scalar("select count(*) from app.login_failures where account_key = $1")
        .bind(account_key)
        .fetch_one(&app.owner)
        .await
        .expect("count")
}

#[tokio::test]
async fn thirty_concurrent_guesses_at_one_account_cost_at_most_five_password_checks() {
    // Each guess from its own address, so only the per-account limit can hold.
    let app = spawn_app_configured(
        axum::Router::new(),
        &[("LOGIN_FAILURES_PER_MINUTE", "5"), ("TRUSTED_PROXIES", "127.0.0.1/32, ::1")],
    )
    .await;
    app.company("acme").await;

    let guesses = (0..30).map(|n| {
        let app = &app;
        async move { login_from(app, &format!("203.0.113.{n}"), "acme", "admin@acme.test", "guess").await }
    });
    let answers = join_all(guesses).await;
    let checked = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + throttled, 30, "{answers:?}");
    assert!(checked <= 5, "{checked} passwords were verified in the burst; the limit is 5");
    assert_eq!(attempts_recorded(&app, "acme:admin@acme.test").await, checked as i64);
    assert_eq!(
        login_from(&app, "198.51.100.1", "acme", "admin@acme.test", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the account waits out the minute, right password or not"
    );
}

#[tokio::test]
async fn every_spelling_that_reaches_an_account_counts_against_that_account() {
    let app = spawn_app_configured(
        axum::Router::new(),
        &[("LOGIN_FAILURES_PER_MINUTE", "5"), ("TRUSTED_PROXIES", "127.0.0.1/32, ::1")],
    )
    .await;
    app.company("acme").await;

    // Spellings PostgreSQL's lower() and NFKC fold onto admin@acme.test. Rust's
    // to_lowercase turns the dotted capital I into "i" + U+0307, which would be
    // a fresh bucket for an account that the lookup still finds.
    let spellings = [
        ("acme", "admİn@acme.test"),
        ("ACME", "ADMİN@ACME.TEST"),
        ("Acme", "Admin@Acme.Test"),
        ("ａｃｍｅ", "ａｄｍｉｎ@acme.test"),
        (" acme ", "\tadmin@acme.test "),
    ];
    // Each reaches the account: with the right password, each signs in.
    for (n, (company, email)) in spellings.iter().enumerate() {
        let status = login_from(&app, &format!("192.0.2.{n}"), company, email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{company:?} {email:?}");
    }
    for (n, (company, email)) in spellings.iter().enumerate() {
        let status = login_from(&app, &format!("203.0.113.{n}"), company, email, "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{company:?} {email:?}");
    }
    assert_eq!(attempts_recorded(&app, "acme:admin@acme.test").await, 5, "one bucket");
    assert_eq!(
        login_from(&app, "198.51.100.7", "acme", "admin@acme.test", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "five failures in five spellings throttle the account"
    );
    // "i" followed by a combining dot is another address, not this account.
    assert_eq!(
        login_from(&app, "198.51.100.8", "acme", "admi\u{307}n@acme.test", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_email_is_stored_in_the_form_sign_in_compares() {
    let app = spawn_app_configured(axum::Router::new(), &[]).await;
    let acme = app.company("acme").await;
    let created = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Wide", "email": "wide@ａｃｍｅ.test", "password": PASSWORD, "role": "WORKER"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["email"], "wide@acme.test");
    for email in ["wide@ａｃｍｅ.test", "wide@acme.test", "WIDE@ACME.test"] {
        assert_eq!(app.login_reply("acme", email, PASSWORD).await.status, StatusCode::OK, "{email}");
    }
}
