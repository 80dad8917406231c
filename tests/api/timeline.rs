//! GET /jobs/{id}/timeline: what a job's customer and worker may follow of its
//! history, and nothing of the staff-only changes beside it.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, id_of, spawn_app, Company, TestApp};

async fn timeline(app: &TestApp, job_id: Uuid, token: &str, query: &str) -> Value {
    let reply = app.get(&format!("/api/v1/jobs/{job_id}/timeline{query}"), token).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

/// A job of the company's own customer login, assigned to its worker.
async fn customers_job(app: &TestApp, company: &Company, title: &str) -> Value {
    let reply = app
        .create_job(
            &company.admin.access,
            json!({ "customer_id": company.customer_id, "title": title, "assigned_worker_id": company.worker_id,
                    "scheduled_at": "2026-12-10T09:00:00Z", "tasks": ["Inspect pump", "Replace impeller"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

/// A transaction as the company's customer login would run, straight in SQL.
async fn as_customer(app: &TestApp, company: &Company) -> sqlx::Transaction<'static, sqlx::Postgres> {
    app.request_tx(&company.customer.access).await
}

fn ok(reply: &crate::helpers::Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
}

#[tokio::test]
async fn the_customer_and_the_worker_follow_the_job_without_its_staff_only_changes() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let job = customers_job(&app, &acme, "Pump room service").await;
    let job_id = id_of(&job);
    let inspect = id_of(&job["tasks"][0]);
    let replace = id_of(&job["tasks"][1]);
    let statuses = app.status_ids(admin).await;
    let job_path = format!("/api/v1/jobs/{job_id}");

    // Staff-only edits: none of them may reach the customer's timeline.
    ok(&app.patch(&job_path, admin, json!({ "description": "Gate code 4411" })).await, StatusCode::OK);
    ok(
        &app.post(&format!("{job_path}/notes"), admin, json!({ "body": "Owes us for the last visit" })).await,
        StatusCode::CREATED,
    );
    ok(&app.patch(&job_path, admin, json!({ "title": "Pump room service (2nd)" })).await, StatusCode::OK);
    // What the customer follows.
    ok(&app.patch(&job_path, admin, json!({ "scheduled_at": "2026-12-11T13:30:00Z" })).await, StatusCode::OK);
    ok(&app.patch(&job_path, &acme.worker.access, json!({ "status_id": statuses[2] })).await, StatusCode::OK);
    let task_path = |id: Uuid| format!("/api/v1/job-tasks/{id}");
    ok(
        &app.patch(&task_path(inspect), &acme.worker.access, json!({ "is_completed": true })).await,
        StatusCode::OK,
    );
    ok(
        &app.patch(&task_path(inspect), &acme.worker.access, json!({ "is_completed": false })).await,
        StatusCode::OK,
    );
    ok(
        &app.patch(&task_path(inspect), &acme.worker.access, json!({ "is_completed": true })).await,
        StatusCode::OK,
    );
    let added = app.post(&format!("{job_path}/tasks"), admin, json!({ "title": "Flush lines" })).await;
    ok(&added, StatusCode::CREATED);
    ok(&app.delete(&task_path(replace), admin).await, StatusCode::NO_CONTENT);

    let page = timeline(&app, job_id, &acme.customer.access, "").await;
    assert!(page["next_cursor"].is_null());
    let items = page["items"].as_array().expect("items");
    let kinds: Vec<&str> = items.iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(
        kinds,
        [
            "task_removed",
            "task_added",
            "task_completed",
            "task_reopened",
            "task_completed",
            "job_updated",
            "job_updated",
            "job_created"
        ],
        "newest first; the tasks the job was opened with are part of its creation: {items:#?}"
    );

    assert_eq!(
        items[0]["task"],
        json!({ "id": replace, "title": "Replace impeller" }),
        "a removed task keeps its title"
    );
    assert_eq!(items[0]["by"], "ADMIN");
    assert_eq!(items[1]["task"], json!({ "id": added.id(), "title": "Flush lines" }));
    assert_eq!(items[2]["task"], json!({ "id": inspect, "title": "Inspect pump" }));
    assert_eq!(items[2]["by"], "WORKER");

    let status_change = &items[5];
    assert_eq!(status_change["status"]["id"], json!(statuses[2]));
    assert!(status_change["status"]["name"].is_string());
    assert_eq!(status_change["rescheduled"], false);
    assert_eq!(status_change["by"], "WORKER");
    let rescheduled = &items[6];
    assert_eq!(rescheduled["rescheduled"], true);
    assert!(rescheduled["status"].is_null());
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(rescheduled["scheduled_at"].as_str().expect("scheduled_at"))
            .expect("date"),
        chrono::DateTime::parse_from_rfc3339("2026-12-11T13:30:00Z").expect("date")
    );
    let created = &items[7];
    assert_eq!(created["status"]["id"], json!(statuses[0]));
    assert_eq!(created["rescheduled"], true, "it was opened with an appointment");
    assert_eq!(created["by"], "ADMIN");

    // The worker and the admin read the same timeline.
    assert_eq!(timeline(&app, job_id, &acme.worker.access, "").await, page);
    assert_eq!(timeline(&app, job_id, admin, "").await, page);

    // Page by page, no gaps and no repeats.
    let mut walked = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let page = timeline(&app, job_id, &acme.customer.access, &query).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 3);
        walked.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => query = format!("?limit=3&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(&walked, items);

    // In SQL, as the customer: the database shows it the timeline of its own
    // job and nothing of the full diff, whatever a handler would ask.
    let mut tx = as_customer(&app, &acme).await;
    let rows: Vec<(Uuid, String)> = sqlx::query_as("select job_id, table_name from app.audit_log")
        .fetch_all(&mut *tx)
        .await
        .expect("timeline rows");
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|(job, table)| *job == job_id && (table == "jobs" || table == "job_tasks")),
        "{rows:?}"
    );
    let timelines: Vec<String> = sqlx::query_scalar("select timeline::text from app.audit_log")
        .fetch_all(&mut *tx)
        .await
        .expect("timelines");
    for text in &timelines {
        for secret in ["Gate code", "Owes us", "(2nd)", "description", "assigned_worker_id"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    let full_diff = sqlx::query("select changes from app.audit_log").fetch_all(&mut *tx).await;
    let refusal = full_diff.expect_err("a customer read the full diff").to_string();
    assert!(refusal.contains("permission denied for table audit_log"), "{refusal}");
    tx.rollback().await.expect("rollback");
}

#[tokio::test]
async fn a_timeline_is_there_only_for_those_who_can_see_the_job() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let job_id = id_of(&customers_job(&app, &acme, "Boiler check").await);
    // Another customer's job, assigned to nobody.
    let other_customer = app.create_customer(&acme.admin.access, "Another customer").await;
    let other = app
        .create_job(&acme.admin.access, json!({ "customer_id": other_customer, "title": "Not theirs" }))
        .await;
    ok(&other, StatusCode::CREATED);
    let other_id = other.id();
    let path = |id: Uuid| format!("/api/v1/jobs/{id}/timeline");

    assert_problem(&app.get(&path(other_id), &acme.customer.access).await, StatusCode::NOT_FOUND);
    assert_problem(&app.get(&path(other_id), &acme.worker.access).await, StatusCode::NOT_FOUND);
    for session in [&bolt.admin, &bolt.worker, &bolt.customer] {
        assert_problem(&app.get(&path(job_id), &session.access).await, StatusCode::NOT_FOUND);
    }
    assert_problem(&app.get(&path(Uuid::new_v4()), &acme.admin.access).await, StatusCode::NOT_FOUND);
    assert_problem(
        &app.get(&format!("{}?limit=0", path(job_id)), &acme.customer.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &app.get(&format!("{}?cursor=nonsense", path(job_id)), &acme.customer.access).await,
        StatusCode::BAD_REQUEST,
    );

    // Bolt's customer, reading the log directly with no filter, sees none of Acme's.
    let mut tx = as_customer(&app, &bolt).await;
    let acme_rows: i64 = sqlx::query_scalar("select count(*) from app.audit_log where job_id = $1")
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(acme_rows, 0);
    tx.rollback().await.expect("rollback");

    // Archived, the job leaves the customer's view, and its timeline with it.
    ok(
        &app.post(&format!("/api/v1/jobs/{job_id}/archive"), &acme.admin.access, json!({})).await,
        StatusCode::OK,
    );
    assert_problem(&app.get(&path(job_id), &acme.customer.access).await, StatusCode::NOT_FOUND);
    ok(&app.get(&path(job_id), &acme.admin.access).await, StatusCode::OK);
}

/// Every page of `path` (a timeline or a history), `limit` at a time, with
/// the cursors handed out along the way.
async fn walk(app: &TestApp, path: &str, token: &str, limit: u32) -> (Vec<Value>, Vec<String>) {
    let (mut items, mut cursors) = (Vec::new(), Vec::new());
    let mut query = format!("?limit={limit}");
    loop {
        let reply = app.get(&format!("{path}{query}"), token).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        items.extend(reply.body["items"].as_array().expect("items").iter().cloned());
        match reply.body["next_cursor"].as_str() {
            Some(next) => {
                cursors.push(next.to_owned());
                query = format!("?limit={limit}&cursor={next}");
            }
            None => break,
        }
    }
    (items, cursors)
}

#[tokio::test]
async fn no_entry_or_cursor_reveals_the_logs_global_sequence() {
    use base64::Engine;

    let app = spawn_app().await;
    // Far from any small number a rank or a count could be. (Citus cannot
    // restart a distributed table's identity; its ids come from per-node
    // ranges, far from small numbers already.)
    if !crate::helpers::citus::enabled() {
        sqlx::query("alter table app.audit_log alter column id restart with 7300000")
            .execute(&app.owner)
            .await
            .expect("restart");
    }
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let job = customers_job(&app, &acme, "Quiet job").await;
    let job_id = id_of(&job);
    let task_path = |task: &Value| format!("/api/v1/job-tasks/{}", id_of(task));
    ok(
        &app.patch(&task_path(&job["tasks"][0]), &acme.worker.access, json!({"is_completed": true})).await,
        StatusCode::OK,
    );
    // Another company writes a lot in between: that must not show in acme's pages.
    for n in 0..5 {
        app.create_job(
            &bolt.admin.access,
            json!({"customer_id": bolt.customer_id, "title": format!("Busy {n}")}),
        )
        .await;
    }
    ok(
        &app.patch(&task_path(&job["tasks"][1]), &acme.worker.access, json!({"is_completed": true})).await,
        StatusCode::OK,
    );
    // Two changes in one transaction share their time: ranks, not ids, order them.
    sqlx::raw_sql(&format!(
        "begin; update app.job_tasks set is_completed = false where job_id = '{job_id}'; commit;"
    ))
    .execute(&app.owner)
    .await
    .expect("one transaction");

    let logged: Vec<i64> = sqlx::query_scalar("select id from app.audit_log where job_id = $1")
        .bind(job_id)
        .fetch_all(&app.owner)
        .await
        .expect("ids");
    let timeline_path = format!("/api/v1/jobs/{job_id}/timeline");
    let history_path = format!("/api/v1/jobs/{job_id}/history");
    let (entries, cursors) = walk(&app, &timeline_path, &acme.customer.access, 1).await;
    let (worker_entries, _) = walk(&app, &timeline_path, &acme.worker.access, 2).await;
    let (history, history_cursors) = walk(&app, &history_path, &acme.admin.access, 1).await;
    assert_eq!(entries, worker_entries, "pages of 1 and of 2 hold the same entries");
    assert_eq!(entries.len(), 5, "created, two completions, two reopenings: {entries:#?}");
    assert_eq!(history.len(), logged.len());

    let decoded = |text: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    };
    let mut handed_out: Vec<String> = cursors.iter().chain(&history_cursors).map(|c| decoded(c)).collect();
    for entry in entries.iter().chain(&history) {
        assert!(entry["id"].is_string(), "an opaque key, not a number: {entry}");
        handed_out.push(decoded(entry["id"].as_str().unwrap_or_default()));
        handed_out.push(entry.to_string());
    }
    for id in &logged {
        let id = id.to_string();
        assert!(!handed_out.iter().any(|text| text.contains(&id)), "the log's id {id} was handed out");
    }
    let keys: std::collections::HashSet<&str> = entries.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(keys.len(), entries.len(), "each entry has its own key");
}
