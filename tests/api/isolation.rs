//! The attacker's view: company B's admin, worker and customer aim every
//! endpoint at company A's ids (in paths, bodies and query strings) and get
//! nothing back, and nothing of A changes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Reply};

#[tokio::test]
async fn company_b_in_every_role_reaches_nothing_of_company_a() {
    let app = spawn_app().await;
    let a = app.company("acme").await;
    let b = app.company("bolt").await;

    // Company A's objects, of every kind.
    let a_statuses = app.status_ids(&a.admin.access).await;
    let job = app
        .create_job(
            &a.admin.access,
            json!({"customer_id": a.customer_id, "title": "Secret A job", "assigned_worker_id": a.worker_id, "tasks": ["Secret task"]}),
        )
        .await;
    let job_id = job.id();
    let task_id = job.body["tasks"][0]["id"].as_str().expect("task").to_owned();
    app.post(
        &format!("/api/v1/jobs/{job_id}/notes"),
        &a.admin.access,
        json!({"body": "Secret note", "visibility": "customer"}),
    )
    .await;
    let link = app.post(&format!("/api/v1/jobs/{job_id}/share-links"), &a.admin.access, json!({})).await;
    let link_id = link.body["id"].as_str().expect("link").to_owned();
    let status_id = a_statuses[1];
    let customer_id = a.customer_id;
    let worker_id = a.worker_id;
    let admin_id = a.admin.user_id;
    // A password reset of A's admin: a reset token and a mail of A's exist.
    let reset = app
        .request(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"company": "acme", "email": "admin@acme.test"})),
        )
        .await;
    assert_eq!(reset.status, StatusCode::ACCEPTED);
    let (mail_id, reset_token_id): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "select o.id, t.id from app.mail_outbox o, app.password_reset_tokens t
         where o.company_id = $1 and t.company_id = $1",
    )
    .bind(a.id)
    .fetch_one(&app.owner)
    .await
    .expect("A's reset mail and token");
    // A token naming company A that B made up: refused like any unknown one.
    let forged_reset = fieldops::auth::tokens::generate(a.id);
    // A sign-up's confirmation link for A's company, made up (migration 0043).
    let forged_signup = fieldops::auth::tokens::generate(a.id);

    // A's saved portal settings (migration 0022): in A's fingerprint.
    let settings = app
        .client
        .put(app.url("/api/v1/portal-settings"))
        .bearer_auth(&a.admin.access)
        .json(&json!({"registration_mode": "open", "locked_fields": ["title"], "job_status_mails": false}))
        .send()
        .await
        .expect("A's portal settings");
    assert_eq!(settings.status(), StatusCode::OK);
    // A's portal registration waiting for approval, and an invitation of A's.
    let registered = app
        .request(
            Method::POST,
            "/api/v1/portal/acme/register",
            None,
            Some(json!({"name": "Secret registrant", "email": "secret@home.test", "password": "violet tractor hums beside quiet lanterns", "accept_terms": true})),
        )
        .await;
    assert_eq!(registered.status, StatusCode::ACCEPTED);
    let account_id: uuid::Uuid =
        sqlx::query_scalar("update app.portal_accounts set state = 'pending', email_verified_at = now() where company_id = $1 returning id")
            .bind(a.id)
            .fetch_one(&app.owner)
            .await
            .expect("A's pending account");
    let invitation = app
        .post(
            &format!("/api/v1/customers/{}/portal-invitations", a.customer_id),
            &a.admin.access,
            json!({"email": "secret-invite@home.test"}),
        )
        .await;
    assert_eq!(invitation.status, StatusCode::CREATED);
    let invitation_id = invitation.id().to_string();
    // A's invitation of a new member (migration 0034).
    let staff_invitation_id = app
        .post(
            "/api/v1/invitations",
            &a.admin.access,
            json!({"email": "secret.hire@people.test", "role": "ADMIN"}),
        )
        .await
        .id()
        .to_string();

    // A role of A's own (migration 0039).
    let role_id = app
        .post(
            "/api/v1/roles",
            &a.admin.access,
            json!({"name": "Secret planner", "base": "ADMIN", "permissions": ["jobs.read"]}),
        )
        .await
        .id()
        .to_string();

    // A job request of A's customer, submitted, with its history.
    let a_locations =
        app.get(&format!("/api/v1/customers/{}/locations", a.customer_id), &a.customer.access).await;
    let a_location = a_locations.body["items"][0]["id"].as_str().expect("location").to_owned();
    let request = app
        .post(
            "/api/v1/job-requests",
            &a.customer.access,
            json!({"title": "Secret request", "service_location_id": a_location}),
        )
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{:?}", request.body);
    let request_id = request.id().to_string();
    let submitted =
        app.post(&format!("/api/v1/job-requests/{request_id}/submit"), &a.customer.access, json!({})).await;
    assert_eq!(submitted.status, StatusCode::OK);
    // A's conversations (migration 0030): a customer's message on the
    // request, a staff note on the job.
    let message = app
        .post(
            &format!("/api/v1/job-requests/{request_id}/messages"),
            &a.customer.access,
            json!({"body": "Secret message"}),
        )
        .await;
    assert_eq!(message.status, StatusCode::CREATED, "{:?}", message.body);
    let message_id = message.id().to_string();
    let note = app
        .post(
            &format!("/api/v1/jobs/{job_id}/messages"),
            &a.admin.access,
            json!({"body": "Secret internal note", "internal": true}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);
    let note_id = note.id().to_string();

    // A's customer's location (with a gate code) and contact.
    let locations = app.get(&format!("/api/v1/customers/{customer_id}/locations"), &a.admin.access).await;
    let location_id = locations.body["items"][0]["id"].as_str().expect("location").to_owned();
    let gate = app
        .patch(
            &format!("/api/v1/service-locations/{location_id}"),
            &a.admin.access,
            json!({"gate_code": "Secret gate", "access_notes": "Secret access"}),
        )
        .await;
    assert!(gate.status.is_success(), "{:?}", gate.body);
    let contact = app
        .post(
            &format!("/api/v1/customers/{customer_id}/contacts"),
            &a.admin.access,
            json!({"name": "Secret contact", "notes": "Secret notes", "methods": [{"kind": "mobile", "value": "+1 555 0100"}]}),
        )
        .await;
    let contact_id = contact.body["id"].as_str().expect("contact").to_owned();
    // A's contact limited to that location (migration 0025).
    let limit = app
        .put(
            &format!("/api/v1/contacts/{contact_id}/locations"),
            &a.admin.access,
            json!({"restricted_to_locations": true, "location_ids": [location_id]}),
        )
        .await;
    assert_eq!(limit.status, StatusCode::OK, "{:?}", limit.body);

    // A's communication log entry (migration 0024), naming that contact and job.
    let communication = app
        .post(
            &format!("/api/v1/customers/{customer_id}/communications"),
            &a.admin.access,
            json!({"channel": "call", "direction": "inbound", "summary": "Secret call",
                   "contact_id": contact_id, "job_id": job_id, "service_location_id": location_id}),
        )
        .await;
    assert_eq!(communication.status, StatusCode::CREATED, "{:?}", communication.body);
    let communication_id = communication.body["id"].as_str().expect("communication").to_owned();
    let communication_path = format!("/api/v1/customers/{customer_id}/communications/{communication_id}");

    // A's custom field, with a value on A's job (migration 0023).
    let field = app
        .post(
            "/api/v1/custom-fields",
            &a.admin.access,
            json!({"entity": "job", "key": "secret_code", "label": "Secret label", "field_type": "text"}),
        )
        .await;
    assert_eq!(field.status, StatusCode::CREATED, "{:?}", field.body);
    let field_id = field.body["id"].as_str().expect("field").to_owned();
    let valued = app
        .patch(
            &format!("/api/v1/jobs/{job_id}"),
            &a.admin.access,
            json!({"custom_fields": {"secret_code": "Secret value"}}),
        )
        .await;
    assert!(valued.status.is_success(), "{:?}", valued.body);

    // A's import, with a refused row, and a saved mapping (migration 0029).
    let import = app
        .client
        .post(app.url("/api/v1/imports?kind=customers&dry_run=false&file_name=Secret.csv"))
        .bearer_auth(&a.admin.access)
        .body("Name,Email\nSecret imported,\nSecret refused,not-an-email\n")
        .send()
        .await
        .expect("import sent");
    assert_eq!(import.status(), StatusCode::CREATED);
    let import: Value = import.json().await.expect("import report");
    let import_id = import["import"]["id"].as_str().expect("import").to_owned();
    let mapping = app
        .post(
            "/api/v1/import-mappings",
            &a.admin.access,
            json!({"kind": "customers", "name": "Secret mapping", "mapping": {"name": "Name"}}),
        )
        .await;
    let mapping_id = mapping.id().to_string();

    // A job of B's own, to aim B's legitimate writes at A's ids.
    let b_job =
        app.create_job(&b.admin.access, json!({"customer_id": b.customer_id, "title": "B job"})).await;
    let b_job_id = b_job.id();
    let b_contact = app
        .post(
            &format!("/api/v1/customers/{}/contacts", b.customer_id),
            &b.admin.access,
            json!({"name": "B contact"}),
        )
        .await;
    let b_contact_id = b_contact.id();

    // A's files (migration 0028): an internal photo of the job, the customer's drawing.
    let photo = crate::attachments::upload(
        &app,
        &format!("/api/v1/jobs/{job_id}/attachments"),
        &a.worker.access,
        "Secret photo.jpg",
        crate::attachments::jpeg(64, 48),
    )
    .await;
    assert_eq!(photo.status, StatusCode::CREATED, "{:?}", photo.body);
    let photo_id = photo.id().to_string();
    let drawing = crate::attachments::upload(
        &app,
        &format!("/api/v1/job-requests/{request_id}/attachments"),
        &a.customer.access,
        "Secret drawing.pdf",
        crate::attachments::pdf("Secret"),
    )
    .await;
    assert_eq!(drawing.status, StatusCode::CREATED, "{:?}", drawing.body);
    let drawing_id = drawing.id().to_string();
    // A's files on a job note and on the customer (migration 0036).
    let file_note = app
        .post(&format!("/api/v1/jobs/{job_id}/notes"), &a.admin.access, json!({"body": "Secret file note"}))
        .await;
    assert_eq!(file_note.status, StatusCode::CREATED, "{:?}", file_note.body);
    let file_note_id = file_note.id();
    let note_photo = crate::attachments::upload(
        &app,
        &format!("/api/v1/job-notes/{file_note_id}/attachments"),
        &a.worker.access,
        "Secret note photo.jpg",
        crate::attachments::jpeg(64, 48),
    )
    .await;
    assert_eq!(note_photo.status, StatusCode::CREATED, "{:?}", note_photo.body);
    let note_photo_id = note_photo.id().to_string();
    let contract = crate::attachments::upload(
        &app,
        &format!("/api/v1/customers/{customer_id}/attachments?visibility=customer"),
        &a.admin.access,
        "Secret contract.pdf",
        crate::attachments::pdf("Secret"),
    )
    .await;
    assert_eq!(contract.status, StatusCode::CREATED, "{:?}", contract.body);
    let contract_id = contract.id().to_string();
    // A's daily digest (migration 0038): its admin chosen, a day's digest
    // queued; a rejected request with its reason for the weekly report.
    let digest = app
        .put("/api/v1/portal-digest", &a.admin.access, json!({"hour": 6, "recipient_ids": [admin_id]}))
        .await;
    assert_eq!(digest.status, StatusCode::OK, "{:?}", digest.body);
    let tomorrow =
        (chrono::Utc::now() + chrono::Days::new(1)).date_naive().and_hms_opt(7, 0, 0).expect("7:00");
    let digested = fieldops::mail::digest::run_due(&app.login, "http://x.test", tomorrow.and_utc())
        .await
        .expect("A's digest");
    assert_eq!(digested, 1);
    let declined = app
        .post(
            "/api/v1/job-requests",
            &a.customer.access,
            json!({"title": "Secret declined", "service_location_id": a_location}),
        )
        .await;
    let declined_id = declined.id();
    app.post(&format!("/api/v1/job-requests/{declined_id}/submit"), &a.customer.access, json!({})).await;
    let rejected = app
        .post(
            &format!("/api/v1/job-requests/{declined_id}/reject"),
            &a.admin.access,
            json!({"reason": "Secret reason"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);
    // A real unsubscribe link of A's (the mail of the customer's message to
    // A's admins), and an email-change token B made up naming company A.
    let mailed: String = sqlx::query_scalar(
        "select text_body from app.mail_outbox where company_id = $1 and kind = 'new_message' limit 1",
    )
    .bind(a.id)
    .fetch_one(&app.owner)
    .await
    .expect("A's message mail");
    let unsubscribe_token = mailed
        .split("/unsubscribe#token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("an unsubscribe link")
        .to_owned();
    let forged_email_change = fieldops::auth::tokens::generate(a.id);
    // A's branch (migration 0040).
    let branch =
        app.post("/api/v1/branches", &a.admin.access, json!({"name": "North", "color": "#1d4ed8"})).await;
    assert_eq!(branch.status, StatusCode::CREATED, "{:?}", branch.body);
    let branch_id = branch.id().to_string();
    let before = app.fingerprint(a.id).await;
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/jobs/{job_id}"), None),
        (Method::PATCH, format!("/api/v1/jobs/{job_id}"), Some(json!({"status_id": status_id}))),
        (Method::PATCH, format!("/api/v1/jobs/{job_id}"), Some(json!({"title": "pwned"}))),
        (Method::POST, format!("/api/v1/jobs/{job_id}/archive"), Some(json!({}))),
        (Method::POST, format!("/api/v1/jobs/{job_id}/unarchive"), Some(json!({}))),
        (Method::GET, format!("/api/v1/jobs/{job_id}/history"), None),
        (Method::GET, format!("/api/v1/jobs/{job_id}/timeline"), None),
        (Method::GET, format!("/api/v1/jobs/{job_id}/tasks"), None),
        (Method::POST, format!("/api/v1/jobs/{job_id}/tasks"), Some(json!({"title": "x"}))),
        (Method::GET, format!("/api/v1/job-tasks?job_id={job_id}"), None),
        (Method::PATCH, format!("/api/v1/job-tasks/{task_id}"), Some(json!({"is_completed": true}))),
        (Method::DELETE, format!("/api/v1/job-tasks/{task_id}"), None),
        (Method::GET, format!("/api/v1/jobs/{job_id}/notes"), None),
        (Method::POST, format!("/api/v1/jobs/{job_id}/notes"), Some(json!({"body": "x"}))),
        (Method::GET, format!("/api/v1/jobs/{job_id}/share-links"), None),
        (Method::POST, format!("/api/v1/jobs/{job_id}/share-links"), Some(json!({}))),
        (Method::DELETE, format!("/api/v1/share-links/{link_id}"), None),
        (Method::GET, format!("/api/v1/customers/{customer_id}"), None),
        (Method::PATCH, format!("/api/v1/customers/{customer_id}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/api/v1/customers/{customer_id}"), None),
        (Method::GET, format!("/api/v1/customers/{customer_id}/locations"), None),
        (Method::POST, format!("/api/v1/customers/{customer_id}/locations"), Some(json!({"name": "x"}))),
        (Method::GET, format!("/api/v1/service-locations/{location_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/service-locations/{location_id}"),
            Some(json!({"gate_code": "pwned"})),
        ),
        (Method::DELETE, format!("/api/v1/service-locations/{location_id}"), None),
        (Method::GET, format!("/api/v1/customers/{customer_id}/contacts"), None),
        (Method::POST, format!("/api/v1/customers/{customer_id}/contacts"), Some(json!({"name": "x"}))),
        (Method::GET, format!("/api/v1/contacts/{contact_id}"), None),
        (Method::PATCH, format!("/api/v1/contacts/{contact_id}"), Some(json!({"is_primary": false}))),
        (Method::DELETE, format!("/api/v1/contacts/{contact_id}"), None),
        (Method::GET, format!("/api/v1/customers/{customer_id}/communications"), None),
        (
            Method::POST,
            format!("/api/v1/customers/{customer_id}/communications"),
            Some(json!({"channel": "call", "direction": "inbound", "summary": "x"})),
        ),
        (Method::PATCH, communication_path.clone(), Some(json!({"summary": "pwned"}))),
        (Method::DELETE, communication_path.clone(), None),
        (Method::GET, format!("/api/v1/contacts/{contact_id}/locations"), None),
        (
            Method::PUT,
            format!("/api/v1/contacts/{contact_id}/locations"),
            Some(json!({"restricted_to_locations": false, "location_ids": []})),
        ),
        (Method::PATCH, format!("/api/v1/job-statuses/{status_id}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/api/v1/job-statuses/{status_id}"), None),
        (Method::POST, "/api/v1/job-statuses/reorder".into(), Some(json!({"ids": a_statuses}))),
        (Method::GET, format!("/api/v1/custom-fields/{field_id}"), None),
        (Method::PATCH, format!("/api/v1/custom-fields/{field_id}"), Some(json!({"label": "pwned"}))),
        (Method::DELETE, format!("/api/v1/custom-fields/{field_id}"), None),
        (Method::GET, "/api/v1/custom-fields".into(), None),
        // A's key on B's rows and in B's filters.
        (
            Method::PATCH,
            format!("/api/v1/jobs/{b_job_id}"),
            Some(json!({"custom_fields": {"secret_code": "x"}})),
        ),
        (Method::GET, "/api/v1/jobs?cf.secret_code=Secret%20value".into(), None),
        (Method::GET, format!("/api/v1/users/{worker_id}"), None),
        (Method::PATCH, format!("/api/v1/users/{admin_id}"), Some(json!({"is_active": false}))),
        (Method::DELETE, format!("/api/v1/users/{worker_id}"), None),
        // A's ids inside B's own writes.
        (Method::POST, "/api/v1/jobs".into(), Some(json!({"customer_id": customer_id, "title": "x"}))),
        (
            Method::POST,
            "/api/v1/jobs".into(),
            Some(json!({"customer_id": b.customer_id, "title": "x", "status_id": status_id})),
        ),
        (
            Method::POST,
            "/api/v1/jobs".into(),
            Some(json!({"customer_id": b.customer_id, "title": "x", "assigned_worker_id": worker_id})),
        ),
        (Method::PATCH, format!("/api/v1/jobs/{b_job_id}"), Some(json!({"customer_id": customer_id}))),
        (Method::PATCH, format!("/api/v1/jobs/{b_job_id}"), Some(json!({"status_id": status_id}))),
        (Method::PATCH, format!("/api/v1/jobs/{b_job_id}"), Some(json!({"assigned_worker_id": worker_id}))),
        (
            Method::PATCH,
            format!("/api/v1/jobs/{b_job_id}"),
            Some(json!({"service_location_id": location_id})),
        ),
        (Method::PATCH, format!("/api/v1/jobs/{b_job_id}"), Some(json!({"site_contact_id": contact_id}))),
        (
            Method::POST,
            "/api/v1/jobs".into(),
            Some(json!({"customer_id": b.customer_id, "title": "x", "service_location_id": location_id})),
        ),
        (
            Method::POST,
            "/api/v1/customers".into(),
            Some(json!({"name": "x", "parent_customer_id": customer_id})),
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{}/communications", b.customer_id),
            Some(
                json!({"channel": "call", "direction": "inbound", "summary": "x", "contact_id": contact_id}),
            ),
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{}/communications", b.customer_id),
            Some(json!({"channel": "call", "direction": "inbound", "summary": "x", "job_id": job_id})),
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{}/communications", b.customer_id),
            Some(
                json!({"channel": "call", "direction": "inbound", "summary": "x", "service_location_id": location_id}),
            ),
        ),
        (
            Method::PATCH,
            format!("/api/v1/customers/{}", b.customer_id),
            Some(json!({"parent_customer_id": customer_id})),
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"name": "x", "email": "x@b.test", "password": "long-enough-pw", "role": "CUSTOMER", "customer_id": customer_id}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"name": "x", "email": "y@b.test", "password": "long-enough-pw", "role": "CUSTOMER",
                        "customer_id": b.customer_id, "contact_id": contact_id})),
        ),
        (
            Method::PUT,
            format!("/api/v1/contacts/{b_contact_id}/locations"),
            Some(json!({"restricted_to_locations": true, "location_ids": [location_id]})),
        ),
        // A's ids in query strings.
        (Method::GET, format!("/api/v1/jobs?customer_id={customer_id}"), None),
        (Method::GET, format!("/api/v1/jobs?status_id={status_id}"), None),
        (Method::GET, format!("/api/v1/jobs?assigned_worker_id={worker_id}"), None),
        (Method::GET, "/api/v1/jobs?q=Secret".into(), None),
        (Method::GET, "/api/v1/customers?q=acme".into(), None),
        (Method::GET, "/api/v1/customers/search?q=Secret".into(), None),
        (Method::GET, "/api/v1/customers/search?q=555-0100".into(), None),
        (Method::GET, format!("/api/v1/customers/search?q={customer_id}"), None),
        (Method::GET, "/api/v1/users?q=acme".into(), None),
        (Method::GET, "/api/v1/job-statuses".into(), None),
        (Method::GET, "/api/v1/workers/assigned-jobs".into(), None),
        // B's own portal settings: its defaults, never A's saved row.
        (Method::GET, "/api/v1/portal-settings".into(), None),
        // A's portal registrations and customers (migration 0022).
        (Method::GET, "/api/v1/portal-accounts".into(), None),
        (Method::POST, format!("/api/v1/portal-accounts/{account_id}/approve"), Some(json!({}))),
        (
            Method::POST,
            format!("/api/v1/portal-accounts/{account_id}/approve"),
            Some(json!({"customer_id": customer_id})),
        ),
        (Method::POST, format!("/api/v1/portal-accounts/{account_id}/reject"), Some(json!({"reason": "x"}))),
        (
            Method::POST,
            format!("/api/v1/customers/{customer_id}/portal-invitations"),
            Some(json!({"email": "x@b.test"})),
        ),
        // A's job requests (migration 0022).
        (Method::GET, format!("/api/v1/job-requests/{request_id}"), None),
        (Method::PATCH, format!("/api/v1/job-requests/{request_id}"), Some(json!({"title": "pwned"}))),
        (Method::POST, format!("/api/v1/job-requests/{request_id}/submit"), Some(json!({}))),
        (Method::POST, format!("/api/v1/job-requests/{request_id}/withdraw"), Some(json!({}))),
        (Method::POST, format!("/api/v1/job-requests/{request_id}/approve"), Some(json!({}))),
        (Method::POST, format!("/api/v1/job-requests/{request_id}/reject"), Some(json!({"reason": "x"}))),
        (Method::GET, format!("/api/v1/job-requests/{request_id}/history"), None),
        (Method::GET, format!("/api/v1/job-requests/{request_id}/history.csv"), None),
        (Method::GET, format!("/api/v1/job-requests?service_location_id={a_location}"), None),
        (Method::GET, "/api/v1/job-requests?state=submitted".into(), None),
        // A's conversations (migration 0030).
        (Method::GET, format!("/api/v1/job-requests/{request_id}/messages"), None),
        (Method::POST, format!("/api/v1/job-requests/{request_id}/messages"), Some(json!({"body": "x"}))),
        (Method::POST, format!("/api/v1/job-requests/{request_id}/messages/read"), None),
        (Method::GET, format!("/api/v1/jobs/{job_id}/messages"), None),
        (
            Method::POST,
            format!("/api/v1/jobs/{job_id}/messages"),
            Some(json!({"body": "x", "internal": true})),
        ),
        (Method::POST, format!("/api/v1/jobs/{job_id}/messages/read"), None),
        (Method::GET, "/api/v1/messages/unread".into(), None),
        (Method::GET, "/api/v1/portal-report?weeks=104".into(), None),
        (
            Method::POST,
            "/api/v1/job-requests".into(),
            Some(json!({"title": "x", "service_location_id": a_location})),
        ),
        // People in several companies (migration 0034): B's people are no
        // members of A.
        (Method::GET, "/api/v1/auth/memberships".into(), None),
        (Method::POST, "/api/v1/auth/switch".into(), Some(json!({"company": a.slug}))),
        (Method::GET, "/api/v1/invitations".into(), None),
        (Method::DELETE, format!("/api/v1/invitations/{staff_invitation_id}"), None),
        // A's roles (migration 0039), in paths and in bodies naming B's members.
        (Method::GET, "/api/v1/roles".into(), None),
        (Method::GET, "/api/v1/permissions".into(), None),
        (Method::GET, format!("/api/v1/roles/{role_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/roles/{role_id}"),
            Some(json!({"name": "pwned", "permissions": []})),
        ),
        (Method::DELETE, format!("/api/v1/roles/{role_id}"), None),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"name": "x", "email": "role@b.test", "password": "long-enough-pw", "role_id": role_id}),
            ),
        ),
        (Method::PATCH, format!("/api/v1/users/{}", b.worker_id), Some(json!({"role_id": role_id}))),
        // A's imports and mappings (migration 0029); B's exports and lists.
        (Method::GET, format!("/api/v1/imports/{import_id}"), None),
        (Method::GET, format!("/api/v1/imports/{import_id}/errors.csv"), None),
        (Method::POST, format!("/api/v1/imports/{import_id}/undo"), Some(json!({}))),
        (Method::DELETE, format!("/api/v1/import-mappings/{mapping_id}"), None),
        (Method::GET, "/api/v1/imports".into(), None),
        (Method::GET, "/api/v1/import-mappings".into(), None),
        (Method::GET, "/api/v1/customers.csv".into(), None),
        (Method::GET, "/api/v1/jobs.csv".into(), None),
        // A's files (migration 0028).
        (Method::GET, format!("/api/v1/jobs/{job_id}/attachments"), None),
        (Method::POST, format!("/api/v1/jobs/{job_id}/attachments"), Some(json!({"pwned": true}))),
        (Method::GET, format!("/api/v1/job-requests/{request_id}/attachments"), None),
        (
            Method::POST,
            format!("/api/v1/job-requests/{request_id}/attachments"),
            Some(json!({"pwned": true})),
        ),
        (Method::GET, format!("/api/v1/attachments/{photo_id}"), None),
        (Method::GET, format!("/api/v1/attachments/{photo_id}/content"), None),
        (Method::GET, format!("/api/v1/attachments/{photo_id}/content?variant=small"), None),
        (Method::PATCH, format!("/api/v1/attachments/{photo_id}"), Some(json!({"visibility": "customer"}))),
        (Method::DELETE, format!("/api/v1/attachments/{photo_id}"), None),
        (Method::GET, format!("/api/v1/attachments/{drawing_id}"), None),
        (Method::GET, format!("/api/v1/attachments/{drawing_id}/content"), None),
        (Method::DELETE, format!("/api/v1/attachments/{drawing_id}"), None),
        // A's files on a note and on the customer (migration 0036).
        (Method::GET, format!("/api/v1/job-notes/{file_note_id}/attachments"), None),
        (Method::POST, format!("/api/v1/job-notes/{file_note_id}/attachments"), Some(json!({"pwned": true}))),
        (Method::GET, format!("/api/v1/customers/{customer_id}/attachments"), None),
        (Method::POST, format!("/api/v1/customers/{customer_id}/attachments"), Some(json!({"pwned": true}))),
        (Method::GET, format!("/api/v1/attachments/{note_photo_id}"), None),
        (Method::GET, format!("/api/v1/attachments/{note_photo_id}/content"), None),
        (Method::PATCH, format!("/api/v1/attachments/{note_photo_id}"), Some(json!({"caption": "pwned"}))),
        (Method::DELETE, format!("/api/v1/attachments/{note_photo_id}"), None),
        (Method::GET, format!("/api/v1/attachments/{contract_id}"), None),
        (Method::GET, format!("/api/v1/attachments/{contract_id}/content"), None),
        (Method::DELETE, format!("/api/v1/attachments/{contract_id}"), None),
        // A's digest, invitations and weekly report (migration 0038).
        (Method::GET, "/api/v1/portal-digest".into(), None),
        (Method::PUT, "/api/v1/portal-digest".into(), Some(json!({"hour": 8, "recipient_ids": [admin_id]}))),
        (Method::GET, "/api/v1/portal-invitations?state=all".into(), None),
        (Method::DELETE, format!("/api/v1/portal-invitations/{invitation_id}"), None),
        (Method::GET, "/api/v1/portal-report/weekly?weeks=104".into(), None),
        // The caller's own preference and email, never A's (migration 0030);
        // A's unsubscribe link at B's portal.
        (Method::GET, "/api/v1/me/notifications".into(), None),
        (Method::POST, "/api/v1/me/email/confirm".into(), Some(json!({"token": forged_email_change}))),
        (Method::POST, "/api/v1/portal/bolt/unsubscribe".into(), Some(json!({"token": unsubscribe_token}))),
        // Asking for A's admin's reset link is open to anyone (it mails A's
        // admin, never the asker), so only the confirmation is in the matrix.
        (
            Method::POST,
            "/api/v1/auth/password-reset/confirm".into(),
            Some(json!({"token": forged_reset, "new_password": "violet tractor hums beside quiet lanterns"})),
        ),
        // Confirming a sign-up of A's company (migration 0043): no link was
        // mailed for it, and a made-up one opens nothing.
        (Method::POST, "/api/v1/signup/confirm".into(), Some(json!({"token": forged_signup}))),
        // A's branch in paths, query strings and bodies (migration 0040).
        (Method::GET, format!("/api/v1/branches/{branch_id}"), None),
        (Method::PATCH, format!("/api/v1/branches/{branch_id}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/api/v1/branches/{branch_id}"), None),
        (Method::GET, format!("/api/v1/jobs?branch_id={branch_id}"), None),
        (Method::GET, format!("/api/v1/customers?branch_id={branch_id}"), None),
        (Method::GET, format!("/api/v1/users?branch_id={branch_id}"), None),
        (Method::POST, "/api/v1/customers".into(), Some(json!({"name": "pwned", "branch_id": branch_id}))),
        (Method::PATCH, format!("/api/v1/jobs/{job_id}"), Some(json!({"branch_id": branch_id}))),
    ];

    let a_ids: Vec<String> = [
        job_id.to_string(),
        task_id.clone(),
        link_id.clone(),
        location_id.clone(),
        contact_id.clone(),
        communication_id.clone(),
        field_id.clone(),
        customer_id.to_string(),
        file_note_id.to_string(),
        note_photo_id.clone(),
        contract_id.clone(),
        worker_id.to_string(),
        admin_id.to_string(),
        mail_id.to_string(),
        reset_token_id.to_string(),
        account_id.to_string(),
        invitation_id.clone(),
        request_id.clone(),
        a.id.to_string(),
        staff_invitation_id.clone(),
        role_id.clone(),
        message_id.clone(),
        note_id.clone(),
        import_id.clone(),
        mapping_id.clone(),
        photo_id.clone(),
        drawing_id.clone(),
        declined_id.to_string(),
        branch_id.clone(),
    ]
    .into_iter()
    .chain(a_statuses.iter().map(ToString::to_string))
    .collect();
    let mut checked = 0;
    for (role, token) in
        [("admin", &b.admin.access), ("worker", &b.worker.access), ("customer", &b.customer.access)]
    {
        for (method, path, body) in &requests {
            let reply: Reply = app.request(method.clone(), path, Some(token), body.clone()).await;
            let text = reply.body.to_string();
            for id in &a_ids {
                // B's own writes may echo a path id back only in a refusal.
                assert!(
                    !text.contains(id.as_str()) || !reply.status.is_success(),
                    "{role} {method} {path} leaked {id}: {text}"
                );
            }
            assert!(!text.contains("Secret"), "{role} {method} {path} leaked A's data: {text}");
            assert!(reply.status != StatusCode::INTERNAL_SERVER_ERROR, "{role} {method} {path}: {text}");
            if reply.status.is_success() {
                // Only lists may succeed, and then they hold none of A's rows.
                assert_eq!(*method, Method::GET, "{role} {method} {path} succeeded: {text}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, requests.len() * 3);
    assert_eq!(app.fingerprint(a.id).await, before, "company A changed");
    let unused: i64 = sqlx::query_scalar(
        "select count(*) from app.password_reset_tokens where company_id = $1 and id = $2 and used_at is null",
    )
    .bind(a.id)
    .bind(reset_token_id)
    .fetch_one(&app.owner)
    .await
    .expect("A's reset token");
    assert_eq!(unused, 1, "A's reset token is untouched");
}
