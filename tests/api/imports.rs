//! Imports and exports (issue #19): encodings, Excel, presets, matching,
//! re-runs without duplicates, refused rows, undo, and isolation.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, Reply, TestApp};

const SF_HEADER: &str =
    "Customer ID,Customer Name,Contact First Name,Contact Last Name,Phone,Email,Address 1,City,State,Zip Code,Notes";

async fn upload(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Reply {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/imports?{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    Reply { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

async fn raw(app: &TestApp, token: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.expect("sent");
    let status = response.status();
    (status, response.bytes().await.expect("body").to_vec())
}

fn counts(reply: &Reply) -> (i64, i64, i64, i64) {
    let i = &reply.body["import"];
    let n = |k: &str| i[k].as_i64().unwrap_or_else(|| panic!("no {k} in {:?}", reply.body));
    (n("created_count"), n("updated_count"), n("skipped_count"), n("refused_count"))
}

async fn customer_names(app: &TestApp, company_id: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "select name from app.customers where company_id = $1 and deleted_at is null order by name",
    )
    .bind(company_id)
    .fetch_all(&app.owner)
    .await
    .expect("names")
}

fn sf_file(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(SF_HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text.into_bytes()
}

#[tokio::test]
async fn a_service_fusion_file_dry_runs_applies_reruns_without_duplicates_and_undoes() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    let before = customer_names(&app, acme.id).await;
    let file = sf_file(&[
        "SF-1,Ann Bakery,Ann,Lee,(555) 010-1000,ann@bakery.test,1 Main St,Springfield,IL,62701,vip",
        "SF-2,Bob Garage,Bob,Ray,555-010-2000,not-an-email,2 Oak Ave,Springfield,IL,62702,",
        "SF-3,Cora Cafe,Cora,,555 010 3000,cora@cafe.test,3 Elm Rd,Shelbyville,IL,62565,",
        "SF-4,,,,,,,,,,",
    ]);

    // Dry run: counts and row errors, nothing changed.
    let dry = upload(&app, token, "kind=customers&preset=servicefusion&file_name=sf.csv", file.clone()).await;
    assert_eq!(dry.status, StatusCode::CREATED, "{:?}", dry.body);
    assert_eq!(counts(&dry), (2, 0, 0, 2));
    assert_eq!(dry.body["import"]["state"], "dry_run");
    assert_eq!(dry.body["import"]["mapping"]["external_id"], "Customer ID");
    let errors = dry.body["errors"].as_array().expect("errors");
    assert_eq!((errors[0]["row"].as_i64(), errors[0]["column"].as_str()), (Some(3), Some("Email")));
    assert_eq!((errors[1]["row"].as_i64(), errors[1]["column"].as_str()), (Some(5), Some("Customer Name")));
    assert_eq!(customer_names(&app, acme.id).await, before);

    // The refused rows as CSV, with a reason column, ready to fix.
    let (status, csv) = raw(
        &app,
        token,
        &format!("/api/v1/imports/{}/errors.csv", dry.body["import"]["id"].as_str().unwrap_or_default()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], format!("{SF_HEADER},row,reason"));
    assert!(
        lines[1].starts_with("SF-2,Bob Garage,") && lines[1].contains("Email: is not a valid email address"),
        "{csv}"
    );
    assert_eq!(lines.len(), 3);

    // Applied.
    let applied =
        upload(&app, token, "kind=customers&preset=servicefusion&file_name=sf.csv&dry_run=false", file).await;
    assert_eq!(counts(&applied), (2, 0, 0, 2));
    assert_eq!(applied.body["import"]["state"], "applied");
    let names = customer_names(&app, acme.id).await;
    assert!(names.contains(&"Ann Bakery".to_owned()) && names.contains(&"Cora Cafe".to_owned()));
    let ann: (String, String, String) = sqlx::query_as(
        "select l.city, m.value, c.email from app.customers c
         join app.service_locations l on l.company_id = c.company_id and l.customer_id = c.id
         join app.contact_methods m on m.company_id = c.company_id and m.customer_id = c.id and m.kind = 'office_phone'
         where c.company_id = $1 and c.name = 'Ann Bakery'",
    )
    .bind(acme.id)
    .fetch_one(&app.owner)
    .await
    .expect("Ann with her location and phone");
    assert_eq!(ann, ("Springfield".to_owned(), "(555) 010-1000".to_owned(), "ann@bakery.test".to_owned()));

    // Next month's file: Ann renamed, Bob fixed, Cora unchanged.
    let changed = sf_file(&[
        "SF-1,Ann's Bakery,Ann,Lee,(555) 010-1000,ann@bakery.test,1 Main St,Springfield,IL,62701,vip",
        "SF-2,Bob Garage,Bob,Ray,555-010-2000,bob@garage.test,2 Oak Ave,Springfield,IL,62702,",
        "SF-3,Cora Cafe,Cora,,555 010 3000,cora@cafe.test,3 Elm Rd,Shelbyville,IL,62565,",
    ]);
    let rerun_dry = upload(&app, token, "kind=customers&preset=servicefusion", changed.clone()).await;
    assert_eq!(counts(&rerun_dry), (1, 1, 1, 0));
    let matched = rerun_dry.body["matches"].as_array().expect("matches");
    assert!(
        matched.iter().any(|m| m["row"] == 2
            && m["outcome"] == "updated"
            && m["matched_by"] == "external_id"
            && m["label"] == "Ann Bakery"),
        "{matched:?}"
    );
    let rerun = upload(&app, token, "kind=customers&preset=servicefusion&dry_run=false", changed).await;
    assert_eq!(counts(&rerun), (1, 1, 1, 0));
    let names = customer_names(&app, acme.id).await;
    for name in ["Ann's Bakery", "Bob Garage", "Cora Cafe"] {
        assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name} once: {names:?}");
    }
    assert!(!names.contains(&"Ann Bakery".to_owned()));

    // Undo the re-run: Ann's old name is back, Bob is gone again.
    let undo = app
        .post(
            &format!("/api/v1/imports/{}/undo", rerun.body["import"]["id"].as_str().unwrap_or_default()),
            token,
            json!({}),
        )
        .await;
    assert_eq!(undo.status, StatusCode::OK, "{:?}", undo.body);
    assert_eq!(undo.body["state"], "undone");
    let names = customer_names(&app, acme.id).await;
    assert!(
        names.contains(&"Ann Bakery".to_owned()) && !names.contains(&"Bob Garage".to_owned()),
        "{names:?}"
    );
    let again = app
        .post(
            &format!("/api/v1/imports/{}/undo", rerun.body["import"]["id"].as_str().unwrap_or_default()),
            token,
            json!({}),
        )
        .await;
    assert_problem(&again, StatusCode::CONFLICT);
    let dry_undo = app
        .post(
            &format!("/api/v1/imports/{}/undo", dry.body["import"]["id"].as_str().unwrap_or_default()),
            token,
            json!({}),
        )
        .await;
    assert_problem(&dry_undo, StatusCode::CONFLICT);

    // Undo the first import: back to where the company started.
    let undo = app
        .post(
            &format!("/api/v1/imports/{}/undo", applied.body["import"]["id"].as_str().unwrap_or_default()),
            token,
            json!({}),
        )
        .await;
    assert_eq!(undo.status, StatusCode::OK, "{:?}", undo.body);
    assert_eq!(customer_names(&app, acme.id).await, before);
    let refs: i64 = sqlx::query_scalar("select count(*) from app.external_refs where company_id = $1")
        .bind(acme.id)
        .fetch_one(&app.owner)
        .await
        .expect("refs");
    assert_eq!(refs, 0);

    // Every run is recorded, newest first.
    let list = app.get("/api/v1/imports", token).await;
    let states: Vec<&str> =
        list.body["items"].as_array().expect("items").iter().filter_map(|i| i["state"].as_str()).collect();
    assert_eq!(states, ["undone", "dry_run", "undone", "dry_run"]);
}

#[tokio::test]
async fn utf8_bom_and_windows_1252_files_read_the_same() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let files: [(&str, Vec<u8>, &str); 3] = [
        ("utf-8", "Name,Email\nCafé Ünïcode,a@x.test\n".as_bytes().to_vec(), "1"),
        ("utf-8-bom", b"\xEF\xBB\xBFName,Email\nCaf\xC3\xA9 \xC3\x9Cn\xC3\xAFcode,b@x.test\n".to_vec(), "2"),
        ("windows-1252", b"Name,Email\nCaf\xE9 \xDCn\xEFcode,c@x.test\n".to_vec(), "3"),
    ];
    for (encoding, bytes, source) in files {
        let reply = upload(
            &app,
            &acme.admin.access,
            &format!("kind=customers&preset=enc{source}&dry_run=false"),
            bytes,
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert_eq!(reply.body["encoding"], encoding);
        // The BOM does not end up in the first header.
        assert_eq!(reply.body["import"]["mapping"]["name"], "Name");
    }
    let names = customer_names(&app, acme.id).await;
    assert_eq!(names.iter().filter(|n| *n == "Café Ünïcode").count(), 3, "{names:?}");
}

#[tokio::test]
async fn an_excel_workbook_imports_from_its_first_sheet() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in
        ["Customer ID", "Company", "First Name", "Last Name", "Mobile Phone", "Street", "City", "Zip"]
            .iter()
            .enumerate()
    {
        sheet.write_string(0, col as u16, *header).expect("header");
    }
    sheet.write_string(1, 0, "H-1").expect("cell");
    sheet.write_string(1, 1, "Excel Plumbing").expect("cell");
    sheet.write_string(1, 2, "Eve").expect("cell");
    sheet.write_string(1, 3, "Stone").expect("cell");
    sheet.write_number(1, 4, 5550107000.0).expect("cell");
    sheet.write_string(1, 5, "7 Pipe Ln").expect("cell");
    sheet.write_string(1, 6, "Ogdenville").expect("cell");
    sheet.write_number(1, 7, 12345.0).expect("cell");
    sheet.write_string(2, 0, "H-2").expect("cell");
    sheet.write_string(2, 2, "Solo").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    let reply = upload(
        &app,
        &acme.admin.access,
        "kind=customers&preset=housecallpro&file_name=c.xlsx&dry_run=false",
        bytes,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["encoding"], "xlsx");
    assert_eq!(counts(&reply), (2, 0, 0, 0));
    let row: (String, String) = sqlx::query_as(
        "select l.postal_code, m.value from app.customers c
         join app.service_locations l on l.company_id = c.company_id and l.customer_id = c.id
         join app.contact_methods m on m.company_id = c.company_id and m.customer_id = c.id
         where c.company_id = $1 and c.name = 'Excel Plumbing'",
    )
    .bind(acme.id)
    .fetch_one(&app.owner)
    .await
    .expect("the workbook's customer");
    assert_eq!(row, ("12345".to_owned(), "5550107000".to_owned()));
    assert!(customer_names(&app, acme.id).await.contains(&"Solo".to_owned()));
}

#[tokio::test]
async fn presets_propose_their_headers_and_a_saved_mapping_is_used_next_time() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    let cases = [
        (
            "jobber",
            "J-ID,Display Name,Company Name,E-mails,Main Phone #s,Billing Street 1,Billing Zip code",
            "external_id",
            "J-ID",
        ),
        (
            "housecallpro",
            "Customer ID,First Name,Last Name,Email,Mobile Phone,Street,Zip",
            "mobile",
            "Mobile Phone",
        ),
        ("servicefusion", SF_HEADER, "postal_code", "Zip Code"),
    ];
    for (preset, header, field, column) in cases {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/imports/preview?kind=customers&preset={preset}")))
            .bearer_auth(token)
            .body(format!("{header}\n"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::OK);
        let preview: Value = response.json().await.expect("json");
        assert_eq!(preview["mapping"][field], column, "{preset}: {preview}");
    }

    let saved = app
        .post("/api/v1/import-mappings", token, json!({ "kind": "customers", "name": "Monthly", "mapping": { "name": "Client", "notes": "Remarks" } }))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let reply = upload(
        &app,
        token,
        "kind=customers&mapping_name=Monthly&dry_run=false",
        b"Client,Remarks,Name\nMapped Co,from the saved mapping,not this\n".to_vec(),
    )
    .await;
    assert_eq!(counts(&reply), (1, 0, 0, 0), "{:?}", reply.body);
    assert!(customer_names(&app, acme.id).await.contains(&"Mapped Co".to_owned()));

    let bad =
        upload(&app, token, "kind=customers&mapping=%7B%22name%22%3A%22Nope%22%7D", b"Client\nX\n".to_vec())
            .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY);
    let list = app.get("/api/v1/import-mappings", token).await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn rows_without_an_id_match_existing_customers_by_phone_email_or_address() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    let reply = app
        .post(
            "/api/v1/customers",
            token,
            json!({ "name": "Dana Dental", "phone": "+1 (555) 010-9000", "email": "Front@Dana.test" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let dana = reply.id();
    let file =
        b"Name,Phone,Email,Notes\nDana Dental,555.010.9000,,now with notes\nDana Dental,,front@dana.test,\n"
            .to_vec();
    let dry = upload(&app, token, "kind=customers", file.clone()).await;
    assert_eq!(counts(&dry), (0, 2, 0, 0), "{:?}", dry.body);
    let matches = dry.body["matches"].as_array().expect("matches");
    assert_eq!(matches[0]["matched_by"], "phone");
    assert_eq!(matches[1]["matched_by"], "email");
    assert!(matches.iter().all(|m| m["record_id"] == dana.to_string() && m["label"] == "Dana Dental"));
    let applied = upload(&app, token, "kind=customers&dry_run=false", file.clone()).await;
    assert_eq!(counts(&applied), (0, 2, 0, 0));
    let again = upload(&app, token, "kind=customers&dry_run=false", file).await;
    assert_eq!(counts(&again), (0, 0, 2, 0), "a re-run changes nothing: {:?}", again.body);
    let count: i64 =
        sqlx::query_scalar("select count(*) from app.customers where company_id = $1 and deleted_at is null")
            .bind(acme.id)
            .fetch_one(&app.owner)
            .await
            .expect("count");
    assert_eq!(count, 2, "the company's own customer and Dana, no duplicate");
}

#[tokio::test]
async fn jobs_import_with_status_worker_and_customer_and_completed_ones_archived() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    let customers = b"Customer ID,Customer Name,Address 1\nSF-1,Ann Bakery,1 Main St\n".to_vec();
    let reply = upload(&app, token, "kind=customers&preset=servicefusion&dry_run=false", customers).await;
    assert_eq!(counts(&reply), (1, 0, 0, 0));
    let jobs = "Job #,Customer ID,Customer Name,Category,Description,Status,Start Date,Completed Date,Tech(s) Assigned,Service Address 1\n\
                J-1,SF-1,Ann Bakery,Oven repair,Fix it,Completed,2025-03-01 09:00,2025-03-01,worker@acme.test,1 Main St\n\
                J-2,SF-1,,Checkup,,Scheduled,03/15/2026 10:30,,Worker acme,\n\
                J-3,SF-1,,Bad status,,Frobnicated,,,,\n\
                J-4,SF-404,Nobody,Lost,,,,,,\n\
                J-5,SF-1,,Bad date,,,someday,,,\n";
    let reply =
        upload(&app, token, "kind=jobs&preset=servicefusion&dry_run=false", jobs.as_bytes().to_vec()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(counts(&reply), (2, 0, 0, 3), "{:?}", reply.body);
    let columns: Vec<&str> = reply.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["column"].as_str())
        .collect();
    assert_eq!(columns, ["Status", "Customer ID", "Start Date"]);
    let done: (bool, Option<Uuid>, bool) = sqlx::query_as(
        "select j.is_archived, j.assigned_worker_id, j.completed_at is not null from app.jobs j
         where j.company_id = $1 and j.title = 'Oven repair'",
    )
    .bind(acme.id)
    .fetch_one(&app.owner)
    .await
    .expect("the completed job");
    assert_eq!(done, (true, Some(acme.worker_id), true));
    // A re-run matches by job number.
    let again =
        upload(&app, token, "kind=jobs&preset=servicefusion&dry_run=false", jobs.as_bytes().to_vec()).await;
    assert_eq!(counts(&again), (0, 0, 2, 3), "{:?}", again.body);
}

#[tokio::test]
async fn imports_and_exports_are_the_admins_and_their_companys_own() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let b_customer = app.create_customer(&bolt.admin.access, "Zebulon Bolt-Only Holdings").await;
    let file = sf_file(&["SF-1,Acme Import Co,,,,,1 Main St,,,,"]);
    let applied =
        upload(&app, &acme.admin.access, "kind=customers&preset=servicefusion&dry_run=false", file.clone())
            .await;
    let import_id = applied.body["import"]["id"].as_str().unwrap_or_default().to_owned();
    let fingerprint = app.fingerprint(acme.id).await;

    for path in [format!("/api/v1/imports/{import_id}"), format!("/api/v1/imports/{import_id}/errors.csv")] {
        assert_problem(&app.get(&path, &bolt.admin.access).await, StatusCode::NOT_FOUND);
    }
    assert_problem(
        &app.post(&format!("/api/v1/imports/{import_id}/undo"), &bolt.admin.access, json!({})).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(app.get("/api/v1/imports", &bolt.admin.access).await.body["items"], json!([]));
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/imports", token).await, StatusCode::FORBIDDEN);
        assert_problem(&upload(&app, token, "kind=customers", file.clone()).await, StatusCode::FORBIDDEN);
        assert_problem(&app.get("/api/v1/export.zip", token).await, StatusCode::FORBIDDEN);
        assert_problem(&app.get("/api/v1/export.json", token).await, StatusCode::FORBIDDEN);
        assert_problem(&app.get("/api/v1/customers.csv", token).await, StatusCode::FORBIDDEN);
    }
    // B's re-import of the same ids creates B's own records, never touches A's.
    let b_run =
        upload(&app, &bolt.admin.access, "kind=customers&preset=servicefusion&dry_run=false", file).await;
    assert_eq!(counts(&b_run), (1, 0, 0, 0));
    assert_eq!(app.fingerprint(acme.id).await, fingerprint);

    // A's export: every file, and not a byte of B.
    let (status, zip_bytes) = raw(&app, &acme.admin.access, "/api/v1/export.zip").await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("a zip");
    let mut names = Vec::new();
    let mut everything = String::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("entry");
        names.push(file.name().to_owned());
        file.read_to_string(&mut everything).expect("utf-8 csv");
    }
    for expected in [
        "customers.csv",
        "locations.csv",
        "contacts.csv",
        "jobs.csv",
        "tasks.csv",
        "notes.csv",
        "statuses.csv",
        "users.csv",
        "history.csv",
    ] {
        assert!(names.contains(&expected.to_owned()), "{expected} in {names:?}");
    }
    assert!(everything.contains("Acme Import Co"));
    let b_texts = [
        bolt.id.to_string(),
        b_customer.to_string(),
        "Zebulon".to_owned(),
        "bolt.test".to_owned(),
        bolt.customer_id.to_string(),
    ];
    for b_text in &b_texts {
        assert!(!everything.contains(b_text), "A's export holds B's {b_text}");
    }
    assert!(!everything.contains("$argon2"), "no password hashes");

    // The same tables as one JSON document, and not a byte of B either.
    let (status, json_bytes) = raw(&app, &acme.admin.access, "/api/v1/export.json").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(json_bytes).expect("utf-8 json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(doc["format"], "fieldops-export");
    assert_eq!(doc["company_id"], acme.id.to_string());
    for table in [
        "customers",
        "locations",
        "contacts",
        "contact_methods",
        "statuses",
        "jobs",
        "tasks",
        "notes",
        "users",
        "history",
    ] {
        assert!(doc["tables"][table].is_array(), "{table} in the JSON export");
    }
    let names: Vec<&str> = doc["tables"]["customers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"Acme Import Co"), "{names:?}");
    for b_text in &b_texts {
        assert!(!text.contains(b_text), "A's JSON export holds B's {b_text}");
    }
    assert!(!text.contains("$argon2") && !text.contains("password_hash"), "no password hashes");

    let (status, csv) = raw(&app, &acme.admin.access, "/api/v1/customers.csv").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(
        csv.starts_with("id,account_number,name,")
            && csv.contains("Acme Import Co")
            && !csv.contains("Zebulon")
    );
    let (status, csv) = raw(&app, &bolt.admin.access, "/api/v1/jobs.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(csv).expect("utf-8").starts_with("id,customer_id,"));
}

/// A Service Fusion file of `count` generated customers, `edit` changing any row.
fn generated_file(count: usize, edit: impl Fn(usize) -> Option<String>) -> Vec<u8> {
    let rows: Vec<String> = (0..count)
        .map(|i| {
            edit(i).unwrap_or_else(|| {
                format!(
                    "CH-{i},Chunk {i},First{i},Last{i},555-{:03}-{:04},c{i}@chunk.test,{i} Chunk St,Springfield,IL,62701,",
                    i / 10_000,
                    i % 10_000
                )
            })
        })
        .collect();
    sf_file(&rows.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The generated file's customers still active.
const CHUNK_CUSTOMERS: &str =
    "select count(*) from app.customers where company_id = $1 and name like 'Chunk %' and deleted_at is null";

async fn count_of(app: &TestApp, sql: &str, company_id: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(company_id).fetch_one(&app.owner).await.expect("count")
}

#[tokio::test]
async fn a_refused_row_in_the_middle_of_a_chunk_is_reported_and_the_others_land() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    // 1,200 rows: chunks of 1,000 and 200. Row 501 (the file's numbering)
    // has an id but no name, which only the database refuses; row 1002, the
    // second chunk's first, is row 2's id again (an update); row 1102 repeats
    // row 1052's id inside the second chunk.
    let file = generated_file(1200, |i| match i {
        499 => Some("CH-499,,,,,,,,,,".to_owned()),
        1000 => Some("CH-0,Chunk 0 renamed,,,,,,,,,".to_owned()),
        1100 => Some("CH-1050,Chunk 1050 again,,,,,,,,,".to_owned()),
        _ => None,
    });
    // In the background: the 30 s of a request are not the test's point.
    let dry = upload(&app, token, "kind=customers&preset=servicefusion&background=true", file.clone()).await;
    let dry = follow(&app, token, dry, 1200).await;
    assert_eq!(counts(&dry), (1197, 2, 0, 1), "{:?}", dry.body);
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 0, "a dry run rolls back");

    let applied =
        upload(&app, token, "kind=customers&preset=servicefusion&dry_run=false&background=true", file).await;
    let applied = follow(&app, token, applied, 1200).await;
    assert_eq!(counts(&applied), (1197, 2, 0, 1), "{:?}", applied.body);
    let errors = applied.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0]["row"].as_i64(), errors[0]["column"].as_str()), (Some(501), Some("Customer Name")));
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 1197);
    let names = customer_names(&app, acme.id).await;
    assert!(names.contains(&"Chunk 0 renamed".to_owned()) && names.contains(&"Chunk 1050 again".to_owned()));
    assert!(!names.contains(&"Chunk 0".to_owned()) && !names.contains(&"Chunk 1050".to_owned()));
    // Every created customer is whole: its address, its contact with phone
    // and email, its external id; the refused row left nothing.
    let whole = "select count(*) from app.customers c
                 join app.service_locations l on l.company_id = c.company_id and l.customer_id = c.id
                   and l.line1 like '% Chunk St' and l.city = 'Springfield'
                 where c.company_id = $1 and c.name like 'Chunk %'
                   and (select count(*) from app.contact_methods m
                        where m.company_id = c.company_id and m.customer_id = c.id and m.is_primary) = 2
                   and exists (select 1 from app.external_refs r where r.company_id = c.company_id
                               and r.record_id = c.id and r.source = 'servicefusion')";
    assert_eq!(count_of(&app, whole, acme.id).await, 1197);
    // One location each: the one written with its address, no other made
    // by the database for a customer it thought had none (migration 0044).
    let located_twice = "select count(*) from app.customers c
                         where c.company_id = $1 and c.name like 'Chunk %'
                           and (select count(*) from app.service_locations l
                                where l.company_id = c.company_id and l.customer_id = c.id) <> 1";
    assert_eq!(count_of(&app, located_twice, acme.id).await, 0);
    let refs = "select count(*) from app.external_refs where company_id = $1 and external_id like 'CH-%'";
    assert_eq!(count_of(&app, refs, acme.id).await, 1197, "CH-499 has none");

    // Undo takes the whole import back, the bulk-written rows too.
    let id = applied.body["import"]["id"].as_str().unwrap_or_default().to_owned();
    let undone = app.post(&format!("/api/v1/imports/{id}/undo"), token, json!({})).await;
    assert_eq!(undone.status, StatusCode::OK, "{:?}", undone.body);
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 0);
    assert_eq!(count_of(&app, refs, acme.id).await, 0);
}

#[tokio::test]
async fn rows_either_side_of_a_chunk_boundary_import_as_one_file() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    // 1,001 rows: the first chunk's last row (1001) and the second chunk's
    // only row (1002) carry the same id, so the second updates what the
    // first created.
    // In the background: on Citus, where rows go one by one, a thousand take
    // longer than a request may.
    let file = generated_file(1001, |i| (i == 1000).then(|| "CH-999,Chunk 999 last,,,,,,,,,".to_owned()));
    let applied = upload(
        &app,
        token,
        "kind=customers&preset=servicefusion&dry_run=false&background=true",
        file.clone(),
    )
    .await;
    let applied = follow(&app, token, applied, 1001).await;
    assert_eq!(counts(&applied), (1000, 1, 0, 0), "{:?}", applied.body);
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 1000);
    assert!(customer_names(&app, acme.id).await.contains(&"Chunk 999 last".to_owned()));

    // The same file again matches every row: nothing is created twice.
    let again =
        upload(&app, token, "kind=customers&preset=servicefusion&dry_run=false&background=true", file).await;
    let again = follow(&app, token, again, 1001).await;
    let (created, _, _, refused) = counts(&again);
    assert_eq!((created, refused), (0, 0), "{:?}", again.body);
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 1000);
}

/// Follows a background import (a 202) until it is no longer running.
async fn follow(app: &TestApp, token: &str, reply: Reply, rows: i64) -> Reply {
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    assert_eq!(reply.body["import"]["state"], "running");
    assert_eq!(reply.body["import"]["rows_total"], rows);
    let id = reply.body["import"]["id"].as_str().unwrap_or_default().to_owned();
    let location = reply.headers.get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(location, format!("/api/v1/imports/{id}"));
    let mut done = 0;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(180) {
        let now = app.get(&location, token).await;
        assert_eq!(now.status, StatusCode::OK, "{:?}", now.body);
        let rows_done = now.body["import"]["rows_done"].as_i64().unwrap_or_default();
        assert!(rows_done >= done && rows_done <= rows, "progress only grows: {:?}", now.body);
        done = rows_done;
        if now.body["import"]["state"] != "running" {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("import {id} still running after three minutes");
}

#[tokio::test]
async fn a_background_import_answers_at_once_and_its_progress_is_followed_to_the_end() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    let file = generated_file(1500, |i| (i == 700).then(|| "CH-700,,,,,,,,,,".to_owned()));

    // A dry run in the background ends as a dry run: counted, nothing kept.
    let dry = upload(&app, token, "kind=customers&preset=servicefusion&background=true", file.clone()).await;
    let dry = follow(&app, token, dry, 1500).await;
    assert_eq!(dry.body["import"]["state"], "dry_run", "{:?}", dry.body);
    assert_eq!(counts(&dry), (1499, 0, 0, 1));
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 0);

    let applied =
        upload(&app, token, "kind=customers&preset=servicefusion&background=true&dry_run=false", file).await;
    let applied = follow(&app, token, applied, 1500).await;
    assert_eq!(applied.body["import"]["state"], "applied", "{:?}", applied.body);
    assert_eq!(counts(&applied), (1499, 0, 0, 1));
    assert_eq!(applied.body["import"]["rows_done"], 1500);
    assert_eq!(applied.body["errors"][0]["row"], 702);
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 1499);

    // Undone as one step, in the background too (as an import of more than
    // 2,000 changed records is by default): `undoing`, then `undone`.
    let id = applied.body["import"]["id"].as_str().unwrap_or_default().to_owned();
    let undoing = app.post(&format!("/api/v1/imports/{id}/undo?background=true"), token, json!({})).await;
    assert_eq!(undoing.status, StatusCode::ACCEPTED, "{:?}", undoing.body);
    assert_eq!(undoing.body["state"], "undoing");
    // Being undone or undone, it is not undone twice.
    let again = app.post(&format!("/api/v1/imports/{id}/undo"), token, json!({})).await;
    assert_problem(&again, StatusCode::CONFLICT);
    let started = std::time::Instant::now();
    let undone = loop {
        let now = app.get(&format!("/api/v1/imports/{id}"), token).await;
        assert_eq!(now.status, StatusCode::OK, "{:?}", now.body);
        if now.body["import"]["state"] != "undoing" {
            break now;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(180), "still undoing after three minutes");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(undone.body["import"]["state"], "undone", "{:?}", undone.body);
    assert!(undone.body["import"]["undone_at"].is_string());
    assert_eq!(count_of(&app, CHUNK_CUSTOMERS, acme.id).await, 0);
}

/// Marks an import `undoing` as a background undo would have, `minutes`
/// ago, with no undo running (the server stopped during it).
async fn lost_undo(app: &TestApp, company_id: Uuid, id: &str, minutes: i32) {
    sqlx::query(
        "update app.imports set state = 'undoing', undo_started_at = now() - make_interval(mins => $3)
         where company_id = $1 and id = $2::uuid",
    )
    .bind(company_id)
    .bind(id)
    .bind(minutes)
    .execute(&app.owner)
    .await
    .expect("marking the import undoing");
}

#[tokio::test]
async fn an_undo_lost_with_the_server_is_taken_over_once_its_time_is_up() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    let before = customer_names(&app, acme.id).await;
    let file =
        sf_file(&["SF-1,Ann Bakery,Ann,Lee,(555) 010-1000,ann@bakery.test,1 Main St,Springfield,IL,62701,"]);
    let applied = upload(&app, token, "kind=customers&preset=servicefusion&dry_run=false", file).await;
    assert_eq!(counts(&applied), (1, 0, 0, 0));
    let id = applied.body["import"]["id"].as_str().unwrap_or_default().to_owned();

    // Marked `undoing` a moment ago: its undo may still be starting.
    lost_undo(&app, acme.id, &id, 0).await;
    let early = app.post(&format!("/api/v1/imports/{id}/undo"), token, json!({})).await;
    assert_problem(&early, StatusCode::CONFLICT);
    assert_ne!(customer_names(&app, acme.id).await, before);

    // Past the ten minutes a background undo may take: it is gone, and a
    // request undoes the import.
    lost_undo(&app, acme.id, &id, 12).await;
    let undone = app.post(&format!("/api/v1/imports/{id}/undo"), token, json!({})).await;
    assert_eq!(undone.status, StatusCode::OK, "{:?}", undone.body);
    assert_eq!(undone.body["state"], "undone");
    assert_eq!(customer_names(&app, acme.id).await, before);
}

#[tokio::test]
async fn csv_downloads_defuse_formulas_and_an_upload_takes_the_quote_off_again() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let token = &acme.admin.access;
    app.create_customer(token, "=HYPERLINK(\"http://evil.test\",\"x\")").await;

    let (status, csv) = raw(&app, token, "/api/v1/customers.csv").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\""), "{csv}");
    assert!(!csv.contains(",\"=HYPERLINK"), "{csv}");

    let (status, zip_bytes) = raw(&app, token, "/api/v1/export.zip").await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("a zip");
    let mut customers = String::new();
    archive.by_name("customers.csv").expect("customers.csv").read_to_string(&mut customers).expect("utf-8");
    assert!(customers.contains("\"'=HYPERLINK("), "{customers}");
    // The account number column stays numbers.
    assert!(customers.lines().skip(1).all(|l| l.split(',').nth(1).is_some_and(|n| n.parse::<i32>().is_ok())));

    // A refused row's formula-like cells come back defused in errors.csv, and
    // uploading that file again reads the cells as they were.
    let file = sf_file(&["SF-9,@SUM(1+1),,,-5,not-an-email,+1 Main St,,,,"]);
    let dry = upload(&app, token, "kind=customers&preset=servicefusion", file).await;
    assert_eq!(counts(&dry), (0, 0, 0, 1), "{:?}", dry.body);
    let (status, errors) = raw(
        &app,
        token,
        &format!("/api/v1/imports/{}/errors.csv", dry.body["import"]["id"].as_str().unwrap_or_default()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let errors = String::from_utf8(errors).expect("utf-8");
    let row = errors.lines().nth(1).unwrap_or_default();
    assert!(row.starts_with("SF-9,'@SUM(1+1),,,-5,not-an-email,'+1 Main St,"), "{errors}");
    let again = upload(&app, token, "kind=customers&preset=servicefusion", errors.into_bytes()).await;
    assert_eq!(again.body["errors"][0]["values"][1], "@SUM(1+1)", "{:?}", again.body);
    assert_eq!(again.body["errors"][0]["values"][6], "+1 Main St", "{:?}", again.body);
}
