//! Customers and job statuses.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn admins_manage_customers_with_search_and_soft_delete() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let created = app
        .post("/api/v1/customers", admin, json!({"name": "Grand Hotel", "email": "desk@grand.test", "phone": "+1 555 0199", "address": "1 Main St"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let path = format!("/api/v1/customers/{}", created.id());
    for q in ["grand", "DESK@", "0199"] {
        let found = app.get(&format!("/api/v1/customers?q={q}"), admin).await;
        assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1), "q={q}");
    }
    let cleared = app.patch(&path, admin, json!({"email": null, "phone": "+1 555 0100"})).await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert!(cleared.body["email"].is_null());
    assert_eq!(cleared.body["phone"], "+1 555 0100");
    assert_eq!(cleared.body["address"], "1 Main St", "absent fields stay");

    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "X", "email": "nope"}), "email"),
        (json!({"name": "X", "phone": "call me maybe"}), "phone"),
        (json!({"name": "X", "address": "a".repeat(501)}), "address"),
    ] {
        let reply = app.post("/api/v1/customers", admin, body).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"][field].is_array(), "{field}: {:?}", reply.body);
    }
    assert_eq!(app.delete(&path, admin).await.status, StatusCode::NO_CONTENT);
    assert_problem(&app.get(&path, admin).await, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/customers?q=grand", admin).await.body["items"], json!([]));
    assert_problem(&app.get("/api/v1/customers", &acme.worker.access).await, StatusCode::FORBIDDEN);
}

fn names(body: &Value) -> Vec<String> {
    body.as_array().expect("statuses").iter().map(|s| s["name"].as_str().expect("name").to_owned()).collect()
}

#[tokio::test]
async fn statuses_are_created_reordered_and_deleted_only_when_unused() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let listed = app.get("/api/v1/job-statuses", &acme.customer.access).await;
    assert_eq!(
        names(&listed.body),
        ["New", "Scheduled", "In progress", "Completed"],
        "every role reads them"
    );

    let parts =
        app.post("/api/v1/job-statuses", admin, json!({"name": "Awaiting parts", "color": "#aa00ff"})).await;
    assert_eq!(parts.status, StatusCode::CREATED);
    assert_eq!(parts.body["order_index"], 4);
    let duplicate = app.post("/api/v1/job-statuses", admin, json!({"name": "awaiting PARTS"})).await;
    assert_problem(&duplicate, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(duplicate.body["errors"]["name"].is_array());
    assert_problem(
        &app.post("/api/v1/job-statuses", admin, json!({"name": "X", "color": "red"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    let mut ids = app.status_ids(admin).await;
    ids.reverse();
    let reordered = app.post("/api/v1/job-statuses/reorder", admin, json!({"ids": ids})).await;
    assert_eq!(reordered.status, StatusCode::OK, "{:?}", reordered.body);
    assert_eq!(names(&reordered.body), ["Awaiting parts", "Completed", "In progress", "Scheduled", "New"]);
    assert_problem(
        &app.post("/api/v1/job-statuses/reorder", admin, json!({"ids": &ids[1..]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let twice = json!({"ids": [ids[0], ids[0], ids[1], ids[2], ids[3]]});
    assert_problem(
        &app.post("/api/v1/job-statuses/reorder", admin, twice).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    // In use: refused; unused: gone.
    let in_use = ids[2];
    app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "x", "status_id": in_use})).await;
    assert_problem(&app.delete(&format!("/api/v1/job-statuses/{in_use}"), admin).await, StatusCode::CONFLICT);
    assert_eq!(
        app.delete(&format!("/api/v1/job-statuses/{}", parts.id()), admin).await.status,
        StatusCode::NO_CONTENT
    );

    // The last final status can be neither un-finalised nor deleted.
    let completed = ids[1];
    let demote =
        app.patch(&format!("/api/v1/job-statuses/{completed}"), admin, json!({"is_final": false})).await;
    assert_problem(&demote, StatusCode::CONFLICT);
    assert_problem(
        &app.delete(&format!("/api/v1/job-statuses/{completed}"), admin).await,
        StatusCode::CONFLICT,
    );
    let renamed = app
        .patch(
            &format!("/api/v1/job-statuses/{completed}"),
            admin,
            json!({"name": "Done", "color": "#00aa00"}),
        )
        .await;
    assert_eq!(renamed.body["name"], "Done");

    assert_problem(
        &app.post("/api/v1/job-statuses", &acme.worker.access, json!({"name": "x"})).await,
        StatusCode::FORBIDDEN,
    );
}

/// Each edit is one statement that also says whether the row was there: a
/// stale `If-Match` is a 412 that writes nothing, a row the caller cannot see
/// a 404 with or without one, a current `If-Match` succeeds with the next ETag.
#[tokio::test]
async fn edits_tell_a_stale_version_from_a_missing_row() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let admin = &acme.admin.access;
    let customer = app.create_customer(admin, "Stale Ltd").await;
    let status = app.post("/api/v1/job-statuses", admin, json!({"name": "Waiting"})).await;
    let job = app
        .create_job(admin, json!({"customer_id": acme.customer_id, "title": "Fix", "tasks": ["one"]}))
        .await;
    let task = job.body["tasks"][0]["id"].as_str().expect("task id").to_owned();
    let cases = [
        (format!("/api/v1/customers/{customer}"), json!({"name": "Renamed Ltd"}), "name"),
        (format!("/api/v1/job-statuses/{}", status.id()), json!({"name": "Held"}), "name"),
        (format!("/api/v1/job-tasks/{task}"), json!({"title": "two"}), "title"),
    ];
    for (path, body, field) in cases {
        let send = |token: &str, if_match: Option<&str>| {
            let mut request = app.client.patch(app.url(&path)).bearer_auth(token).json(&body);
            if let Some(version) = if_match {
                request = request.header("if-match", version);
            }
            request.send()
        };
        let stale = send(admin, Some("\"7\"")).await.expect("sent");
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED, "{path}");
        let fresh = send(admin, Some("\"1\"")).await.expect("sent");
        assert_eq!(fresh.status(), StatusCode::OK, "{path}");
        assert_eq!(fresh.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"2\""), "{path}");
        let edited: Value = fresh.json().await.expect("json");
        assert_eq!(edited[field], body[field], "{path}");
        assert_eq!(edited["version"], 2, "{path}");
        // Another company's admin: not there, whatever the version.
        for if_match in [None, Some("\"2\"")] {
            let missing = send(&globex.admin.access, if_match).await.expect("sent");
            assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path} {if_match:?}");
        }
    }
}
