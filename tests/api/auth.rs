use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use futures::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured, JWT_SECRET, PASSWORD};

#[tokio::test]
async fn login_returns_tokens_and_the_user() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let reply = app.login_reply("acme", "admin@acme.test", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 900);
    assert_eq!(reply.body["user"]["role"], "ADMIN");
    assert_eq!(reply.body["user"]["company"]["slug"], "acme");

    let me = app.get("/api/v1/auth/me", &acme.customer.access).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "CUSTOMER");
    assert_eq!(me.body["email"], "customer@acme.test");
    assert_eq!(me.body["customer_id"], json!(acme.customer_id));
    assert_eq!(me.body["company"]["id"], json!(acme.id));
}

#[tokio::test]
async fn the_profile_answers_on_every_connection_of_the_sign_in_pool() {
    // GET /auth/me runs over the sign-in pool (8 connections with a server
    // pool of 32); many at once open connections that have served no sign-in
    // yet, and each must answer for its caller.
    let app = spawn_app_configured(axum::Router::new(), &[("DB_MAX_CONNECTIONS", "32")]).await;
    let acme = app.company("acme").await;
    let tokens = [&acme.admin.access, &acme.worker.access, &acme.customer.access];
    let replies = join_all((0..12).map(|n| app.get("/api/v1/auth/me", tokens[n % 3]))).await;
    let statuses: Vec<StatusCode> = replies.iter().map(|reply| reply.status).collect();
    assert!(statuses.iter().all(|status| *status == StatusCode::OK), "{statuses:?}");
    let roles: Vec<&str> = replies.iter().filter_map(|reply| reply.body["role"].as_str()).collect();
    assert_eq!(roles[..3], ["ADMIN", "WORKER", "CUSTOMER"]);
}

#[tokio::test]
async fn every_kind_of_bad_login_gets_the_same_401() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    app.company("bolt").await;

    // Deleted and deactivated users, and an inactive company.
    let doomed = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Gone", "email": "gone@acme.test", "password": PASSWORD, "role": "WORKER"}),
        )
        .await
        .id();
    app.delete(&format!("/api/v1/users/{doomed}"), &acme.admin.access).await;
    let paused = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Paused", "email": "paused@acme.test", "password": PASSWORD, "role": "WORKER"}),
        )
        .await
        .id();
    app.patch(&format!("/api/v1/users/{paused}"), &acme.admin.access, json!({"is_active": false})).await;
    sqlx::query("update app.companies set is_active = false where slug = 'bolt'")
        .execute(&app.owner)
        .await
        .expect("deactivate bolt");

    let attempts = [
        ("acme", "admin@acme.test", "wrong-password"),
        ("nope", "admin@acme.test", PASSWORD),
        ("acme", "nobody@acme.test", PASSWORD),
        ("bolt", "admin@acme.test", PASSWORD),
        ("acme", "gone@acme.test", PASSWORD),
        ("acme", "paused@acme.test", PASSWORD),
        ("bolt", "admin@bolt.test", PASSWORD),
    ];
    let mut bodies = Vec::new();
    for (company, email, password) in attempts {
        let reply = app.login_reply(company, email, password).await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED);
        bodies.push(reply.body.to_string());
    }
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "every failure must read the same: {bodies:?}");

    // Email and company slug are case-insensitive.
    assert_eq!(app.login_reply("ACME", "Admin@Acme.Test", PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_login_bodies_are_client_errors() {
    let app = spawn_app().await;
    let missing =
        app.request(Method::POST, "/api/v1/auth/login", None, Some(json!({"company": "acme"}))).await;
    assert_problem(&missing, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body["errors"]["email"].is_array(), "{:?}", missing.body);

    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response =
        app.client.post(app.url("/api/v1/auth/login")).body("company=acme").send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;

    let first = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": acme.admin.refresh})),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let new_access = first.body["access_token"].as_str().expect("access").to_owned();
    let new_refresh = first.body["refresh_token"].as_str().expect("refresh").to_owned();
    assert_ne!(new_refresh, acme.admin.refresh);
    assert_eq!(app.get("/api/v1/auth/me", &new_access).await.status, StatusCode::OK);

    // The spent token comes back: a thief or a replay. The session dies.
    let replay = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": acme.admin.refresh})),
        )
        .await;
    assert_problem(&replay, StatusCode::UNAUTHORIZED);
    assert_problem(&app.get("/api/v1/auth/me", &new_access).await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.get("/api/v1/auth/me", &acme.admin.access).await, StatusCode::UNAUTHORIZED);
    let after = app
        .request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": new_refresh})))
        .await;
    assert_problem(&after, StatusCode::UNAUTHORIZED);

    // Other sessions of other users are untouched.
    assert_eq!(app.get("/api/v1/auth/me", &acme.worker.access).await.status, StatusCode::OK);

    let garbage = app
        .request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": "garbage"})))
        .await;
    assert_problem(&garbage, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_kills_the_access_and_refresh_tokens_at_once() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let reply = app.request(Method::POST, "/api/v1/auth/logout", Some(&acme.worker.access), None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_problem(&app.get("/api/v1/auth/me", &acme.worker.access).await, StatusCode::UNAUTHORIZED);
    let refresh = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": acme.worker.refresh})),
        )
        .await;
    assert_problem(&refresh, StatusCode::UNAUTHORIZED);
    // The failed context batches left the pool healthy for everyone else.
    for _ in 0..20 {
        assert_eq!(app.get("/api/v1/auth/me", &acme.admin.access).await.status, StatusCode::OK);
        assert_problem(&app.get("/api/v1/auth/me", &acme.worker.access).await, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_new_password_signs_out_every_other_session_of_that_user() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let phone = app.login("acme", "worker@acme.test").await;
    let admin_laptop = app.login("acme", "admin@acme.test").await;

    // The admin resets the worker's password: both of the worker's sessions end.
    let reset = app
        .patch(
            &format!("/api/v1/users/{}", acme.worker_id),
            &acme.admin.access,
            json!({"password": "a-new-long-password"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.body);
    for session in [&acme.worker, &phone] {
        assert_problem(&app.get("/api/v1/auth/me", &session.access).await, StatusCode::UNAUTHORIZED);
        let refresh = app
            .request(
                Method::POST,
                "/api/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": session.refresh})),
            )
            .await;
        assert_problem(&refresh, StatusCode::UNAUTHORIZED);
    }
    assert_problem(&app.login_reply("acme", "worker@acme.test", PASSWORD).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_reply("acme", "worker@acme.test", "a-new-long-password").await.status,
        StatusCode::OK
    );

    // An admin changing its own password keeps the session it did that from.
    let own = app
        .patch(
            &format!("/api/v1/users/{}", acme.admin.user_id),
            &acme.admin.access,
            json!({"password": "another-long-password"}),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    assert_eq!(app.get("/api/v1/auth/me", &acme.admin.access).await.status, StatusCode::OK);
    assert_problem(&app.get("/api/v1/auth/me", &admin_laptop.access).await, StatusCode::UNAUTHORIZED);

    // Nobody else's sessions are touched.
    for session in [&acme.customer, &bolt.admin, &bolt.worker] {
        assert_eq!(app.get("/api/v1/auth/me", &session.access).await.status, StatusCode::OK);
    }
}

fn forge(claims: serde_json::Value, secret: &[u8], alg: Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).expect("encode")
}

#[tokio::test]
async fn tampered_expired_unsigned_and_foreign_tokens_are_401() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let parts: Vec<&str> = acme.worker.access.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("claims");
    let now = chrono::Utc::now().timestamp();

    let mut promoted = claims.clone();
    promoted["role"] = json!("ADMIN");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(promoted.to_string()), parts[2]);

    let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);

    let mut expired = claims.clone();
    expired["exp"] = json!(now - 60);
    expired["nbf"] = json!(now - 1000);
    let expired = forge(expired, JWT_SECRET.as_bytes(), Algorithm::HS256);

    let mut future = claims.clone();
    future["nbf"] = json!(now + 3600);
    let not_yet = forge(future, JWT_SECRET.as_bytes(), Algorithm::HS256);

    let wrong_secret = forge(claims.clone(), b"another-secret-another-secret-another", Algorithm::HS256);
    let other_alg = forge(claims.clone(), JWT_SECRET.as_bytes(), Algorithm::HS512);

    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!("someone-else");
    let wrong_issuer = forge(wrong_issuer, JWT_SECRET.as_bytes(), Algorithm::HS256);

    // Correctly signed, but naming another company than the session's.
    claims["cid"] = json!(bolt.id);
    let cross_company = forge(claims.clone(), JWT_SECRET.as_bytes(), Algorithm::HS256);
    let mut missing = claims.clone();
    missing.as_object_mut().expect("object").remove("sid");
    let missing_claim = forge(missing, JWT_SECRET.as_bytes(), Algorithm::HS256);

    for token in [
        tampered,
        none,
        expired,
        not_yet,
        wrong_secret,
        other_alg,
        wrong_issuer,
        cross_company,
        missing_claim,
        "x".into(),
    ] {
        let reply = app.get("/api/v1/auth/me", &token).await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
    }
    let anonymous = app.request(Method::GET, "/api/v1/auth/me", None, None).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deactivating_deleting_or_demoting_a_user_or_company_stops_its_tokens_at_once() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    assert_eq!(app.get("/api/v1/auth/me", &acme.worker.access).await.status, StatusCode::OK);
    app.patch(&format!("/api/v1/users/{}", acme.worker_id), &acme.admin.access, json!({"is_active": false}))
        .await;
    assert_problem(&app.get("/api/v1/auth/me", &acme.worker.access).await, StatusCode::UNAUTHORIZED);

    let second_admin = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Second", "email": "second@acme.test", "password": PASSWORD, "role": "ADMIN"}),
        )
        .await
        .id();
    let second = app.login("acme", "second@acme.test").await;
    app.patch(&format!("/api/v1/users/{second_admin}"), &acme.admin.access, json!({"role": "WORKER"})).await;
    // An ADMIN token of a user who is now a worker no longer works.
    assert_problem(&app.get("/api/v1/users", &second.access).await, StatusCode::UNAUTHORIZED);

    // A deleted user's token, and every token of a deactivated company.
    assert_eq!(app.get("/api/v1/auth/me", &acme.customer.access).await.status, StatusCode::OK);
    app.delete(&format!("/api/v1/users/{}", acme.customer.user_id), &acme.admin.access).await;
    assert_problem(&app.get("/api/v1/auth/me", &acme.customer.access).await, StatusCode::UNAUTHORIZED);
    sqlx::query("update app.companies set is_active = false where id = $1")
        .bind(acme.id)
        .execute(&app.owner)
        .await
        .expect("deactivate company");
    assert_problem(&app.get("/api/v1/auth/me", &acme.admin.access).await, StatusCode::UNAUTHORIZED);
    let refresh = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": acme.admin.refresh})),
        )
        .await;
    assert_problem(&refresh, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn browser_clients_get_the_refresh_token_as_an_httponly_cookie() {
    let app = spawn_app().await;
    app.company("acme").await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-requested-with", "fieldops-web")
        .json(&json!({"company": "acme", "email": "admin@acme.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie =
        response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("set-cookie").to_owned();
    assert!(cookie.starts_with("fieldops_refresh="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(body.get("refresh_token").is_none(), "browser clients never see the refresh token");
    let pair = cookie.split(';').next().expect("cookie pair").to_owned();

    // The cookie alone (no browser header) is not honoured: CSRF guard.
    let no_header = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", &pair)
        .json(&json!({}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(no_header.status(), StatusCode::UNAUTHORIZED);

    let refreshed = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", &pair)
        .header("x-requested-with", "fieldops-web")
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), StatusCode::OK);
    let rotated = refreshed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("rotated cookie")
        .to_owned();
    assert_ne!(rotated.split(';').next(), Some(pair.as_str()));
}
