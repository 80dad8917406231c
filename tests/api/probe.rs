//! The cross-tenant probe: every operation in the OpenAPI document, called with
//! company A's tokens of every role, with every id of company B the database
//! holds in its path parameters, query parameters and request body. Not one
//! byte of B may come back, nothing of B may change, and nothing may fail 5xx.
//! Routes added later are probed without touching this file.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp};

/// A marker in every piece of B's text, so leaked text is as visible as leaked ids.
const MARKER: &str = "ZEBRA";

async fn company_b_ids(app: &TestApp, company_id: Uuid) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = sqlx::query_scalar(
        "select id from app.customers where company_id = $1
         union select id from app.users where company_id = $1
         union select id from app.job_statuses where company_id = $1
         union select id from app.jobs where company_id = $1
         union select id from app.job_tasks where company_id = $1
         union select id from app.job_notes where company_id = $1
         union select id from app.share_links where company_id = $1
         union select id from app.sessions where company_id = $1
         union select id from app.service_locations where company_id = $1
         union select id from app.service_location_access where company_id = $1
         union select id from app.contacts where company_id = $1
         union select id from app.contact_methods where company_id = $1
         union select id from app.custom_field_definitions where company_id = $1
         union select id from app.mail_outbox where company_id = $1
         union select id from app.password_reset_tokens where company_id = $1
         union select id from app.portal_settings where company_id = $1
         union select id from app.portal_accounts where company_id = $1
         union select id from app.portal_invitations where company_id = $1
         union select id from app.portal_verification_tokens where company_id = $1
         union select id from app.job_requests where company_id = $1
         union select id from app.job_request_changes where company_id = $1
         union select id from app.communications where company_id = $1
         union select id from app.messages where company_id = $1
         union select id from app.message_reads where company_id = $1
         union select id from app.notification_preferences where company_id = $1
         union select id from app.imports where company_id = $1
         union select id from app.external_refs where company_id = $1
         union select id from app.import_mappings where company_id = $1
         union select id from app.attachments where company_id = $1
         union select id from app.digest_recipients where company_id = $1
         union select id from app.digest_runs where company_id = $1
         union select id from app.invitations where company_id = $1
         union select id from app.branches where company_id = $1",
    )
    .bind(company_id)
    .fetch_all(&app.owner)
    .await
    .expect("B's ids");
    ids.push(company_id);
    ids
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn is_uuid(schema: &Value) -> bool {
    schema.get("format").and_then(Value::as_str) == Some("uuid")
}

/// A plausible body for the operation's request schema, every id field set to `id`.
fn body_for(document: &Value, operation: &Value, id: Uuid) -> Option<Value> {
    let schema = operation.pointer("/requestBody/content/application~1json/schema")?;
    let schema = resolve(document, schema);
    let mut body = Map::new();
    for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let property = resolve(document, property);
        let types: Vec<&str> = match &property["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let value = if is_uuid(property) {
            json!(id)
        } else if types.contains(&"array") {
            if is_uuid(&property["items"]) {
                json!([id])
            } else {
                json!(["probe"])
            }
        } else if types.contains(&"boolean") {
            json!(true)
        } else if types.contains(&"integer") {
            json!(1)
        } else if name == "email" {
            json!("probe@acme.test")
        } else if name == "role" {
            json!("WORKER")
        } else if name == "visibility" {
            json!("customer")
        } else if name.contains("password") {
            json!("probe-password-123")
        } else if types.contains(&"string") {
            json!("probe")
        } else {
            continue;
        };
        body.insert(name.clone(), value);
    }
    Some(Value::Object(body))
}

#[tokio::test]
async fn company_a_reaches_nothing_of_company_b_through_any_route() {
    let app = spawn_app().await;
    let a = app.company("acme").await;
    let b = app.company("bolt").await;

    // Company B, with every kind of row and the marker in all its text.
    let b_customer = app.create_customer(&b.admin.access, &format!("{MARKER} customer")).await;
    let b_job = app
        .create_job(
            &b.admin.access,
            json!({"customer_id": b_customer, "title": format!("{MARKER} job"), "description": format!("{MARKER} description"),
                   "assigned_worker_id": b.worker_id, "tasks": [format!("{MARKER} task")]}),
        )
        .await;
    for visibility in ["internal", "customer"] {
        let note = json!({"body": format!("{MARKER} {visibility} note"), "visibility": visibility});
        app.post(&format!("/api/v1/jobs/{}/notes", b_job.id()), &b.admin.access, note).await;
    }
    app.post(&format!("/api/v1/jobs/{}/share-links", b_job.id()), &b.admin.access, json!({})).await;
    let photo = crate::attachments::upload(
        &app,
        &format!("/api/v1/jobs/{}/attachments?visibility=customer", b_job.id()),
        &b.admin.access,
        &format!("{MARKER} photo.jpg"),
        crate::attachments::jpeg(64, 48),
    )
    .await;
    assert_eq!(photo.status, StatusCode::CREATED, "{:?}", photo.body);
    app.post("/api/v1/job-statuses", &b.admin.access, json!({"name": format!("{MARKER} status")})).await;
    let logged = app
        .post(
            &format!("/api/v1/customers/{b_customer}/communications"),
            &b.admin.access,
            json!({"channel": "call", "direction": "inbound", "summary": format!("{MARKER} call"), "job_id": b_job.id()}),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{:?}", logged.body);
    app.post(
        "/api/v1/custom-fields",
        &b.admin.access,
        json!({"entity": "job", "key": "probe_field", "label": format!("{MARKER} field"), "field_type": "text"}),
    )
    .await;
    // An import of B's, with an external id and a refused row, and a saved mapping (migration 0029).
    let imported = app
        .client
        .post(app.url("/api/v1/imports?kind=customers&dry_run=false"))
        .bearer_auth(&b.admin.access)
        .body(format!("ID,Name,Email\nP-1,{MARKER} imported,\nP-2,{MARKER} refused,not-an-email\n"))
        .send()
        .await
        .expect("import sent");
    assert_eq!(imported.status(), StatusCode::CREATED);
    app.post(
        "/api/v1/import-mappings",
        &b.admin.access,
        json!({"kind": "customers", "name": format!("{MARKER} mapping"), "mapping": {"name": "Name"}}),
    )
    .await;
    // A branch of B's (migration 0040).
    let branch =
        app.post("/api/v1/branches", &b.admin.access, json!({"name": format!("{MARKER} branch")})).await;
    assert_eq!(branch.status, StatusCode::CREATED, "{:?}", branch.body);
    // A reset mail and token of B's admin.
    let reset = app
        .request(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"company": "bolt", "email": "admin@bolt.test"})),
        )
        .await;
    assert_eq!(reset.status, StatusCode::ACCEPTED);
    // Company A has data too, so lists have something to (not) mix in.
    app.create_job(
        &a.admin.access,
        json!({"customer_id": a.customer_id, "title": "A job", "assigned_worker_id": a.worker_id}),
    )
    .await;

    let b_ids = company_b_ids(&app, b.id).await;
    let b_id_strings: BTreeSet<String> = b_ids.iter().map(ToString::to_string).collect();
    let before = app.fingerprint(b.id).await;
    let document = serde_json::to_value(fieldops::http::openapi()).expect("openapi");
    let paths = document["paths"].as_object().expect("paths").clone();

    let tokens = [
        ("admin", a.admin.access.clone()),
        ("worker", a.worker.access.clone()),
        ("customer", a.customer.access.clone()),
    ];
    let mut requests = 0usize;
    let mut operations = 0usize;
    for (template, item) in &paths {
        // Sign-in endpoints take no tenant ids, and logout would end the probe's own session.
        if template.starts_with("/api/v1/auth/") {
            continue;
        }
        for (method_name, operation) in item.as_object().expect("path item") {
            let Ok(method) = method_name.to_uppercase().parse::<Method>() else { continue };
            operations += 1;
            let query_ids: Vec<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| {
                    p["in"] == "query"
                        && (is_uuid(&p["schema"])
                            || p["schema"]["type"] == json!(["string", "null"])
                                && p["schema"]["format"] == "uuid")
                })
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            for id in &b_ids {
                let mut path =
                    template.replace("{id}", &id.to_string()).replace("{token}", &id.simple().to_string());
                if !query_ids.is_empty() {
                    let query: Vec<String> = query_ids.iter().map(|name| format!("{name}={id}")).collect();
                    path = format!("{path}?{}", query.join("&"));
                }
                let body = body_for(&document, operation, *id);
                for (role, token) in &tokens {
                    let reply = app.request(method.clone(), &path, Some(token), body.clone()).await;
                    requests += 1;
                    let text = reply.body.to_string();
                    assert!(
                        reply.status != StatusCode::INTERNAL_SERVER_ERROR,
                        "{role} {method} {path}: {text}"
                    );
                    assert!(!text.contains(MARKER), "{role} {method} {path} leaked B's text: {text}");
                    let leaked = b_id_strings.iter().find(|b_id| text.contains(b_id.as_str()));
                    assert!(leaked.is_none(), "{role} {method} {path} leaked B's id {leaked:?}: {text}");
                }
            }
        }
    }
    assert!(operations >= 30, "the probe covered only {operations} operations");
    assert_eq!(app.fingerprint(b.id).await, before, "company B changed");
    // Nothing A created may point at B's rows: every job's customer is one of
    // its own company's (ids are unique; joined on company_id, as Citus can).
    let crossing: i64 = sqlx::query_scalar(
        "select count(*) from app.jobs j
         where not exists (select 1 from app.customers c where c.company_id = j.company_id and c.id = j.customer_id)",
    )
    .fetch_one(&app.owner)
    .await
    .expect("crossing");
    assert_eq!(crossing, 0);
    println!(
        "cross-tenant probe: {operations} operations, {} ids of B, {requests} requests, 0 leaks",
        b_ids.len()
    );
}
