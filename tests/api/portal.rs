//! The customer portal (issue #17): the public portal page and the admin's
//! portal settings, per role and across companies.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Reply, TestApp};

async fn put_settings(app: &TestApp, token: &str, if_match: Option<&str>, body: Value) -> Reply {
    let mut request = app.client.put(app.url("/api/v1/portal-settings")).bearer_auth(token).json(&body);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Reply { status, headers, body }
}

fn etag(reply: &Reply) -> String {
    reply.headers.get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_owned()
}

#[tokio::test]
async fn an_admin_reads_the_defaults_then_saves_settings_with_if_match() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;

    // Nothing saved yet: the defaults, version 0 (invitation only).
    let first = app.get("/api/v1/portal-settings", admin).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["registration_mode"], "invitation");
    assert_eq!(first.body["job_status_mails"], true);
    assert_eq!(first.body["version"], 0);
    assert_eq!(
        first.body["locked_fields"],
        json!(["title", "description", "preferred_windows", "service_location_id", "urgency"])
    );
    assert_eq!(etag(&first), "\"0\"");

    let body = json!({"registration_mode": "approval", "locked_fields": ["title", "urgency"], "job_status_mails": false});
    // A saved version before anything was saved: 412, and nothing is.
    assert_problem(
        &put_settings(&app, admin, Some("\"2\""), body.clone()).await,
        StatusCode::PRECONDITION_FAILED,
    );
    assert_eq!(app.get("/api/v1/portal-settings", admin).await.body["version"], 0);
    let saved = put_settings(&app, admin, Some("\"0\""), body.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(saved.body["registration_mode"], "approval");
    assert_eq!(saved.body["locked_fields"], json!(["title", "urgency"]));
    assert_eq!(saved.body["job_status_mails"], false);
    assert_eq!(saved.body["version"], 1);
    assert_eq!(etag(&saved), "\"1\"");

    // "0" again is stale now, as is any version but 1: 412, nothing written.
    for stale in ["\"0\"", "\"7\""] {
        let reply = put_settings(
            &app,
            admin,
            Some(stale),
            json!({"registration_mode": "open", "locked_fields": [], "job_status_mails": true}),
        )
        .await;
        assert_problem(&reply, StatusCode::PRECONDITION_FAILED);
    }
    let read = app.get("/api/v1/portal-settings", admin).await;
    assert_eq!(read.body["registration_mode"], "approval");
    assert_eq!(read.body["version"], 1);

    // The current version, and then no If-Match at all: both save.
    let second = put_settings(
        &app,
        admin,
        Some(&etag(&read)),
        json!({"registration_mode": "open", "locked_fields": [], "job_status_mails": true}),
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    assert_eq!(second.body["version"], 2);
    assert_eq!(second.body["locked_fields"], json!([]));
    let third = put_settings(&app, admin, None, body).await;
    assert_eq!(third.status, StatusCode::OK, "{:?}", third.body);
    assert_eq!(third.body["version"], 3);

    // Every save is in the company's history.
    let saves: i64 = sqlx::query_scalar(
        "select count(*) from app.audit_log where company_id = $1 and table_name = 'portal_settings'",
    )
    .bind(acme.id)
    .fetch_one(&app.owner)
    .await
    .expect("history");
    assert_eq!(saves, 3);
}

#[tokio::test]
async fn bad_settings_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    for body in [
        json!({"registration_mode": "everyone", "locked_fields": [], "job_status_mails": true}),
        json!({"registration_mode": "open", "locked_fields": ["price"], "job_status_mails": true}),
        json!({"registration_mode": "open", "locked_fields": ["title", "title"], "job_status_mails": true}),
        json!({"registration_mode": "open", "locked_fields": [], "job_status_mails": true, "extra": 1}),
        json!({"registration_mode": "open", "job_status_mails": true}),
    ] {
        let reply = put_settings(&app, admin, None, body.clone()).await;
        assert!(
            reply.status == StatusCode::UNPROCESSABLE_ENTITY || reply.status == StatusCode::BAD_REQUEST,
            "{body}: {:?}",
            reply
        );
    }
    let dup = put_settings(
        &app,
        admin,
        None,
        json!({"registration_mode": "open", "locked_fields": ["title", "title"], "job_status_mails": true}),
    )
    .await;
    assert_problem(&dup, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body["errors"]["locked_fields"].is_array(), "{:?}", dup.body);
    let read = app.get("/api/v1/portal-settings", admin).await;
    assert_eq!(read.body["version"], 0, "nothing was saved: {:?}", read.body);
}

#[tokio::test]
async fn only_admins_read_or_save_the_settings() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/portal-settings", token).await, StatusCode::FORBIDDEN);
        let reply = put_settings(
            &app,
            token,
            None,
            json!({"registration_mode": "open", "locked_fields": [], "job_status_mails": true}),
        )
        .await;
        assert_problem(&reply, StatusCode::FORBIDDEN);
    }
    let anonymous = app.request(Method::GET, "/api/v1/portal-settings", None, None).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_public_portal_page_shows_name_colour_and_mode_only() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let page = app.request(Method::GET, "/api/v1/portal/acme", None, None).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!(
        page.body,
        json!({"company_name": "Company acme", "color": "#123456", "registration_mode": "invitation"})
    );
    let saved = put_settings(
        &app,
        &acme.admin.access,
        None,
        json!({"registration_mode": "open", "locked_fields": [], "job_status_mails": true}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK);
    // Slugs are matched as sign-in matches them (lowercase).
    let page = app.request(Method::GET, "/api/v1/portal/ACME", None, None).await;
    assert_eq!(page.body["registration_mode"], "open");

    for unknown in ["/api/v1/portal/nobody", "/api/v1/portal/a%27%20or%201%3D1--"] {
        let reply = app.request(Method::GET, unknown, None, None).await;
        assert_problem(&reply, StatusCode::NOT_FOUND);
    }
    // A deactivated company has no portal.
    sqlx::query("update app.companies set is_active = false where id = $1")
        .bind(acme.id)
        .execute(&app.owner)
        .await
        .expect("deactivate");
    let gone = app.request(Method::GET, "/api/v1/portal/acme", None, None).await;
    assert_problem(&gone, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_company_never_reads_or_changes_another_companys_settings() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let saved = put_settings(
        &app,
        &acme.admin.access,
        None,
        json!({"registration_mode": "open", "locked_fields": ["urgency"], "job_status_mails": false}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK);
    let before = app.fingerprint(acme.id).await;

    // B's admin sees its own defaults, not A's row, and its save is B's own.
    let theirs = app.get("/api/v1/portal-settings", &bolt.admin.access).await;
    assert_eq!(theirs.body["registration_mode"], "invitation");
    assert_eq!(theirs.body["version"], 0);
    let stale = put_settings(
        &app,
        &bolt.admin.access,
        Some("\"1\""),
        json!({"registration_mode": "approval", "locked_fields": [], "job_status_mails": true}),
    )
    .await;
    assert_problem(&stale, StatusCode::PRECONDITION_FAILED);
    let own = put_settings(
        &app,
        &bolt.admin.access,
        None,
        json!({"registration_mode": "approval", "locked_fields": [], "job_status_mails": true}),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["version"], 1);

    assert_eq!(app.fingerprint(acme.id).await, before, "company A changed");
    let page = app.request(Method::GET, "/api/v1/portal/acme", None, None).await;
    assert_eq!(page.body["registration_mode"], "open");
    let page = app.request(Method::GET, "/api/v1/portal/bolt", None, None).await;
    assert_eq!(page.body["registration_mode"], "approval");
}
