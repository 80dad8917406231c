use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, Executor};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, TestApp};

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|j| j["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn all_pages(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/jobs?{query}&cursor={c}"),
            None => format!("/api/v1/jobs?{query}"),
        };
        let page = app.get(&path, token).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        seen.extend(ids(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn filters_search_and_pagination_return_the_right_rows() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let statuses = app.status_ids(admin).await;
    let plaza = app.create_customer(admin, "Plaza Mall").await;
    let mut jobs = Vec::new();
    for n in 0..9 {
        let customer = if n % 3 == 0 { plaza } else { acme.customer_id };
        let worker = if n % 2 == 0 { json!(acme.worker_id) } else { Value::Null };
        let reply = app
            .create_job(
                admin,
                json!({"customer_id": customer, "title": format!("Job {n} {}", if n == 4 { "ROOF leak" } else { "routine" }),
                       "status_id": statuses[n % 2], "assigned_worker_id": worker}),
            )
            .await;
        jobs.push(reply.id().to_string());
    }
    app.post(&format!("/api/v1/jobs/{}/archive", jobs[8]), admin, json!({})).await;

    let everything = all_pages(&app, admin, "limit=4").await;
    let mut expected: Vec<String> = jobs[..8].iter().rev().cloned().collect();
    assert_eq!(everything, expected, "newest first, every active job once, across pages");

    let by_status = all_pages(&app, admin, &format!("status_id={}", statuses[1])).await;
    assert_eq!(by_status.len(), 4);
    let by_worker = all_pages(&app, admin, &format!("assigned_worker_id={}", acme.worker_id)).await;
    assert_eq!(by_worker.len(), 4, "jobs 0, 2, 4, 6 (8 is archived)");
    let by_customer = all_pages(&app, admin, &format!("customer_id={plaza}")).await;
    assert_eq!(by_customer, [jobs[6].clone(), jobs[3].clone(), jobs[0].clone()]);
    assert_eq!(all_pages(&app, admin, "q=roof").await, [jobs[4].clone()]);
    assert_eq!(all_pages(&app, admin, "q=plaza%20MALL").await.len(), 3, "search matches customer names");
    assert_eq!(all_pages(&app, admin, "archived=true").await, [jobs[8].clone()]);
    expected.retain(|id| by_worker.contains(id));
    assert_eq!(
        all_pages(&app, &acme.worker.access, "limit=2").await,
        expected,
        "a worker lists only its jobs"
    );

    // Title and customer matches interleave newest first, page after page.
    let fountain = app
        .create_job(admin, json!({"customer_id": acme.customer_id, "title": "Plaza fountain check"}))
        .await;
    assert_eq!(
        all_pages(&app, admin, "q=plaza&limit=2").await,
        [fountain.id().to_string(), jobs[6].clone(), jobs[3].clone(), jobs[0].clone()],
        "one title match and three customer matches, across two-row pages"
    );

    assert_problem(&app.get("/api/v1/jobs?status_id=nope", admin).await, StatusCode::BAD_REQUEST);
    assert_problem(&app.get("/api/v1/jobs?limit=500", admin).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.get("/api/v1/jobs?cursor=%%%", admin).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_worker_queue_pages_through_open_work_in_workflow_order() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let statuses = app.status_ids(admin).await;
    // (status index, scheduled day or unscheduled): created in this order.
    let plan = [
        (1, Some(3)),
        (0, None),
        (0, Some(5)),
        (1, None),
        (0, Some(2)),
        (0, Some(5)),
        (1, Some(1)),
        (0, None),
    ];
    let mut jobs = Vec::new();
    for (n, (status, day)) in plan.iter().enumerate() {
        let scheduled = day.map(|d| format!("2030-01-0{d}T09:00:00Z"));
        let reply = app
            .create_job(
                admin,
                json!({"customer_id": acme.customer_id, "title": format!("Queue job {n}"),
                       "status_id": statuses[*status], "assigned_worker_id": acme.worker_id,
                       "scheduled_at": scheduled}),
            )
            .await;
        jobs.push(reply.id().to_string());
    }
    // Neither an archived job nor someone else's is in the queue.
    app.post(&format!("/api/v1/jobs/{}/archive", jobs[7]), admin, json!({})).await;
    app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "Unassigned"})).await;

    let mut expected: Vec<(usize, (usize, Option<u32>))> = plan.iter().copied().enumerate().take(7).collect();
    expected.sort_by_key(|(n, (status, day))| (*status, day.unwrap_or(u32::MAX), *n));
    let expected: Vec<String> = expected.iter().map(|(n, _)| jobs[*n].clone()).collect();

    let mut seen = Vec::new();
    let mut path = "/api/v1/workers/assigned-jobs?limit=3".to_owned();
    loop {
        let page = app.get(&path, &acme.worker.access).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        assert!(ids(&page.body).len() <= 3);
        seen.extend(ids(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(next) => path = format!("/api/v1/workers/assigned-jobs?limit=3&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen, expected,
        "status order, then schedule (unscheduled last), then oldest first; each once"
    );

    assert_problem(&app.get("/api/v1/workers/assigned-jobs", admin).await, StatusCode::FORBIDDEN);
    assert_problem(
        &app.get("/api/v1/workers/assigned-jobs?cursor=bogus", &acme.worker.access).await,
        StatusCode::BAD_REQUEST,
    );
    assert_problem(
        &app.get("/api/v1/workers/assigned-jobs?limit=0", &acme.worker.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
}

#[tokio::test]
async fn workers_change_only_status_and_completion_of_their_own_jobs() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let statuses = app.status_ids(admin).await;
    let mine = app
        .create_job(admin, json!({"customer_id": acme.customer_id, "title": "Mine", "assigned_worker_id": acme.worker_id, "tasks": ["a"]}))
        .await;
    let other = app
        .create_job(admin, json!({"customer_id": acme.customer_id, "title": "Not mine", "tasks": ["b"]}))
        .await;
    let before = app.fingerprint(acme.id).await;
    let worker = &acme.worker.access;
    let mine_path = format!("/api/v1/jobs/{}", mine.id());
    let task_path = format!("/api/v1/job-tasks/{}", mine.body["tasks"][0]["id"].as_str().expect("task"));

    for body in [
        json!({"title": "Renamed"}),
        json!({"assigned_worker_id": null}),
        json!({"status_id": statuses[1], "title": "x"}),
    ] {
        assert_problem(&app.patch(&mine_path, worker, body).await, StatusCode::FORBIDDEN);
    }
    assert_problem(&app.patch(&task_path, worker, json!({"title": "x"})).await, StatusCode::FORBIDDEN);
    assert_problem(
        &app.post(&format!("{mine_path}/archive"), worker, json!({})).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &app.post(&format!("{mine_path}/tasks"), worker, json!({"title": "extra"})).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(&app.delete(&task_path, worker).await, StatusCode::FORBIDDEN);
    assert_problem(
        &app.post("/api/v1/jobs", worker, json!({"customer_id": acme.customer_id, "title": "x"})).await,
        StatusCode::FORBIDDEN,
    );

    // Jobs not assigned to it do not exist for it.
    let other_path = format!("/api/v1/jobs/{}", other.id());
    assert_problem(&app.get(&other_path, worker).await, StatusCode::NOT_FOUND);
    assert_problem(
        &app.patch(&other_path, worker, json!({"status_id": statuses[1]})).await,
        StatusCode::NOT_FOUND,
    );
    let other_task = format!("/api/v1/job-tasks/{}", other.body["tasks"][0]["id"].as_str().expect("task"));
    assert_problem(
        &app.patch(&other_task, worker, json!({"is_completed": true})).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &app.post(&format!("{other_path}/notes"), worker, json!({"body": "hi"})).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(app.fingerprint(acme.id).await, before, "refused requests changed nothing");

    // What it may do, it can.
    assert_eq!(app.patch(&mine_path, worker, json!({"status_id": statuses[2]})).await.status, StatusCode::OK);
    assert_eq!(app.patch(&task_path, worker, json!({"is_completed": true})).await.status, StatusCode::OK);

    // The database agrees, whatever the API does: column grants refuse the rest.
    let mut tx = app.request_tx(worker).await;
    for sql in [
        format!("update app.jobs set title = 'x' where id = '{}'", mine.id()),
        format!("update app.jobs set assigned_worker_id = null where id = '{}'", mine.id()),
        format!("update app.job_tasks set title = 'x' where job_id = '{}'", mine.id()),
        format!("delete from app.job_tasks where job_id = '{}'", mine.id()),
        format!(
            "insert into app.jobs (customer_id, status_id, title) values ('{}', '{}', 'x')",
            acme.customer_id, statuses[0]
        ),
    ] {
        let mut sp = tx.begin().await.expect("savepoint");
        let result = sp.execute(sql.as_str()).await;
        let code =
            result.err().and_then(|e| e.into_database_error()).and_then(|e| e.code().map(|c| c.into_owned()));
        assert_eq!(code.as_deref(), Some("42501"), "{sql}");
        sp.rollback().await.expect("rollback savepoint");
    }
}

#[tokio::test]
async fn customers_write_nothing_and_see_only_their_own_unarchived_jobs() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let statuses = app.status_ids(admin).await;
    let someone_else = app.create_customer(admin, "Someone Else").await;
    let theirs =
        app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "Theirs", "assigned_worker_id": acme.worker_id, "tasks": ["t"]})).await;
    let archived = app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "Old"})).await;
    app.post(&format!("/api/v1/jobs/{}/archive", archived.id()), admin, json!({})).await;
    let foreign = app.create_job(admin, json!({"customer_id": someone_else, "title": "Foreign"})).await;
    app.post(&format!("/api/v1/jobs/{}/notes", theirs.id()), admin, json!({"body": "internal only"})).await;
    let customer = &acme.customer.access;

    assert_eq!(ids(&app.get("/api/v1/jobs", customer).await.body), [theirs.id().to_string()]);
    assert_eq!(ids(&app.get("/api/v1/jobs?archived=true", customer).await.body), Vec::<String>::new());
    for hidden in [archived.id(), foreign.id()] {
        assert_problem(&app.get(&format!("/api/v1/jobs/{hidden}"), customer).await, StatusCode::NOT_FOUND);
    }
    let detail = app.get(&format!("/api/v1/jobs/{}", theirs.id()), customer).await;
    assert_eq!(detail.body["notes"], json!([]));
    assert_eq!(detail.body["assigned_worker"]["name"], "Worker acme");

    let before = app.fingerprint(acme.id).await;
    let job = format!("/api/v1/jobs/{}", theirs.id());
    let task = format!("/api/v1/job-tasks/{}", theirs.body["tasks"][0]["id"].as_str().expect("task"));
    let attempts = [
        app.patch(&job, customer, json!({"status_id": statuses[3]})).await,
        app.patch(&job, customer, json!({"title": "x"})).await,
        app.post(&format!("{job}/archive"), customer, json!({})).await,
        app.post(&format!("{job}/notes"), customer, json!({"body": "hello"})).await,
        app.post(&format!("{job}/tasks"), customer, json!({"title": "x"})).await,
        app.patch(&task, customer, json!({"is_completed": true})).await,
        app.delete(&task, customer).await,
        app.post(&format!("{job}/share-links"), customer, json!({})).await,
        app.post("/api/v1/jobs", customer, json!({"customer_id": acme.customer_id, "title": "x"})).await,
        app.post("/api/v1/customers", customer, json!({"name": "x"})).await,
        app.post("/api/v1/job-statuses", customer, json!({"name": "x"})).await,
        app.get(&format!("{job}/notes"), customer).await,
        app.get("/api/v1/customers", customer).await,
    ];
    for reply in &attempts {
        assert_problem(reply, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.fingerprint(acme.id).await, before);

    // In SQL: the customer role has no write grant on anything but ending its
    // own session (logout: app.sessions.revoked_at, under its own policy) and
    // its job requests (migration 0022: drafts, edits, submission; the policy
    // and app.check_job_request() say which rows and moves), the files it
    // attaches to them (migration 0028: its own uploads, customer-visible,
    // under the policy; DELETE only of its own unfinished upload), and since
    // migration 0030 its conversations' messages (never internal ones), its
    // own read markers, its own notification preference and its own name.
    let grants: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.role_table_grants
         where grantee = 'fieldops_customer' and privilege_type in ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
           and table_name <> 'attachments'",
    )
    .fetch_one(&app.owner)
    .await
    .expect("grants");
    let column_grants: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.column_privileges
         where grantee = 'fieldops_customer' and privilege_type in ('INSERT', 'UPDATE')
           and not (table_name = 'sessions' and column_name in ('revoked_at', 'revoked_reason'))
           and table_name not in ('job_requests', 'attachments', 'messages', 'message_reads', 'notification_preferences')
           and not (table_name = 'users' and column_name = 'name')",
    )
    .fetch_one(&app.owner)
    .await
    .expect("column grants");
    assert_eq!((grants, column_grants), (0, 0));
}

#[tokio::test]
async fn the_database_rejects_references_to_another_companys_rows() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let acme_statuses = app.status_ids(&acme.admin.access).await;
    let bolt_statuses = app.status_ids(&bolt.admin.access).await;
    let bolt_job = app
        .create_job(
            &bolt.admin.access,
            json!({"customer_id": bolt.customer_id, "title": "Bolt job", "tasks": ["x"]}),
        )
        .await;

    // Even the owner, who passes every policy, cannot link across companies:
    // the composite foreign keys refuse.
    let cases = [
        format!("insert into app.jobs (company_id, customer_id, status_id, title) values ('{}', '{}', '{}', 'x')", acme.id, bolt.customer_id, acme_statuses[0]),
        format!("insert into app.jobs (company_id, customer_id, status_id, title) values ('{}', '{}', '{}', 'x')", acme.id, acme.customer_id, bolt_statuses[0]),
        format!(
            "insert into app.jobs (company_id, customer_id, status_id, assigned_worker_id, title) values ('{}', '{}', '{}', '{}', 'x')",
            acme.id, acme.customer_id, acme_statuses[0], bolt.worker_id
        ),
        format!("insert into app.job_tasks (company_id, job_id, title) values ('{}', '{}', 'x')", acme.id, bolt_job.id()),
        format!("insert into app.job_notes (company_id, job_id, author_id, body) values ('{}', '{}', '{}', 'x')", acme.id, bolt_job.id(), acme.admin.user_id),
        format!("update app.users set customer_id = '{}' where id = '{}'", bolt.customer_id, acme.customer.user_id),
    ];
    for sql in &cases {
        let error = app.owner.execute(sql.as_str()).await.expect_err(sql);
        let code = error.into_database_error().and_then(|e| e.code().map(|c| c.into_owned()));
        // 23503: the composite foreign key; FO422: the assignee check, which
        // as a BEFORE trigger runs first and refuses another company's worker too.
        assert!(matches!(code.as_deref(), Some("23503") | Some("FO422")), "{sql}: {code:?}");
    }

    // Through the API the same ids are field errors, and nothing is created.
    let before = app.fingerprint(acme.id).await;
    let admin = &acme.admin.access;
    let bodies = [
        (json!({"customer_id": bolt.customer_id, "title": "x"}), "customer_id"),
        (json!({"customer_id": acme.customer_id, "title": "x", "status_id": bolt_statuses[0]}), "status_id"),
        (
            json!({"customer_id": acme.customer_id, "title": "x", "assigned_worker_id": bolt.worker_id}),
            "assigned_worker_id",
        ),
        (
            json!({"customer_id": acme.customer_id, "title": "x", "assigned_worker_id": acme.admin.user_id}),
            "assigned_worker_id",
        ),
    ];
    for (body, field) in bodies {
        let reply = app.post("/api/v1/jobs", admin, body.clone()).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"][field].is_array(), "{body}: {:?}", reply.body);
    }
    assert_eq!(app.fingerprint(acme.id).await, before);
}

#[tokio::test]
async fn moving_into_and_out_of_final_statuses_stamps_completion() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let statuses = app.status_ids(admin).await;
    let job = app
        .create_job(admin, json!({"customer_id": acme.customer_id, "title": "x", "tasks": ["open task"]}))
        .await;
    let path = format!("/api/v1/jobs/{}", job.id());
    // Completed is final but does not require tasks: an admin may close it.
    let done = app.patch(&path, admin, json!({"status_id": statuses[3]})).await;
    assert_eq!(done.status, StatusCode::OK);
    let completed_at = done.body["completed_at"].as_str().expect("stamped").to_owned();
    let renamed = app.patch(&path, admin, json!({"title": "renamed"})).await;
    assert_eq!(
        renamed.body["completed_at"].as_str(),
        Some(completed_at.as_str()),
        "unchanged by other edits"
    );
    let reopened = app.patch(&path, admin, json!({"status_id": statuses[2]})).await;
    assert!(reopened.body["completed_at"].is_null(), "leaving a final status clears it");

    // Assignment: set, then clear with null; the schedule likewise.
    let assigned = app
        .patch(
            &path,
            admin,
            json!({"assigned_worker_id": acme.worker_id, "scheduled_at": "2030-01-02T09:30:00Z"}),
        )
        .await;
    assert_eq!(assigned.body["assigned_worker"]["id"], json!(acme.worker_id));
    assert_eq!(assigned.body["scheduled_at"], "2030-01-02T09:30:00Z");
    let cleared = app.patch(&path, admin, json!({"assigned_worker_id": null, "scheduled_at": null})).await;
    assert!(cleared.body["assigned_worker"].is_null() && cleared.body["scheduled_at"].is_null());

    // Stale If-Match: 412 and nothing written.
    let stale = app
        .client
        .patch(app.url(&path))
        .bearer_auth(admin)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "lost update"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let current = app.get(&path, admin).await;
    assert_eq!(current.body["title"], "renamed");
    let etag = current.headers.get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_owned();
    let fresh = app
        .client
        .patch(app.url(&path))
        .bearer_auth(admin)
        .header("if-match", &etag)
        .json(&json!({"title": "ok"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(fresh.status(), StatusCode::OK);

    assert_problem(
        &app.patch("/api/v1/jobs/00000000-0000-0000-0000-000000000000", admin, json!({"title": "x"})).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(&app.patch(&path, admin, json!({"title": ""})).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(
        &app.patch(&path, admin, json!({"colour": "red"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let anonymous = app.request(Method::GET, &path, None, None).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn share_links_expire_and_do_not_reach_archived_jobs() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let job = app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "Shared"})).await;
    let open = |token: String| {
        let app = &app;
        async move { app.request(Method::GET, &format!("/api/v1/share/{token}"), None, None).await }
    };
    let short = app
        .post(&format!("/api/v1/jobs/{}/share-links", job.id()), admin, json!({"expires_in_days": 1}))
        .await;
    let token = short.body["token"].as_str().expect("token").to_owned();
    assert_eq!(open(token.clone()).await.status, StatusCode::OK);
    sqlx::query("update app.share_links set expires_at = now() - interval '1 second' where id = $1")
        .bind(short.id())
        .execute(&app.owner)
        .await
        .expect("expire");
    assert_problem(&open(token).await, StatusCode::NOT_FOUND);

    let long = app.post(&format!("/api/v1/jobs/{}/share-links", job.id()), admin, json!({})).await;
    let token = long.body["token"].as_str().expect("token").to_owned();
    app.post(&format!("/api/v1/jobs/{}/archive", job.id()), admin, json!({})).await;
    assert_problem(&open(token).await, StatusCode::NOT_FOUND);
    assert_problem(&open("not-a-token".into()).await, StatusCode::NOT_FOUND);
    assert_problem(&open("A".repeat(43)).await, StatusCode::NOT_FOUND);
    let invalid = app
        .post(&format!("/api/v1/jobs/{}/share-links", job.id()), admin, json!({"expires_in_days": 0}))
        .await;
    assert_problem(&invalid, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = app.post(&format!("/api/v1/jobs/{}/share-links", Uuid::new_v4()), admin, json!({})).await;
    assert_problem(&missing, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_reorders_a_jobs_tasks_in_one_step() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let admin = &acme.admin.access;
    let job = app
        .create_job(
            admin,
            json!({ "customer_id": acme.customer_id, "title": "Kitchen refit", "assigned_worker_id": acme.worker_id,
                    "tasks": ["Strip out", "Plumb in", "Tile"] }),
        )
        .await;
    assert_eq!(job.status, StatusCode::CREATED, "{:?}", job.body);
    let job_id = job.id();
    let ids: Vec<String> = job.body["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect();
    let (strip, plumb, tile) = (&ids[0], &ids[1], &ids[2]);
    let path = format!("/api/v1/jobs/{job_id}/tasks/order");
    let put = |token: &str, body: Value| {
        let path = path.clone();
        let token = token.to_owned();
        let app = &app;
        async move { app.request(Method::PUT, &path, Some(&token), Some(body)).await }
    };
    let audit_rows = || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from app.audit_log where job_id = $1 and table_name = 'job_tasks'",
        )
        .bind(job_id)
        .fetch_one(&app.owner)
        .await
        .expect("audit rows")
    };

    let before = audit_rows().await;
    let reply = put(admin, json!({ "task_ids": [tile, strip, plumb] })).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let order: Vec<(&str, i64)> = reply
        .body
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| (t["title"].as_str().expect("title"), t["position"].as_i64().expect("position")))
        .collect();
    assert_eq!(order, [("Tile", 0), ("Strip out", 1), ("Plumb in", 2)]);
    let detail = app.get(&format!("/api/v1/jobs/{job_id}"), &acme.worker.access).await;
    let seen: Vec<&str> = detail.body["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect();
    assert_eq!(seen, ["Tile", "Strip out", "Plumb in"], "the worker sees the new order");
    assert_eq!(audit_rows().await - before, 3, "each moved task is one history row");

    // The same order again moves nothing and records nothing.
    let again = put(admin, json!({ "task_ids": [tile, strip, plumb] })).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    assert_eq!(audit_rows().await - before, 3);

    // Anything but exactly the job's tasks, each once, is refused and changes nothing.
    let other = app
        .create_job(
            admin,
            json!({ "customer_id": acme.customer_id, "title": "Other", "tasks": ["Elsewhere"] }),
        )
        .await;
    let foreign_task = other.body["tasks"][0]["id"].as_str().expect("task id").to_owned();
    for wrong in [
        json!({ "task_ids": [tile, strip] }),
        json!({ "task_ids": [tile, strip, plumb, plumb] }),
        json!({ "task_ids": [tile, strip, foreign_task] }),
        json!({ "task_ids": [tile, strip, plumb, foreign_task] }),
        json!({ "task_ids": [] }),
    ] {
        let reply = put(admin, wrong.clone()).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"]["task_ids"].is_array(), "{:?}", reply.body);
    }
    assert_problem(
        &put(admin, json!({ "task_ids": ["not-a-uuid"] })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let too_many: Vec<String> = (0..501).map(|_| Uuid::new_v4().to_string()).collect();
    assert_problem(&put(admin, json!({ "task_ids": too_many })).await, StatusCode::UNPROCESSABLE_ENTITY);

    // Only the job's own company's admins.
    assert_problem(
        &put(&acme.worker.access, json!({ "task_ids": [strip, plumb, tile] })).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &put(&acme.customer.access, json!({ "task_ids": [strip, plumb, tile] })).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &put(&bolt.admin.access, json!({ "task_ids": [strip, plumb, tile] })).await,
        StatusCode::NOT_FOUND,
    );
    let unchanged = app.get(&format!("/api/v1/jobs/{job_id}/tasks"), admin).await;
    let titles: Vec<&str> = unchanged
        .body
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["Tile", "Strip out", "Plumb in"]);
}

#[tokio::test]
async fn a_job_is_created_with_its_tasks_in_order_or_not_at_all() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let job = app
        .create_job(
            admin,
            json!({"customer_id": acme.customer_id, "title": "Refit", "tasks": ["Strip", "Plumb", "Tile"]}),
        )
        .await;
    let tasks: Vec<(&str, i64)> = job.body["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| (t["title"].as_str().expect("title"), t["position"].as_i64().expect("position")))
        .collect();
    assert_eq!(tasks, [("Strip", 0), ("Plumb", 1), ("Tile", 2)]);

    // A task added without a position goes last.
    let added = app.post(&format!("/api/v1/jobs/{}/tasks", job.id()), admin, json!({"title": "Grout"})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    assert_eq!(added.body["position"], 3);

    // The tasks go in one statement each: a task PostgreSQL cannot store,
    // after one it could, still leaves neither the job nor any of its tasks.
    let refused = app
        .post(
            "/api/v1/jobs",
            admin,
            json!({"customer_id": acme.customer_id, "title": "Half", "tasks": ["Fine", "Nul\u{0}"]}),
        )
        .await;
    assert_problem(&refused, StatusCode::BAD_REQUEST);
    let (jobs, tasks): (i64, i64) = sqlx::query_as(
        "select (select count(*) from app.jobs where company_id = $1),
                (select count(*) from app.job_tasks where company_id = $1)",
    )
    .bind(acme.id)
    .fetch_one(&app.owner)
    .await
    .expect("counts");
    assert_eq!((jobs, tasks), (1, 4), "only the first job and its tasks");
}
