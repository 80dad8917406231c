//! Conversations (issue #17): messages of a job request and of a job, internal
//! notes, unread counts, the other side's mail (coalesced), notification
//! preferences and the one-click unsubscribe; job status mails.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, Company, TestApp};

/// A submitted request of the company's customer.
async fn submitted_request(app: &TestApp, company: &Company, title: &str) -> String {
    let customer = &company.customer.access;
    let draft = app.post("/api/v1/job-requests", customer, json!({"title": title})).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{:?}", draft.body);
    let id = draft.id().to_string();
    let submitted = app.post(&format!("/api/v1/job-requests/{id}/submit"), customer, json!({})).await;
    assert_eq!(submitted.status, StatusCode::OK, "{:?}", submitted.body);
    id
}

/// The mails of `kind` to `to`, oldest first (their text).
async fn mails_to(app: &TestApp, company: Uuid, kind: &str, to: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select text_body from app.mail_outbox where company_id = $1 and kind = $2 and recipient = $3
         order by created_at, id",
    )
    .bind(company)
    .bind(kind)
    .bind(to)
    .fetch_all(&app.owner)
    .await
    .expect("mails")
}

fn bodies(page: &Value) -> Vec<&str> {
    page["items"].as_array().expect("items").iter().map(|m| m["body"].as_str().unwrap_or("")).collect()
}

/// The unsubscribe token in a mail's text.
fn unsubscribe_token(text: &str) -> String {
    let start = text.find("/unsubscribe#token=").expect("an unsubscribe link") + "/unsubscribe#token=".len();
    text[start..].chars().take_while(char::is_ascii_alphanumeric).collect()
}

/// The unsubscribe link's request, as a browser without a session sends it.
async fn unsubscribe(app: &TestApp, slug: &str, body: Value) -> StatusCode {
    app.request(Method::POST, &format!("/api/v1/portal/{slug}/unsubscribe"), None, Some(body)).await.status
}

#[tokio::test]
async fn a_request_conversation_goes_both_ways_and_internal_notes_stay_internal() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let (admin, customer, worker) = (&acme.admin.access, &acme.customer.access, &acme.worker.access);
    let id = submitted_request(&app, &acme, "Leaking tap").await;
    let path = format!("/api/v1/job-requests/{id}/messages");

    let asked = app.post(&path, customer, json!({"body": "  Is Tuesday fine?  "})).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{:?}", asked.body);
    assert_eq!(asked.body["body"], "Is Tuesday fine?");
    assert_eq!(asked.body["author_role"], "CUSTOMER");
    assert_eq!(asked.body["author_name"], "Customer acme");
    // The company's admin is mailed, with a link to the staff's page.
    let to_admin = mails_to(&app, acme.id, "new_message", "admin@acme.test").await;
    assert_eq!(to_admin.len(), 1);
    assert!(
        to_admin[0].contains(&format!("/admin/requests/{id}")) && to_admin[0].contains("Is Tuesday fine?")
    );
    // A second message within minutes is not mailed again (coalesced).
    let again = app.post(&path, customer, json!({"body": "Or Wednesday?"})).await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert_eq!(mails_to(&app, acme.id, "new_message", "admin@acme.test").await.len(), 1);

    let note = app.post(&path, admin, json!({"body": "Check the van first", "internal": true})).await;
    assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);
    assert_eq!(note.body["internal"], true);
    assert!(
        mails_to(&app, acme.id, "new_message", "customer@acme.test").await.is_empty(),
        "a note mails nobody"
    );
    let reply = app.post(&path, admin, json!({"body": "Tuesday it is"})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let to_customer = mails_to(&app, acme.id, "new_message", "customer@acme.test").await;
    assert_eq!(to_customer.len(), 1);
    assert!(to_customer[0].contains(&format!("/portal/requests/{id}")));
    assert!(!to_customer[0].contains("{unsubscribe_token}"), "each mail has its own token");
    assert_eq!(unsubscribe_token(&to_customer[0]).len(), 64);

    // Staff see everything; the customer never the note.
    let staff_view = app.get(&path, admin).await;
    assert_eq!(
        bodies(&staff_view.body),
        ["Is Tuesday fine?", "Or Wednesday?", "Check the van first", "Tuesday it is"]
    );
    let customer_view = app.get(&path, customer).await;
    assert_eq!(bodies(&customer_view.body), ["Is Tuesday fine?", "Or Wednesday?", "Tuesday it is"]);
    assert!(!customer_view.body.to_string().contains("van"));

    // Refusals: a customer's internal note, an empty message, a worker on a request thread.
    assert_problem(
        &app.post(&path, customer, json!({"body": "psst", "internal": true})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &app.post(&path, customer, json!({"body": "   "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(&app.get(&path, worker).await, StatusCode::FORBIDDEN);
    assert_problem(&app.post(&path, worker, json!({"body": "hi"})).await, StatusCode::FORBIDDEN);

    // Unread counts: by others, visible to the reader, after its marker.
    let unread = app.get("/api/v1/messages/unread", customer).await;
    assert_eq!(unread.status, StatusCode::OK, "{:?}", unread.body);
    assert_eq!(unread.body["total"], 1, "the note does not count for the customer: {:?}", unread.body);
    assert_eq!(unread.body["threads"][0]["request_id"], json!(id));
    assert_eq!(app.get("/api/v1/messages/unread", admin).await.body["total"], 2);
    let read = app.post(&format!("{path}/read"), customer, json!(null)).await;
    assert_eq!(read.status, StatusCode::NO_CONTENT, "{:?}", read.body);
    assert_eq!(app.get("/api/v1/messages/unread", customer).await.body["total"], 0);
    assert_eq!(app.post(&format!("{path}/read"), customer, json!(null)).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_job_conversation_includes_its_worker_and_no_one_else() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let (admin, customer, worker) = (&acme.admin.access, &acme.customer.access, &acme.worker.access);
    let job = app
        .create_job(
            admin,
            json!({"customer_id": acme.customer_id, "title": "Boiler", "assigned_worker_id": acme.worker_id}),
        )
        .await
        .id();
    let path = format!("/api/v1/jobs/{job}/messages");

    let from_worker = app.post(&path, worker, json!({"body": "On my way"})).await;
    assert_eq!(from_worker.status, StatusCode::CREATED, "{:?}", from_worker.body);
    assert_eq!(from_worker.body["author_role"], "WORKER");
    let note = app.post(&path, worker, json!({"body": "Needs a new valve", "internal": true})).await;
    assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);
    assert_eq!(app.post(&path, customer, json!({"body": "Thanks!"})).await.status, StatusCode::CREATED);

    assert_eq!(bodies(&app.get(&path, worker).await.body), ["On my way", "Needs a new valve", "Thanks!"]);
    assert_eq!(bodies(&app.get(&path, customer).await.body), ["On my way", "Thanks!"]);
    assert_eq!(mails_to(&app, acme.id, "new_message", "customer@acme.test").await.len(), 1);
    assert_eq!(mails_to(&app, acme.id, "new_message", "admin@acme.test").await.len(), 1);

    // Another company sees and writes nothing there; nor does a job not assigned to the worker.
    let before = app.fingerprint(acme.id).await;
    for token in [&globex.admin.access, &globex.worker.access, &globex.customer.access] {
        assert_problem(&app.get(&path, token).await, StatusCode::NOT_FOUND);
        assert_problem(&app.post(&path, token, json!({"body": "hi"})).await, StatusCode::NOT_FOUND);
        assert_problem(&app.post(&format!("{path}/read"), token, json!(null)).await, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/api/v1/messages/unread", token).await.body["total"], 0);
    }
    assert_eq!(app.fingerprint(acme.id).await, before);
    let other = app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "Roof"})).await.id();
    assert_problem(&app.get(&format!("/api/v1/jobs/{other}/messages"), worker).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notification_mails_follow_the_preference_and_the_unsubscribe_link() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let (admin, customer, worker) = (&acme.admin.access, &acme.customer.access, &acme.worker.access);
    let statuses = app.status_ids(admin).await;
    let job = app
        .create_job(
            admin,
            json!({"customer_id": acme.customer_id, "title": "Boiler", "assigned_worker_id": acme.worker_id}),
        )
        .await
        .id();

    // A status change mails the customer, whoever makes it.
    let moved = app.patch(&format!("/api/v1/jobs/{job}"), worker, json!({"status_id": statuses[2]})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let status_mails = mails_to(&app, acme.id, "job_status", "customer@acme.test").await;
    assert_eq!(status_mails.len(), 1);
    assert!(
        status_mails[0].contains("In progress") && status_mails[0].contains(&format!("/portal/jobs/{job}"))
    );
    // The same status again is no change, and mails nothing.
    app.patch(&format!("/api/v1/jobs/{job}"), admin, json!({"status_id": statuses[2]})).await;
    assert_eq!(mails_to(&app, acme.id, "job_status", "customer@acme.test").await.len(), 1);

    // The link in the mail turns notifications off, without signing in.
    let token = unsubscribe_token(&status_mails[0]);
    assert_eq!(app.get("/api/v1/me/notifications", customer).await.body["mail_notifications"], true);
    let off = unsubscribe(&app, "acme", json!({"token": token})).await;
    assert_eq!(off, StatusCode::OK);
    assert_eq!(app.get("/api/v1/me/notifications", customer).await.body["mail_notifications"], false);
    let unknown = unsubscribe(&app, "acme", json!({"token": "0".repeat(64)})).await;
    assert_eq!(unknown, StatusCode::UNPROCESSABLE_ENTITY);
    // Another company's slug does not know the token.
    app.company("globex").await;
    let elsewhere = unsubscribe(&app, "globex", json!({"token": token})).await;
    assert_eq!(elsewhere, StatusCode::UNPROCESSABLE_ENTITY);

    // Off: no status mail, no message mail.
    app.patch(&format!("/api/v1/jobs/{job}"), worker, json!({"status_id": statuses[3]})).await;
    app.post(&format!("/api/v1/jobs/{job}/messages"), admin, json!({"body": "Done"})).await;
    assert_eq!(mails_to(&app, acme.id, "job_status", "customer@acme.test").await.len(), 1);
    assert!(mails_to(&app, acme.id, "new_message", "customer@acme.test").await.is_empty());

    // On again from the profile.
    let on = app.put("/api/v1/me/notifications", customer, json!({"mail_notifications": true})).await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    app.patch(&format!("/api/v1/jobs/{job}"), worker, json!({"status_id": statuses[1]})).await;
    assert_eq!(mails_to(&app, acme.id, "job_status", "customer@acme.test").await.len(), 2);
    assert_problem(
        &app.put("/api/v1/me/notifications", customer, json!({"mail_notifications": "yes"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    // The company's setting turns status mails off for everyone.
    let settings = app
        .client
        .put(app.url("/api/v1/portal-settings"))
        .bearer_auth(admin)
        .json(&json!({"registration_mode": "invitation", "locked_fields": [], "job_status_mails": false}))
        .send()
        .await
        .expect("sent");
    assert_eq!(settings.status(), StatusCode::OK);
    app.patch(&format!("/api/v1/jobs/{job}"), worker, json!({"status_id": statuses[2]})).await;
    assert_eq!(mails_to(&app, acme.id, "job_status", "customer@acme.test").await.len(), 2);
}

#[tokio::test]
async fn a_customer_renames_itself_and_changes_its_email_by_confirming_it() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let customer = &acme.customer.access;

    let renamed = app.patch("/api/v1/me/profile", customer, json!({"name": "  Rita Renamed "})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    assert_eq!(app.get("/api/v1/auth/me", customer).await.body["name"], "Rita Renamed");
    assert_problem(
        &app.patch("/api/v1/me/profile", customer, json!({"name": " "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &app.patch("/api/v1/me/profile", &acme.worker.access, json!({"name": "x"})).await,
        StatusCode::FORBIDDEN,
    );

    // The new address gets the link; the old one stays until it is used.
    let asked = app.post("/api/v1/me/email", customer, json!({"email": "rita@new.test"})).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{:?}", asked.body);
    let mails = mails_to(&app, acme.id, "email_change", "rita@new.test").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(app.get("/api/v1/auth/me", customer).await.body["email"], "customer@acme.test");
    let start = mails[0].find("/p/acme/email#token=").expect("the link") + "/p/acme/email#token=".len();
    let token: String = mails[0][start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    // Confirmed without a session: the link is the proof.
    let confirm = |token: String| {
        app.request(Method::POST, "/api/v1/me/email/confirm", None, Some(json!({"token": token})))
    };
    assert_eq!(confirm(token.clone()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/auth/me", customer).await.body["email"], "rita@new.test");
    assert_eq!(
        app.login_reply("acme", "rita@new.test", crate::helpers::PASSWORD).await.status,
        StatusCode::OK
    );
    // Single use.
    assert_eq!(confirm(token).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An address another login of the company has gets no link (same answer).
    let taken = app.post("/api/v1/me/email", customer, json!({"email": "admin@acme.test"})).await;
    assert_eq!(taken.status, StatusCode::ACCEPTED);
    assert!(mails_to(&app, acme.id, "email_change", "admin@acme.test").await.is_empty());
    assert_problem(
        &app.post("/api/v1/me/email", customer, json!({"email": "nope"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    // The other company's same address is no conflict, and its change stays its own.
    let other =
        app.post("/api/v1/me/email", &globex.customer.access, json!({"email": "rita@new.test"})).await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
    assert_eq!(mails_to(&app, globex.id, "email_change", "rita@new.test").await.len(), 1);
}
