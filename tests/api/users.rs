use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, PASSWORD};

#[tokio::test]
async fn admins_register_edit_and_delete_users() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let created = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Nina Newhire", "email": "nina@acme.test", "password": PASSWORD, "role": "WORKER"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert!(created.body.get("password_hash").is_none() && created.body.get("password").is_none());
    let id = created.id();
    assert_eq!(
        created.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/users/{id}").as_str())
    );

    let fetched = app.get(&format!("/api/v1/users/{id}"), &acme.admin.access).await;
    assert_eq!(fetched.body["email"], "nina@acme.test");

    let renamed = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &acme.admin.access,
            json!({"name": "Nina Senior", "password": "another-password"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["name"], "Nina Senior");
    // The password change is written on its own, so it is a version of its own.
    assert_eq!(renamed.body["version"], 3);
    assert_eq!(app.login_reply("acme", "nina@acme.test", "another-password").await.status, StatusCode::OK);

    assert_eq!(
        app.delete(&format!("/api/v1/users/{id}"), &acme.admin.access).await.status,
        StatusCode::NO_CONTENT
    );
    assert_problem(&app.get(&format!("/api/v1/users/{id}"), &acme.admin.access).await, StatusCode::NOT_FOUND);
    assert_problem(
        &app.delete(&format!("/api/v1/users/{id}"), &acme.admin.access).await,
        StatusCode::NOT_FOUND,
    );
    // Soft delete: the row stays, marked, and the email is free again.
    let deleted_by: Option<Uuid> = sqlx::query_scalar("select deleted_by from app.users where id = $1")
        .bind(id)
        .fetch_one(&app.owner)
        .await
        .expect("row kept");
    assert_eq!(deleted_by, Some(acme.admin.user_id));
    let again = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Nina Again", "email": "NINA@acme.test", "password": PASSWORD, "role": "WORKER"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
}

#[tokio::test]
async fn invalid_users_are_422_with_field_errors() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let cases = [
        (json!({"name": "", "email": "a@acme.test", "password": PASSWORD, "role": "WORKER"}), "name"),
        (json!({"name": "A", "email": "not-an-email", "password": PASSWORD, "role": "WORKER"}), "email"),
        (json!({"name": "A", "email": "a@acme.test", "password": "short", "role": "WORKER"}), "password"),
        (
            json!({"name": "A", "email": "a@acme.test", "password": PASSWORD, "role": "CUSTOMER"}),
            "customer_id",
        ),
        (json!({"name": "A", "email": "worker@acme.test", "password": PASSWORD, "role": "WORKER"}), "email"),
        (json!({"name": "A", "email": "a@acme.test", "password": PASSWORD}), "role"),
        (json!({"name": "A", "email": "a@acme.test", "password": PASSWORD, "role": "OWNER"}), "role"),
        (
            json!({"name": "A", "email": "a@acme.test", "password": PASSWORD, "role": "CUSTOMER", "customer_id": Uuid::new_v4()}),
            "customer_id",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/users", &acme.admin.access, body.clone()).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"][field].is_array(), "{body} should flag {field}: {:?}", reply.body);
    }
    let count: i64 =
        sqlx::query_scalar("select count(*) from app.users").fetch_one(&app.owner).await.expect("count");
    assert_eq!(count, 3, "nothing was created");
    assert_problem(&app.get("/api/v1/users/not-a-uuid", &acme.admin.access).await, StatusCode::BAD_REQUEST);
    assert_problem(
        &app.get("/api/v1/users?limit=0", &acme.admin.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(&app.get("/api/v1/users?cursor=zzz", &acme.admin.access).await, StatusCode::BAD_REQUEST);
    assert_problem(&app.get("/api/v1/users?role=KING", &acme.admin.access).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_last_admin_cannot_be_deleted_demoted_or_deactivated() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let me = format!("/api/v1/users/{}", acme.admin.user_id);
    assert_problem(&app.delete(&me, &acme.admin.access).await, StatusCode::CONFLICT);
    assert_problem(
        &app.patch(&me, &acme.admin.access, json!({"role": "WORKER"})).await,
        StatusCode::CONFLICT,
    );
    assert_problem(
        &app.patch(&me, &acme.admin.access, json!({"is_active": false})).await,
        StatusCode::CONFLICT,
    );
    assert_eq!(app.get(&me, &acme.admin.access).await.body["role"], "ADMIN");

    // With a second admin, the first may step down.
    app.post(
        "/api/v1/users",
        &acme.admin.access,
        json!({"name": "Deputy", "email": "deputy@acme.test", "password": PASSWORD, "role": "ADMIN"}),
    )
    .await;
    assert_eq!(app.patch(&me, &acme.admin.access, json!({"role": "WORKER"})).await.status, StatusCode::OK);
}

#[tokio::test]
async fn workers_and_customers_may_not_use_the_users_endpoints() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/users", token).await, StatusCode::FORBIDDEN);
        assert_problem(
            &app.get(&format!("/api/v1/users/{}", acme.admin.user_id), token).await,
            StatusCode::FORBIDDEN,
        );
        let create = app
            .post(
                "/api/v1/users",
                token,
                json!({"name": "X", "email": "x@acme.test", "password": PASSWORD, "role": "ADMIN"}),
            )
            .await;
        assert_problem(&create, StatusCode::FORBIDDEN);
        let promote =
            app.patch(&format!("/api/v1/users/{}", acme.worker_id), token, json!({"role": "ADMIN"})).await;
        assert_problem(&promote, StatusCode::FORBIDDEN);
        assert_problem(
            &app.delete(&format!("/api/v1/users/{}", acme.admin.user_id), token).await,
            StatusCode::FORBIDDEN,
        );
    }
    let count: i64 = sqlx::query_scalar("select count(*) from app.users where role = 'ADMIN'")
        .fetch_one(&app.owner)
        .await
        .expect("count");
    assert_eq!(count, 1);
}

#[tokio::test]
async fn an_admin_cannot_see_or_touch_another_companys_users() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let before: Vec<(Uuid, String, String, bool, i32)> = sqlx::query_as(
        "select id, name, role::text, is_active, version from app.users where company_id = $1 order by id",
    )
    .bind(bolt.id)
    .fetch_all(&app.owner)
    .await
    .expect("bolt users");

    for victim in [bolt.admin.user_id, bolt.worker_id, bolt.customer.user_id] {
        let path = format!("/api/v1/users/{victim}");
        assert_problem(&app.get(&path, &acme.admin.access).await, StatusCode::NOT_FOUND);
        assert_problem(
            &app.patch(
                &path,
                &acme.admin.access,
                json!({"name": "pwned", "role": "ADMIN", "is_active": false}),
            )
            .await,
            StatusCode::NOT_FOUND,
        );
        assert_problem(&app.delete(&path, &acme.admin.access).await, StatusCode::NOT_FOUND);
    }
    let listed = app.get("/api/v1/users?limit=200", &acme.admin.access).await;
    let listed_ids: Vec<&str> =
        listed.body["items"].as_array().expect("items").iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(listed_ids.len(), 3);
    for victim in [bolt.admin.user_id, bolt.worker_id, bolt.customer.user_id] {
        assert!(!listed_ids.contains(&victim.to_string().as_str()));
    }

    // Another company's customer cannot be linked to a login of ours.
    let linked = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Spy", "email": "spy@acme.test", "password": PASSWORD, "role": "CUSTOMER", "customer_id": bolt.customer_id}),
        )
        .await;
    assert_problem(&linked, StatusCode::UNPROCESSABLE_ENTITY);
    let relink = app
        .patch(
            &format!("/api/v1/users/{}", acme.customer.user_id),
            &acme.admin.access,
            json!({"customer_id": bolt.customer_id}),
        )
        .await;
    assert_problem(&relink, StatusCode::UNPROCESSABLE_ENTITY);

    let after: Vec<(Uuid, String, String, bool, i32)> = sqlx::query_as(
        "select id, name, role::text, is_active, version from app.users where company_id = $1 order by id",
    )
    .bind(bolt.id)
    .fetch_all(&app.owner)
    .await
    .expect("bolt users");
    assert_eq!(before, after, "company B's users changed");
}

#[tokio::test]
async fn users_page_by_cursor_and_filter() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    for n in 0..7 {
        app.post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": format!("Tech {n:02}"), "email": format!("tech{n}@acme.test"), "password": PASSWORD, "role": "WORKER"}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?role=WORKER&limit=3&cursor={c}"),
            None => "/api/v1/users?role=WORKER&limit=3".to_owned(),
        };
        let page = app.get(&path, &acme.admin.access).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        for user in page.body["items"].as_array().expect("items") {
            assert_eq!(user["role"], "WORKER");
            seen.push(user["name"].as_str().expect("name").to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(seen, sorted, "ordered by name");
    assert_eq!(seen.len(), 8, "7 techs and the company's worker, each once: {seen:?}");

    let search = app.get("/api/v1/users?q=TECH%200", &acme.admin.access).await;
    assert_eq!(search.body["items"].as_array().map(Vec::len), Some(7));
    let wildcard = app.get("/api/v1/users?q=%25", &acme.admin.access).await;
    assert_eq!(wildcard.body["items"].as_array().map(Vec::len), Some(0), "% is literal");
}

/// Like customers, jobs, statuses and tasks: a user carries an `ETag` (its
/// version), and an edit sent with a stale `If-Match` is a 412 that writes nothing.
#[tokio::test]
async fn user_edits_honour_if_match() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let created = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": "Ines Etag", "email": "ines@acme.test", "password": PASSWORD, "role": "WORKER"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.headers.get("etag").and_then(|v| v.to_str().ok()), Some("\"1\""));
    let path = format!("/api/v1/users/{}", created.id());
    let fetched = app.get(&path, admin).await;
    assert_eq!(fetched.headers.get("etag").and_then(|v| v.to_str().ok()), Some("\"1\""));

    let patch = |if_match: &'static str, body: serde_json::Value| {
        app.client.patch(app.url(&path)).bearer_auth(admin).header("if-match", if_match).json(&body).send()
    };
    let fresh = patch("\"1\"", json!({"name": "Ines Fresh"})).await.expect("sent");
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(fresh.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"2\""));

    // Stale: 412, and neither the name nor the password changed.
    let stale =
        patch("\"1\"", json!({"name": "lost update", "password": "lost-password"})).await.expect("sent");
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let current = app.get(&path, admin).await;
    assert_eq!(current.body["name"], "Ines Fresh");
    assert_eq!(current.body["version"], 2);
    assert_eq!(
        app.login_reply("acme", "ines@acme.test", "lost-password").await.status,
        StatusCode::UNAUTHORIZED
    );

    // A new password is a version of its own; the ETag names the last one.
    let both =
        patch("\"2\"", json!({"name": "Ines Both", "password": "another-password"})).await.expect("sent");
    assert_eq!(both.status(), StatusCode::OK);
    assert_eq!(both.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"4\""));
    assert_eq!(app.login_reply("acme", "ines@acme.test", "another-password").await.status, StatusCode::OK);

    // No such user: 404 with or without If-Match.
    let missing = app
        .client
        .patch(app.url("/api/v1/users/00000000-0000-0000-0000-000000000000"))
        .bearer_auth(admin)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "nobody"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
