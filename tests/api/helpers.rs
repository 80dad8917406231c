//! Spawns the application on a fresh database per test.
//!
//! The cluster is the project-local test cluster (`target/test-pg`, started on
//! first use; `make test` stops it afterwards). A template database is migrated
//! once per test binary and each test gets a copy of it, so tests never share
//! rows. The app's pool is the authenticator; `owner` is for arranging data and
//! for checking that refused requests changed nothing.
//!
//! With `FIELDOPS_TEST_CITUS_WORKER_PORTS` set, the cluster is instead a running
//! Citus coordinator and the template and its copies live on every node
//! (`citus.rs`).

#![allow(dead_code)]

pub mod citus;

use std::{
    collections::HashMap,
    io,
    sync::{Arc, Mutex, OnceLock},
};

use fieldops::{
    cli::seed::{self, NewCompany},
    config::{AuthConfig, Config},
    db,
    embedded::Cluster,
    http::shared::AppState,
    startup::Application,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::sync::OnceCell;
use uuid::Uuid;

pub const PASSWORD: &str = "correct-horse-battery";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let port = std::env::var("FIELDOPS_TEST_PG_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(54330);
        let dir = std::env::var("FIELDOPS_TEST_PG_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-pg").to_owned());
        let cluster = Cluster::new(dir, port).expect("cluster paths").tuned_for_tests();
        // A Citus cluster is started and stopped by scripts/test/test-citus.sh.
        if !citus::enabled() {
            cluster.ensure_started().expect("starting the test cluster");
        }
        cluster
    })
}

/// Name of the migrated template database, created once per test binary.
async fn template() -> &'static str {
    if citus::enabled() {
        return citus_template().await;
    }
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let cluster = cluster();
            let superuser =
                db::admin_pool(&cluster.url("postgres", "postgres")).await.expect("superuser pool");
            let name = format!("tpl_{}", std::process::id());
            // Copies left by earlier runs are dropped first (nothing uses them).
            let stale: Vec<String> = sqlx::query_scalar(
                "select datname::text from pg_database where datname like 't\\_%' or datname like 'tpl\\_%'",
            )
            .fetch_all(&superuser)
            .await
            .expect("listing databases");
            for old in stale {
                let _ = superuser
                    .execute(
                        format!("drop database if exists {} with (force)", db::quote_ident(&old)).as_str(),
                    )
                    .await;
            }
            db::bootstrap(&superuser, &name).await.expect("bootstrap");
            let owner = db::admin_pool(&cluster.url("fieldops_owner", &name)).await.expect("owner pool");
            db::migrate(&owner).await.expect("migrate");
            owner.close().await;
            superuser.close().await;
            name
        })
        .await
}

/// The template on every Citus node. A failed bootstrap or migration is kept
/// and reported by every test, rather than attempted again by each one.
async fn citus_template() -> &'static str {
    static TEMPLATE: OnceCell<Result<String, String>> = OnceCell::const_new();
    let template = TEMPLATE
        .get_or_init(|| async {
            let name = format!("tpl_{}", std::process::id());
            citus::create_template(cluster().port(), &name).await.map(|()| name)
        })
        .await;
    match template {
        Ok(name) => name,
        Err(e) => panic!("the Citus template: {e}"),
    }
}

/// A superuser URL for `database` on the test cluster (the coordinator, on Citus).
pub fn superuser_url(database: &str) -> String {
    cluster().url("postgres", database)
}

/// `FIELDOPS_TEST_POOLER_PORT` (scripts/test/test-pgbouncer.sh): the app's own
/// pools (the server's and, derived from it, the sign-in pool) connect through
/// a connection pooler on 127.0.0.1 at that port, which forwards every database
/// to the test cluster. Superuser, owner and the tests' own SQL-level pools
/// still connect to PostgreSQL directly.
pub fn pooler_port() -> Option<u16> {
    std::env::var("FIELDOPS_TEST_POOLER_PORT").ok().and_then(|p| p.parse().ok())
}

/// The app's DATABASE_URL through the pooler, when one is configured.
fn server_url(database: &str) -> Option<String> {
    pooler_port().map(|port| format!("postgres://fieldops_authenticator@127.0.0.1:{port}/{database}"))
}

pub struct TestApp {
    pub base: String,
    /// The settings this instance was started with.
    pub config_vars: HashMap<String, String>,
    pub client: reqwest::Client,
    /// Owner connection, for arranging data and asserting on it.
    pub owner: PgPool,
    /// A separate authenticator pool, for SQL-level checks.
    pub authenticator: PgPool,
    /// The sign-in flow's login role (`fieldops_login`), for SQL-level checks.
    pub login: PgPool,
    pub database: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(axum::Router::new()).await
}

pub async fn spawn_app_with(extra: axum::Router<AppState>) -> TestApp {
    spawn_app_configured(extra, &[]).await
}

/// The template copied as `database` on the (single-node) test cluster.
async fn copy_template(template: &str, database: &str) {
    let mut superuser =
        PgConnection::connect(&cluster().url("postgres", "postgres")).await.expect("superuser");
    superuser
        .execute(format!("create database {database} template {template} owner fieldops_owner").as_str())
        .await
        .expect("copying the template");
    // CREATE DATABASE does not copy the template's database privileges.
    superuser
        .execute(format!("revoke temporary on database {database} from public").as_str())
        .await
        .expect("revoking TEMP");
    superuser.close().await.ok();
}

/// With settings overridden, e.g. `[("LOGIN_FAILURES_PER_MINUTE", "5")]`.
pub async fn spawn_app_configured(extra: axum::Router<AppState>, overrides: &[(&str, &str)]) -> TestApp {
    let template = template().await;
    let cluster = cluster();
    let database = format!("t_{}", Uuid::new_v4().simple());
    if citus::enabled() {
        citus::copy_template(cluster.port(), template, &database).await;
    } else {
        copy_template(template, &database).await;
    }

    let authenticator_url = cluster.url("fieldops_authenticator", &database);
    let server_url = server_url(&database).unwrap_or_else(|| authenticator_url.clone());
    let vars: HashMap<&str, String> = HashMap::from([
        ("APP_ENV", "development".to_owned()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", server_url.clone()),
        ("DB_MAX_CONNECTIONS", "8".to_owned()),
        // Every test signs in from 127.0.0.1; the throttling test sets its own limit.
        ("LOGIN_FAILURES_PER_MINUTE", "1000".to_owned()),
        ("PASSWORD_RESETS_PER_HOUR", "1000".to_owned()),
        // Mail of tests without an SMTP server (tests/api/mail.rs starts one)
        // goes to a directory of the test's own, not the developer's .data/mail.
        ("MAIL_DIR", format!("{}/target/test-mail/{database}", env!("CARGO_MANIFEST_DIR"))),
        // Attachments' bytes, likewise (tests/api/attachments.rs runs S3 too).
        ("STORAGE_URL", format!("{}/target/test-files/{database}", env!("CARGO_MANIFEST_DIR"))),
    ]);
    let mut vars = vars;
    for (key, value) in overrides {
        vars.insert(key, (*value).to_owned());
    }
    let config = Config::from_lookup(|key| vars.get(key).cloned()).expect("test config");
    let auth = AuthConfig::from_lookup(config.env, |key| vars.get(key).cloned()).expect("test auth config");
    let pool = db::server_pool(&server_url, &config.database).expect("server pool");
    let app = Application::build_with(config, auth, pool, extra).await.expect("build app");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());

    TestApp {
        base,
        config_vars: vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        owner: db::admin_pool(&cluster.url("fieldops_owner", &database)).await.expect("owner pool"),
        // Tests hold a request's transaction open while they open others (one
        // company busy while another attacks); on a loaded 2-core machine, and
        // on Citus, a dropped one takes a while to roll back and return.
        authenticator: sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(std::time::Duration::from_secs(60))
            .connect(&authenticator_url)
            .await
            .expect("authenticator pool"),
        login: db::admin_pool(&cluster.url(db::LOGIN_ROLE, &database)).await.expect("login pool"),
        database,
    }
}

impl Drop for TestApp {
    /// On Citus, every live test database keeps a maintenance daemon on each
    /// node, and the nodes' few background-worker slots run out after a handful
    /// (`could not start maintenance background worker`, and no distributed
    /// deadlock detection after that): a finished test's copies are dropped.
    /// A single-node run keeps them until the next run, as always.
    fn drop(&mut self) {
        if citus::enabled() {
            citus::drop_in_background(cluster().port(), self.database.clone());
        }
    }
}

/// A response with its body parsed as JSON (Null when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn id(&self) -> Uuid {
        self.body["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no id in {self:?}"))
    }
}

/// Signed-in user handles.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user_id: Uuid,
}

/// A company with one user of each role.
#[derive(Debug, Clone)]
pub struct Company {
    pub id: Uuid,
    pub slug: String,
    pub admin: Session,
    pub worker: Session,
    pub worker_id: Uuid,
    pub customer: Session,
    pub customer_id: Uuid,
}

impl TestApp {
    /// The transaction the API opens for this access token: the real context
    /// batch, over this test's authenticator pool. For SQL-level checks "as the
    /// request would run".
    pub async fn request_tx(&self, access: &str) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let lookup = |key: &str| self.config_vars.get(key).cloned();
        let config = Config::from_lookup(lookup).expect("test config");
        let auth = AuthConfig::from_lookup(config.env, lookup).expect("test auth config");
        let keys = fieldops::auth::jwt::Keys::new(
            auth.jwt_secret.expose().as_bytes(),
            &auth.jwt_issuer,
            auth.access_token_ttl,
        );
        let claims = keys.verify(access).expect("a valid access token");
        let user = fieldops::http::shared::context::CurrentUser::from(&claims);
        fieldops::http::shared::context::open_detected(&self.authenticator, &user, (&config).into())
            .await
            .expect("request context")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    pub async fn login_reply(&self, company: &str, email: &str, password: &str) -> Reply {
        self.request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "company": company, "email": email, "password": password })),
        )
        .await
    }

    pub async fn login(&self, company: &str, email: &str) -> Session {
        let reply = self.login_reply(company, email, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "login of {email}@{company}: {:?}", reply.body);
        Session {
            access: reply.body["access_token"].as_str().expect("access token").to_owned(),
            refresh: reply.body["refresh_token"].as_str().expect("refresh token").to_owned(),
            user_id: reply.body["user"]["id"].as_str().and_then(|s| s.parse().ok()).expect("user id"),
        }
    }

    /// A customer row, written as the owner.
    pub async fn insert_customer(&self, company_id: Uuid, name: &str) -> Uuid {
        sqlx::query_scalar("insert into app.customers (company_id, name) values ($1, $2) returning id")
            .bind(company_id)
            .bind(name)
            .fetch_one(&self.owner)
            .await
            .expect("insert customer")
    }

    /// Creates company `slug` (bootstrap path) with an admin, then a worker and
    /// a customer login through the API, and signs all three in.
    pub async fn company(&self, slug: &str) -> Company {
        let admin_email = format!("admin@{slug}.test");
        let id = seed::create_company(
            &self.owner,
            &NewCompany {
                name: &format!("Company {slug}"),
                slug,
                color: "#123456",
                admin_email: &admin_email,
                admin_name: "Admin",
                admin_password: PASSWORD,
            },
        )
        .await
        .expect("create company");
        let admin = self.login(slug, &admin_email).await;
        let worker_email = format!("worker@{slug}.test");
        let reply = self
            .post(
                "/api/v1/users",
                &admin.access,
                json!({ "name": format!("Worker {slug}"), "email": worker_email, "password": PASSWORD, "role": "WORKER" }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        let worker_id = reply.id();
        let customer_id = self.create_customer(&admin.access, &format!("Customer of {slug}")).await;
        let customer_email = format!("customer@{slug}.test");
        let reply = self
            .post(
                "/api/v1/users",
                &admin.access,
                json!({ "name": format!("Customer {slug}"), "email": customer_email, "password": PASSWORD,
                        "role": "CUSTOMER", "customer_id": customer_id }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        let worker = self.login(slug, &worker_email).await;
        let customer = self.login(slug, &customer_email).await;
        Company { id, slug: slug.to_owned(), admin, worker, worker_id, customer, customer_id }
    }
}

impl TestApp {
    /// Another API instance on the same database: a second replica.
    pub async fn second_instance(&self) -> String {
        let vars = self.config_vars.clone();
        let mut config = Config::from_lookup(|key| vars.get(key).cloned()).expect("config");
        config.database.max_connections = 4;
        let auth = AuthConfig::from_lookup(config.env, |key| vars.get(key).cloned()).expect("auth config");
        let url = vars.get("DATABASE_URL").expect("url").clone();
        let pool = db::server_pool(&url, &config.database).expect("pool");
        let app = Application::build(config, auth, pool).await.expect("build");
        let base = format!("http://{}", app.local_addr());
        tokio::spawn(app.run_until_stopped());
        base
    }

    pub async fn create_customer(&self, token: &str, name: &str) -> Uuid {
        let reply = self.post("/api/v1/customers", token, json!({ "name": name })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.id()
    }

    /// The company's statuses, in order: New, Scheduled, In progress, Completed.
    pub async fn status_ids(&self, token: &str) -> Vec<Uuid> {
        let reply = self.get("/api/v1/job-statuses", token).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply
            .body
            .as_array()
            .expect("statuses")
            .iter()
            .map(|s| s["id"].as_str().expect("id").parse().expect("uuid"))
            .collect()
    }

    /// Creates a job through the API and returns its detail.
    pub async fn create_job(&self, token: &str, body: Value) -> Reply {
        let reply = self.post("/api/v1/jobs", token, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply
    }

    /// A digest of every row a company owns, to prove a refused request changed nothing.
    pub async fn fingerprint(&self, company_id: Uuid) -> String {
        sqlx::query_scalar(
            "select md5(string_agg(row, '|' order by row)) from (
               select t::text as row from app.customers t where company_id = $1
               union all select t::text from app.users t where company_id = $1
               union all select t::text from app.job_statuses t where company_id = $1
               union all select t::text from app.jobs t where company_id = $1
               union all select t::text from app.job_tasks t where company_id = $1
               union all select t::text from app.job_notes t where company_id = $1
               union all select t::text from app.share_links t where company_id = $1
               union all select t::text from app.service_locations t where company_id = $1
               union all select t::text from app.service_location_access t where company_id = $1
               union all select t::text from app.contacts t where company_id = $1
               union all select t::text from app.contact_methods t where company_id = $1
               union all select t::text from app.portal_settings t where company_id = $1
               union all select t::text from app.portal_accounts t where company_id = $1
               union all select t::text from app.portal_invitations t where company_id = $1
               union all select t::text from app.portal_verification_tokens t where company_id = $1
               union all select t::text from app.job_requests t where company_id = $1
               union all select t::text from app.job_request_changes t where company_id = $1
               union all select t::text from app.communications t where company_id = $1
               union all select t::text from app.contact_locations t where company_id = $1
               union all select t::text from app.custom_field_definitions t where company_id = $1
               union all select t::text from app.attachments t where company_id = $1
               union all select t::text from app.roles t where company_id = $1
               union all select t::text from app.role_permissions t where company_id = $1
               union all select t::text from app.branches t where company_id = $1
               union all select t::text from app.companies t where id = $1
             ) rows",
        )
        .bind(company_id)
        .fetch_one(&self.owner)
        .await
        .expect("fingerprint")
    }
}

/// Asserts a problem+json answer with the given status.
/// The `id` of a JSON object the API returned.
pub fn id_of(value: &Value) -> Uuid {
    value["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no id in {value}"))
}

pub fn assert_problem(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "body: {:?}", reply.body);
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(content_type, "application/problem+json", "{reply:?}");
    assert_eq!(reply.body["status"], json!(status.as_u16()));
}

/// The app's log output, as the production JSON format writes it.
///
/// The subscriber is process-wide, so from the first call on it also holds the
/// lines of tests running alongside; tests look for their own values in it.
#[derive(Clone)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

pub struct LogSink(Arc<Mutex<Vec<u8>>>);

impl io::Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogSink;

    fn make_writer(&'a self) -> LogSink {
        LogSink(self.0.clone())
    }
}

/// Installs the JSON subscriber (at debug level, more than production logs)
/// writing into a buffer, once per test binary.
pub fn captured_logs() -> LogCapture {
    static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = LogCapture(Arc::new(Mutex::new(Vec::new())));
            let filter = tracing_subscriber::EnvFilter::new("debug,fieldops=trace,tower_http=trace");
            let subscriber =
                fieldops::telemetry::subscriber(fieldops::config::LogFormat::Json, filter, capture.clone());
            tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
            capture
        })
        .clone()
}
