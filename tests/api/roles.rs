//! Company-defined roles from code-defined permissions (issue #15,
//! db/migrations/0039): the default roles reproduce the fixed ones, a
//! Dispatcher works the jobs but manages no one, a role made in the matrix
//! takes effect at its members' next request, nobody gives what they lack or
//! raises themselves, the last manager of roles stays, and roles are per
//! company.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, Session, TestApp, PASSWORD};

async fn role_named(app: &TestApp, admin: &str, name: &str) -> Value {
    let roles = app.get("/api/v1/roles", admin).await;
    assert_eq!(roles.status, StatusCode::OK, "{:?}", roles.body);
    roles.body.as_array().expect("roles").iter().find(|r| r["name"] == name).cloned().expect(name)
}

/// A member of the admin's company holding `role_id`, signed in.
async fn member_with(app: &TestApp, slug: &str, admin: &str, email: &str, role_id: &str) -> Session {
    let reply = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": email, "email": email, "password": PASSWORD, "role_id": role_id}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    app.login(slug, email).await
}

fn names(value: &Value) -> Vec<String> {
    value.as_array().expect("a list").iter().map(|v| v.as_str().expect("a name").to_owned()).collect()
}

#[tokio::test]
async fn the_default_roles_reproduce_the_fixed_ones() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;

    let catalogue = app.get("/api/v1/permissions", &acme.worker.access).await;
    assert_eq!(catalogue.status, StatusCode::OK);
    let office: Vec<String> = catalogue
        .body
        .as_array()
        .expect("catalogue")
        .iter()
        .filter(|p| p["base"] == "ADMIN")
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect();
    assert!(office.contains(&"roles.manage".to_owned()) && office.contains(&"jobs.assign".to_owned()));

    let roles = app.get("/api/v1/roles", &acme.admin.access).await;
    assert_eq!(roles.status, StatusCode::OK);
    let listed: Vec<(&str, &str, bool)> = roles
        .body
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| {
            (r["name"].as_str().expect("name"), r["base"].as_str().expect("base"), r["is_default"] == true)
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("Admin", "ADMIN", true),
            ("Dispatcher", "ADMIN", false),
            ("Worker", "WORKER", true),
            ("Customer", "CUSTOMER", true)
        ]
    );
    let admin_role = role_named(&app, &acme.admin.access, "Admin").await;
    let mut held = names(&admin_role["permissions"]);
    held.sort();
    let mut expected = office.clone();
    expected.sort();
    assert_eq!(held, expected, "the Admin role holds every office permission");
    assert_eq!(admin_role["member_count"], 1);

    // Who one is, with what one may do, for the web app.
    let me = app.get("/api/v1/auth/me", &acme.admin.access).await;
    assert_eq!(me.body["role_name"], "Admin");
    assert_eq!(me.body["role_id"], admin_role["id"]);
    assert_eq!(names(&me.body["permissions"]).len(), office.len());
    let me = app.get("/api/v1/auth/me", &acme.worker.access).await;
    assert_eq!(me.body["role_name"], "Worker");
    assert_eq!(names(&me.body["permissions"]), ["jobs.update_status", "notes.write", "tasks.complete"]);
    let login = app.login_reply(&acme.slug, "admin@acme.test", PASSWORD).await;
    assert_eq!(login.body["user"]["role_name"], "Admin", "{:?}", login.body);

    // The office's roles are the office's to read.
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/roles", token).await, StatusCode::FORBIDDEN);
        assert_problem(
            &app.post("/api/v1/roles", token, json!({"name": "x", "base": "WORKER"})).await,
            StatusCode::FORBIDDEN,
        );
    }
}

#[tokio::test]
async fn a_dispatcher_assigns_jobs_but_manages_no_one() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let dispatcher_role = role_named(&app, &acme.admin.access, "Dispatcher").await;
    let dispatcher = member_with(
        &app,
        &acme.slug,
        &acme.admin.access,
        "dispatch@acme.test",
        dispatcher_role["id"].as_str().unwrap_or_default(),
    )
    .await;

    // The jobs and customers: all of it.
    let customer = app.create_customer(&dispatcher.access, "Dispatched Ltd").await;
    let job =
        app.create_job(&dispatcher.access, json!({"customer_id": customer, "title": "Fix the boiler"})).await;
    assert_eq!(job.status, StatusCode::CREATED, "{:?}", job.body);
    let job_id = job.id();
    let assigned = app
        .patch(
            &format!("/api/v1/jobs/{job_id}"),
            &dispatcher.access,
            json!({"assigned_worker_id": acme.worker_id}),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{:?}", assigned.body);
    let workers = app.get("/api/v1/users?role=WORKER", &dispatcher.access).await;
    assert_eq!(workers.status, StatusCode::OK, "a dispatcher picks workers from the list");

    // People, roles and settings: nothing.
    let refused = [
        app.post(
            "/api/v1/users",
            &dispatcher.access,
            json!({"name": "x", "email": "x@acme.test", "password": PASSWORD, "role": "WORKER"}),
        )
        .await,
        app.patch(
            &format!("/api/v1/users/{}", acme.worker_id),
            &dispatcher.access,
            json!({"name": "Renamed"}),
        )
        .await,
        app.delete(&format!("/api/v1/users/{}", acme.worker_id), &dispatcher.access).await,
        app.get("/api/v1/invitations", &dispatcher.access).await,
        app.post(
            "/api/v1/invitations",
            &dispatcher.access,
            json!({"email": "new@acme.test", "role": "WORKER"}),
        )
        .await,
        app.post("/api/v1/roles", &dispatcher.access, json!({"name": "Mine", "base": "ADMIN"})).await,
        app.post("/api/v1/job-statuses", &dispatcher.access, json!({"name": "Waiting"})).await,
        app.post(
            "/api/v1/custom-fields",
            &dispatcher.access,
            json!({"entity": "job", "key": "x", "label": "X", "field_type": "text"}),
        )
        .await,
        app.get("/api/v1/portal-settings", &dispatcher.access).await,
        app.get("/api/v1/imports", &dispatcher.access).await,
    ];
    for reply in &refused {
        assert_problem(reply, StatusCode::FORBIDDEN);
    }
    assert!(
        refused[0].body["detail"].as_str().unwrap_or_default().contains("users.manage")
            || refused[0].body["detail"].as_str().unwrap_or_default().contains("may not"),
        "{:?}",
        refused[0].body
    );
    // Its own name it may still change.
    let renamed = app
        .patch(
            &format!("/api/v1/users/{}", dispatcher.user_id),
            &dispatcher.access,
            json!({"name": "Dee Spatch"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
}

#[tokio::test]
async fn a_role_made_in_the_matrix_takes_effect_at_the_next_request() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let created = app
        .post(
            "/api/v1/roles",
            &acme.admin.access,
            json!({"name": "Scheduler", "base": "ADMIN", "description": "Books the work",
                   "permissions": ["jobs.read", "jobs.write", "customers.read"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let role_id = created.id();
    assert_eq!(names(&created.body["permissions"]), ["customers.read", "jobs.read", "jobs.write"]);
    let scheduler =
        member_with(&app, &acme.slug, &acme.admin.access, "sched@acme.test", &role_id.to_string()).await;

    let customer = app.create_customer(&acme.admin.access, "Booked Ltd").await;
    let job =
        app.create_job(&scheduler.access, json!({"customer_id": customer, "title": "Service visit"})).await;
    assert_eq!(job.status, StatusCode::CREATED, "{:?}", job.body);
    let path = format!("/api/v1/jobs/{}", job.id());
    let assign = app.patch(&path, &scheduler.access, json!({"assigned_worker_id": acme.worker_id})).await;
    assert_problem(&assign, StatusCode::FORBIDDEN);
    assert!(assign.body["detail"].as_str().unwrap_or_default().contains("jobs.assign"), "{:?}", assign.body);

    // The admin ticks jobs.assign: the scheduler's very next request may assign.
    let version = created.body["version"].as_i64().unwrap_or_default();
    let ticked = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/roles/{role_id}"),
            Some(&acme.admin.access),
            Some(json!({"permissions": ["jobs.read", "jobs.write", "jobs.assign", "customers.read"]})),
        )
        .await;
    assert_eq!(ticked.status, StatusCode::OK, "{:?}", ticked.body);
    assert!(ticked.body["version"].as_i64().unwrap_or_default() >= version);
    let assign = app.patch(&path, &scheduler.access, json!({"assigned_worker_id": acme.worker_id})).await;
    assert_eq!(assign.status, StatusCode::OK, "{:?}", assign.body);
    let me = app.get("/api/v1/auth/me", &scheduler.access).await;
    assert!(names(&me.body["permissions"]).contains(&"jobs.assign".to_owned()));

    // ... and untick jobs.read: the job is gone from its next request on.
    let unticked = app
        .patch(
            &format!("/api/v1/roles/{role_id}"),
            &acme.admin.access,
            json!({"permissions": ["jobs.write", "jobs.assign", "customers.read"]}),
        )
        .await;
    assert_eq!(unticked.status, StatusCode::OK, "{:?}", unticked.body);
    assert_problem(&app.get(&path, &scheduler.access).await, StatusCode::NOT_FOUND);

    // Given another role of the same kind, the member keeps signing in and
    // holds that role's permissions at once.
    let dispatcher_role = role_named(&app, &acme.admin.access, "Dispatcher").await;
    let moved = app
        .patch(
            &format!("/api/v1/users/{}", scheduler.user_id),
            &acme.admin.access,
            json!({"role_id": dispatcher_role["id"]}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["role_id"], dispatcher_role["id"]);
    assert_eq!(app.get(&path, &scheduler.access).await.status, StatusCode::OK);

    // Renamed; a permission of another kind or none at all is a 422.
    let renamed =
        app.patch(&format!("/api/v1/roles/{role_id}"), &acme.admin.access, json!({"name": "Planner"})).await;
    assert_eq!(renamed.body["name"], "Planner");
    for wrong in [json!(["notes.write"]), json!(["jobs.fly"])] {
        let reply = app
            .patch(&format!("/api/v1/roles/{role_id}"), &acme.admin.access, json!({"permissions": wrong}))
            .await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"]["permissions"].is_array(), "{:?}", reply.body);
    }
    let taken =
        app.post("/api/v1/roles", &acme.admin.access, json!({"name": "dispatcher", "base": "ADMIN"})).await;
    assert_problem(&taken, StatusCode::UNPROCESSABLE_ENTITY);

    // A role nobody holds goes; the default roles and those held stay.
    let admin_role = role_named(&app, &acme.admin.access, "Admin").await;
    assert_problem(
        &app.delete(
            &format!("/api/v1/roles/{}", admin_role["id"].as_str().unwrap_or_default()),
            &acme.admin.access,
        )
        .await,
        StatusCode::CONFLICT,
    );
    let held = app
        .delete(
            &format!("/api/v1/roles/{}", dispatcher_role["id"].as_str().unwrap_or_default()),
            &acme.admin.access,
        )
        .await;
    assert_problem(&held, StatusCode::CONFLICT);
    assert_eq!(
        app.delete(&format!("/api/v1/roles/{role_id}"), &acme.admin.access).await.status,
        StatusCode::NO_CONTENT
    );
    assert_problem(
        &app.get(&format!("/api/v1/roles/{role_id}"), &acme.admin.access).await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn nobody_gives_what_they_lack_or_raises_themselves() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    // A people manager: members and roles, and the jobs, but not the customers.
    let manager_role = app
        .post(
            "/api/v1/roles",
            &acme.admin.access,
            json!({"name": "People manager", "base": "ADMIN",
                     "permissions": ["users.manage", "roles.manage", "jobs.read"]}),
        )
        .await;
    assert_eq!(manager_role.status, StatusCode::CREATED, "{:?}", manager_role.body);
    let manager =
        member_with(&app, &acme.slug, &acme.admin.access, "people@acme.test", &manager_role.id().to_string())
            .await;
    let admin_role = role_named(&app, &acme.admin.access, "Admin").await;
    let worker_role = role_named(&app, &acme.admin.access, "Worker").await;

    // A role with a permission it lacks: neither made nor widened.
    let reply = app
        .post(
            "/api/v1/roles",
            &manager.access,
            json!({"name": "Sales", "base": "ADMIN", "permissions": ["customers.write"]}),
        )
        .await;
    assert_problem(&reply, StatusCode::FORBIDDEN);
    assert!(
        reply.body["detail"].as_str().unwrap_or_default().contains("permissions you hold"),
        "{:?}",
        reply.body
    );
    let own = app
        .patch(
            &format!("/api/v1/roles/{}", manager_role.id()),
            &manager.access,
            json!({"permissions": ["users.manage", "roles.manage", "jobs.read", "customers.read"]}),
        )
        .await;
    assert_problem(&own, StatusCode::FORBIDDEN);
    // What it holds it may give.
    let made = app
        .post(
            "/api/v1/roles",
            &manager.access,
            json!({"name": "Reader", "base": "ADMIN", "permissions": ["jobs.read"]}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);

    // Never itself another role, never anyone a role holding more than it.
    let raise = app
        .patch(
            &format!("/api/v1/users/{}", manager.user_id),
            &manager.access,
            json!({"role_id": admin_role["id"]}),
        )
        .await;
    assert_problem(&raise, StatusCode::FORBIDDEN);
    let crown = app
        .patch(
            &format!("/api/v1/users/{}", acme.worker_id),
            &manager.access,
            json!({"role_id": admin_role["id"]}),
        )
        .await;
    assert_problem(&crown, StatusCode::FORBIDDEN);
    let hire_admin = app
        .post(
            "/api/v1/users",
            &manager.access,
            json!({"name": "x", "email": "boss@acme.test", "password": PASSWORD, "role": "ADMIN"}),
        )
        .await;
    assert_problem(&hire_admin, StatusCode::FORBIDDEN);
    // A field role holds no office power: the manager hires workers.
    let hire = app
        .post("/api/v1/users", &manager.access,
              json!({"name": "y", "email": "hand@acme.test", "password": PASSWORD, "role_id": worker_role["id"]}))
        .await;
    assert_eq!(hire.status, StatusCode::CREATED, "{:?}", hire.body);
    assert_eq!(hire.body["role"], "WORKER");
    let me = app.get("/api/v1/auth/me", &manager.access).await;
    assert_eq!(me.body["role_name"], "People manager");
}

#[tokio::test]
async fn the_last_manager_of_roles_stays() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin_role = role_named(&app, &acme.admin.access, "Admin").await;
    let mut without: Vec<String> = names(&admin_role["permissions"]);
    without.retain(|p| p != "roles.manage");
    let reply = app
        .patch(
            &format!("/api/v1/roles/{}", admin_role["id"].as_str().unwrap_or_default()),
            &acme.admin.access,
            json!({"permissions": without}),
        )
        .await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert!(reply.body["detail"].as_str().unwrap_or_default().contains("manage roles"), "{:?}", reply.body);
    // Still held, and still usable.
    let again = role_named(&app, &acme.admin.access, "Admin").await;
    assert!(names(&again["permissions"]).contains(&"roles.manage".to_owned()));
}

#[tokio::test]
async fn another_companys_roles_are_out_of_reach() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let secret = app
        .post(
            "/api/v1/roles",
            &acme.admin.access,
            json!({"name": "Secret squirrel", "base": "ADMIN", "permissions": ["jobs.read"]}),
        )
        .await;
    let secret_id: Uuid = secret.id();
    let acme_admin_role = role_named(&app, &acme.admin.access, "Admin").await;
    let before = app.fingerprint(acme.id).await;

    for token in [&bolt.admin.access, &bolt.worker.access, &bolt.customer.access] {
        for reply in [
            app.get(&format!("/api/v1/roles/{secret_id}"), token).await,
            app.patch(
                &format!("/api/v1/roles/{secret_id}"),
                token,
                json!({"name": "pwned", "permissions": []}),
            )
            .await,
            app.delete(&format!("/api/v1/roles/{secret_id}"), token).await,
        ] {
            assert!(matches!(reply.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{reply:?}");
            assert!(!reply.body.to_string().contains("Secret"), "{reply:?}");
        }
        let list = app.get("/api/v1/roles", token).await;
        assert!(
            !list.body.to_string().contains("Secret")
                && !list.body.to_string().contains(&secret_id.to_string())
        );
    }
    // A's roles given to B's members: no role of B.
    for role in [secret_id.to_string(), acme_admin_role["id"].as_str().unwrap_or_default().to_owned()] {
        let hire = app
            .post("/api/v1/users", &bolt.admin.access,
                  json!({"name": "x", "email": format!("{role}@bolt.test"), "password": PASSWORD, "role_id": role}))
            .await;
        assert_problem(&hire, StatusCode::UNPROCESSABLE_ENTITY);
        let moved = app
            .patch(&format!("/api/v1/users/{}", bolt.worker_id), &bolt.admin.access, json!({"role_id": role}))
            .await;
        assert_problem(&moved, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(app.fingerprint(acme.id).await, before, "company A changed");
}

#[tokio::test]
async fn a_role_without_customers_read_searches_no_customer() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    app.create_customer(&acme.admin.access, "Harbor Dental").await;
    let created = app
        .post(
            "/api/v1/roles",
            &acme.admin.access,
            json!({"name": "Job board", "base": "ADMIN", "permissions": ["jobs.read"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let board =
        member_with(&app, &acme.slug, &acme.admin.access, "board@acme.test", &created.id().to_string()).await;

    // The type-ahead asks the role only when nothing came back: the policies
    // showed it no customer, so the answer is the 403 that names the permission.
    let search = app.get("/api/v1/customers/search?q=harbor", &board.access).await;
    assert_problem(&search, StatusCode::FORBIDDEN);
    assert!(
        search.body["detail"].as_str().unwrap_or_default().contains("customers.read"),
        "{:?}",
        search.body
    );
    let found = app.get("/api/v1/customers/search?q=harbor", &acme.admin.access).await;
    assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1), "{:?}", found.body);
    // An admin who may read customers gets an empty answer for no match.
    let none = app.get("/api/v1/customers/search?q=zzzzqqq", &acme.admin.access).await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.body["items"], json!([]));
}
