//! Job requests (issue #17): a customer's drafts, edits with reasons,
//! submission and withdrawal; the staff's queue, approval into a job and
//! rejection; the history (JSON and CSV); locked fields; the hourly limit;
//! other customers and other companies.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Company, Reply, TestApp, PASSWORD};

async fn first_location(app: &TestApp, company: &Company) -> String {
    let reply = app
        .get(&format!("/api/v1/customers/{}/locations", company.customer_id), &company.customer.access)
        .await;
    reply.body["items"][0]["id"].as_str().expect("a location").to_owned()
}

async fn draft(app: &TestApp, company: &Company, title: &str) -> Reply {
    let location = first_location(app, company).await;
    let reply = app
        .post(
            "/api/v1/job-requests",
            &company.customer.access,
            json!({"title": title, "description": "The kitchen tap drips", "preferred_windows": "weekday mornings",
                   "service_location_id": location, "urgency": "urgent"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply
}

async fn lock(app: &TestApp, company: &Company, fields: Value) {
    let reply = app
        .client
        .put(app.url("/api/v1/portal-settings"))
        .bearer_auth(&company.admin.access)
        .json(&json!({"registration_mode": "approval", "locked_fields": fields, "job_status_mails": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status(), StatusCode::OK);
}

async fn mails(app: &TestApp, company: &Company, kind: &str) -> i64 {
    sqlx::query_scalar("select count(*) from app.mail_outbox where company_id = $1 and kind = $2")
        .bind(company.id)
        .bind(kind)
        .fetch_one(&app.owner)
        .await
        .expect("mails")
}

#[tokio::test]
async fn a_request_goes_from_draft_to_a_job_with_every_change_on_record() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    lock(&app, &acme, json!(["title", "service_location_id"])).await;
    let customer = &acme.customer.access;
    let admin = &acme.admin.access;

    let created = draft(&app, &acme, "Leaking tap").await;
    let id = created.id();
    assert_eq!(created.body["state"], "draft");
    let path = format!("/api/v1/job-requests/{id}");

    let edited =
        app.patch(&path, customer, json!({"title": "Leaking kitchen tap", "reason": "more precise"})).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    let submitted = app.post(&format!("{path}/submit"), customer, json!({})).await;
    assert_eq!(submitted.status, StatusCode::OK, "{:?}", submitted.body);
    assert_eq!(submitted.body["state"], "submitted");
    assert!(submitted.body["submitted_at"].is_string());
    // "Request received", to the customer's own address, in the same transaction.
    let received: Vec<(String, String)> = sqlx::query_as(
        "select recipient, subject from app.mail_outbox where company_id = $1 and kind = 'request_received'",
    )
    .bind(acme.id)
    .fetch_all(&app.owner)
    .await
    .expect("mail");
    assert_eq!(
        received,
        [("customer@acme.test".to_owned(), "Company acme received your request".to_owned())]
    );
    // Submitted is still editable.
    let edited = app.patch(&path, customer, json!({"preferred_windows": "Tuesday 9-12"})).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    // Twice is not a move.
    assert_problem(
        &app.post(&format!("{path}/submit"), customer, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    // The staff's queue.
    let queue = app.get("/api/v1/job-requests?state=submitted&urgency=urgent", admin).await;
    assert_eq!(queue.body["items"][0]["id"], json!(id.to_string()), "{:?}", queue.body);
    let none = app.get("/api/v1/job-requests?state=submitted&urgency=low", admin).await;
    assert_eq!(none.body["items"], json!([]));
    let old = app.get("/api/v1/job-requests?state=submitted&older_than_hours=2", admin).await;
    assert_eq!(old.body["items"], json!([]));

    let approved = app
        .post(
            &format!("{path}/approve"),
            admin,
            json!({"assigned_worker_id": acme.worker_id, "scheduled_at": "2030-01-02T09:00:00Z"}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["state"], "approved");
    let job_id = approved.body["job_id"].as_str().expect("the job").to_owned();
    assert_eq!(mails(&app, &acme, "request_approved").await, 1);

    // The customer sees the job; the worker too.
    let job = app.get(&format!("/api/v1/jobs/{job_id}"), customer).await;
    assert_eq!(job.status, StatusCode::OK, "{:?}", job.body);
    assert_eq!(job.body["title"], "Leaking kitchen tap");
    assert_eq!(app.get(&format!("/api/v1/jobs/{job_id}"), &acme.worker.access).await.status, StatusCode::OK);

    // Locked after approval: title and location; the rest stays editable.
    let locked = app.patch(&path, customer, json!({"title": "Something else"})).await;
    assert_problem(&locked, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        locked.body["detail"].as_str().is_some_and(|d| d.contains("title is locked")),
        "{:?}",
        locked.body
    );
    let free = app
        .patch(&path, customer, json!({"description": "Also the bathroom", "reason": "found another"}))
        .await;
    assert_eq!(free.status, StatusCode::OK, "{:?}", free.body);

    // The history, newest first, by name and with reasons.
    let history = app.get(&format!("{path}/history"), customer).await;
    assert_eq!(history.status, StatusCode::OK, "{:?}", history.body);
    let entries = history.body.as_array().expect("entries");
    let fields: Vec<&str> = entries.iter().map(|e| e["field"].as_str().unwrap_or("")).collect();
    assert_eq!(fields.first(), Some(&"description"));
    assert_eq!(fields.last(), Some(&"state"));
    let title = entries.iter().find(|e| e["field"] == "title").expect("the title change");
    assert_eq!(title["old_value"], "Leaking tap");
    assert_eq!(title["new_value"], "Leaking kitchen tap");
    assert_eq!(title["reason"], "more precise");
    assert_eq!(title["actor_role"], "CUSTOMER");
    assert_eq!(title["actor_name"], "Customer acme");
    let approval =
        entries.iter().find(|e| e["field"] == "state" && e["new_value"] == "approved").expect("approval");
    assert_eq!(approval["actor_role"], "ADMIN");
    assert_eq!(approval["actor_name"], "Admin");
    assert_eq!(app.get(&format!("{path}/history"), admin).await.body, history.body);

    let csv = app
        .client
        .get(app.url(&format!("{path}/history.csv")))
        .bearer_auth(customer)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap_or("").starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert!(text.starts_with("at,field,old,new,who,role,reason\n"), "{text}");
    assert!(
        text.contains("title,Leaking tap,Leaking kitchen tap,Customer acme,CUSTOMER,more precise"),
        "{text}"
    );
    assert_eq!(text.lines().count(), entries.len() + 1);
}

#[tokio::test]
async fn staff_reject_with_a_reason_and_customers_withdraw() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let customer = &acme.customer.access;
    let admin = &acme.admin.access;
    let id = draft(&app, &acme, "Paint the fence").await.id();
    let path = format!("/api/v1/job-requests/{id}");
    // A draft is not the staff's to decide.
    assert_problem(
        &app.post(&format!("{path}/reject"), admin, json!({"reason": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    app.post(&format!("{path}/submit"), customer, json!({})).await;
    assert_problem(
        &app.post(&format!("{path}/reject"), admin, json!({"reason": ""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let rejected = app.post(&format!("{path}/reject"), admin, json!({"reason": "We do not paint"})).await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);
    let seen = app.get(&path, customer).await;
    assert_eq!(seen.body["state"], "rejected");
    assert_eq!(seen.body["rejected_reason"], "We do not paint");
    assert_eq!(mails(&app, &acme, "request_rejected").await, 1);
    assert_problem(
        &app.patch(&path, customer, json!({"title": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    let other = draft(&app, &acme, "Fix the gate").await.id();
    let withdrawn = app
        .post(
            &format!("/api/v1/job-requests/{other}/withdraw"),
            customer,
            json!({"reason": "fixed it myself"}),
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{:?}", withdrawn.body);
    assert_eq!(withdrawn.body["state"], "withdrawn");
    assert_problem(
        &app.post(&format!("/api/v1/job-requests/{other}/submit"), customer, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    // Roles: customers do not decide, admins do not submit, workers see nothing.
    assert_problem(&app.post(&format!("{path}/approve"), customer, json!({})).await, StatusCode::FORBIDDEN);
    assert_problem(&app.post(&format!("{path}/submit"), admin, json!({})).await, StatusCode::FORBIDDEN);
    assert_problem(
        &app.post("/api/v1/job-requests", admin, json!({"title": "x"})).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(&app.get("/api/v1/job-requests", &acme.worker.access).await, StatusCode::FORBIDDEN);
    assert_problem(&app.get(&path, &acme.worker.access).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_customer_makes_at_most_20_changes_an_hour() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let id = draft(&app, &acme, "Change 1").await.id();
    for n in 2..=20 {
        let reply = app
            .patch(
                &format!("/api/v1/job-requests/{id}"),
                &acme.customer.access,
                json!({"title": format!("Change {n}")}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "change {n}: {:?}", reply.body);
    }
    let throttled = app
        .patch(&format!("/api/v1/job-requests/{id}"), &acme.customer.access, json!({"title": "Change 21"}))
        .await;
    assert_problem(&throttled, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers.get("retry-after").is_some());
    // Staff are not limited.
    let staff =
        app.patch(&format!("/api/v1/job-requests/{id}"), &acme.admin.access, json!({"urgency": "low"})).await;
    assert_eq!(staff.status, StatusCode::OK, "{:?}", staff.body);
}

#[tokio::test]
async fn other_customers_and_other_companies_reach_nothing() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let id = draft(&app, &acme, "Secret request").await.id();
    let path = format!("/api/v1/job-requests/{id}");

    // A second customer of acme, with a login.
    let other_customer = app.create_customer(&acme.admin.access, "Other customer").await;
    let user = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            json!({"name": "Other", "email": "other@acme.test", "password": PASSWORD, "role": "CUSTOMER", "customer_id": other_customer}),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{:?}", user.body);
    let other = app.login("acme", "other@acme.test").await;
    let others_location =
        app.get(&format!("/api/v1/customers/{other_customer}/locations"), &acme.admin.access).await;
    let others_location = others_location.body["items"][0]["id"].as_str().expect("location").to_owned();

    let before = app.fingerprint(acme.id).await;
    for token in [&other.access, &bolt.customer.access, &bolt.admin.access] {
        assert_problem(&app.get(&path, token).await, StatusCode::NOT_FOUND);
        assert_problem(&app.get(&format!("{path}/history"), token).await, StatusCode::NOT_FOUND);
        assert_problem(&app.patch(&path, token, json!({"title": "pwned"})).await, StatusCode::NOT_FOUND);
        let list = app.get("/api/v1/job-requests", token).await;
        assert_eq!(list.body["items"], json!([]), "{:?}", list.body);
    }
    assert_problem(
        &app.post(&format!("{path}/submit"), &other.access, json!({})).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &app.post(&format!("{path}/approve"), &bolt.admin.access, json!({})).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(app.fingerprint(acme.id).await, before, "acme changed");

    // Another customer's location is not one of mine.
    let reply = app
        .post(
            "/api/v1/job-requests",
            &acme.customer.access,
            json!({"title": "x", "service_location_id": others_location}),
        )
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    let reply =
        app.request(Method::GET, "/api/v1/job-requests?state=nonsense", Some(&acme.admin.access), None).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_portal_report_counts_this_companys_requests_per_week_and_state() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    for title in ["One", "Two"] {
        draft(&app, &acme, title).await;
    }
    let submitted = draft(&app, &acme, "Three").await.id();
    let sent =
        app.post(&format!("/api/v1/job-requests/{submitted}/submit"), &acme.customer.access, json!({})).await;
    assert_eq!(sent.status, StatusCode::OK);
    draft(&app, &globex, "Elsewhere").await;

    let report = app.get("/api/v1/portal-report?weeks=4", &acme.admin.access).await;
    assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
    let rows: Vec<(String, i64)> = report
        .body
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["state"].as_str().unwrap_or("").to_owned(), r["count"].as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(rows, [("draft".to_owned(), 2), ("submitted".to_owned(), 1)]);
    assert!(report.body[0]["week"].as_str().is_some_and(|w| w.len() == 10), "{:?}", report.body);

    assert_problem(
        &app.get("/api/v1/portal-report?weeks=0", &acme.admin.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/portal-report", token).await, StatusCode::FORBIDDEN);
    }
}
