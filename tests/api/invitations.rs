//! Invitations to join a company as staff (issue #15, docs/organizations.md):
//! invite, list, revoke; the link makes a new person or adds the company to
//! an existing one, who proves itself signed in or by its password.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Reply, TestApp, PASSWORD};
use crate::portal_accounts::mailed_token;

const STRONG: &str = "violet tractor hums beside quiet lanterns";
const LINK: &str = "/invitations/accept#token=";

async fn accept(app: &TestApp, token: Option<&str>, body: Value) -> Reply {
    app.request(Method::POST, "/api/v1/invitations/accept", token, Some(body)).await
}

async fn invite(app: &TestApp, admin: &str, email: &str, role: &str) -> Reply {
    app.post("/api/v1/invitations", admin, json!({"email": email, "role": role})).await
}

#[tokio::test]
async fn an_admin_invites_lists_and_revokes_and_nobody_else_may() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;

    let reply = invite(&app, &acme.admin.access, "new.hire@people.test", "WORKER").await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["role"], "WORKER");
    let first = reply.id();
    let second = invite(&app, &acme.admin.access, "boss@people.test", "ADMIN").await.id();
    let listed = app.get("/api/v1/invitations", &acme.admin.access).await;
    let ids: Vec<&str> =
        listed.body["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, [second.to_string(), first.to_string()]);
    assert!(listed.body["items"][0].get("token_hash").is_none());

    // Not for workers or customers; not a customer role; not a member twice.
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&invite(&app, token, "x@people.test", "WORKER").await, StatusCode::FORBIDDEN);
        assert_problem(&app.get("/api/v1/invitations", token).await, StatusCode::FORBIDDEN);
    }
    assert_problem(
        &invite(&app, &acme.admin.access, "x@people.test", "CUSTOMER").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &invite(&app, &acme.admin.access, "not-an-email", "WORKER").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &invite(&app, &acme.admin.access, "Worker@ACME.test", "ADMIN").await,
        StatusCode::CONFLICT,
    );

    // Another company sees none of them and cannot revoke them.
    let theirs = app.get("/api/v1/invitations", &bolt.admin.access).await;
    assert_eq!(theirs.body["items"], json!([]));
    assert_problem(
        &app.delete(&format!("/api/v1/invitations/{first}"), &bolt.admin.access).await,
        StatusCode::NOT_FOUND,
    );

    // Revoked: gone from the list, and its link is dead.
    let token = mailed_token(&app, acme.id, "staff_invitation", "new.hire@people.test", LINK).await;
    let revoked = app.delete(&format!("/api/v1/invitations/{first}"), &acme.admin.access).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_problem(
        &app.delete(&format!("/api/v1/invitations/{first}"), &acme.admin.access).await,
        StatusCode::NOT_FOUND,
    );
    let listed = app.get("/api/v1/invitations", &acme.admin.access).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    let dead = accept(&app, None, json!({"token": token, "name": "New Hire", "password": STRONG})).await;
    assert_problem(&dead, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dead.body["errors"]["token"].is_array(), "{:?}", dead.body);
}

#[tokio::test]
async fn a_new_address_becomes_a_person_and_the_link_works_once() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    invite(&app, &acme.admin.access, "New.Hire@people.test", "WORKER").await;
    let token = mailed_token(&app, acme.id, "staff_invitation", "New.Hire@people.test", LINK).await;

    let preview =
        app.request(Method::POST, "/api/v1/invitations/preview", None, Some(json!({"token": token}))).await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    assert_eq!(preview.body["has_account"], false);
    assert_eq!(preview.body["company_slug"], "acme");
    assert_eq!(preview.body["role"], "WORKER");

    // A name and a strong password are required.
    let no_name = accept(&app, None, json!({"token": token, "password": STRONG})).await;
    assert!(no_name.body["errors"]["name"].is_array(), "{:?}", no_name.body);
    let weak = accept(&app, None, json!({"token": token, "name": "New Hire", "password": "password1"})).await;
    assert!(weak.body["errors"]["password"].is_array(), "{:?}", weak.body);

    let done = accept(&app, None, json!({"token": token, "name": "New Hire", "password": STRONG})).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(done.body["company_slug"], "acme");
    let signed_in = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "new.hire@people.test", "password": STRONG})),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["user"]["role"], "WORKER");
    assert_eq!(signed_in.body["user"]["name"], "New Hire");

    let again = accept(&app, None, json!({"token": token, "name": "Someone", "password": STRONG})).await;
    assert_problem(&again, StatusCode::UNPROCESSABLE_ENTITY);
    // Accepted: no longer pending.
    let listed = app.get("/api/v1/invitations", &acme.admin.access).await;
    assert_eq!(listed.body["items"], json!([]));
}

#[tokio::test]
async fn an_existing_person_proves_itself_and_gets_one_more_company() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    // bolt invites acme's admin, twice (one link accepted signed in, one by password).
    invite(&app, &bolt.admin.access, "admin@acme.test", "WORKER").await;
    let token = mailed_token(&app, bolt.id, "staff_invitation", "admin@acme.test", LINK).await;
    let preview =
        app.request(Method::POST, "/api/v1/invitations/preview", None, Some(json!({"token": token}))).await;
    assert_eq!(preview.body["has_account"], true);

    // Neither signed in nor with the password: refused, nothing made.
    let anonymous = accept(&app, None, json!({"token": token, "name": "Mallory", "password": STRONG})).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    let no_password = accept(&app, None, json!({"token": token})).await;
    assert!(no_password.body["errors"]["password"].is_array(), "{:?}", no_password.body);
    // Signed in as someone else: refused.
    let other = accept(&app, Some(&bolt.worker.access), json!({"token": token})).await;
    assert_problem(&other, StatusCode::FORBIDDEN);

    // Signed in as the person: accepted.
    let done = accept(&app, Some(&acme.admin.access), json!({"token": token})).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    let listed = app.get("/api/v1/auth/memberships", &acme.admin.access).await;
    let slugs: Vec<&str> = listed.body["memberships"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["acme", "bolt"]);
    let switched = app.post("/api/v1/auth/switch", &acme.admin.access, json!({"company": "bolt"})).await;
    assert_eq!(switched.status, StatusCode::OK, "{:?}", switched.body);
    assert_eq!(switched.body["user"]["role"], "WORKER");
    // The membership has no password of its own: the person's opens it.
    assert_eq!(app.login_reply("bolt", "admin@acme.test", PASSWORD).await.status, StatusCode::OK);

    // A member already: a second invitation cannot be made, or accepted.
    assert_problem(&invite(&app, &bolt.admin.access, "admin@acme.test", "ADMIN").await, StatusCode::CONFLICT);

    // By password: acme's worker, invited by bolt.
    invite(&app, &bolt.admin.access, "worker@acme.test", "ADMIN").await;
    let token = mailed_token(&app, bolt.id, "staff_invitation", "worker@acme.test", LINK).await;
    let wrong = accept(&app, None, json!({"token": token, "password": "not the password"})).await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);
    let done = accept(&app, None, json!({"token": token, "password": PASSWORD})).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(done.body["role"], "ADMIN");
    assert_eq!(app.login_reply("bolt", "worker@acme.test", PASSWORD).await.status, StatusCode::OK);
}
