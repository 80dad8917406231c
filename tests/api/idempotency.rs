use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

async fn post_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    body: Value,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/jobs"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap_or(Value::Null))
}

async fn job_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from app.jobs").fetch_one(&app.owner).await.expect("count")
}

#[tokio::test]
async fn a_retried_post_returns_the_first_answer_and_creates_nothing_new() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let body = json!({"customer_id": acme.customer_id, "title": "Retry me", "tasks": ["one"]});

    let (status, headers, first) = post_with_key(&app, &acme.admin.access, "phone-42", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(headers.get("idempotency-replayed").is_none());
    let (status, headers, again) = post_with_key(&app, &acme.admin.access, "phone-42", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers["idempotency-replayed"], "true");
    assert_eq!(headers["location"], format!("/api/v1/jobs/{}", first["id"].as_str().expect("id")));
    assert_eq!(again, first, "the very same answer");
    assert_eq!(job_count(&app).await, 1);

    // The same key for another request is refused; another user's key is its own.
    let (status, _, problem) = post_with_key(
        &app,
        &acme.admin.access,
        "phone-42",
        json!({"customer_id": acme.customer_id, "title": "Other"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let worker_try = post_with_key(&app, &acme.worker.access, "phone-42", body.clone()).await;
    assert_eq!(worker_try.0, StatusCode::FORBIDDEN, "the worker's key is not the admin's");
    let customer_try = post_with_key(&app, &acme.customer.access, "phone-42", body.clone()).await;
    assert_eq!(customer_try.0, StatusCode::FORBIDDEN);
    assert_eq!(job_count(&app).await, 1);

    // Without a key, two posts are two jobs; a malformed key is a 400.
    app.create_job(&acme.admin.access, body.clone()).await;
    assert_eq!(job_count(&app).await, 2);
    let (status, _, _) = post_with_key(&app, &acme.admin.access, &"k".repeat(300), body.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn concurrent_retries_with_one_key_create_one_job() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let body = json!({"customer_id": acme.customer_id, "title": "Flaky network"});
    let attempts = futures::future::join_all(
        (0..8).map(|_| post_with_key(&app, &acme.admin.access, "same-key", body.clone())),
    )
    .await;
    for (status, _, answer) in &attempts {
        assert!(matches!(*status, StatusCode::CREATED | StatusCode::CONFLICT), "{status}: {answer}");
    }
    assert!(attempts.iter().any(|(status, _, _)| *status == StatusCode::CREATED));
    assert_eq!(job_count(&app).await, 1, "one key, one job");
}

#[tokio::test]
async fn a_share_links_secret_token_is_never_stored_for_replay() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let job =
        app.create_job(&acme.admin.access, json!({"customer_id": acme.customer_id, "title": "Shared"})).await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/jobs/{}/share-links", job.id())))
        .bearer_auth(&acme.admin.access)
        .header("idempotency-key", "link-1")
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored: i64 = sqlx::query_scalar("select count(*) from app.idempotency_keys")
        .fetch_one(&app.owner)
        .await
        .expect("count");
    assert_eq!(stored, 0, "the token must not sit in a replay cache");
}
