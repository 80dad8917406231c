//! GET /jobs/{id}/history: the database's own change log of a job, its tasks
//! and notes, as admins read it; and what the log never holds.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, id_of, spawn_app, Company, TestApp};

/// A job of `company` with two tasks, assigned to its worker, made through the API.
async fn job_with_tasks(app: &TestApp, company: &Company, title: &str) -> Value {
    let customer = app.create_customer(&company.admin.access, &format!("Customer for {title}")).await;
    app.create_job(
        &company.admin.access,
        json!({ "customer_id": customer, "title": title, "assigned_worker_id": company.worker_id,
                "tasks": ["Inspect pump", "Replace impeller"] }),
    )
    .await
    .body
}

async fn history(app: &TestApp, job_id: Uuid, token: &str, query: &str) -> Value {
    let reply = app.get(&format!("/api/v1/jobs/{job_id}/history{query}"), token).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

/// Every entry of a job's history, following the cursor.
async fn all_entries(app: &TestApp, job_id: Uuid, token: &str, limit: usize) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit={limit}&cursor={c}"),
            None => format!("?limit={limit}"),
        };
        let page = history(app, job_id, token, &query).await;
        let items = page["items"].as_array().expect("items").clone();
        assert!(items.len() <= limit);
        entries.extend(items);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    entries
}

#[tokio::test]
async fn history_shows_who_changed_what_newest_first() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let job = job_with_tasks(&app, &acme, "Fix lobby fountain").await;
    let job_id = id_of(&job);
    let task_id = id_of(&job["tasks"][0]);
    let statuses = app.status_ids(admin).await;

    let renamed = app
        .patch(&format!("/api/v1/jobs/{job_id}"), admin, json!({ "title": "Fix the lobby fountain" }))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    let moved = app
        .patch(&format!("/api/v1/jobs/{job_id}"), &acme.worker.access, json!({ "status_id": statuses[2] }))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let done = app
        .patch(&format!("/api/v1/job-tasks/{task_id}"), &acme.worker.access, json!({ "is_completed": true }))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    let note = app
        .post(
            &format!("/api/v1/jobs/{job_id}/notes"),
            admin,
            json!({ "body": "Customer asked for mornings" }),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{:?}", note.body);

    let page = history(&app, job_id, admin, "").await;
    let items = page["items"].as_array().expect("items");
    assert!(page["next_cursor"].is_null(), "one page holds it all");

    // Newest first: the note, the task completion, the status change, the rename.
    let note_entry = &items[0];
    assert_eq!(note_entry["table"], "job_notes");
    assert_eq!(note_entry["action"], "INSERT");
    assert_eq!(note_entry["changes"]["body"], json!([null, "Customer asked for mornings"]));
    assert_eq!(note_entry["actor"], json!({ "id": acme.admin.user_id, "name": "Admin" }));

    let completion = &items[1];
    assert_eq!(completion["table"], "job_tasks");
    assert_eq!(completion["action"], "UPDATE");
    assert_eq!(completion["row_id"], json!(task_id));
    assert_eq!(completion["changes"]["is_completed"], json!([false, true]));
    assert_eq!(completion["changes"]["completed_by"], json!([null, acme.worker_id]));
    assert_eq!(completion["actor"], json!({ "id": acme.worker_id, "name": "Worker acme" }));
    assert_eq!(completion["role"], "WORKER");
    assert_eq!(completion["source"], "api");
    assert_eq!(completion["db_role"], "fieldops_worker");

    let status_change = &items[2];
    assert_eq!(status_change["table"], "jobs");
    assert_eq!(status_change["changes"]["status_id"], json!([statuses[0], statuses[2]]));
    assert_eq!(status_change["role"], "WORKER");
    let changed: Vec<&String> = status_change["changes"].as_object().expect("changes").keys().collect();
    assert_eq!(changed, ["status_id"], "only what changed, no updated_at/version/updated_by");

    let rename = &items[3];
    assert_eq!(rename["changes"], json!({ "title": ["Fix lobby fountain", "Fix the lobby fountain"] }));
    assert_eq!(rename["role"], "ADMIN");
    assert_eq!(rename["db_role"], "fieldops_admin");

    // The creation, oldest: the job and its two tasks, made by the admin.
    let creation = &items[items.len() - 1];
    assert_eq!((&creation["table"], &creation["action"]), (&json!("jobs"), &json!("INSERT")));
    assert_eq!(creation["changes"]["title"], json!([null, "Fix lobby fountain"]));
    assert!(creation["changes"].get("company_id").is_none(), "bookkeeping columns are left out");
    let task_inserts = items
        .iter()
        .filter(|e| e["table"] == "job_tasks" && e["action"] == "INSERT")
        .map(|e| e["row_id"].as_str().expect("row id").to_owned())
        .collect::<HashSet<_>>();
    assert_eq!(task_inserts.len(), 2, "{items:#?}");
    assert!(items
        .iter()
        .all(|e| e["actor"]["id"] == json!(acme.admin.user_id) || e["actor"]["id"] == json!(acme.worker_id)));

    // Strictly newest first, exactly as the log orders it ((at, id) descending),
    // and each entry named once.
    let logged: Vec<(String, Uuid, String)> = sqlx::query_as(
        "select table_name, row_id, action from app.audit_log where job_id = $1 order by at desc, id desc",
    )
    .bind(job_id)
    .fetch_all(&app.owner)
    .await
    .expect("log");
    let listed: Vec<(String, Uuid, String)> = items
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().expect(k).to_owned();
            (text("table"), text("row_id").parse().expect("uuid"), text("action"))
        })
        .collect();
    assert_eq!(listed, logged);
    let names: HashSet<&str> = items.iter().map(|e| e["id"].as_str().expect("id")).collect();
    assert_eq!(names.len(), items.len());
}

#[tokio::test]
async fn history_pages_by_cursor_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let job_id = id_of(&job_with_tasks(&app, &acme, "Service boiler").await);
    for n in 1..=5 {
        let reply = app
            .patch(
                &format!("/api/v1/jobs/{job_id}"),
                admin,
                json!({ "title": format!("Service boiler #{n}") }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }

    let everything = history(&app, job_id, admin, "").await["items"].as_array().expect("items").clone();
    assert_eq!(everything.len(), 8, "job + 2 tasks created, 5 renames");
    let paged = all_entries(&app, job_id, admin, 3).await;
    assert_eq!(paged, everything, "pages of 3 add up to the whole history, in order");

    let first = history(&app, job_id, admin, "?limit=1").await;
    assert_eq!(first["items"][0]["changes"]["title"], json!(["Service boiler #4", "Service boiler #5"]));
    assert!(first["next_cursor"].is_string());

    assert_problem(
        &app.get(&format!("/api/v1/jobs/{job_id}/history?limit=0"), admin).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &app.get(&format!("/api/v1/jobs/{job_id}/history?cursor=not-ours"), admin).await,
        StatusCode::BAD_REQUEST,
    );
}

#[tokio::test]
async fn history_downloads_as_csv() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let job_id = id_of(&job_with_tasks(&app, &acme, "Replace valve").await);
    let reply = app
        .patch(&format!("/api/v1/jobs/{job_id}"), admin, json!({ "title": "=HYPERLINK(\"http://evil\")" }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    let response = app
        .client
        .get(app.url(&format!("/api/v1/jobs/{job_id}/history?format=csv")))
        .bearer_auth(admin)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(header("content-disposition"), format!("attachment; filename=\"job-{job_id}-history.csv\""));
    let body = response.text().await.expect("body");

    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    assert_eq!(
        headers,
        [
            "at",
            "action",
            "table",
            "row_id",
            "actor_id",
            "actor_name",
            "role",
            "source",
            "db_role",
            "column",
            "old",
            "new"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("records");
    // Newest first: the rename, one line for its one column.
    assert_eq!(&rows[0][1], "UPDATE");
    assert_eq!(&rows[0][2], "jobs");
    assert_eq!(&rows[0][5], "Admin");
    assert_eq!(&rows[0][6], "ADMIN");
    assert_eq!(&rows[0][9], "title");
    assert_eq!(&rows[0][10], "Replace valve");
    assert_eq!(&rows[0][11], "'=HYPERLINK(\"http://evil\")", "formula-like text is defused");
    // The creation: one line per column of the job and of each task.
    assert!(rows
        .iter()
        .any(|r| &r[1] == "INSERT" && &r[2] == "jobs" && &r[9] == "title" && &r[11] == "Replace valve"));
    assert_eq!(
        rows.iter().filter(|r| &r[1] == "INSERT" && &r[2] == "job_tasks" && &r[9] == "title").count(),
        2
    );

    // A limit cuts the download, and Link points at the rest.
    let response = app
        .client
        .get(app.url(&format!("/api/v1/jobs/{job_id}/history?format=csv&limit=1")))
        .bearer_auth(admin)
        .send()
        .await
        .expect("request");
    let link = response.headers().get("link").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(link.starts_with(&format!("</api/v1/jobs/{job_id}/history?format=csv&cursor=")), "{link}");
    assert!(link.ends_with("rel=\"next\""), "{link}");
}

#[tokio::test]
async fn only_admins_read_history_and_only_their_own_companys() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let acme_job = id_of(&job_with_tasks(&app, &acme, "Acme job").await);
    let bolt_job = id_of(&job_with_tasks(&app, &bolt, "Bolt job").await);
    let path = format!("/api/v1/jobs/{acme_job}/history");

    // The assigned worker and the job's own customer: not for them.
    assert_problem(&app.get(&path, &acme.worker.access).await, StatusCode::FORBIDDEN);
    assert_problem(&app.get(&path, &acme.customer.access).await, StatusCode::FORBIDDEN);
    assert_problem(&app.get(&format!("{path}?format=csv"), &acme.worker.access).await, StatusCode::FORBIDDEN);

    // Another company's admin: the job does not exist for it.
    assert_problem(&app.get(&path, &bolt.admin.access).await, StatusCode::NOT_FOUND);
    assert_problem(&app.get(&format!("{path}?format=csv"), &bolt.admin.access).await, StatusCode::NOT_FOUND);
    assert_problem(
        &app.get(&format!("/api/v1/jobs/{}/history", Uuid::new_v4()), &acme.admin.access).await,
        StatusCode::NOT_FOUND,
    );

    // Bolt's own history holds only Bolt's rows.
    let bolt_rows: HashSet<Uuid> = sqlx::query_scalar(
        "select id from app.jobs where company_id = $1
         union all select id from app.job_tasks where company_id = $1",
    )
    .bind(bolt.id)
    .fetch_all(&app.owner)
    .await
    .expect("bolt rows")
    .into_iter()
    .collect();
    let entries = all_entries(&app, bolt_job, &bolt.admin.access, 200).await;
    assert!(!entries.is_empty());
    for entry in &entries {
        let row: Uuid = entry["row_id"].as_str().and_then(|s| s.parse().ok()).expect("row id");
        assert!(bolt_rows.contains(&row), "{entry}");
    }

    // And the database agrees, whatever the handler asks: Bolt's admin, with
    // no filter at all, reads no Acme history.
    let mut tx = app.request_tx(&bolt.admin.access).await;
    let foreign: i64 = sqlx::query_scalar("select count(*) from app.audit_log where company_id <> $1")
        .bind(bolt.id)
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(foreign, 0, "Bolt's admin reads Acme's history");
    let own: i64 =
        sqlx::query_scalar("select count(*) from app.audit_log").fetch_one(&mut *tx).await.expect("own");
    assert!(own > 0);
    // Nor can it write any.
    let forged = sqlx::query("delete from app.audit_log").execute(&mut *tx).await;
    assert!(forged.is_err(), "an admin deleted history");
    tx.rollback().await.expect("rollback");
}

#[tokio::test]
async fn no_secret_reaches_the_history() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;

    // A password change, a sign-in with it, a token refresh, a share link.
    let reply = app
        .patch(
            &format!("/api/v1/users/{}", acme.worker_id),
            admin,
            json!({ "password": "a-brand-new-password" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let login = app.login_reply("acme", "worker@acme.test", "a-brand-new-password").await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    let refresh = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": login.body["refresh_token"] })),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::OK, "{:?}", refresh.body);
    let job_id = id_of(&job_with_tasks(&app, &acme, "Shared job").await);
    let link = app.post(&format!("/api/v1/jobs/{job_id}/share-links"), admin, json!({})).await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);

    // The password change is on record, as a fact without values, with when
    // it changed (migration 0034).
    let change: Value = sqlx::query_scalar(
        "select changes from app.audit_log
         where table_name = 'users' and row_id = $1 and action = 'UPDATE' and changes ? 'password_hash'",
    )
    .bind(acme.worker_id)
    .fetch_one(&app.owner)
    .await
    .expect("password change entry");
    assert_eq!(change["password_hash"], json!(["[redacted]", "[redacted]"]));
    assert!(change.get("password_changed_at").is_some(), "{change}");

    // No hash of any kind, anywhere in the log, whichever company's log and
    // secret (compared here, not in one query: on Citus a query joining
    // different companies' rows would need repartitioning).
    let entries: Vec<(String, String, String)> =
        sqlx::query_as("select table_name, action::text, changes::text from app.audit_log")
            .fetch_all(&app.owner)
            .await
            .expect("history");
    let secrets: Vec<String> = sqlx::query_scalar(
        "select password_hash from app.users where password_hash is not null
         union all select encode(token_hash, 'hex') from app.refresh_tokens
         union all select encode(token_hash, 'hex') from app.share_links",
    )
    .fetch_all(&app.owner)
    .await
    .expect("secrets");
    assert!(secrets.len() > 3, "the check needs secrets to look for");
    let leaks: Vec<&(String, String, String)> = entries
        .iter()
        .filter(|(_, action, changes)| {
            changes.contains("$argon2")
                || action != "UPDATE"
                    && (changes.contains("\"password_hash\"") || changes.contains("\"token_hash\""))
                || secrets.iter().any(|secret| changes.contains(secret.as_str()))
        })
        .collect();
    assert!(leaks.is_empty(), "secrets in the history: {leaks:?}");
    let token_rows: i64 =
        sqlx::query_scalar("select count(*) from app.audit_log where table_name = 'refresh_tokens'")
            .fetch_one(&app.owner)
            .await
            .expect("count");
    assert_eq!(token_rows, 0);

    // The sign-in itself is on record: a session, opened by the login flow.
    let sessions: Vec<(String, Option<Uuid>)> = sqlx::query_as(
        "select source, actor_id from app.audit_log
         where table_name = 'sessions' and action = 'INSERT' and changes ->> 'user_id' = $1::text",
    )
    .bind(acme.worker_id)
    .fetch_all(&app.owner)
    .await
    .expect("sessions");
    assert!(sessions.iter().any(|(source, actor)| source == "auth" && actor.is_none()), "{sessions:?}");
}

#[tokio::test]
async fn changes_made_directly_in_the_database_are_recorded_as_direct() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let job_id = id_of(&job_with_tasks(&app, &acme, "Paint fence").await);

    // As a DBA would in psql: the owner, no request context.
    sqlx::query("update app.jobs set title = 'Paint the fence' where id = $1")
        .bind(job_id)
        .execute(&app.owner)
        .await
        .expect("direct update");
    sqlx::query("delete from app.job_tasks where job_id = $1 and position = (select min(position) from app.job_tasks where job_id = $1)")
        .bind(job_id)
        .execute(&app.owner)
        .await
        .expect("direct delete");

    let items =
        history(&app, job_id, &acme.admin.access, "").await["items"].as_array().expect("items").clone();
    let deletion = &items[0];
    assert_eq!(deletion["action"], "DELETE");
    assert_eq!(deletion["table"], "job_tasks");
    assert_eq!(deletion["changes"]["title"], json!(["Inspect pump", null]));
    assert_eq!(deletion["source"], "direct");

    let edit = &items[1];
    assert_eq!(edit["changes"], json!({ "title": ["Paint fence", "Paint the fence"] }));
    assert_eq!(edit["source"], "direct");
    assert_eq!(edit["db_role"], "fieldops_owner");
    assert!(edit["actor"].is_null(), "no request context, no actor: {edit}");
    assert!(edit["role"].is_null());
}
