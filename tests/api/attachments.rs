//! Attachments (issue #18): uploads, lists, downloads and deletes per role,
//! what is refused and why, the crash-safety of an upload, and its bounded
//! memory. Every test runs twice: on the filesystem back-end and on a real
//! S3-compatible server (moto's `moto_server`, from the project's Python
//! venv, scripts/setup/python-env.sh), started for the test on a free port.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use fieldops::{config::Config, storage::Storage};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    process::{Child, Command},
};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app_configured, superuser_url, Company, Reply, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Fs,
    S3,
}

/// A test's server on one back-end (and the S3 server behind it).
pub struct Env {
    pub app: TestApp,
    pub backend: Backend,
    _s3: Option<Child>,
}

impl Env {
    pub async fn start(backend: Backend, settings: &[(&str, &str)]) -> Env {
        let mut overrides: Vec<(String, String)> =
            settings.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let s3 = match backend {
            Backend::Fs => None,
            Backend::S3 => {
                let (child, port) = start_s3().await;
                for (key, value) in [
                    ("STORAGE_URL", "s3://fieldops-test".to_owned()),
                    ("AWS_ENDPOINT", format!("http://127.0.0.1:{port}")),
                    ("AWS_ALLOW_HTTP", "true".to_owned()),
                    ("AWS_ACCESS_KEY_ID", "test".to_owned()),
                    ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
                    ("AWS_REGION", "us-east-1".to_owned()),
                ] {
                    overrides.push((key.to_owned(), value));
                }
                Some(child)
            }
        };
        let borrowed: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let app = spawn_app_configured(axum::Router::new(), &borrowed).await;
        Env { app, backend, _s3: s3 }
    }

    /// The storage the server writes to, opened the same way.
    pub fn storage(&self) -> Storage {
        let vars = self.app.config_vars.clone();
        let config = Config::from_lookup(|key| vars.get(key).cloned()).expect("config");
        Storage::from_config(&config.storage).expect("storage")
    }
}

/// moto's S3 server on a free port, with the bucket the tests use.
async fn start_s3() -> (Child, u16) {
    // One start at a time: the first may create target/venv.
    static STARTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = STARTING.lock().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let port = free_port();
    let child = Command::new(root.join("scripts/setup/python-env.sh"))
        .args(["moto_server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting moto_server");
    let client = reqwest::Client::new();
    let bucket = format!("http://127.0.0.1:{port}/fieldops-test");
    for _ in 0..1200 {
        if let Ok(reply) = client.put(&bucket).send().await {
            assert!(reply.status().is_success(), "creating the bucket: {}", reply.status());
            return (child, port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not start within 2 minutes");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port()
}

/// Runs each scenario on both back-ends.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod fs {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Fs).await })*
        }
        mod s3 {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::S3).await })*
        }
    };
}

on_both_backends!(
    each_role_uploads_lists_downloads_and_deletes_what_it_may,
    types_are_detected_and_mismatches_and_polyglots_refused,
    size_and_quota_refusals_are_clear_and_leave_nothing,
    photos_lose_their_gps_position_unless_kept,
    another_company_gets_404_for_every_file,
    a_retried_upload_is_stored_once,
    an_upload_cut_off_mid_stream_leaves_no_row_and_no_object,
    the_sweeper_removes_crashed_uploads_and_expired_deletions,
    a_20_mb_upload_streams_without_holding_it_or_a_connection,
    a_share_link_shows_only_customer_visible_photos_while_it_opens,
);

/// Uploads `bytes` as `name` to `path` (`/api/v1/jobs/{id}/attachments?...`).
pub async fn upload(app: &TestApp, path: &str, token: &str, name: &str, bytes: Vec<u8>) -> Reply {
    upload_with(app, path, token, name, bytes, None).await
}

async fn upload_with(
    app: &TestApp,
    path: &str,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
    key: Option<&str>,
) -> Reply {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mut request = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("X-File-Name", encoded)
        .header("Content-Type", "application/octet-stream")
        .body(bytes);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("upload sent");
    let status = response.status();
    let headers = response.headers().clone();
    let body = serde_json::from_slice(&response.bytes().await.expect("body")).unwrap_or(Value::Null);
    Reply { status, headers, body }
}

async fn download(
    app: &TestApp,
    id: &str,
    query: &str,
    token: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/attachments/{id}/content{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.expect("bytes").to_vec())
}

/// A real JPEG photo of `width` × `height`.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&image).expect("jpeg");
    out
}

pub fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A job of company `c`, assigned to its worker, and a submitted request of its customer.
async fn job_and_request(app: &TestApp, c: &Company) -> (Uuid, Uuid) {
    let job = app
        .create_job(&c.admin.access, json!({"customer_id": c.customer_id, "title": "Fix the boiler", "assigned_worker_id": c.worker_id}))
        .await
        .id();
    let locations =
        app.get(&format!("/api/v1/customers/{}/locations", c.customer_id), &c.customer.access).await;
    let location = locations.body["items"][0]["id"].as_str().expect("a location").to_owned();
    let request = app
        .post(
            "/api/v1/job-requests",
            &c.customer.access,
            json!({"title": "New cabinet", "description": "See the drawing", "service_location_id": location}),
        )
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{:?}", request.body);
    (job, request.id())
}

async fn rows_of(app: &TestApp, company: Uuid) -> Vec<(Uuid, String, String)> {
    sqlx::query_as(
        "select id, state, storage_key from app.attachments where company_id = $1 order by created_at",
    )
    .bind(company)
    .fetch_all(&app.owner)
    .await
    .expect("attachment rows")
}

async fn each_role_uploads_lists_downloads_and_deletes_what_it_may(backend: Backend) {
    let env = Env::start(backend, &[]).await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, request) = job_and_request(app, &c).await;
    let job_path = format!("/api/v1/jobs/{job}/attachments");
    let request_path = format!("/api/v1/job-requests/{request}/attachments");

    let photo = jpeg(1200, 900);
    let before = upload(
        app,
        &format!("{job_path}?group=before&caption=Leaking%20valve"),
        &c.worker.access,
        "valve.jpg",
        photo.clone(),
    )
    .await;
    assert_eq!(before.status, StatusCode::CREATED, "{:?}", before.body);
    assert_eq!(before.body["content_type"], "image/jpeg");
    assert_eq!(before.body["group"], "before");
    assert_eq!(before.body["visibility"], "internal");
    assert_eq!(before.body["caption"], "Leaking valve");
    assert_eq!(before.body["has_thumbnails"], true);
    assert_eq!(before.body["size_bytes"], photo.len());
    assert_eq!(before.body["sha256"], hex_sha256(&photo));
    assert_eq!(before.body["uploaded_by"], c.worker.user_id.to_string());
    let internal_pdf =
        upload(app, &job_path, &c.admin.access, "Internal price list.pdf", pdf("prices")).await;
    assert_eq!(internal_pdf.status, StatusCode::CREATED, "{:?}", internal_pdf.body);
    assert_eq!(internal_pdf.body["has_thumbnails"], false);
    let shared =
        upload(app, &format!("{job_path}?visibility=customer&group=after"), &c.admin.access, "done.png", {
            let mut out = std::io::Cursor::new(Vec::new());
            image::RgbImage::new(64, 48).write_to(&mut out, image::ImageFormat::Png).expect("png");
            out.into_inner()
        })
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{:?}", shared.body);
    assert_eq!(shared.body["content_type"], "image/png");

    // Who uploads where.
    let refused = upload(app, &job_path, &c.customer.access, "x.pdf", pdf("x")).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    let refused = upload(app, &request_path, &c.worker.access, "x.pdf", pdf("x")).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    let drawing = upload(app, &request_path, &c.customer.access, "Drawing.pdf", pdf("cabinet here")).await;
    assert_eq!(drawing.status, StatusCode::CREATED, "{:?}", drawing.body);
    assert_eq!(drawing.body["visibility"], "customer");

    // Lists: the admin and the worker see all of the job's files, the
    // customer only the customer-visible one.
    let names = |reply: &Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .expect("a list")
            .iter()
            .map(|f| f["file_name"].as_str().expect("name").to_owned())
            .collect()
    };
    let admin_list = app.get(&job_path, &c.admin.access).await;
    assert_eq!(names(&admin_list), ["valve.jpg", "Internal price list.pdf", "done.png"]);
    let worker_list = app.get(&job_path, &c.worker.access).await;
    assert_eq!(names(&worker_list), ["valve.jpg", "Internal price list.pdf", "done.png"]);
    let customer_list = app.get(&job_path, &c.customer.access).await;
    assert_eq!(names(&customer_list), ["done.png"]);
    assert_eq!(names(&app.get(&request_path, &c.customer.access).await), ["Drawing.pdf"]);
    assert_eq!(names(&app.get(&request_path, &c.admin.access).await), ["Drawing.pdf"]);
    assert_problem(&app.get(&request_path, &c.worker.access).await, StatusCode::FORBIDDEN);

    // A customer never reaches an internal file, by list, id or content.
    let internal_id = internal_pdf.body["id"].as_str().expect("id").to_owned();
    assert_problem(
        &app.get(&format!("/api/v1/attachments/{internal_id}"), &c.customer.access).await,
        StatusCode::NOT_FOUND,
    );
    let (status, _, _) = download(app, &internal_id, "", &c.customer.access).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Downloads: the exact bytes, as an attachment, under a strict CSP.
    let before_id = before.body["id"].as_str().expect("id").to_owned();
    let (status, headers, bytes) = download(app, &before_id, "", &c.admin.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, photo);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"valve.jpg\"; filename*=UTF-8''valve.jpg"
    );
    assert_eq!(headers["content-security-policy"], "default-src 'none'; sandbox");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (_, headers, _) = download(app, &before_id, "?disposition=inline", &c.worker.access).await;
    assert!(headers["content-disposition"].to_str().expect("ascii").starts_with("inline;"));
    let (_, headers, _) = download(app, &internal_id, "?disposition=inline", &c.admin.access).await;
    assert!(
        headers["content-disposition"].to_str().expect("ascii").starts_with("inline;"),
        "PDFs may be shown"
    );
    let (status, headers, small) = download(app, &before_id, "?variant=small", &c.admin.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    let small = image::load_from_memory(&small).expect("a JPEG thumbnail");
    assert_eq!((small.width(), small.height()), (240, 180));
    let (status, _, medium) = download(app, &before_id, "?variant=medium", &c.admin.access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(image::load_from_memory(&medium).expect("medium").width(), 1024);
    let (status, _, _) = download(app, &internal_id, "?variant=small", &c.admin.access).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a PDF has no thumbnail");
    let (status, _, bytes) =
        download(app, drawing.body["id"].as_str().expect("id"), "", &c.customer.access).await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf("cabinet here")));

    // Edits: the admin any file, the worker its own, the customer none.
    let shared_id = shared.body["id"].as_str().expect("id").to_owned();
    let edited = app
        .patch(&format!("/api/v1/attachments/{shared_id}"), &c.admin.access, json!({"caption": "All done"}))
        .await;
    assert_eq!((edited.status, edited.body["caption"].clone()), (StatusCode::OK, json!("All done")));
    let not_own = app
        .patch(&format!("/api/v1/attachments/{shared_id}"), &c.worker.access, json!({"caption": "x"}))
        .await;
    assert_problem(&not_own, StatusCode::NOT_FOUND);
    let own = app
        .patch(
            &format!("/api/v1/attachments/{before_id}"),
            &c.worker.access,
            json!({"visibility": "customer"}),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    assert_problem(
        &app.patch(&format!("/api/v1/attachments/{before_id}"), &c.customer.access, json!({"caption": "x"}))
            .await,
        StatusCode::FORBIDDEN,
    );
    let unknown =
        app.patch(&format!("/api/v1/attachments/{before_id}"), &c.admin.access, json!({"owner": "x"})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Deletes: soft, audited, and the file is gone from every list at once.
    assert_problem(
        &app.delete(&format!("/api/v1/attachments/{shared_id}"), &c.worker.access).await,
        StatusCode::NOT_FOUND,
    );
    let deleted = app.delete(&format!("/api/v1/attachments/{before_id}"), &c.worker.access).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(names(&app.get(&job_path, &c.admin.access).await), ["Internal price list.pdf", "done.png"]);
    let (status, _, _) = download(app, &before_id, "", &c.admin.access).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from app.audit_log where company_id = $1 and table_name = 'attachments' and row_id = $2
           and action = 'UPDATE' and changes ? 'deleted_at' and actor_id = $3",
    )
    .bind(c.id)
    .bind(before_id.parse::<Uuid>().expect("uuid"))
    .bind(c.worker.user_id)
    .fetch_one(&app.owner)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
    // The bytes stay until the retention period ends (the sweeper's test).
    let key: String = sqlx::query_scalar("select storage_key from app.attachments where id = $1")
        .bind(before_id.parse::<Uuid>().expect("uuid"))
        .fetch_one(&app.owner)
        .await
        .expect("key");
    assert!(env.storage().exists(&key).await.expect("head"));
    // Keys are random, under the company, and say nothing about the file.
    assert!(key.starts_with(&format!("{}/", c.id)) && !key.contains("valve"));
}

async fn types_are_detected_and_mismatches_and_polyglots_refused(backend: Backend) {
    let env = Env::start(backend, &[]).await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, _) = job_and_request(app, &c).await;
    let path = format!("/api/v1/jobs/{job}/attachments");
    let admin = &c.admin.access;

    // The client's name and type say nothing: the bytes do.
    let text = upload(app, &path, admin, "notes", "Gate code is at the office.\n".as_bytes().to_vec()).await;
    assert_eq!(text.status, StatusCode::CREATED, "{:?}", text.body);
    assert_eq!(
        (text.body["content_type"].clone(), text.body["file_name"].clone()),
        (json!("text/plain"), json!("notes.txt"))
    );
    let renamed = upload(app, &path, admin, "photo.exe", jpeg(20, 20)).await;
    assert_eq!(renamed.body["file_name"], "photo.exe.jpg", "a download never opens as a program");

    let refusals: Vec<(&str, Vec<u8>, &str)> = vec![
        ("setup.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec(), "not accepted"),
        (
            "archive.zip",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00".iter().copied().chain([0u8; 64]).collect(),
            "not accepted",
        ),
        ("page.txt", b"\x00\x01binary\x00".to_vec(), "not accepted"),
        ("invoice.jpg", pdf("invoice"), "but its name ends in .jpg"),
        ("photo.pdf", jpeg(16, 16), "but its name ends in .pdf"),
        ("both.jpg", [jpeg(16, 16), pdf("hidden")].concat(), "also contains a PDF document"),
        (
            "zipped.jpg",
            [jpeg(16, 16), b"PK\x03\x04zip entry PK\x05\x06\x00\x00\x00\x00\x01\x00".to_vec()].concat(),
            "also contains a ZIP archive",
        ),
        (
            "page.jpg",
            [jpeg(16, 16)[..20].to_vec(), b"<html><script>alert(1)</script>".to_vec()].concat(),
            "web page markup",
        ),
    ];
    for (name, bytes, says) in refusals {
        let reply = upload(app, &path, admin, name, bytes).await;
        assert_problem(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(reply.body["detail"].as_str().expect("detail").contains(says), "{name}: {:?}", reply.body);
    }
    let empty = upload(app, &path, admin, "empty.txt", Vec::new()).await;
    assert_problem(&empty, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_option = upload(app, &format!("{path}?group=during"), admin, "a.txt", b"x".to_vec()).await;
    assert_eq!(bad_option.status, StatusCode::BAD_REQUEST, "{:?}", bad_option.body);

    // Only the two accepted files are left: no row or object of a refusal.
    let rows = rows_of(app, c.id).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|(_, state, _)| state == "stored"));
}

async fn size_and_quota_refusals_are_clear_and_leave_nothing(backend: Backend) {
    let env =
        Env::start(backend, &[("ATTACHMENT_MAX_BYTES", "200000"), ("ATTACHMENT_QUOTA_BYTES", "250000")])
            .await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, _) = job_and_request(app, &c).await;
    let path = format!("/api/v1/jobs/{job}/attachments");
    let text = |n: usize| "a line of the report\n".repeat(n / 21 + 1).into_bytes()[..n].to_vec();

    let too_big = upload(app, &path, &c.admin.access, "big.txt", text(200_001)).await;
    assert_problem(&too_big, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_big.body["detail"], "a file may be at most 0.2 MB");
    // A body without a declared length is counted as it arrives.
    let chunked = raw_upload(app, &path, &c.admin.access, None, &text(250_000), Abort::No).await;
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");

    let first = upload(app, &path, &c.admin.access, "one.txt", text(150_000)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let second = upload(app, &path, &c.worker.access, "two.txt", text(150_000)).await;
    assert_problem(&second, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(second.body["detail"].as_str().expect("detail").contains("quota"), "{:?}", second.body);
    let fits = upload(app, &path, &c.worker.access, "three.txt", text(100_000)).await;
    assert_eq!(fits.status, StatusCode::CREATED, "{:?}", fits.body);
    let full = upload(app, &path, &c.worker.access, "four.txt", text(10)).await;
    assert_problem(&full, StatusCode::PAYLOAD_TOO_LARGE);

    // Deleting frees the quota.
    let id = first.body["id"].as_str().expect("id");
    assert_eq!(
        app.delete(&format!("/api/v1/attachments/{id}"), &c.admin.access).await.status,
        StatusCode::NO_CONTENT
    );
    let again = upload(app, &path, &c.worker.access, "two.txt", text(150_000)).await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);

    // Every refusal removed its row and its object.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rows = rows_of(app, c.id).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|(_, state, _)| state == "stored"));
    assert_eq!(objects(&env).await, 3);
}

async fn photos_lose_their_gps_position_unless_kept(backend: Backend) {
    let latitude = [0x0000_0033, 1, 0x1234_5678, 1, 0x0765_4321, 100];
    let gps_photo =
        || [fieldops::storage::exif::jpeg_head_with_gps(latitude), jpeg(64, 64)[2..].to_vec()].concat();
    let needle = 0x1234_5678u32.to_be_bytes();
    for (keep, kept) in [("false", false), ("true", true)] {
        let env = Env::start(backend, &[("ATTACHMENT_KEEP_LOCATION", keep)]).await;
        let app = &env.app;
        let c = app.company("acme").await;
        let (job, _) = job_and_request(app, &c).await;
        let reply = upload(
            app,
            &format!("/api/v1/jobs/{job}/attachments"),
            &c.worker.access,
            "site.jpg",
            gps_photo(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        let (_, _, stored) =
            download(app, reply.body["id"].as_str().expect("id"), "", &c.worker.access).await;
        assert_eq!(stored.len(), gps_photo().len());
        assert_eq!(stored.windows(4).any(|w| w == needle), kept, "keep={keep}");
        image::load_from_memory(&stored).expect("still a valid JPEG");
        assert_eq!(reply.body["sha256"], hex_sha256(&stored), "the checksum is of the stored bytes");
    }
}

async fn another_company_gets_404_for_every_file(backend: Backend) {
    let env = Env::start(backend, &[]).await;
    let app = &env.app;
    let a = app.company("acme").await;
    let b = app.company("bolt").await;
    let (job, request) = job_and_request(app, &a).await;
    let photo = upload(
        app,
        &format!("/api/v1/jobs/{job}/attachments?visibility=customer"),
        &a.admin.access,
        "Secret.jpg",
        jpeg(300, 200),
    )
    .await;
    let drawing = upload(
        app,
        &format!("/api/v1/job-requests/{request}/attachments"),
        &a.customer.access,
        "Secret.pdf",
        pdf("Secret"),
    )
    .await;
    let before = app.fingerprint(a.id).await;
    for id in [photo.body["id"].as_str().expect("id"), drawing.body["id"].as_str().expect("id")] {
        for token in [&b.admin.access, &b.worker.access, &b.customer.access] {
            for (method, path, body) in [
                (Method::GET, format!("/api/v1/attachments/{id}"), None),
                (Method::GET, format!("/api/v1/attachments/{id}/content"), None),
                (Method::GET, format!("/api/v1/attachments/{id}/content?variant=small"), None),
                (Method::PATCH, format!("/api/v1/attachments/{id}"), Some(json!({"caption": "pwned"}))),
                (Method::DELETE, format!("/api/v1/attachments/{id}"), None),
            ] {
                let reply = app.request(method.clone(), &path, Some(token), body).await;
                assert!(
                    matches!(reply.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                    "{method} {path}: {:?}",
                    reply
                );
                assert!(!reply.body.to_string().contains("Secret"));
            }
        }
    }
    for token in [&b.admin.access, &b.worker.access] {
        assert_problem(
            &upload(app, &format!("/api/v1/jobs/{job}/attachments"), token, "x.txt", b"x".to_vec()).await,
            StatusCode::NOT_FOUND,
        );
        assert_problem(
            &app.get(&format!("/api/v1/jobs/{job}/attachments"), token).await,
            StatusCode::NOT_FOUND,
        );
    }
    assert_problem(
        &upload(
            app,
            &format!("/api/v1/job-requests/{request}/attachments"),
            &b.customer.access,
            "x.txt",
            b"x".to_vec(),
        )
        .await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(app.fingerprint(a.id).await, before, "company A changed");
}

async fn a_retried_upload_is_stored_once(backend: Backend) {
    let env = Env::start(backend, &[]).await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, _) = job_and_request(app, &c).await;
    let path = format!("/api/v1/jobs/{job}/attachments?group=after");
    let photo = jpeg(400, 300);
    let first = upload_with(app, &path, &c.worker.access, "after.jpg", photo.clone(), Some("photo-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let retry = upload_with(app, &path, &c.worker.access, "after.jpg", photo.clone(), Some("photo-1")).await;
    assert_eq!(retry.status, StatusCode::OK, "{:?}", retry.body);
    assert_eq!(retry.headers["idempotency-replayed"], "true");
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(rows_of(app, c.id).await.len(), 1);
    // Keys are per user: the admin's "photo-1" is another upload.
    let admins = upload_with(app, &path, &c.admin.access, "after.jpg", photo.clone(), Some("photo-1")).await;
    assert_eq!(admins.status, StatusCode::CREATED);
    // The same key for another job is a mistake, said clearly.
    let (other_job, _) = job_and_request(app, &c).await;
    let misuse = upload_with(
        app,
        &format!("/api/v1/jobs/{other_job}/attachments"),
        &c.worker.access,
        "a.jpg",
        photo,
        Some("photo-1"),
    )
    .await;
    assert_problem(&misuse, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rows_of(app, c.id).await.len(), 2);
}

#[derive(PartialEq)]
enum Abort {
    No,
    /// Drop the connection once this many bytes are sent.
    After(usize),
}

/// An upload over a raw connection, so that it can stop mid-body. `length`
/// None sends the body chunked. Returns the response's head (empty when cut off).
async fn raw_upload(
    app: &TestApp,
    path: &str,
    token: &str,
    length: Option<usize>,
    body: &[u8],
    abort: Abort,
) -> String {
    let (stream, head) = raw_start(app, path, token, length).await;
    raw_finish(stream, head, body.to_vec(), abort).await
}

async fn raw_start(app: &TestApp, path: &str, token: &str, length: Option<usize>) -> (TcpStream, String) {
    let host = app.base.trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(&host).await.expect("connect");
    let framing = match length {
        Some(n) => format!("Content-Length: {n}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_owned(),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nX-File-Name: report.txt\r\n\
         Content-Type: application/octet-stream\r\n{framing}Connection: close\r\n\r\n"
    );
    (stream, head)
}

async fn raw_finish(mut stream: TcpStream, head: String, body: Vec<u8>, abort: Abort) -> String {
    let chunked = head.contains("chunked");
    stream.write_all(head.as_bytes()).await.expect("head");
    let mut sent = 0;
    for piece in body.chunks(64 * 1024) {
        let stop = match abort {
            Abort::After(n) => sent >= n,
            Abort::No => false,
        };
        if stop {
            break;
        }
        let written = if chunked {
            stream
                .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .await
                .and(stream.write_all(piece).await)
                .and(stream.write_all(b"\r\n").await)
        } else {
            stream.write_all(piece).await
        };
        if written.is_err() {
            // The server answered early (413) and closed its side.
            break;
        }
        sent += piece.len();
    }
    if matches!(abort, Abort::After(_)) {
        drop(stream);
        return String::new();
    }
    if chunked && sent == body.len() {
        let _ = stream.write_all(b"0\r\n\r\n").await;
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// How many objects the test's storage holds.
async fn objects(env: &Env) -> usize {
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("select storage_key, thumb_small_key, thumb_medium_key from app.attachments")
            .fetch_all(&env.app.owner)
            .await
            .expect("keys");
    let storage = env.storage();
    // Every row's objects exist: no row points at a missing object.
    for (key, small, medium) in &rows {
        for key in [Some(key), small.as_ref(), medium.as_ref()].into_iter().flatten() {
            assert!(storage.exists(key).await.expect("head"), "{key} is missing");
        }
    }
    match env.backend {
        Backend::Fs => count_files(&PathBuf::from(&env.app.config_vars["STORAGE_URL"])),
        Backend::S3 => rows.len(),
    }
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.filter_map(Result::ok).map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 }).sum()
}

fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            if e.path().is_dir() {
                dir_bytes(&e.path())
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            }
        })
        .sum()
}

async fn an_upload_cut_off_mid_stream_leaves_no_row_and_no_object(backend: Backend) {
    let env = Env::start(backend, &[]).await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, _) = job_and_request(app, &c).await;
    let path = format!("/api/v1/jobs/{job}/attachments");
    let body = "a line of the report\n".repeat(400_000).into_bytes();

    let (stream, head) = raw_start(app, &path, &c.worker.access, Some(body.len())).await;
    let cut = tokio::spawn(raw_finish(stream, head, body, Abort::After(6 * 1024 * 1024)));
    // The row is pending while the bytes flow; then the client goes away.
    let mut saw_pending = false;
    for _ in 0..200 {
        if rows_of(app, c.id).await.iter().any(|(_, state, _)| state == "pending") {
            saw_pending = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(saw_pending, "the upload recorded a pending row");
    cut.await.expect("client");
    for _ in 0..100 {
        if rows_of(app, c.id).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rows_of(app, c.id).await, vec![], "the cut-off upload's row is gone");
    assert_eq!(objects(&env).await, 0, "and so is its object");

    // The next upload is unaffected.
    let reply = upload(app, &path, &c.worker.access, "after.jpg", jpeg(32, 32)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

async fn the_sweeper_removes_crashed_uploads_and_expired_deletions(backend: Backend) {
    let env = Env::start(
        backend,
        &[
            ("ATTACHMENT_PENDING_SECONDS", "2"),
            ("ATTACHMENT_RETENTION_SECONDS", "1"),
            ("ATTACHMENT_SWEEP_SECONDS", "0.3"),
        ],
    )
    .await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, _) = job_and_request(app, &c).await;
    let storage = env.storage();

    // A server that died mid-upload: a pending row, and part of an object.
    let key = fieldops::storage::new_key(c.id);
    storage.put(&key, bytes::Bytes::from_static(b"half of a photo")).await.expect("put");
    let crashed: Uuid = sqlx::query_scalar(
        "insert into app.attachments (company_id, job_id, storage_key, file_name, uploaded_by)
         values ($1, $2, $3, 'crash.jpg', $4) returning id",
    )
    .bind(c.id)
    .bind(job)
    .bind(&key)
    .bind(c.worker.user_id)
    .fetch_one(&app.owner)
    .await
    .expect("a crashed upload's row");
    // A file deleted by its uploader.
    let photo =
        upload(app, &format!("/api/v1/jobs/{job}/attachments"), &c.worker.access, "old.jpg", jpeg(100, 100))
            .await;
    let photo_id = photo.id();
    let kept =
        upload(app, &format!("/api/v1/jobs/{job}/attachments"), &c.worker.access, "kept.jpg", jpeg(100, 100))
            .await;
    let photo_key: String = sqlx::query_scalar("select storage_key from app.attachments where id = $1")
        .bind(photo_id)
        .fetch_one(&app.owner)
        .await
        .expect("key");
    assert_eq!(
        app.delete(&format!("/api/v1/attachments/{photo_id}"), &c.worker.access).await.status,
        StatusCode::NO_CONTENT
    );

    for _ in 0..100 {
        if rows_of(app, c.id).await.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = rows_of(app, c.id).await;
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![kept.id()],
        "crashed {crashed} and deleted {photo_id} are swept"
    );
    assert!(!storage.exists(&key).await.expect("head"), "the crashed upload's object is removed");
    assert!(!storage.exists(&photo_key).await.expect("head"), "the deleted file's object is removed");
    assert!(!storage.exists(&format!("{photo_key}.s")).await.expect("head"), "with its thumbnails");
    assert_eq!(objects(&env).await, if backend == Backend::Fs { 3 } else { 1 });
}

async fn a_20_mb_upload_streams_without_holding_it_or_a_connection(backend: Backend) {
    let env = Env::start(backend, &[]).await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, _) = job_and_request(app, &c).await;
    let path = format!("/api/v1/jobs/{job}/attachments");
    let line = "twenty megabytes of a long site report\n";
    let body = line.repeat(20 * 1024 * 1024 / line.len()).into_bytes();
    assert!(body.len() > 20_000_000);

    // Halfway, the client pauses.
    let (stream, head) = raw_start(app, &path, &c.admin.access, Some(body.len())).await;
    let half = 12 * 1024 * 1024;
    let first_half = body[..half].to_vec();
    let mut stream = stream;
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&first_half).await.expect("first half");
    tokio::time::sleep(Duration::from_millis(800)).await;
    // No database connection waits in a transaction while the bytes flow.
    let superuser = sqlx::PgPool::connect(&superuser_url(&app.database)).await.expect("superuser");
    let idle: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'",
    )
    .fetch_one(&superuser)
    .await
    .expect("activity");
    assert_eq!(idle, 0, "a connection is held in a transaction during the upload");
    if backend == Backend::Fs {
        // The first parts are already in storage: the server passes the
        // bytes on rather than holding the file.
        let stored = dir_bytes(&PathBuf::from(&app.config_vars["STORAGE_URL"]));
        assert!(stored >= 5 * 1024 * 1024, "only {stored} bytes reached storage while the client paused");
    }
    stream.write_all(&body[half..]).await.expect("second half");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{}", &answer[..answer.len().min(400)]);
    assert!(answer.contains(&hex_sha256(&body)));

    let reply = app.get(&path, &c.admin.access).await;
    let id = reply.body[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(reply.body[0]["size_bytes"], body.len());
    let (status, _, bytes) = download(app, &id, "", &c.admin.access).await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes == body, "the download is the upload");
}

async fn a_share_link_shows_only_customer_visible_photos_while_it_opens(backend: Backend) {
    let env = Env::start(backend, &[]).await;
    let app = &env.app;
    let c = app.company("acme").await;
    let (job, _) = job_and_request(app, &c).await;
    let path = format!("/api/v1/jobs/{job}/attachments");
    let shown = jpeg(500, 400);
    let visible = upload(
        app,
        &format!("{path}?visibility=customer&group=after"),
        &c.worker.access,
        "done.jpg",
        shown.clone(),
    )
    .await;
    upload(app, &path, &c.worker.access, "internal.jpg", jpeg(50, 50)).await;
    upload(app, &format!("{path}?visibility=customer"), &c.admin.access, "quote.pdf", pdf("quote")).await;
    let link = app.post(&format!("/api/v1/jobs/{job}/share-links"), &c.admin.access, json!({})).await;
    let token = link.body["token"].as_str().expect("token").to_owned();

    let photos = app.request(Method::GET, &format!("/api/v1/share/{token}/photos"), None, None).await;
    assert_eq!(photos.status, StatusCode::OK, "{:?}", photos.body);
    let names: Vec<&str> = photos
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["file_name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["done.jpg"], "only customer-visible photos: no internal one, no document");
    let id = visible.body["id"].as_str().expect("id");
    let original =
        app.client.get(app.url(&format!("/api/v1/share/{token}/photos/{id}"))).send().await.expect("photo");
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(original.bytes().await.expect("bytes").to_vec(), shown);
    let small = app
        .client
        .get(app.url(&format!("/api/v1/share/{token}/photos/{id}?variant=small")))
        .send()
        .await
        .expect("small");
    assert_eq!(small.headers()["content-type"], "image/jpeg");
    // Another id (an internal photo's, a document's) is not on the link.
    let internal_id: Uuid =
        sqlx::query_scalar("select id from app.attachments where file_name = 'internal.jpg'")
            .fetch_one(&app.owner)
            .await
            .expect("id");
    let refused = app
        .client
        .get(app.url(&format!("/api/v1/share/{token}/photos/{internal_id}")))
        .send()
        .await
        .expect("internal");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // Revoked, the link shows nothing.
    let link_id = link.body["id"].as_str().expect("link id");
    assert_eq!(
        app.delete(&format!("/api/v1/share-links/{link_id}"), &c.admin.access).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = app.request(Method::GET, &format!("/api/v1/share/{token}/photos"), None, None).await;
    assert_eq!(gone.status, StatusCode::OK);
    assert_eq!(gone.body, json!([]));
    let gone =
        app.client.get(app.url(&format!("/api/v1/share/{token}/photos/{id}"))).send().await.expect("photo");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}
