//! Attacks and integrity: throttling, oversized bodies, headers, concurrent edits.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Executor;

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured, PASSWORD};

#[tokio::test]
async fn failed_logins_are_throttled_per_account_across_replicas() {
    let app = spawn_app_configured(axum::Router::new(), &[("LOGIN_FAILURES_PER_MINUTE", "5")]).await;
    app.company("acme").await;
    let replica = app.second_instance().await;
    let attempt = |base: String, password: &'static str| {
        let client = app.client.clone();
        async move {
            client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"company": "acme", "email": "admin@acme.test", "password": password}))
                .send()
                .await
                .expect("sent")
        }
    };

    // Four failures, then a success: it looks like any other success.
    for _ in 0..4 {
        assert_eq!(attempt(app.base.clone(), "wrong").await.status(), StatusCode::UNAUTHORIZED);
    }
    let ok = attempt(app.base.clone(), PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let keys: Vec<String> = ok
        .json::<serde_json::Value>()
        .await
        .expect("json")
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["access_token", "expires_in", "refresh_token", "token_type", "user"]);

    // The fifth failure lands on the other replica; the counts are shared.
    assert_eq!(attempt(replica.clone(), "wrong").await.status(), StatusCode::UNAUTHORIZED);
    for base in [app.base.clone(), replica] {
        let refused = attempt(base, PASSWORD).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
        let retry: u64 = refused.headers()["retry-after"].to_str().expect("text").parse().expect("seconds");
        assert!((1..=60).contains(&retry), "Retry-After {retry}");
        let body: serde_json::Value = refused.json().await.expect("json");
        assert_eq!(body["status"], 429);
    }

    // Per account and per address, in the database's own terms.
    let retry = |account: &'static str, ip: &'static str| {
        let pool = app.login.clone();
        async move {
            sqlx::query_scalar::<_, i32>("select auth.login_retry_after($1, $2, 5, interval '1 minute')")
                .bind(account)
                .bind(ip)
                .fetch_one(&pool)
                .await
                .expect("retry after")
        }
    };
    for n in 0..5 {
        app.login
            .execute(
                format!("select auth.record_login_failure('bolt:target@bolt.test', '10.0.0.{n}')").as_str(),
            )
            .await
            .expect("record");
    }
    assert!(retry("bolt:target@bolt.test", "10.9.9.9").await > 0, "per account, whatever the address");
    assert_eq!(retry("bolt:other@bolt.test", "10.9.9.9").await, 0);
    for n in 0..5 {
        app.login
            .execute(
                format!("select auth.record_login_failure('bolt:user{n}@bolt.test', '10.7.7.7')").as_str(),
            )
            .await
            .expect("record");
    }
    assert!(retry("bolt:fresh@bolt.test", "10.7.7.7").await > 0, "per address, whatever the account");
    // The authenticator can read none of it directly.
    assert!(app.authenticator.execute("select * from app.login_failures").await.is_err());
}

/// Five failed sign-ins from `forwarded_for`, each for a different unknown account.
async fn five_failures_from(app: &crate::helpers::TestApp, forwarded_for: &str) {
    for n in 0..5 {
        let reply = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"company": "acme", "email": format!("nobody{n}@acme.test"), "password": "wrong"}))
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    }
}

async fn admin_login_from(app: &crate::helpers::TestApp, forwarded_for: &str) -> StatusCode {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"company": "acme", "email": "admin@acme.test", "password": PASSWORD}))
        .send()
        .await
        .expect("sent")
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_throttled_on_its_own() {
    let app = spawn_app_configured(
        axum::Router::new(),
        &[("LOGIN_FAILURES_PER_MINUTE", "5"), ("TRUSTED_PROXIES", "127.0.0.1/32, ::1")],
    )
    .await;
    app.company("acme").await;
    five_failures_from(&app, "203.0.113.5").await;
    assert_eq!(admin_login_from(&app, "203.0.113.5").await, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not locked out with it.
    assert_eq!(admin_login_from(&app, "203.0.113.6").await, StatusCode::OK);
    // Prepending a fake hop does not help: the proxy appended the real one.
    assert_eq!(admin_login_from(&app, "198.51.100.1, 203.0.113.5").await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing() {
    let app = spawn_app_configured(axum::Router::new(), &[("LOGIN_FAILURES_PER_MINUTE", "5")]).await;
    app.company("acme").await;
    five_failures_from(&app, "203.0.113.5").await;
    // The peer address is what counts, whatever the header claims.
    assert_eq!(admin_login_from(&app, "203.0.113.99").await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn oversized_bodies_are_413_and_every_response_carries_security_headers() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let huge = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let reply = app.post("/api/v1/customers", &acme.admin.access, huge).await;
    assert_problem(&reply, StatusCode::PAYLOAD_TOO_LARGE);

    for path in ["/healthz", "/api/v1/nope", "/api/v1/auth/me", "/"] {
        let response =
            app.client.get(app.url(path)).header("x-request-id", "trace-me-123").send().await.expect("sent");
        let headers = response.headers();
        let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{path}: {csp}"
        );
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert_eq!(headers.get("x-request-id").map(|v| v.as_bytes()), Some(&b"trace-me-123"[..]), "{path}");
    }
    let generated = app.client.get(app.url("/healthz")).send().await.expect("sent");
    assert!(generated.headers().contains_key("x-request-id"), "an id is generated when none is sent");
}

#[tokio::test]
async fn two_admins_editing_one_job_cannot_lose_an_update() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let second = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Second", "email": "second@acme.test", "password": PASSWORD, "role": "ADMIN"}),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    let other_admin = app.login("acme", "second@acme.test").await;
    let job = app
        .create_job(&acme.admin.access, json!({"customer_id": acme.customer_id, "title": "Original"}))
        .await;
    let path = app.url(&format!("/api/v1/jobs/{}", job.id()));
    let etag = job.headers["etag"].to_str().expect("etag").to_owned();

    let edit = |token: String, title: &'static str| {
        let client = app.client.clone();
        let (path, etag) = (path.clone(), etag.clone());
        async move {
            client
                .patch(path)
                .bearer_auth(token)
                .header("if-match", etag)
                .json(&json!({"title": title}))
                .send()
                .await
                .expect("sent")
                .status()
        }
    };
    let (first, second) = tokio::join!(
        edit(acme.admin.access.clone(), "Edit by one"),
        edit(other_admin.access.clone(), "Edit by two")
    );
    let mut statuses = [first, second];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PRECONDITION_FAILED], "exactly one edit wins");
    let winner = if first == StatusCode::OK { "Edit by one" } else { "Edit by two" };
    let now = app.get(&format!("/api/v1/jobs/{}", job.id()), &acme.admin.access).await;
    assert_eq!(now.body["title"], winner);
    assert_eq!(now.body["version"], 2);
}

#[tokio::test]
async fn many_clients_completing_tasks_and_moving_statuses_at_once_stay_consistent() {
    // 36 requests queue on one job's row lock behind a pool of 8: on a busy
    // 2-core machine (and on Citus, four round trips to open a context) the
    // last may wait for a connection longer than the default 1.5 s and get a
    // 503, which is not what this test is about.
    let app = spawn_app_configured(axum::Router::new(), &[("DB_ACQUIRE_TIMEOUT_SECONDS", "20")]).await;
    let acme = app.company("acme").await;
    let statuses = app.status_ids(&acme.admin.access).await;
    let titles: Vec<String> = (0..12).map(|n| format!("Task {n}")).collect();
    let job = app
        .create_job(&acme.admin.access, json!({"customer_id": acme.customer_id, "title": "Busy", "assigned_worker_id": acme.worker_id, "tasks": titles}))
        .await;
    let job_path = format!("/api/v1/jobs/{}", job.id());
    let mut requests = Vec::new();
    for task in job.body["tasks"].as_array().expect("tasks") {
        let path = format!("/api/v1/job-tasks/{}", task["id"].as_str().expect("id"));
        for token in [acme.worker.access.clone(), acme.admin.access.clone()] {
            let (app_ref, path) = (&app, path.clone());
            requests.push(
                async move { app_ref.patch(&path, &token, json!({"is_completed": true})).await.status },
            );
        }
    }
    let mut moves = Vec::new();
    for n in 0..12 {
        let token = if n % 2 == 0 { acme.worker.access.clone() } else { acme.admin.access.clone() };
        let (app_ref, path, status) = (&app, job_path.clone(), statuses[n % 3]);
        moves.push(async move { app_ref.patch(&path, &token, json!({"status_id": status})).await.status });
    }
    let (task_results, move_results) = tokio::join!(join_all(requests), join_all(moves));
    assert!(
        task_results.iter().chain(&move_results).all(|s| *s == StatusCode::OK),
        "{task_results:?} {move_results:?}"
    );
    let after = app.get(&job_path, &acme.admin.access).await;
    assert_eq!(after.body["tasks_done"], 12);
    assert_eq!(after.body["version"], 13, "one row version per status change");
}

#[tokio::test]
async fn text_postgres_cannot_store_is_a_400_not_a_500() {
    // Found by the schemathesis run: a NUL character in a JSON string.
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let login = app.login_reply("ac\u{0}me", "admin@acme.test", PASSWORD).await;
    assert_problem(&login, StatusCode::BAD_REQUEST);
    let customer = app.post("/api/v1/customers", &acme.admin.access, json!({"name": "Nul\u{0}Corp"})).await;
    assert_problem(&customer, StatusCode::BAD_REQUEST);
    let count: i64 =
        sqlx::query_scalar("select count(*) from app.customers").fetch_one(&app.owner).await.expect("count");
    assert_eq!(count, 1, "nothing stored");
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let app = spawn_app_configured(
        axum::Router::new(),
        &[("CORS_ALLOWED_ORIGINS", "https://app.fieldops.example")],
    )
    .await;
    let preflight = |origin: &'static str| {
        let client = app.client.clone();
        let url = app.url("/api/v1/jobs");
        async move {
            client
                .request(reqwest::Method::OPTIONS, url)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization,content-type,idempotency-key")
                .send()
                .await
                .expect("preflight")
        }
    };
    let allowed = preflight("https://app.fieldops.example").await;
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.fieldops.example");
    let denied = preflight("https://evil.example").await;
    assert!(denied.headers().get("access-control-allow-origin").is_none(), "{:?}", denied.headers());
}

#[tokio::test]
async fn requests_cancelled_mid_flight_leave_the_pool_clean() {
    // Clients that give up (a phone losing signal, a load tool stopping) drop
    // requests at any point, including while the request's transaction is being
    // opened. No pooled connection may keep that transaction, its role or its
    // context: every request afterwards must succeed.
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    for n in 0..5 {
        app.create_job(
            &acme.admin.access,
            json!({"customer_id": acme.customer_id, "title": format!("Job {n}"), "tasks": ["a", "b"]}),
        )
        .await;
    }
    let impatient =
        reqwest::Client::builder().timeout(std::time::Duration::from_micros(300)).build().expect("client");
    for round in 0..6u64 {
        let attempts = (0..60u64).map(|n| {
            let client = impatient.clone();
            let token = if n % 2 == 0 { acme.admin.access.clone() } else { bolt.worker.access.clone() };
            let url = app.url("/api/v1/jobs?limit=50");
            async move {
                tokio::time::sleep(std::time::Duration::from_micros((n * 37 + round * 11) % 900)).await;
                let _ = client.get(url).bearer_auth(token).send().await;
            }
        });
        join_all(attempts).await;
    }
    for _ in 0..40 {
        let reply = app.get("/api/v1/jobs?limit=50", &acme.admin.access).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert_eq!(reply.body["items"].as_array().map(Vec::len), Some(5));
        let login = app.login_reply("bolt", "worker@bolt.test", PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    }
}
