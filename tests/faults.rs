//! Faults, against the real `fieldops` binary: the database going away and
//! coming back, SIGTERM with requests in flight, and `kill -9` under a write
//! load. Each test runs its own PostgreSQL cluster, because one of them stops it.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fieldops::{cli::seed, db, embedded::Cluster};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &str = "correct-horse-battery";

struct Fixture {
    cluster: Cluster,
    database_url: String,
    owner: sqlx::PgPool,
    port: u16,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
        let _ = std::fs::remove_dir_all(self.cluster.data_dir());
    }
}

/// A port nobody listens on right now, so parallel test runs do not collide.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A cluster of its own (on free ports), a migrated database with one company.
async fn fixture(name: &str) -> Fixture {
    let (pg_port, http_port) = (free_port(), free_port());
    let dir = format!("{}/target/fault-pg-{name}-{}", env!("CARGO_MANIFEST_DIR"), std::process::id());
    let cluster = Cluster::new(&dir, pg_port).expect("paths").tuned_for_tests();
    cluster.ensure_started().expect("start cluster");
    let superuser = db::admin_pool(&cluster.url("postgres", "postgres")).await.expect("superuser");
    sqlx::query("drop database if exists fieldops with (force)").execute(&superuser).await.expect("drop");
    db::bootstrap(&superuser, "fieldops").await.expect("bootstrap");
    superuser.close().await;
    let owner = db::admin_pool(&cluster.url("fieldops_owner", "fieldops")).await.expect("owner");
    db::migrate(&owner).await.expect("migrate");
    seed::create_company(
        &owner,
        &seed::NewCompany {
            name: "Acme",
            slug: "acme",
            color: "#123456",
            admin_email: "admin@acme.test",
            admin_name: "Admin",
            admin_password: PASSWORD,
        },
    )
    .await
    .expect("company");
    Fixture {
        database_url: cluster.url("fieldops_authenticator", "fieldops"),
        cluster,
        owner,
        port: http_port,
    }
}

fn start_server(fixture: &Fixture) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fieldops"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "production")
        .env("JWT_SECRET", "fault-test-secret-fault-test-secret-0123456789")
        .env("DATABASE_URL", &fixture.database_url)
        .env("BIND_ADDR", format!("127.0.0.1:{}", fixture.port))
        .env("LOGIN_FAILURES_PER_MINUTE", "1000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn fieldops serve")
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
            if response.status() == StatusCode::OK {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} never became ready");
}

async fn login(client: &reqwest::Client, base: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"company": "acme", "email": "admin@acme.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login sent");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: plain kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(rc, 0, "kill failed");
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not exit in {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_database_outage_answers_503_quickly_and_recovers_by_itself() {
    let fixture = fixture("outage").await;
    let mut server = start_server(&fixture);
    let base = format!("http://127.0.0.1:{}", fixture.port);
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;
    let token = login(&client, &base).await;
    let me = |client: reqwest::Client, token: String, base: String| async move {
        client.get(format!("{base}/api/v1/auth/me")).bearer_auth(token).send().await.expect("sent")
    };
    assert_eq!(me(client.clone(), token.clone(), base.clone()).await.status(), StatusCode::OK);

    fixture.owner.close().await;
    fixture.cluster.stop().expect("stop the database");
    let started = Instant::now();
    let down = me(client.clone(), token.clone(), base.clone()).await;
    let elapsed = started.elapsed();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(elapsed < Duration::from_secs(2), "503 took {elapsed:?}");
    println!("database down: 503 after {elapsed:?}");
    assert_eq!(down.headers()["content-type"], "application/problem+json");
    assert!(down.headers().contains_key("retry-after"), "{:?}", down.headers());
    let ready = client.get(format!("{base}/readyz")).send().await.expect("readyz");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let live = client.get(format!("{base}/healthz")).send().await.expect("healthz");
    assert_eq!(live.status(), StatusCode::OK, "the process stays up");
    assert!(server.try_wait().expect("try_wait").is_none());

    fixture.cluster.ensure_started().expect("restart the database");
    let restarted_at = Instant::now();
    let deadline = restarted_at + Duration::from_secs(15);
    loop {
        let status = me(client.clone(), token.clone(), base.clone()).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(client.get(format!("{base}/readyz")).send().await.expect("readyz").status(), StatusCode::OK);
    println!("database back: serving again {:?} after the restart", restarted_at.elapsed());
    signal(&server, libc::SIGTERM);
    wait_exit(&mut server, Duration::from_secs(10));
}

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_and_exits_zero() {
    let fixture = fixture("sigterm").await;
    let mut server = start_server(&fixture);
    let base = format!("http://127.0.0.1:{}", fixture.port);
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;

    // Sign-ins hash with argon2: slow enough to be in flight when the signal lands.
    let in_flight: Vec<_> = (0..16)
        .map(|_| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                client
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&json!({"company": "acme", "email": "admin@acme.test", "password": PASSWORD}))
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    signal(&server, libc::SIGTERM);
    for request in in_flight {
        let status = request.await.expect("task").expect("an in-flight request was cut off");
        assert_eq!(status, StatusCode::OK);
    }
    let status = wait_exit(&mut server, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "graceful shutdown exits 0");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn kill_9_under_write_load_loses_no_acknowledged_write_and_half_applies_none() {
    let fixture = fixture("kill").await;
    let mut server = start_server(&fixture);
    let base = format!("http://127.0.0.1:{}", fixture.port);
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;
    let token = login(&client, &base).await;
    let customer: Value = client
        .post(format!("{base}/api/v1/customers"))
        .bearer_auth(&token)
        .json(&json!({"name": "Load Customer"}))
        .send()
        .await
        .expect("customer")
        .json()
        .await
        .expect("json");
    let customer_id = customer["id"].as_str().expect("id").to_owned();

    // Eight writers create jobs with three tasks each until the server dies.
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (client, base, token, customer_id) =
                (client.clone(), base.clone(), token.clone(), customer_id.clone());
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    let title = format!("load {writer}-{n}");
                    let sent = client
                        .post(format!("{base}/api/v1/jobs"))
                        .bearer_auth(&token)
                        .json(&json!({"customer_id": customer_id, "title": title, "tasks": ["a", "b", "c"]}))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == StatusCode::CREATED => acknowledged.push(title),
                        Ok(response) => panic!("unexpected {}", response.status()),
                        Err(_) => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    signal(&server, libc::SIGKILL);
    wait_exit(&mut server, Duration::from_secs(5));
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.expect("writer"));
    }
    assert!(acknowledged.len() > 10, "the load should have written something: {}", acknowledged.len());

    // A new process on the same database: everything answered 201 is there.
    let mut restarted = start_server(&fixture);
    wait_healthy(&client, &base).await;
    let stored: Vec<String> = sqlx::query_scalar("select title from app.jobs where title like 'load %'")
        .fetch_all(&fixture.owner)
        .await
        .expect("titles");
    for title in &acknowledged {
        assert!(stored.contains(title), "acknowledged write {title} is missing");
    }
    let half_applied: i64 = sqlx::query_scalar(
        "select count(*) from app.jobs j
         where j.title like 'load %' and (select count(*) from app.job_tasks t where t.job_id = j.id) <> 3",
    )
    .fetch_one(&fixture.owner)
    .await
    .expect("count");
    assert_eq!(half_applied, 0, "a job was stored without all its tasks");
    println!(
        "kill -9: {} acknowledged jobs, all stored, none half-applied ({} stored in all)",
        acknowledged.len(),
        stored.len()
    );
    signal(&restarted, libc::SIGTERM);
    wait_exit(&mut restarted, Duration::from_secs(10));
}
