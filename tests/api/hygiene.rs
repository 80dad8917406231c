//! Request hygiene: no secret in the logs, no secret or private answer in a
//! cache, https pinned, and no request (or tenant) able to hold the database's
//! connections for long.

use std::time::{Duration, Instant};

use axum::{http::StatusCode as AxumStatus, routing::get};
use fieldops::http::shared::{context::Ctx, error::Error, AppState};
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use crate::helpers::{captured_logs, spawn_app, spawn_app_configured, PASSWORD};

const BROWSER: (&str, &str) = ("x-requested-with", "fieldops-web");

/// The refresh cookie's value from a `Set-Cookie` answer.
fn refresh_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("fieldops_refresh="))
        .and_then(|v| v.split(';').next())
        .filter(|v| !v.is_empty())
        .expect("a refresh cookie")
        .to_owned()
}

#[tokio::test]
async fn no_token_password_or_bearer_value_ever_reaches_a_log_line() {
    let logs = captured_logs();
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let mut secrets = vec![
        PASSWORD.to_owned(),
        acme.admin.access.clone(),
        acme.admin.refresh.clone(),
        acme.worker.access.clone(),
        acme.customer.access.clone(),
    ];

    // Share links: created, opened through the API and through the web app's page.
    let job = app
        .create_job(&acme.admin.access, json!({"customer_id": acme.customer_id, "title": "Logged job"}))
        .await;
    let link =
        app.post(&format!("/api/v1/jobs/{}/share-links", job.id()), &acme.admin.access, json!({})).await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);
    let share_token = link.body["token"].as_str().expect("token").to_owned();
    secrets.push(share_token.clone());
    let opened = app.request(Method::GET, &format!("/api/v1/share/{share_token}"), None, None).await;
    assert_eq!(opened.status, StatusCode::OK);
    let page = app
        .client
        .get(app.url(&format!("/t/{share_token}?token={share_token}")))
        .send()
        .await
        .expect("the web page");
    assert!(page.status().is_success() || page.status() == StatusCode::NOT_FOUND, "{}", page.status());
    let unknown =
        app.request(Method::GET, &format!("/api/v1/share/{}x", &share_token[1..]), None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Sign-in: a wrong password, then a JSON client and a browser.
    let wrong_password = "wrong-horse-battery-staple-42";
    secrets.push(wrong_password.to_owned());
    let refused = app.login_reply("acme", "admin@acme.test", wrong_password).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let session = app.login("acme", "admin@acme.test").await;
    secrets.extend([session.access.clone(), session.refresh.clone()]);
    let browser = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(BROWSER.0, BROWSER.1)
        .json(&json!({"company": "acme", "email": "worker@acme.test", "password": PASSWORD}))
        .send()
        .await
        .expect("browser login");
    assert_eq!(browser.status(), StatusCode::OK);
    let cookie = refresh_cookie(&browser);
    secrets.push(cookie.clone());

    // Refresh: by body, by cookie, and a spent token presented again.
    let rotated = app
        .request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": session.refresh})))
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    let rotated_access = rotated.body["access_token"].as_str().expect("access").to_owned();
    secrets.extend([
        rotated_access.clone(),
        rotated.body["refresh_token"].as_str().expect("refresh").to_owned(),
    ]);
    let by_cookie = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header(BROWSER.0, BROWSER.1)
        .header(header::COOKIE, format!("fieldops_refresh={cookie}"))
        .json(&json!({}))
        .send()
        .await
        .expect("cookie refresh");
    assert_eq!(by_cookie.status(), StatusCode::OK);
    secrets.push(refresh_cookie(&by_cookie));
    let reused = app
        .request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": session.refresh})))
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);

    // A forged bearer, and sign-out.
    let forged = format!("{}x", acme.worker.access);
    secrets.push(forged.clone());
    assert_eq!(app.get("/api/v1/auth/me", &forged).await.status, StatusCode::UNAUTHORIZED);
    let out = app.request(Method::POST, "/api/v1/auth/logout", Some(&acme.admin.access), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);

    let text = logs.text();
    assert!(text.contains(r#""route":"/t/[redacted]""#), "the web page's request is logged, redacted");
    assert!(text.contains(r#""route":"/api/v1/share/{token}""#), "the API's share route is logged");
    for secret in &secrets {
        // A JWT's signature alone is enough to recognise it.
        let needle = secret.rsplit('.').next().unwrap_or(secret);
        assert!(!text.contains(needle), "a secret reached the logs: {needle}");
    }
}

#[tokio::test]
async fn token_and_signed_in_answers_are_never_cached_and_an_https_site_is_pinned() {
    let app = spawn_app_configured(axum::Router::new(), &[("PUBLIC_URL", "https://jobs.example.com")]).await;
    let acme = app.company("acme").await;
    let no_store = |headers: &reqwest::header::HeaderMap| {
        headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };

    let login = app.login_reply("acme", "admin@acme.test", PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(no_store(&login.headers), "no-store", "the sign-in answer holds tokens");
    assert_eq!(
        login.headers.get(header::STRICT_TRANSPORT_SECURITY).expect("HSTS"),
        "max-age=31536000; includeSubDomains"
    );
    let refresh_token = login.body["refresh_token"].as_str().expect("refresh");
    let refreshed = app
        .request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": refresh_token})))
        .await;
    assert_eq!(refreshed.status, StatusCode::OK);
    assert_eq!(no_store(&refreshed.headers), "no-store");
    let refused = app.login_reply("acme", "admin@acme.test", "not-the-password").await;
    assert_eq!(no_store(&refused.headers), "no-store");

    for path in ["/api/v1/jobs", "/api/v1/auth/me", "/api/v1/users", "/api/v1/job-statuses"] {
        let reply = app.get(path, &acme.admin.access).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(no_store(&reply.headers), "no-store", "{path}");
    }
    let worker = app.get("/api/v1/workers/assigned-jobs", &acme.worker.access).await;
    assert_eq!(no_store(&worker.headers), "no-store");
    let health = app.client.get(app.url("/healthz")).send().await.expect("healthz");
    assert!(
        health.headers().contains_key(header::STRICT_TRANSPORT_SECURITY),
        "every answer of an https site"
    );

    // Over plain http (development) nothing pins the browser.
    let plain = spawn_app().await;
    let health = plain.client.get(plain.url("/healthz")).send().await.expect("healthz");
    assert!(!health.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
}

/// A request that keeps the database busy (`/probe/sleep`) or keeps its
/// transaction open without using it (`/probe/idle`).
fn sleepers() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/probe/sleep",
            get(|mut ctx: Ctx| async move {
                sqlx::query("select pg_sleep(10)").execute(&mut *ctx.tx).await?;
                ctx.commit().await?;
                Ok::<_, Error>(AxumStatus::NO_CONTENT)
            }),
        )
        .route(
            "/probe/idle",
            get(|mut ctx: Ctx| async move {
                tokio::time::sleep(Duration::from_secs(3)).await;
                sqlx::query("select 1").execute(&mut *ctx.tx).await?;
                ctx.commit().await?;
                Ok::<_, Error>(AxumStatus::NO_CONTENT)
            }),
        )
}

#[tokio::test]
async fn a_runaway_statement_and_an_idle_transaction_are_cut_off_by_the_database() {
    let app = spawn_app_configured(
        sleepers(),
        &[("DB_STATEMENT_TIMEOUT_SECONDS", "1"), ("DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", "1")],
    )
    .await;
    let acme = app.company("acme").await;

    let started = Instant::now();
    let slow = app.get("/probe/sleep", &acme.admin.access).await;
    assert_eq!(slow.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", slow.body);
    assert!(started.elapsed() < Duration::from_secs(6), "cancelled after {:?}", started.elapsed());

    let idle = app.get("/probe/idle", &acme.admin.access).await;
    assert!(idle.status.is_server_error(), "the idle transaction was ended: {:?}", idle.status);

    // The pool recovers: the next request gets a fresh, clean connection.
    assert_eq!(app.get("/api/v1/jobs", &acme.admin.access).await.status, StatusCode::OK);
}

#[tokio::test]
async fn creating_a_user_holds_no_connection_while_waiting_to_hash() {
    let app = spawn_app_configured(
        axum::Router::new(),
        &[("DB_MAX_CONNECTIONS", "1"), ("DB_ACQUIRE_TIMEOUT_SECONDS", "1")],
    )
    .await;
    let acme = app.company("acme").await;

    // Every argon2 permit taken, as by a burst of sign-ins or sign-ups.
    let permits = fieldops::auth::password::permits();
    let all = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) as u32;
    let held = permits.acquire_many(all).await.expect("permits");

    let send = |method: Method, path: String, body: serde_json::Value| {
        let (client, url, token) = (app.client.clone(), app.url(&path), acme.admin.access.clone());
        tokio::spawn(async move {
            client.request(method, url).bearer_auth(token).json(&body).send().await.expect("sent").status()
        })
    };
    let signup = send(
        Method::POST,
        "/api/v1/users".to_owned(),
        json!({"name": "Waiting", "email": "waiting@acme.test", "password": PASSWORD, "role": "WORKER"}),
    );
    let new_password = send(
        Method::PATCH,
        format!("/api/v1/users/{}", acme.worker_id),
        json!({"password": "a-new-password"}),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!signup.is_finished() && !new_password.is_finished(), "both wait for a permit");
    let other = app.get("/api/v1/jobs", &acme.worker.access).await;
    assert_eq!(other.status, StatusCode::OK, "another request still gets the only connection");
    drop(held);
    assert_eq!(signup.await.expect("joined"), StatusCode::CREATED);
    assert_eq!(new_password.await.expect("joined"), StatusCode::OK);
}
