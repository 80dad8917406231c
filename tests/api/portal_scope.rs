//! A customer login is one of its customer's contacts, and a contact may be
//! limited to some of the customer's locations (migration 0025): the manager
//! of Building C sees Building C and its jobs, nothing of the other buildings,
//! from the next request after the limit is set. Tested over HTTP and, as the
//! login's own transaction, in SQL.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, id_of, spawn_app, Company, TestApp, PASSWORD};

/// The customer's first location (made with the customer) and a second one.
async fn two_locations(app: &TestApp, company: &Company) -> (Uuid, Uuid) {
    let admin = &company.admin.access;
    let reply = app.get(&format!("/api/v1/customers/{}/locations", company.customer_id), admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let building_a = id_of(&reply.body["items"][0]);
    let reply = app
        .post(
            &format!("/api/v1/customers/{}/locations", company.customer_id),
            admin,
            json!({"name": "Building C", "address": {"line1": "3 Side Street"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    (building_a, reply.id())
}

async fn job_at(app: &TestApp, company: &Company, location: Uuid, title: &str) -> Uuid {
    app.create_job(
        &company.admin.access,
        json!({"customer_id": company.customer_id, "title": title, "service_location_id": location,
               "assigned_worker_id": company.worker_id, "tasks": ["Look"]}),
    )
    .await
    .id()
}

/// A contact of the company's customer with a portal login of its own.
async fn contact_with_login(app: &TestApp, company: &Company, name: &str, email: &str) -> (Uuid, Uuid) {
    let admin = &company.admin.access;
    let contact = app
        .post(&format!("/api/v1/customers/{}/contacts", company.customer_id), admin, json!({"name": name}))
        .await;
    assert_eq!(contact.status, StatusCode::CREATED, "{:?}", contact.body);
    let user = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": name, "email": email, "password": PASSWORD, "role": "CUSTOMER",
                   "customer_id": company.customer_id, "contact_id": contact.id()}),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{:?}", user.body);
    assert_eq!(user.body["contact_id"], json!(contact.id()));
    (contact.id(), user.id())
}

fn titles(list: &Value) -> Vec<String> {
    let mut titles: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|job| job["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn a_contact_limited_to_building_c_sees_building_c_and_its_jobs_only() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let (building_a, building_c) = two_locations(&app, &acme).await;
    let job_a = job_at(&app, &acme, building_a, "Boiler in A").await;
    let job_c = job_at(&app, &acme, building_c, "Gate in C").await;
    let note = app
        .post(
            &format!("/api/v1/jobs/{job_a}/notes"),
            admin,
            json!({"body": "For the customer", "visibility": "customer"}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);
    let (cleo, _) = contact_with_login(&app, &acme, "Cleo Manager", "cleo@acme.test").await;
    let session = app.login("acme", "cleo@acme.test").await;
    let token = &session.access;

    // Not limited yet: the whole customer, like every login before 0025.
    let list = app.get("/api/v1/jobs", token).await;
    assert_eq!(titles(&list.body), ["Boiler in A", "Gate in C"], "{:?}", list.body);

    let limit = app
        .put(
            &format!("/api/v1/contacts/{cleo}/locations"),
            admin,
            json!({"restricted_to_locations": true, "location_ids": [building_c, building_c]}),
        )
        .await;
    assert_eq!(limit.status, StatusCode::OK, "{:?}", limit.body);
    assert_eq!(limit.body, json!({"restricted_to_locations": true, "location_ids": [building_c]}));

    // The same token, no new sign-in: Building C only, everywhere a job shows.
    let list = app.get("/api/v1/jobs", token).await;
    assert_eq!(titles(&list.body), ["Gate in C"], "{:?}", list.body);
    assert_eq!(app.get(&format!("/api/v1/jobs/{job_c}"), token).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/jobs/{job_c}/timeline"), token).await.status, StatusCode::OK);
    for path in [
        format!("/api/v1/jobs/{job_a}"),
        format!("/api/v1/jobs/{job_a}/tasks"),
        format!("/api/v1/jobs/{job_a}/timeline"),
        format!("/api/v1/service-locations/{building_a}"),
    ] {
        assert_problem(&app.get(&path, token).await, StatusCode::NOT_FOUND);
    }
    let locations = app.get(&format!("/api/v1/customers/{}/locations", acme.customer_id), token).await;
    let names: Vec<&str> = locations.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(names, ["Building C"], "{:?}", locations.body);

    // The customer's other login, linked to no contact, still sees everything.
    let other = app.get("/api/v1/jobs", &acme.customer.access).await;
    assert_eq!(titles(&other.body), ["Boiler in A", "Gate in C"]);

    // In SQL, as the login's own transaction: the policies, not the handlers.
    let mut tx = app.request_tx(token).await;
    let jobs: Vec<Uuid> =
        sqlx::query_scalar("select id from app.jobs").fetch_all(&mut *tx).await.expect("jobs");
    assert_eq!(jobs, [job_c]);
    let locations: Vec<Uuid> = sqlx::query_scalar("select id from app.service_locations")
        .fetch_all(&mut *tx)
        .await
        .expect("locations");
    assert_eq!(locations, [building_c]);
    let tasks: i64 = sqlx::query_scalar("select count(*) from app.job_tasks where job_id = $1")
        .bind(job_a)
        .fetch_one(&mut *tx)
        .await
        .expect("tasks");
    assert_eq!(tasks, 0);
    let notes: i64 = sqlx::query_scalar("select count(*) from app.job_notes where job_id = $1")
        .bind(job_a)
        .fetch_one(&mut *tx)
        .await
        .expect("notes");
    assert_eq!(notes, 0, "job A's customer note is not Cleo's to read");
    let links = sqlx::query("select 1 from app.contact_locations").fetch_all(&mut *tx).await;
    assert!(links.is_err(), "a customer may not read who is limited to what");
    drop(tx);
    let mut unlimited = app.request_tx(&acme.customer.access).await;
    let notes: i64 = sqlx::query_scalar("select count(*) from app.job_notes where job_id = $1")
        .bind(job_a)
        .fetch_one(&mut *unlimited)
        .await
        .expect("notes");
    assert_eq!(notes, 1, "the unlimited login reads the note the limited one may not");
    drop(unlimited);

    // Limited to nothing: sees nothing (deleting the last location of a limited
    // contact does not free it).
    let none = app
        .put(
            &format!("/api/v1/contacts/{cleo}/locations"),
            admin,
            json!({"restricted_to_locations": true, "location_ids": []}),
        )
        .await;
    assert_eq!(none.status, StatusCode::OK, "{:?}", none.body);
    let list = app.get("/api/v1/jobs", token).await;
    assert_eq!(titles(&list.body), Vec::<String>::new());

    // Lifted: everything again, the list kept for next time.
    let lifted = app
        .put(
            &format!("/api/v1/contacts/{cleo}/locations"),
            admin,
            json!({"restricted_to_locations": false, "location_ids": [building_c]}),
        )
        .await;
    assert_eq!(lifted.body, json!({"restricted_to_locations": false, "location_ids": [building_c]}));
    let list = app.get("/api/v1/jobs", token).await;
    assert_eq!(titles(&list.body), ["Boiler in A", "Gate in C"]);
    let read = app.get(&format!("/api/v1/contacts/{cleo}/locations"), admin).await;
    assert_eq!(read.body, lifted.body);
}

#[tokio::test]
async fn a_new_sign_in_and_a_deleted_location_keep_the_limit() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let (building_a, building_c) = two_locations(&app, &acme).await;
    job_at(&app, &acme, building_a, "Boiler in A").await;
    let (cleo, _) = contact_with_login(&app, &acme, "Cleo Manager", "cleo@acme.test").await;
    let spare = app
        .post(&format!("/api/v1/customers/{}/locations", acme.customer_id), admin, json!({"name": "Annex"}))
        .await
        .id();
    let limit = app
        .put(
            &format!("/api/v1/contacts/{cleo}/locations"),
            admin,
            json!({"restricted_to_locations": true, "location_ids": [building_c, spare]}),
        )
        .await;
    assert_eq!(limit.status, StatusCode::OK, "{:?}", limit.body);

    // Signed in after the limit was set: the session starts limited.
    let session = app.login("acme", "cleo@acme.test").await;
    let list = app.get("/api/v1/jobs", &session.access).await;
    assert_eq!(titles(&list.body), Vec::<String>::new(), "{:?}", list.body);

    // The annex goes: its link goes with it, and the limit stays.
    assert_eq!(
        app.delete(&format!("/api/v1/service-locations/{spare}"), admin).await.status,
        StatusCode::NO_CONTENT
    );
    let read = app.get(&format!("/api/v1/contacts/{cleo}/locations"), admin).await;
    assert_eq!(read.body, json!({"restricted_to_locations": true, "location_ids": [building_c]}));
    let locations =
        app.get(&format!("/api/v1/customers/{}/locations", acme.customer_id), &session.access).await;
    assert_eq!(locations.body["items"].as_array().map(Vec::len), Some(1), "{:?}", locations.body);
}

#[tokio::test]
async fn relinking_a_login_ends_its_sessions_and_a_contact_with_a_login_stays() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let (cleo, cleo_user) = contact_with_login(&app, &acme, "Cleo Manager", "cleo@acme.test").await;
    let session = app.login("acme", "cleo@acme.test").await;

    let delete = app.delete(&format!("/api/v1/contacts/{cleo}"), admin).await;
    assert_problem(&delete, StatusCode::CONFLICT);
    let stored: i64 = sqlx::query_scalar("select count(*) from app.contacts where id = $1")
        .bind(cleo)
        .fetch_one(&app.owner)
        .await
        .expect("contact");
    assert_eq!(stored, 1);
    // The database refuses it too, whoever asks.
    let direct = sqlx::query("delete from app.contacts where id = $1").bind(cleo).execute(&app.owner).await;
    assert!(direct.is_err(), "a login's contact cannot be deleted under it");

    // Unlinked: another identity, so the login signs in again.
    let unlinked = app.patch(&format!("/api/v1/users/{cleo_user}"), admin, json!({"contact_id": null})).await;
    assert_eq!(unlinked.status, StatusCode::OK, "{:?}", unlinked.body);
    assert_eq!(unlinked.body["contact_id"], Value::Null);
    assert_eq!(app.get("/api/v1/jobs", &session.access).await.status, StatusCode::UNAUTHORIZED);
    let relinked = app.patch(&format!("/api/v1/users/{cleo_user}"), admin, json!({"contact_id": cleo})).await;
    assert_eq!(relinked.body["contact_id"], json!(cleo), "{:?}", relinked.body);
    // A new customer drops the contact of the old one.
    let other_customer = app.create_customer(admin, "Other customer").await;
    let moved =
        app.patch(&format!("/api/v1/users/{cleo_user}"), admin, json!({"customer_id": other_customer})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["contact_id"], Value::Null);
}

#[tokio::test]
async fn limits_and_links_take_no_other_customer_or_company_ids() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let admin = &acme.admin.access;
    let (_, building_c) = two_locations(&app, &acme).await;
    let (bolt_location, _) = two_locations(&app, &bolt).await;
    let (cleo, cleo_user) = contact_with_login(&app, &acme, "Cleo Manager", "cleo@acme.test").await;
    let bolt_contact = app
        .post(
            &format!("/api/v1/customers/{}/contacts", bolt.customer_id),
            &bolt.admin.access,
            json!({"name": "B"}),
        )
        .await
        .id();
    // Another customer of acme, with a location and a contact of its own.
    let other_customer = app.create_customer(admin, "Other customer").await;
    let other_location = id_of(
        &app.get(&format!("/api/v1/customers/{other_customer}/locations"), admin).await.body["items"][0],
    );
    let other_contact = app
        .post(&format!("/api/v1/customers/{other_customer}/contacts"), admin, json!({"name": "O"}))
        .await
        .id();
    let before = app.fingerprint(acme.id).await;

    for location in [bolt_location, other_location] {
        let reply = app
            .put(
                &format!("/api/v1/contacts/{cleo}/locations"),
                admin,
                json!({"restricted_to_locations": true, "location_ids": [building_c, location]}),
            )
            .await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"]["location_ids"].is_array(), "{:?}", reply.body);
    }
    for contact in [bolt_contact, other_contact] {
        let reply =
            app.patch(&format!("/api/v1/users/{cleo_user}"), admin, json!({"contact_id": contact})).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"]["contact_id"].is_array(), "{:?}", reply.body);
    }
    let worker_with_contact = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": "W", "email": "w2@acme.test", "password": PASSWORD, "role": "WORKER", "contact_id": cleo}),
        )
        .await;
    assert_problem(&worker_with_contact, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(acme.id).await, before, "a refused request changed nothing");

    // Only admins see or set a limit; bolt's admin finds no such contact.
    let body = json!({"restricted_to_locations": false, "location_ids": []});
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(
            &app.get(&format!("/api/v1/contacts/{cleo}/locations"), token).await,
            StatusCode::FORBIDDEN,
        );
        assert_problem(
            &app.put(&format!("/api/v1/contacts/{cleo}/locations"), token, body.clone()).await,
            StatusCode::FORBIDDEN,
        );
    }
    assert_problem(
        &app.put(&format!("/api/v1/contacts/{cleo}/locations"), &bolt.admin.access, body).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(app.fingerprint(acme.id).await, before);
}

#[tokio::test]
async fn a_limited_login_sees_and_makes_job_requests_at_its_locations_only() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let (building_a, building_c) = two_locations(&app, &acme).await;
    let (cleo, _) = contact_with_login(&app, &acme, "Cleo Manager", "cleo@acme.test").await;
    let limit = app
        .put(
            &format!("/api/v1/contacts/{cleo}/locations"),
            admin,
            json!({"restricted_to_locations": true, "location_ids": [building_c]}),
        )
        .await;
    assert_eq!(limit.status, StatusCode::OK, "{:?}", limit.body);
    // The customer's unlimited login asks for work in both buildings.
    let owner = &acme.customer.access;
    let in_a = app
        .post("/api/v1/job-requests", owner, json!({"title": "Leak in A", "service_location_id": building_a}))
        .await;
    assert_eq!(in_a.status, StatusCode::CREATED, "{:?}", in_a.body);
    let edit = app
        .patch(&format!("/api/v1/job-requests/{}", in_a.id()), owner, json!({"title": "Big leak in A"}))
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{:?}", edit.body);
    let in_c = app
        .post("/api/v1/job-requests", owner, json!({"title": "Gate in C", "service_location_id": building_c}))
        .await;
    assert_eq!(in_c.status, StatusCode::CREATED, "{:?}", in_c.body);

    let session = app.login("acme", "cleo@acme.test").await;
    let token = &session.access;
    let list = app.get("/api/v1/job-requests", token).await;
    assert_eq!(titles(&list.body), ["Gate in C"], "{:?}", list.body);
    for path in
        [format!("/api/v1/job-requests/{}", in_a.id()), format!("/api/v1/job-requests/{}/history", in_a.id())]
    {
        let reply = app.get(&path, token).await;
        assert_problem(&reply, StatusCode::NOT_FOUND);
    }
    let mut tx = app.request_tx(token).await;
    let history: i64 =
        sqlx::query_scalar("select count(*) from app.job_request_changes where request_id = $1")
            .bind(in_a.id())
            .fetch_one(&mut *tx)
            .await
            .expect("history");
    assert_eq!(history, 0, "the history of a request elsewhere is not Cleo's to read");
    drop(tx);

    // Cleo's own request: where it names no place, the only one Cleo sees.
    let mine = app.post("/api/v1/job-requests", token, json!({"title": "Buzzer in C"})).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{:?}", mine.body);
    assert_eq!(mine.body["service_location_id"], json!(building_c));
    let elsewhere = app
        .post("/api/v1/job-requests", token, json!({"title": "Sneaky", "service_location_id": building_a}))
        .await;
    assert!(elsewhere.status.is_client_error(), "{:?}", elsewhere.body);
    let moved = app
        .patch(
            &format!("/api/v1/job-requests/{}", mine.id()),
            token,
            json!({"service_location_id": building_a}),
        )
        .await;
    assert!(moved.status.is_client_error(), "{:?}", moved.body);
    let stored: i64 =
        sqlx::query_scalar("select count(*) from app.job_requests where service_location_id = $1")
            .bind(building_a)
            .fetch_one(&app.owner)
            .await
            .expect("requests");
    assert_eq!(stored, 1, "only the owner's request is in Building A");
}
