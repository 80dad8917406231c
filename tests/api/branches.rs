//! Branches (migration 0040), tested as an attacker would: an admin and a
//! worker scoped to North aim South's job, customer and branch ids (and
//! another company's) at paths, bodies and query strings. Nothing of South
//! is read or written; company-wide members see both; a change of a
//! member's branch ends its sessions' old scope at once.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, Company, Session, TestApp, PASSWORD};

pub(crate) struct Franchise {
    pub(crate) acme: Company,
    pub(crate) north: Uuid,
    pub(crate) south: Uuid,
    pub(crate) north_admin: Session,
    pub(crate) north_worker: Session,
    pub(crate) north_worker_id: Uuid,
    pub(crate) south_worker_id: Uuid,
    pub(crate) north_job: Uuid,
    pub(crate) south_job: Uuid,
    pub(crate) north_customer: Uuid,
    pub(crate) south_customer: Uuid,
    pub(crate) shared_customer: Uuid,
}

async fn branch(app: &TestApp, token: &str, name: &str, color: &str) -> Uuid {
    let reply = app
        .post("/api/v1/branches", token, json!({ "name": name, "address": "1 Road", "color": color }))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.id()
}

async fn member(app: &TestApp, admin: &str, email: &str, role: &str, branch: Uuid) -> Uuid {
    let reply = app
        .post(
            "/api/v1/users",
            admin,
            json!({ "name": email, "email": email, "password": PASSWORD, "role": role, "branch_id": branch }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["branch_id"], json!(branch));
    reply.id()
}

async fn customer(app: &TestApp, token: &str, name: &str, branch: Option<Uuid>) -> Uuid {
    let reply = app.post("/api/v1/customers", token, json!({ "name": name, "branch_id": branch })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.id()
}

/// Acme with North and South: a North admin and worker, a South worker,
/// a customer and a job in each branch, and a shared customer.
pub(crate) async fn franchise(app: &TestApp) -> Franchise {
    let acme = app.company("acme").await;
    let admin = acme.admin.access.clone();
    let north = branch(app, &admin, "North", "#1D4ED8").await;
    let south = branch(app, &admin, "South", "#b91c1c").await;
    member(app, &admin, "north-admin@acme.test", "ADMIN", north).await;
    let north_worker_id = member(app, &admin, "north-worker@acme.test", "WORKER", north).await;
    let south_worker_id = member(app, &admin, "south-worker@acme.test", "WORKER", south).await;
    let north_customer = customer(app, &admin, "North Co", Some(north)).await;
    let south_customer = customer(app, &admin, "South Co", Some(south)).await;
    let shared_customer = customer(app, &admin, "Shared Co", None).await;
    let north_job = app
        .create_job(&admin, json!({ "customer_id": north_customer, "title": "North pipe", "assigned_worker_id": north_worker_id }))
        .await;
    // No branch named: the customer's.
    assert_eq!(north_job.body["branch_id"], json!(north), "{:?}", north_job.body);
    let south_job = app
        .create_job(
            &admin,
            json!({ "customer_id": south_customer, "title": "South pipe", "branch_id": south,
                                    "assigned_worker_id": south_worker_id }),
        )
        .await;
    let north_admin = app.login("acme", "north-admin@acme.test").await;
    let north_worker = app.login("acme", "north-worker@acme.test").await;
    Franchise {
        acme,
        north,
        south,
        north_admin,
        north_worker,
        north_worker_id,
        south_worker_id,
        north_job: north_job.id(),
        south_job: south_job.id(),
        north_customer,
        south_customer,
        shared_customer,
    }
}

fn ids(body: &Value) -> Vec<Uuid> {
    let items = body["items"].as_array().or_else(|| body.as_array()).expect("a list");
    items.iter().map(|i| i["id"].as_str().expect("id").parse().expect("uuid")).collect()
}

#[tokio::test]
async fn a_north_admin_reads_and_writes_nothing_of_south() {
    let app = spawn_app().await;
    let f = franchise(&app).await;
    let token = &f.north_admin.access;
    let before = app.fingerprint(f.acme.id).await;

    // Lists: North's jobs, North's and shared customers, its own branch.
    let jobs = app.get("/api/v1/jobs", token).await;
    assert_eq!(ids(&jobs.body), vec![f.north_job]);
    let mut customers = ids(&app.get("/api/v1/customers", token).await.body);
    customers.sort();
    let mut expected = vec![f.north_customer, f.shared_customer, f.acme.customer_id];
    expected.sort();
    assert_eq!(customers, expected);
    assert_eq!(ids(&app.get("/api/v1/branches", token).await.body), vec![f.north]);
    let users = app.get("/api/v1/users", token).await;
    assert!(!ids(&users.body).contains(&f.south_worker_id), "{:?}", users.body);

    // Query strings: South's branch, another company's, a random one.
    for branch in [f.south, Uuid::new_v4()] {
        for path in ["/api/v1/jobs", "/api/v1/customers", "/api/v1/users"] {
            let reply = app.get(&format!("{path}?branch_id={branch}"), token).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
            assert_eq!(ids(&reply.body), Vec::<Uuid>::new(), "{path}?branch_id={branch}");
        }
    }
    assert_eq!(
        ids(&app.get(&format!("/api/v1/jobs?branch_id={}", f.north), token).await.body),
        vec![f.north_job]
    );
    // The admin's search (through the view and auth.search_jobs) finds South's job and customer for nobody
    // but the company-wide.
    assert_eq!(ids(&app.get("/api/v1/jobs?q=pipe", token).await.body), vec![f.north_job]);
    assert!(!ids(&app.get("/api/v1/customers?q=Co", token).await.body).contains(&f.south_customer));

    // Paths: South's job, customer and branch are not found.
    for path in [
        format!("/api/v1/jobs/{}", f.south_job),
        format!("/api/v1/jobs/{}/history", f.south_job),
        format!("/api/v1/jobs/{}/timeline", f.south_job),
        format!("/api/v1/customers/{}", f.south_customer),
        format!("/api/v1/branches/{}", f.south),
        format!("/api/v1/users/{}", f.south_worker_id),
    ] {
        assert_problem(&app.get(&path, token).await, StatusCode::NOT_FOUND);
    }
    assert_problem(
        &app.patch(&format!("/api/v1/jobs/{}", f.south_job), token, json!({ "title": "stolen" })).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &app.patch(&format!("/api/v1/customers/{}", f.south_customer), token, json!({ "name": "stolen" }))
            .await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &app.post(&format!("/api/v1/jobs/{}/tasks", f.south_job), token, json!({ "title": "planted" })).await,
        StatusCode::NOT_FOUND,
    );

    // Bodies: a job in South, a job for South's customer, South's worker,
    // moving North's job to South, widening its own scope, a branch of its own.
    let reply = app
        .post(
            "/api/v1/jobs",
            token,
            json!({ "customer_id": f.shared_customer, "title": "x", "branch_id": f.south }),
        )
        .await;
    assert_problem(&reply, StatusCode::FORBIDDEN);
    let reply =
        app.post("/api/v1/jobs", token, json!({ "customer_id": f.south_customer, "title": "x" })).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["errors"]["customer_id"].is_array(), "{:?}", reply.body);
    let reply = app
        .patch(
            &format!("/api/v1/jobs/{}", f.north_job),
            token,
            json!({ "assigned_worker_id": f.south_worker_id }),
        )
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    // North's customer does not fit South (422) ...
    let reply = app
        .patch(
            &format!("/api/v1/jobs/{}", f.north_job),
            token,
            json!({ "assigned_worker_id": null, "branch_id": f.south }),
        )
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    let me = f.north_admin.user_id;
    let reply = app.patch(&format!("/api/v1/users/{me}"), token, json!({ "branch_id": null })).await;
    assert_problem(&reply, StatusCode::FORBIDDEN);
    let reply = app.post("/api/v1/branches", token, json!({ "name": "East" })).await;
    assert_problem(&reply, StatusCode::FORBIDDEN);
    let reply = app.patch(&format!("/api/v1/branches/{}", f.south), token, json!({ "name": "Mine" })).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
    assert_problem(&app.delete(&format!("/api/v1/branches/{}", f.south), token).await, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(f.acme.id).await, before, "North's admin changed nothing");

    // What it may do: a job of its own, North's by default.
    let reply =
        app.post("/api/v1/jobs", token, json!({ "customer_id": f.shared_customer, "title": "Mine" })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["branch_id"], json!(f.north));
    // ... and a job of a shared customer does not leave North either (403).
    let before = app.fingerprint(f.acme.id).await;
    let reply =
        app.patch(&format!("/api/v1/jobs/{}", reply.id()), token, json!({ "branch_id": f.south })).await;
    assert_problem(&reply, StatusCode::FORBIDDEN);
    let reply = app
        .patch(&format!("/api/v1/customers/{}", f.shared_customer), token, json!({ "branch_id": f.south }))
        .await;
    assert_problem(&reply, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint(f.acme.id).await, before);
    let reply = app.post("/api/v1/customers", token, json!({ "name": "New North Co" })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["branch_id"], json!(f.north));
}

#[tokio::test]
async fn a_north_worker_sees_north_only_and_company_wide_admins_see_both() {
    let app = spawn_app().await;
    let f = franchise(&app).await;
    let jobs = app.get("/api/v1/jobs", &f.north_worker.access).await;
    assert_eq!(ids(&jobs.body), vec![f.north_job]);
    assert_problem(
        &app.get(&format!("/api/v1/jobs/{}", f.south_job), &f.north_worker.access).await,
        StatusCode::NOT_FOUND,
    );
    let reply = app
        .patch(
            &format!("/api/v1/jobs/{}", f.south_job),
            &f.north_worker.access,
            json!({ "status_id": app.status_ids(&f.acme.admin.access).await[1] }),
        )
        .await;
    assert_problem(&reply, StatusCode::NOT_FOUND);

    // The header's branch: the session's, from the verified context.
    let me = app.get("/api/v1/auth/me", &f.north_worker.access).await;
    assert_eq!(me.body["branch"]["name"], "North", "{:?}", me.body);
    assert_eq!(me.body["branch"]["color"], "#1d4ed8");
    let me = app.get("/api/v1/auth/me", &f.acme.admin.access).await;
    assert!(me.body.get("branch").is_none(), "a company-wide admin has no branch: {:?}", me.body);

    let admin = &f.acme.admin.access;
    let mut all = ids(&app.get("/api/v1/jobs", admin).await.body);
    all.sort();
    let mut both = vec![f.north_job, f.south_job];
    both.sort();
    assert_eq!(all, both);
    assert_eq!(
        ids(&app.get(&format!("/api/v1/jobs?branch_id={}", f.south), admin).await.body),
        vec![f.south_job]
    );
    assert_eq!(ids(&app.get("/api/v1/branches", admin).await.body).len(), 2);

    // A North worker is not assigned a South job, even by a company-wide admin.
    let reply = app
        .patch(
            &format!("/api/v1/jobs/{}", f.south_job),
            admin,
            json!({ "assigned_worker_id": f.north_worker_id }),
        )
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["errors"]["assigned_worker_id"].is_array(), "{:?}", reply.body);

    // Another company sees none of it.
    let bolt = app.company("bolt").await;
    for path in [format!("/api/v1/branches/{}", f.north), format!("/api/v1/jobs/{}", f.north_job)] {
        assert_problem(&app.get(&path, &bolt.admin.access).await, StatusCode::NOT_FOUND);
    }
    let reply = app.get(&format!("/api/v1/jobs?branch_id={}", f.north), &bolt.admin.access).await;
    assert_eq!(ids(&reply.body), Vec::<Uuid>::new());
    let reply = app
        .post(
            "/api/v1/jobs",
            &bolt.admin.access,
            json!({ "customer_id": bolt.customer_id, "title": "x", "branch_id": f.north }),
        )
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_change_of_branch_ends_the_old_scope_at_once() {
    let app = spawn_app().await;
    let f = franchise(&app).await;
    let admin = &f.acme.admin.access;
    let reply = app
        .patch(&format!("/api/v1/users/{}", f.north_admin.user_id), admin, json!({ "branch_id": f.south }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_problem(&app.get("/api/v1/jobs", &f.north_admin.access).await, StatusCode::UNAUTHORIZED);
    let again = app.login("acme", "north-admin@acme.test").await;
    assert_eq!(ids(&app.get("/api/v1/jobs", &again.access).await.body), vec![f.south_job]);
}

#[tokio::test]
async fn branches_are_named_once_and_kept_while_in_use() {
    let app = spawn_app().await;
    let f = franchise(&app).await;
    let admin = &f.acme.admin.access;
    let reply = app.post("/api/v1/branches", admin, json!({ "name": "north" })).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["errors"]["name"].is_array(), "{:?}", reply.body);
    let reply = app.post("/api/v1/branches", admin, json!({ "name": "East", "color": "blue" })).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.delete(&format!("/api/v1/branches/{}", f.north), admin).await, StatusCode::CONFLICT);
    let reply = app
        .patch(
            &format!("/api/v1/branches/{}", f.north),
            admin,
            json!({ "name": "North side", "color": "#00FF00" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["color"], "#00ff00");
    let east = branch(&app, admin, "East", "#000000").await;
    assert_eq!(app.delete(&format!("/api/v1/branches/{east}"), admin).await.status, StatusCode::NO_CONTENT);
    // Customer logins are not scoped.
    let reply = app
        .patch(&format!("/api/v1/users/{}", f.acme.customer.user_id), admin, json!({ "branch_id": f.north }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["branch_id"], Value::Null);
    assert_problem(&app.get("/api/v1/branches", &f.acme.worker.access).await, StatusCode::FORBIDDEN);
}
