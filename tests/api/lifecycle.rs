//! The Phase-1 exit criteria, end to end over HTTP: create → assign → complete,
//! seen by all three roles, and by nobody in another company.

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, PASSWORD};

#[tokio::test]
async fn a_job_goes_from_creation_to_completion_and_only_its_company_sees_it() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let admin = &acme.admin.access;

    // The admin shapes the workflow: a final status that needs every task done.
    let signed_off = app
        .post(
            "/api/v1/job-statuses",
            admin,
            json!({"name": "Signed off", "color": "#0f766e", "is_final": true, "requires_tasks_done": true}),
        )
        .await;
    assert_eq!(signed_off.status, StatusCode::CREATED, "{:?}", signed_off.body);
    let signed_off = signed_off.id();

    // A customer with a login of its own.
    let hotel = app.create_customer(admin, "Harbor Hotel").await;
    let login = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": "Hotel Manager", "email": "manager@harbor.test", "password": PASSWORD, "role": "CUSTOMER", "customer_id": hotel}),
        )
        .await;
    assert_eq!(login.status, StatusCode::CREATED);
    let hotel_user = app.login("acme", "manager@harbor.test").await;

    // A job with tasks, assigned to the worker.
    let job = app
        .create_job(
            admin,
            json!({"customer_id": hotel, "title": "Fix lobby fountain", "description": "Pump hums, no flow.",
                   "assigned_worker_id": acme.worker_id, "tasks": ["Inspect pump", "Replace impeller"]}),
        )
        .await;
    let job_id = job.id();
    assert_eq!(job.body["status"]["name"], "New", "the first status is the default");
    assert_eq!(job.body["tasks"].as_array().map(Vec::len), Some(2));

    // The worker finds it in its queue.
    let queue = app.get("/api/v1/workers/assigned-jobs", &acme.worker.access).await;
    assert_eq!(queue.status, StatusCode::OK);
    let queued: Vec<&str> =
        queue.body["items"].as_array().expect("queue").iter().filter_map(|j| j["id"].as_str()).collect();
    assert_eq!(queued, [job_id.to_string().as_str()]);

    // It cannot sign off with open tasks: the database refuses.
    let early = app
        .patch(&format!("/api/v1/jobs/{job_id}"), &acme.worker.access, json!({"status_id": signed_off}))
        .await;
    assert_problem(&early, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body["errors"]["status_id"].is_array(), "{:?}", early.body);

    // It completes the tasks; finishing the last task does not close the job.
    for task in job.body["tasks"].as_array().expect("tasks") {
        let done = app
            .patch(
                &format!("/api/v1/job-tasks/{}", task["id"].as_str().expect("id")),
                &acme.worker.access,
                json!({"is_completed": true}),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
        assert!(done.body["completed_at"].is_string());
    }
    let after_tasks = app.get(&format!("/api/v1/jobs/{job_id}"), &acme.worker.access).await;
    assert_eq!(after_tasks.body["status"]["name"], "New");
    assert!(after_tasks.body["completed_at"].is_null());
    assert_eq!(after_tasks.body["tasks_done"], 2);

    // A note from the worker (internal) and one for the customer from the admin.
    let note = app
        .post(
            &format!("/api/v1/jobs/{job_id}/notes"),
            &acme.worker.access,
            json!({"body": "Impeller cracked; spare from van."}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);
    assert_eq!(note.body["visibility"], "internal");
    assert_eq!(note.body["author"]["id"], json!(acme.worker_id));
    let shared = app
        .post(
            &format!("/api/v1/jobs/{job_id}/notes"),
            admin,
            json!({"body": "All fixed, enjoy the fountain!", "visibility": "customer"}),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED);

    // Now the worker signs it off; the database stamps completed_at.
    let closed = app
        .patch(&format!("/api/v1/jobs/{job_id}"), &acme.worker.access, json!({"status_id": signed_off}))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
    assert_eq!(closed.body["status"]["is_final"], true);
    assert!(closed.body["completed_at"].is_string());

    // The customer, signed in, sees the finished job, the worker's name, the
    // tasks, and only the note meant for it.
    let mine = app.get("/api/v1/jobs", &hotel_user.access).await;
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
    let seen = app.get(&format!("/api/v1/jobs/{job_id}"), &hotel_user.access).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body["status"]["name"], "Signed off");
    assert_eq!(seen.body["assigned_worker"]["name"], "Worker acme");
    assert_eq!(seen.body["tasks"].as_array().map(Vec::len), Some(2));
    let notes = seen.body["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], "All fixed, enjoy the fountain!");
    assert!(!seen.body.to_string().contains("Impeller cracked"), "internal note leaked to the customer");
    // The customer's company-wide customer (acme's own) has no jobs here.
    let other = app.get("/api/v1/jobs", &acme.customer.access).await;
    assert_eq!(other.body["items"].as_array().map(Vec::len), Some(0));

    // And by link, without logging in.
    let link = app.post(&format!("/api/v1/jobs/{job_id}/share-links"), admin, json!({})).await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);
    let token = link.body["token"].as_str().expect("token").to_owned();
    assert!(link.body["url"].as_str().expect("url").ends_with(&format!("/t/{token}")));
    let public = app.request(Method::GET, &format!("/api/v1/share/{token}"), None, None).await;
    assert_eq!(public.status, StatusCode::OK, "{:?}", public.body);
    assert_eq!(public.body["title"], "Fix lobby fountain");
    assert_eq!(public.body["status"]["name"], "Signed off");
    assert_eq!(public.body["worker_name"], "Worker acme");
    assert_eq!(
        public.body["tasks"],
        json!([{"title": "Inspect pump", "is_completed": true}, {"title": "Replace impeller", "is_completed": true}])
    );
    assert!(!public.body.to_string().contains("Impeller cracked"));
    let links = app.get(&format!("/api/v1/jobs/{job_id}/share-links"), admin).await;
    assert_eq!(links.body[0]["open_count"], 1);
    assert!(links.body[0]["last_opened_at"].is_string());
    assert!(links.body[0].get("token").is_none(), "a token is shown only once");

    // Company B sees none of it, in any role.
    for token in [&bolt.admin.access, &bolt.worker.access, &bolt.customer.access] {
        assert_problem(&app.get(&format!("/api/v1/jobs/{job_id}"), token).await, StatusCode::NOT_FOUND);
        let listed = app.get("/api/v1/jobs?limit=200", token).await;
        assert!(!listed.body.to_string().contains(&job_id.to_string()));
    }
    assert_problem(
        &app.get(&format!("/api/v1/jobs/{job_id}/share-links"), &bolt.admin.access).await,
        StatusCode::NOT_FOUND,
    );
    let queue = app.get("/api/v1/workers/assigned-jobs", &bolt.worker.access).await;
    assert_eq!(queue.body, json!({"items": [], "next_cursor": null}));

    // Revoked, the link is dead.
    let link_id: Uuid = link.body["id"].as_str().expect("id").parse().expect("uuid");
    assert_problem(
        &app.delete(&format!("/api/v1/share-links/{link_id}"), &bolt.admin.access).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(
        app.delete(&format!("/api/v1/share-links/{link_id}"), admin).await.status,
        StatusCode::NO_CONTENT
    );
    let dead = app.request(Method::GET, &format!("/api/v1/share/{token}"), None, None).await;
    assert_problem(&dead, StatusCode::NOT_FOUND);
}
