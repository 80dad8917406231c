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

async fn stored_keys(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from app.idempotency_keys")
        .fetch_one(&app.owner)
        .await
        .expect("count")
}

#[tokio::test]
async fn the_stored_request_fingerprint_is_a_keyed_mac_not_a_plain_hash() {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let body =
        json!({"name": "Fingerprinted", "email": "fp@acme.test", "password": "guessable1", "role": "WORKER"});
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&acme.admin.access)
        .header("idempotency-key", "fp-1")
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored: Vec<u8> =
        sqlx::query_scalar("select request_hash from app.idempotency_keys where key = 'fp-1'")
            .fetch_one(&app.owner)
            .await
            .expect("stored");

    let mut message = b"POST /api/v1/users\n".to_vec();
    message.extend(serde_json::to_vec(&body).expect("json"));
    assert_ne!(stored, Sha256::digest(&message).to_vec(), "a plain SHA-256 of a body with a password");
    let mac = |key: &[u8], data: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("key");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    };
    let derived = mac(crate::helpers::JWT_SECRET.as_bytes(), b"fieldops idempotency request mac v1");
    assert_eq!(stored, mac(&derived, &message), "HMAC-SHA256 under a key derived from the server's secret");
}

#[tokio::test]
async fn answers_that_hold_tokens_are_never_stored_and_keyed_posts_without_a_bearer_keep_their_body() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let keyed = |path: &str, bearer: Option<&str>, key: &str, body: Value| {
        let mut request = app.client.post(app.url(path)).header("idempotency-key", key).json(&body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let credentials =
        json!({"company": "acme", "email": "admin@acme.test", "password": crate::helpers::PASSWORD});

    // No bearer: the body reaches the handler (it used to be dropped).
    let login = keyed("/api/v1/auth/login", None, "login-1", credentials.clone()).await.expect("sent");
    assert_eq!(login.status(), StatusCode::OK);
    // With a bearer, sign-in, refresh and sign-out run, and nothing is kept.
    let login =
        keyed("/api/v1/auth/login", Some(&acme.admin.access), "login-2", credentials).await.expect("sent");
    assert_eq!(login.status(), StatusCode::OK);
    let tokens: Value = login.json().await.expect("json");
    let refresh = keyed(
        "/api/v1/auth/refresh",
        Some(&acme.admin.access),
        "refresh-1",
        json!({"refresh_token": tokens["refresh_token"]}),
    )
    .await
    .expect("sent");
    assert_eq!(refresh.status(), StatusCode::OK);
    let again = keyed(
        "/api/v1/auth/refresh",
        Some(&acme.admin.access),
        "refresh-1",
        json!({"refresh_token": tokens["refresh_token"]}),
    )
    .await
    .expect("sent");
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "not a replay of the first answer's tokens");
    assert!(again.headers().get("idempotency-replayed").is_none());
    let logout =
        keyed("/api/v1/auth/logout", Some(&acme.worker.access), "logout-1", json!({})).await.expect("sent");
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(stored_keys(&app).await, 0, "no token answer sits in the replay cache");
}

#[tokio::test]
async fn expired_keys_are_deleted_not_just_ignored() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    for (user, key) in [(acme.admin.user_id, "old-admin"), (acme.worker_id, "old-worker")] {
        sqlx::query(
            "insert into app.idempotency_keys (company_id, user_id, key, request_hash, response_status, created_at)
             values ($1, $2, $3, '\\x00', 201, now() - interval '25 hours')",
        )
        .bind(acme.id)
        .bind(user)
        .bind(key)
        .execute(&app.owner)
        .await
        .expect("old key");
    }
    let body = json!({"customer_id": acme.customer_id, "title": "Fresh"});
    let (status, _, _) = post_with_key(&app, &acme.admin.access, "new-key", body).await;
    assert_eq!(status, StatusCode::CREATED);
    let left: Vec<String> = sqlx::query_scalar("select key from app.idempotency_keys order by key")
        .fetch_all(&app.owner)
        .await
        .expect("keys");
    assert_eq!(left, ["new-key", "old-worker"], "the caller's expired keys go as it claims a new one");

    // The server's hourly sweep takes everyone's (run here directly).
    let deleted = fieldops::http::shared::idempotency::purge_expired(&app.login).await.expect("purge");
    assert_eq!(deleted, 1);
    assert_eq!(stored_keys(&app).await, 1);
}

#[tokio::test]
async fn a_cancelled_or_abandoned_claim_does_not_block_its_key() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let body = json!({"name": "Patient", "email": "patient@acme.test", "password": "patient-password", "role": "WORKER"});
    let send = |client: &reqwest::Client, key: &str| {
        client
            .post(app.url("/api/v1/users"))
            .bearer_auth(&acme.admin.access)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };

    // The client gives up while the request, its key claimed, waits to hash.
    let held = fieldops::auth::password::permits()
        .acquire_many(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) as u32)
        .await
        .expect("permits");
    let impatient =
        reqwest::Client::builder().timeout(std::time::Duration::from_millis(400)).build().expect("client");
    assert!(send(&impatient, "cancelled").await.is_err(), "the client timed out");
    let mut released = false;
    for _ in 0..50 {
        if stored_keys(&app).await == 0 {
            released = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    drop(held);
    assert!(released, "the cancelled request's claim was released");
    let retry = send(&app.client, "cancelled").await.expect("sent");
    assert_eq!(retry.status(), StatusCode::CREATED, "the retry runs, it is not told to wait a day");

    // A claim left by a server that died (no answer, older than the lease) is taken over.
    sqlx::query(
        "insert into app.idempotency_keys (company_id, user_id, key, request_hash, created_at)
         values ($1, $2, 'abandoned', '\\x00', now() - interval '2 minutes')",
    )
    .bind(acme.id)
    .bind(acme.admin.user_id)
    .execute(&app.owner)
    .await
    .expect("abandoned claim");
    let (status, _, answer) = post_with_key(
        &app,
        &acme.admin.access,
        "abandoned",
        json!({"customer_id": acme.customer_id, "title": "Taken over"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}
