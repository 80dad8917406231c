//! Customers as service businesses have them (migration 0020): account
//! numbers, service locations with gate codes, contacts with typed methods,
//! and jobs at a location. Tested as an attacker would: every role, the other
//! company's ids, and gate codes that must reach the assigned worker of an
//! open job and never a customer or a share link.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, id_of, spawn_app, Company, TestApp};

const GATE: &str = "Gate 4711#";
const NOTES: &str = "Dog in the yard, ring twice";

/// A second location of the company's customer, with a gate code: from now on
/// its jobs must name a location.
async fn second_location(app: &TestApp, company: &Company) -> Uuid {
    let reply = app
        .post(
            &format!("/api/v1/customers/{}/locations", company.customer_id),
            &company.admin.access,
            json!({"name": "Building C", "address": {"line1": "3 Side Street", "city": "Springfield", "country": "US"},
                   "latitude": 40.5, "longitude": -74.25, "gate_code": GATE, "access_notes": NOTES}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["access"]["gate_code"], GATE, "the admin reads what it wrote");
    reply.id()
}

async fn first_location(app: &TestApp, company: &Company) -> Uuid {
    let reply =
        app.get(&format!("/api/v1/customers/{}/locations", company.customer_id), &company.admin.access).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    id_of(&reply.body["items"][0])
}

fn leaks_access(body: &Value) -> bool {
    let text = body.to_string();
    text.contains(GATE) || text.contains(NOTES)
}

#[tokio::test]
async fn customers_get_account_numbers_a_first_location_and_a_primary_contact() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;

    let reply = app
        .post(
            "/api/v1/customers",
            admin,
            json!({"name": "Harbor Apartments", "email": "office@harbor.example", "phone": "+1 555 0142",
                   "address": "PO Box 9", "service_address": {"line1": "1 Harbor Way", "postal_code": "12345"},
                   "tags": ["vip", " vip ", "", "monthly"], "do_not_service": false, "notes": "Pays late"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    // company() made the first customer of acme.
    assert_eq!(reply.body["account_number"], 2);
    assert_eq!(reply.body["tags"], json!(["vip", "monthly"]));
    assert_eq!(reply.body["address"], "PO Box 9", "the billing address stays where it was");
    let harbor = reply.id();

    let locations = app.get(&format!("/api/v1/customers/{harbor}/locations"), admin).await;
    assert_eq!(locations.status, StatusCode::OK, "{:?}", locations.body);
    let items = locations.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "a new customer has exactly its first location");
    assert_eq!(items[0]["name"], "Harbor Apartments");
    assert_eq!(items[0]["address"]["line1"], "1 Harbor Way");
    assert_eq!(items[0]["address"]["postal_code"], "12345");

    let contacts = app.get(&format!("/api/v1/customers/{harbor}/contacts"), admin).await;
    assert_eq!(contacts.status, StatusCode::OK, "{:?}", contacts.body);
    let contact = &contacts.body["items"][0];
    assert_eq!(contact["is_primary"], true);
    let mut methods: Vec<(String, String)> = contact["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap_or_default().to_owned(),
                m["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    methods.sort();
    assert_eq!(
        methods,
        [
            ("email".to_owned(), "office@harbor.example".to_owned()),
            ("office_phone".to_owned(), "+1 555 0142".to_owned())
        ]
    );

    // The bill-to fields, edited; a parent of the same company, never a loop.
    let parent = app.create_customer(admin, "Harbor Management").await;
    let edited = app
        .patch(
            &format!("/api/v1/customers/{harbor}"),
            admin,
            json!({"do_not_service": true, "tags": [], "notes": null, "parent_customer_id": parent}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    assert_eq!(edited.body["do_not_service"], true);
    assert_eq!(edited.body["tags"], json!([]));
    assert_eq!(edited.body["notes"], Value::Null);
    assert_eq!(edited.body["parent_customer_id"], json!(parent));
    assert_eq!(edited.body["account_number"], 2, "the account number never changes");
    let looped =
        app.patch(&format!("/api/v1/customers/{parent}"), admin, json!({"parent_customer_id": harbor})).await;
    assert_problem(&looped, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(looped.body["errors"]["parent_customer_id"].is_array(), "{:?}", looped.body);
    let own =
        app.patch(&format!("/api/v1/customers/{parent}"), admin, json!({"parent_customer_id": parent})).await;
    assert_problem(&own, StatusCode::UNPROCESSABLE_ENTITY);
    let too_many: Vec<String> = (0..21).map(|n| format!("tag{n}")).collect();
    let tags = app.patch(&format!("/api/v1/customers/{harbor}"), admin, json!({"tags": too_many})).await;
    assert_problem(&tags, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn account_numbers_stay_unique_under_concurrent_creation() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = acme.admin.access.clone();
    let creations = (0..8).map(|n| {
        let app = &app;
        let admin = admin.clone();
        async move { app.post("/api/v1/customers", &admin, json!({"name": format!("Customer {n}")})).await }
    });
    let mut numbers: Vec<i64> = futures::future::join_all(creations)
        .await
        .into_iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
            reply.body["account_number"].as_i64().expect("account number")
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (2..=9).collect::<Vec<i64>>());
}

#[tokio::test]
async fn gate_codes_reach_the_assigned_worker_of_an_open_job_and_never_a_customer_or_a_share_link() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let building_c = second_location(&app, &acme).await;

    // Two locations now: a job must say where, in the database too.
    let nowhere =
        app.post("/api/v1/jobs", admin, json!({"customer_id": acme.customer_id, "title": "Where?"})).await;
    assert_problem(&nowhere, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nowhere.body["errors"]["service_location_id"].is_array(), "{:?}", nowhere.body);

    let contact = app
        .post(
            &format!("/api/v1/customers/{}/contacts", acme.customer_id),
            admin,
            json!({"name": "Sam Super", "title": "Maintenance", "notes": "Staff only: grumpy",
                   "methods": [{"kind": "mobile", "value": "+1 555 0199"}]}),
        )
        .await;
    assert_eq!(contact.status, StatusCode::CREATED, "{:?}", contact.body);
    let contact_id = contact.id();
    let job = app
        .create_job(
            admin,
            json!({"customer_id": acme.customer_id, "title": "Fix the gate motor", "assigned_worker_id": acme.worker_id,
                   "service_location_id": building_c, "site_contact_id": contact_id}),
        )
        .await;
    let job_id = job.id();
    assert_eq!(job.body["service_location"]["access"]["gate_code"], GATE, "admins read gate codes");
    assert_eq!(job.body["site_contact"]["name"], "Sam Super");

    // The assigned worker, while the job is open.
    let worker_view = app.get(&format!("/api/v1/jobs/{job_id}"), &acme.worker.access).await;
    assert_eq!(worker_view.status, StatusCode::OK, "{:?}", worker_view.body);
    assert_eq!(worker_view.body["service_location"]["access"]["gate_code"], GATE);
    assert_eq!(worker_view.body["service_location"]["access"]["access_notes"], NOTES);
    assert_eq!(worker_view.body["service_location"]["latitude"], 40.5, "tap-to-map");
    assert_eq!(worker_view.body["site_contact"]["methods"][0]["value"], "+1 555 0199", "tap-to-call");
    let location = app.get(&format!("/api/v1/service-locations/{building_c}"), &acme.worker.access).await;
    assert_eq!(location.body["access"]["gate_code"], GATE, "{:?}", location.body);

    // The customer: its job and location, never the gate code or staff notes.
    for path in [
        format!("/api/v1/jobs/{job_id}"),
        format!("/api/v1/service-locations/{building_c}"),
        format!("/api/v1/customers/{}/locations", acme.customer_id),
        format!("/api/v1/customers/{}/contacts", acme.customer_id),
        format!("/api/v1/contacts/{contact_id}"),
    ] {
        let reply = app.get(&path, &acme.customer.access).await;
        assert_eq!(reply.status, StatusCode::OK, "customer {path}: {:?}", reply.body);
        assert!(!leaks_access(&reply.body), "customer {path} leaked access: {}", reply.body);
        assert!(
            !reply.body.to_string().contains("grumpy"),
            "customer {path} leaked staff notes: {}",
            reply.body
        );
    }
    let customer_view = app.get(&format!("/api/v1/jobs/{job_id}"), &acme.customer.access).await;
    assert_eq!(customer_view.body["service_location"]["name"], "Building C", "the customer sees where");
    assert!(customer_view.body["service_location"].get("access").is_none());

    // A share link shows the job, never how to get in.
    let link = app.post(&format!("/api/v1/jobs/{job_id}/share-links"), admin, json!({})).await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);
    let shared = app
        .request(
            Method::GET,
            &format!("/api/v1/share/{}", link.body["token"].as_str().expect("token")),
            None,
            None,
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.body);
    assert!(!leaks_access(&shared.body), "the share link leaked access: {}", shared.body);
    // It does say where (migration 0033): the place and its coordinates.
    assert_eq!(shared.body["location"]["name"], "Building C", "{:?}", shared.body);
    assert_eq!(shared.body["location"]["latitude"], 40.5);

    // Another worker, and the same worker once the job is archived: no gate code.
    let other = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": "Other", "email": "other@acme.test", "password": crate::helpers::PASSWORD, "role": "WORKER"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{:?}", other.body);
    let other = app.login("acme", "other@acme.test").await;
    let reply = app.get(&format!("/api/v1/service-locations/{building_c}"), &other.access).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
    let archived = app.post(&format!("/api/v1/jobs/{job_id}/archive"), admin, json!({})).await;
    assert_eq!(archived.status, StatusCode::OK, "{:?}", archived.body);
    for path in [format!("/api/v1/jobs/{job_id}"), format!("/api/v1/service-locations/{building_c}")] {
        let reply = app.get(&path, &acme.worker.access).await;
        assert_eq!(reply.status, StatusCode::OK, "worker {path}: {:?}", reply.body);
        assert!(!leaks_access(&reply.body), "worker {path} of an archived job leaked access: {}", reply.body);
    }

    // Workers and customers write nothing here.
    for token in [&acme.worker.access, &acme.customer.access] {
        let reply = app
            .patch(&format!("/api/v1/service-locations/{building_c}"), token, json!({"gate_code": "x"}))
            .await;
        assert_problem(&reply, StatusCode::FORBIDDEN);
        let reply = app
            .post(&format!("/api/v1/customers/{}/contacts", acme.customer_id), token, json!({"name": "x"}))
            .await;
        assert_problem(&reply, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_customer_keeps_a_location_and_jobs_keep_theirs() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let first = first_location(&app, &acme).await;

    let last = app.delete(&format!("/api/v1/service-locations/{first}"), admin).await;
    assert_problem(&last, StatusCode::CONFLICT);

    let building_c = second_location(&app, &acme).await;
    let job = app
        .create_job(
            admin,
            json!({"customer_id": acme.customer_id, "title": "Roof", "service_location_id": building_c}),
        )
        .await;
    let in_use = app.delete(&format!("/api/v1/service-locations/{building_c}"), admin).await;
    assert_problem(&in_use, StatusCode::CONFLICT);

    // The job moves to the first location; Building C can go, then the first cannot.
    let moved =
        app.patch(&format!("/api/v1/jobs/{}", job.id()), admin, json!({"service_location_id": first})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["service_location"]["id"], json!(first));
    let gone = app.delete(&format!("/api/v1/service-locations/{building_c}"), admin).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    let reply = app.get(&format!("/api/v1/service-locations/{building_c}"), admin).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
    let last = app.delete(&format!("/api/v1/service-locations/{first}"), admin).await;
    assert_problem(&last, StatusCode::CONFLICT);

    // A job moved to another customer takes that customer's only location.
    let other = app.create_customer(admin, "Other customer").await;
    let moved = app.patch(&format!("/api/v1/jobs/{}", job.id()), admin, json!({"customer_id": other})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["service_location"]["name"], "Other customer");
    // ... and never another customer's.
    let wrong =
        app.patch(&format!("/api/v1/jobs/{}", job.id()), admin, json!({"service_location_id": first})).await;
    assert_problem(&wrong, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body["errors"]["service_location_id"].is_array(), "{:?}", wrong.body);

    // Edits are conditional on the version read.
    let read = app.get(&format!("/api/v1/service-locations/{first}"), admin).await;
    let etag = read.headers.get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_owned();
    let stale = app
        .client
        .patch(app.url(&format!("/api/v1/service-locations/{first}")))
        .bearer_auth(admin)
        .header("if-match", "\"999\"")
        .json(&json!({"name": "Stale"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let fresh = app
        .client
        .patch(app.url(&format!("/api/v1/service-locations/{first}")))
        .bearer_auth(admin)
        .header("if-match", etag)
        .json(&json!({"name": "Main office", "latitude": 91.0, "longitude": 0.0}))
        .send()
        .await
        .expect("sent");
    assert_eq!(fresh.status(), StatusCode::UNPROCESSABLE_ENTITY, "latitude out of range");
}

#[tokio::test]
async fn contacts_have_one_primary_and_one_primary_method_of_each_kind() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let path = format!("/api/v1/customers/{}/contacts", acme.customer_id);

    let first = app.post(&path, admin, json!({"name": "Pat First"})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(first.body["is_primary"], true, "a customer's first contact is its primary one");
    let second = app
        .post(
            &path,
            admin,
            json!({"name": "Ann Second", "is_primary": true, "methods": [
                {"kind": "mobile", "value": "+1 555 0101"}, {"kind": "mobile", "value": "+1 555 0102"},
                {"kind": "email", "value": "ann@example.com"}]}),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{:?}", second.body);
    let primaries: Vec<bool> =
        second.body["methods"].as_array().expect("methods").iter().map(|m| m["is_primary"] == true).collect();
    assert_eq!(primaries.iter().filter(|p| **p).count(), 2, "one primary mobile, one primary email");

    let list = app.get(&path, admin).await;
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        ["Ann Second", "Pat First"],
        "the new primary first; the old one is not primary any more"
    );

    let two = app
        .patch(
            &format!("/api/v1/contacts/{}", second.id()),
            admin,
            json!({"methods": [{"kind": "fax", "value": "+1 555 0103", "is_primary": true},
                               {"kind": "fax", "value": "+1 555 0104", "is_primary": true}]}),
        )
        .await;
    assert_problem(&two, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = app
        .patch(
            &format!("/api/v1/contacts/{}", second.id()),
            admin,
            json!({"methods": [{"kind": "email", "value": "nope"}]}),
        )
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY);
    let kind = app
        .patch(
            &format!("/api/v1/contacts/{}", second.id()),
            admin,
            json!({"methods": [{"kind": "pager", "value": "1"}]}),
        )
        .await;
    assert!(kind.status.is_client_error(), "{:?}", kind.body);

    let deleted = app.delete(&format!("/api/v1/contacts/{}", first.id()), admin).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    let reply = app.get(&format!("/api/v1/contacts/{}", first.id()), admin).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_company_reaches_no_location_contact_or_gate_code() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let building_c = second_location(&app, &acme).await;
    let contact = app
        .post(
            &format!("/api/v1/customers/{}/contacts", acme.customer_id),
            &acme.admin.access,
            json!({"name": "Acme Pat"}),
        )
        .await
        .id();
    let before = app.fingerprint(acme.id).await;

    for (role, token) in
        [("admin", &bolt.admin.access), ("worker", &bolt.worker.access), ("customer", &bolt.customer.access)]
    {
        for (method, path, body) in [
            (Method::GET, format!("/api/v1/service-locations/{building_c}"), None),
            (
                Method::PATCH,
                format!("/api/v1/service-locations/{building_c}"),
                Some(json!({"gate_code": "pwned"})),
            ),
            (Method::DELETE, format!("/api/v1/service-locations/{building_c}"), None),
            (Method::GET, format!("/api/v1/customers/{}/locations", acme.customer_id), None),
            (
                Method::POST,
                format!("/api/v1/customers/{}/locations", acme.customer_id),
                Some(json!({"name": "x"})),
            ),
            (Method::GET, format!("/api/v1/customers/{}/contacts", acme.customer_id), None),
            (
                Method::POST,
                format!("/api/v1/customers/{}/contacts", acme.customer_id),
                Some(json!({"name": "x"})),
            ),
            (Method::GET, format!("/api/v1/contacts/{contact}"), None),
            (Method::PATCH, format!("/api/v1/contacts/{contact}"), Some(json!({"name": "pwned"}))),
            (Method::DELETE, format!("/api/v1/contacts/{contact}"), None),
            (
                Method::POST,
                "/api/v1/jobs".to_owned(),
                Some(
                    json!({"customer_id": bolt.customer_id, "title": "x", "service_location_id": building_c}),
                ),
            ),
            (
                Method::POST,
                "/api/v1/jobs".to_owned(),
                Some(json!({"customer_id": bolt.customer_id, "title": "x", "site_contact_id": contact})),
            ),
        ] {
            let reply = app.request(method.clone(), &path, Some(token), body).await;
            assert!(!reply.status.is_success(), "{role} {method} {path}: {:?}", reply.body);
            assert_ne!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{role} {method} {path}");
            assert!(!leaks_access(&reply.body), "{role} {method} {path} leaked: {}", reply.body);
            assert!(
                !reply.body.to_string().contains("Acme Pat"),
                "{role} {method} {path} leaked: {}",
                reply.body
            );
        }
    }
    assert_eq!(app.fingerprint(acme.id).await, before, "company A changed");
}
