//! Configuration, read once from the environment (and `.env`) at start-up. A bad
//! value fails here, never in the middle of a request.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    str::FromStr,
    time::Duration,
};

use anyhow::{bail, Context};
use ipnet::IpNet;

/// Deployment environment; selects defaults and how strict secrets are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Staging,
    Production,
}

impl AppEnv {
    pub fn as_str(self) -> &'static str {
        match self {
            AppEnv::Development => "development",
            AppEnv::Staging => "staging",
            AppEnv::Production => "production",
        }
    }

    pub fn is_development(self) -> bool {
        self == AppEnv::Development
    }
}

impl FromStr for AppEnv {
    type Err = anyhow::Error;

    fn from_str(value: &str) -> anyhow::Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(AppEnv::Development),
            "staging" => Ok(AppEnv::Staging),
            "production" | "prod" => Ok(AppEnv::Production),
            other => bail!("APP_ENV must be development, staging or production, not {other:?}"),
        }
    }
}

/// A value that must never reach a log line.
#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How log lines are written: `pretty` for a terminal, `json` for a log pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Pretty => "pretty",
            LogFormat::Json => "json",
        }
    }
}

/// Origins of the Vite dev server, allowed by default in development only.
pub const DEVELOPMENT_CORS_ORIGINS: &[&str] = &["http://localhost:5173", "http://127.0.0.1:5173"];

/// The secret shipped for development; refused outside development.
pub const DEVELOPMENT_JWT_SECRET: &str = "fieldops-development-secret-do-not-use-in-production";

/// Every command's settings. The token settings, with the signing secret, are
/// apart in [`AuthConfig`]: only `serve` signs tokens, so only it reads them.
#[derive(Debug, Clone)]
pub struct Config {
    pub env: AppEnv,
    pub log_format: LogFormat,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub embedded: EmbeddedConfig,
    pub mail: MailConfig,
    pub storage: StorageConfig,
}

/// The HTTP server: where it listens, what it serves, whom it believes.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind_addr: SocketAddr,
    /// Public base URL used in share links. When it is `https://`, responses
    /// carry `Strict-Transport-Security`.
    pub public_url: String,
    /// Built web app served at `/`; skipped when the directory does not exist.
    pub web_dir: PathBuf,
    /// Browser origins allowed to call the API cross-origin (CORS). Empty: same
    /// origin only, which is the default outside development.
    pub cors_allowed_origins: Vec<String>,
    /// Where Prometheus scrapes `/metrics`; `None` disables the listener. Never
    /// the public port.
    pub metrics_addr: Option<SocketAddr>,
    /// Reverse proxies whose `X-Forwarded-For` is believed, for the client
    /// address that sign-in throttling counts. Empty: the peer address, always.
    pub trusted_proxies: Vec<IpNet>,
}

/// Where and how the server connects to PostgreSQL.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// Where the server connects. `None` in development starts the embedded cluster.
    pub url: Option<Secret<String>>,
    /// The sign-in pool's URL (`fieldops_login`). `None`: DATABASE_URL's
    /// settings with that user name.
    pub login_url: Option<Secret<String>>,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// Longest a single statement of the server's pool may run
    /// (`statement_timeout`); zero disables it.
    pub statement_timeout: Duration,
    /// Longest a request's transaction may sit idle between statements
    /// (`idle_in_transaction_session_timeout`); zero disables it.
    pub idle_in_transaction_timeout: Duration,
}

impl ServerConfig {
    /// Browsers must only ever reach an https site over https (HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }
}

/// The embedded development cluster (`make run`, `fieldops db …`).
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    /// Data directory of the embedded development cluster.
    pub data_dir: PathBuf,
    pub port: u16,
}

/// Outgoing mail: where the sender of `fieldops serve` delivers the outbox
/// (src/mail/), and how it retries.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// The sender, `Name <address>` or `address`.
    pub from: String,
    /// Attempts before a mail is given up as failed.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; it doubles after each one.
    pub retry_base: Duration,
    /// The longest wait between two attempts.
    pub retry_max: Duration,
    /// How often the sender looks for due mail it was not told about (mail
    /// queued by another replica, retries).
    pub poll_interval: Duration,
}

/// Attachments: where their bytes live and the limits on them
/// (docs/attachments.md).
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// `STORAGE_URL`: `s3://bucket[/prefix]` (endpoint and credentials from
    /// the standard `AWS_*` variables), `file:///absolute/dir`, or a plain
    /// directory; by default `files/` beside the embedded cluster's data.
    pub url: String,
    /// `ATTACHMENT_MAX_BYTES`: one file's limit.
    pub max_file_bytes: u64,
    /// `ATTACHMENT_QUOTA_BYTES`: what one company may keep in all.
    pub quota_bytes: u64,
    /// `ATTACHMENT_KEEP_LOCATION`: keep photos' GPS position (off: removed).
    pub keep_location: bool,
    /// `ATTACHMENT_RETENTION_SECONDS`: how long a deleted file's bytes stay.
    pub retention: Duration,
    /// `ATTACHMENT_PENDING_SECONDS`: an upload not finished by then is
    /// abandoned and swept (longer than any upload may take).
    pub pending_timeout: Duration,
    /// `ATTACHMENT_SWEEP_SECONDS`: how often the sweeper runs.
    pub sweep_interval: Duration,
    /// The S3 settings that were set (`crate::storage::AWS_SETTINGS`).
    pub aws: Vec<(String, String)>,
}

impl StorageConfig {
    fn from_lookup(
        data_dir: &std::path::Path,
        get: impl Fn(&str) -> Option<String> + Copy,
    ) -> anyhow::Result<Self> {
        let url = get("STORAGE_URL").map(|u| u.trim().to_owned()).unwrap_or_else(|| {
            data_dir.parent().unwrap_or(std::path::Path::new(".")).join("files").display().to_string()
        });
        let bytes = |key: &str, default: u64| -> anyhow::Result<u64> {
            match get(key) {
                Some(v) => v.trim().parse().with_context(|| format!("{key} must be a number of bytes")),
                None => Ok(default),
            }
        };
        let keep_location =
            match get("ATTACHMENT_KEEP_LOCATION").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
                None | Some("false" | "0" | "no") => false,
                Some("true" | "1" | "yes") => true,
                Some(other) => bail!("ATTACHMENT_KEEP_LOCATION must be true or false, not {other:?}"),
            };
        Ok(StorageConfig {
            url,
            max_file_bytes: bytes("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)?,
            quota_bytes: bytes("ATTACHMENT_QUOTA_BYTES", 10 * 1024 * 1024 * 1024)?,
            keep_location,
            retention: fractional_seconds(
                get,
                "ATTACHMENT_RETENTION_SECONDS",
                Duration::from_secs(30 * 86400),
                true,
            )?,
            pending_timeout: fractional_seconds(
                get,
                "ATTACHMENT_PENDING_SECONDS",
                Duration::from_secs(3600),
                false,
            )?,
            sweep_interval: fractional_seconds(
                get,
                "ATTACHMENT_SWEEP_SECONDS",
                Duration::from_secs(300),
                false,
            )?,
            aws: crate::storage::AWS_SETTINGS
                .iter()
                .filter_map(|key| get(key).map(|value| ((*key).to_owned(), value)))
                .collect(),
        })
    }
}

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// `SMTP_URL`: `smtps://user:pass@host:465`, `smtp://host:587?tls=required`,
    /// or plain `smtp://host:port` (a local relay or a test server only).
    Smtp(Secret<String>),
    /// One `.eml` file per mail (development without `SMTP_URL`).
    Directory(PathBuf),
    /// Outside development without `SMTP_URL`: mail waits in the outbox
    /// until a transport is configured.
    Off,
}

impl MailTransport {
    pub fn describe(&self) -> String {
        match self {
            MailTransport::Smtp(_) => "smtp".to_owned(),
            MailTransport::Directory(dir) => format!("directory:{}", dir.display()),
            MailTransport::Off => "off".to_owned(),
        }
    }
}

/// The development sender address, refused with SMTP outside development.
pub const DEVELOPMENT_MAIL_FROM: &str = "FieldOps <no-reply@fieldops.localhost>";

impl MailConfig {
    fn from_lookup(env: AppEnv, get: impl Fn(&str) -> Option<String> + Copy) -> anyhow::Result<Self> {
        let transport = match (get("SMTP_URL"), get("MAIL_DIR")) {
            (Some(url), _) => {
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url.trim()).map_err(|e| {
                    anyhow::anyhow!(
                        "SMTP_URL must look like smtps://user:pass@host:465 or smtp://host:587?tls=required: {e}"
                    )
                })?;
                MailTransport::Smtp(Secret::new(url.trim().to_owned()))
            }
            (None, Some(dir)) => MailTransport::Directory(PathBuf::from(dir)),
            (None, None) if env.is_development() => MailTransport::Directory(PathBuf::from(".data/mail")),
            (None, None) => MailTransport::Off,
        };
        let from = match get("MAIL_FROM") {
            Some(from) => from.trim().to_owned(),
            None if env.is_development() || !matches!(transport, MailTransport::Smtp(_)) => {
                DEVELOPMENT_MAIL_FROM.to_owned()
            }
            None => bail!("MAIL_FROM is required with SMTP_URL when APP_ENV={}", env.as_str()),
        };
        from.parse::<lettre::message::Mailbox>()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM must be an address or Name <address>: {e}"))?;
        let retry_base = fractional_seconds(get, "MAIL_RETRY_SECONDS", Duration::from_secs(30), false)?;
        Ok(MailConfig {
            transport,
            from,
            max_attempts: number(get, "MAIL_MAX_ATTEMPTS", 8)?.max(1),
            retry_base,
            retry_max: fractional_seconds(get, "MAIL_RETRY_MAX_SECONDS", Duration::from_secs(3600), false)?
                .max(retry_base),
            poll_interval: fractional_seconds(get, "MAIL_POLL_SECONDS", Duration::from_secs(5), false)?,
        })
    }
}

/// Tokens and sign-in: built by `serve` alone, the one command that signs
/// tokens. Other commands (`migrate`, `create-company`, …) never read
/// JWT_SECRET, so one-shot containers that run as the schema owner need not be
/// handed the signing secret.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub jwt_secret: Secret<String>,
    pub jwt_issuer: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Failed sign-ins allowed per account and per client address in a minute.
    pub login_failures_per_minute: u32,
    /// Password-reset mails that may be asked for per account and per client
    /// address in an hour.
    pub password_resets_per_hour: u32,
    /// Whether anyone may create a company with themselves as its admin
    /// (`SIGNUP=open`, the default) or only the operator may (`SIGNUP=off`:
    /// `fieldops create-company`).
    pub signup_open: bool,
    /// Self-service sign-ups allowed per email and per client address in an hour.
    pub signups_per_hour: u32,
}

/// `key`, unless unset or blank.
fn non_blank(lookup: &impl Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    lookup(key).filter(|v| !v.trim().is_empty())
}

fn seconds(get: impl Fn(&str) -> Option<String>, key: &str, default: u64) -> anyhow::Result<Duration> {
    match get(key) {
        Some(v) => {
            Ok(Duration::from_secs(v.parse().with_context(|| format!("{key} must be a number of seconds"))?))
        }
        None => Ok(Duration::from_secs(default)),
    }
}

/// Seconds with decimals (`1.5`); zero only where it means "off".
fn fractional_seconds(
    get: impl Fn(&str) -> Option<String>,
    key: &str,
    default: Duration,
    zero_allowed: bool,
) -> anyhow::Result<Duration> {
    match get(key) {
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && (*s > 0.0 || (zero_allowed && *s == 0.0)))
            .map(Duration::from_secs_f64)
            .with_context(|| format!("{key} must be a positive number of seconds, e.g. 1.5")),
        None => Ok(default),
    }
}

fn number(get: impl Fn(&str) -> Option<String>, key: &str, default: u32) -> anyhow::Result<u32> {
    match get(key) {
        Some(v) => v.parse().with_context(|| format!("{key} must be a whole number")),
        None => Ok(default),
    }
}

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key lookup, so tests can pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |key: &str| non_blank(&lookup, key);
        let env: AppEnv = get("APP_ENV").as_deref().unwrap_or("development").parse()?;

        let database_url = get("DATABASE_URL");
        if database_url.is_none() && !env.is_development() {
            bail!("DATABASE_URL is required when APP_ENV={}", env.as_str());
        }

        let login_database_url = get("LOGIN_DATABASE_URL");
        if let Some(url) = &login_database_url {
            url.parse::<sqlx::postgres::PgConnectOptions>()
                .context("LOGIN_DATABASE_URL is not a valid PostgreSQL URL")?;
        }

        let bind_addr: SocketAddr = get("BIND_ADDR")
            .as_deref()
            .unwrap_or("127.0.0.1:8080")
            .parse()
            .context("BIND_ADDR must be host:port, e.g. 0.0.0.0:8080")?;

        let embedded_port = match get("FIELDOPS_PG_PORT") {
            Some(v) => v.parse().context("FIELDOPS_PG_PORT must be a port number")?,
            None => 54329,
        };

        let public_url = get("PUBLIC_URL").unwrap_or_else(|| format!("http://{bind_addr}"));

        let cors_allowed_origins = match get("CORS_ALLOWED_ORIGINS") {
            Some(list) => parse_origins(&list)?,
            None if env.is_development() => DEVELOPMENT_CORS_ORIGINS.iter().map(|o| o.to_string()).collect(),
            None => Vec::new(),
        };

        let trusted_proxies = match get("TRUSTED_PROXIES") {
            Some(list) => parse_proxies(&list)?,
            None => Vec::new(),
        };

        let metrics_addr = match get("METRICS_ADDR") {
            Some(v) if v.trim().eq_ignore_ascii_case("off") => None,
            Some(v) => Some(
                v.trim().parse().context("METRICS_ADDR must be host:port, e.g. 127.0.0.1:9090 (or unset)")?,
            ),
            None => None,
        };
        if metrics_addr.is_some_and(|addr: SocketAddr| addr == bind_addr) {
            bail!("METRICS_ADDR must differ from BIND_ADDR: metrics are never served on the public port");
        }

        let log_format = match get("LOG_FORMAT").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => bail!("LOG_FORMAT must be json or pretty, not {other:?}"),
            None if env.is_development() => LogFormat::Pretty,
            None => LogFormat::Json,
        };

        let mail = MailConfig::from_lookup(env, get)?;
        let data_dir = PathBuf::from(get("FIELDOPS_DATA_DIR").unwrap_or_else(|| ".data/postgres".to_owned()));
        let storage = StorageConfig::from_lookup(&data_dir, get)?;

        Ok(Config {
            env,
            log_format,
            server: ServerConfig {
                bind_addr,
                public_url: public_url.trim_end_matches('/').to_owned(),
                web_dir: PathBuf::from(get("WEB_DIR").unwrap_or_else(|| "web/dist".to_owned())),
                cors_allowed_origins,
                metrics_addr,
                trusted_proxies,
            },
            database: DatabaseConfig {
                url: database_url.map(Secret::new),
                login_url: login_database_url.map(Secret::new),
                max_connections: number(get, "DB_MAX_CONNECTIONS", 20)?,
                // Leaves room to answer 503 within 2 s when the database is down.
                acquire_timeout: fractional_seconds(
                    get,
                    "DB_ACQUIRE_TIMEOUT_SECONDS",
                    Duration::from_millis(1500),
                    false,
                )?,
                // The request timeout is 30 s: no statement should outlive its request.
                statement_timeout: fractional_seconds(
                    get,
                    "DB_STATEMENT_TIMEOUT_SECONDS",
                    Duration::from_secs(30),
                    true,
                )?,
                idle_in_transaction_timeout: fractional_seconds(
                    get,
                    "DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS",
                    Duration::from_secs(60),
                    true,
                )?,
            },
            embedded: EmbeddedConfig { data_dir, port: embedded_port },
            mail,
            storage,
        })
    }

    /// Effective settings for the start-up log line, secrets left out.
    pub fn summary(&self, auth: &AuthConfig) -> String {
        let jwt_secret =
            if auth.jwt_secret.expose() == DEVELOPMENT_JWT_SECRET { "development-default" } else { "set" };
        let server = &self.server;
        let cors = if server.cors_allowed_origins.is_empty() {
            "same-origin".to_owned()
        } else {
            server.cors_allowed_origins.join(",")
        };
        format!(
            "env={} bind={} public_url={} database={} pool_max={} pool_acquire_timeout={}s \
             statement_timeout={}s idle_in_transaction_timeout={}s \
             jwt_secret={} access_ttl={}s refresh_ttl={}s login_failures_per_minute={} cors={} \
             metrics={} log_format={} demo_seed={} web_dir={} trusted_proxies={} \
             mail={} mail_from={:?} mail_max_attempts={} mail_retry={}s password_resets_per_hour={} \
             signup={} signups_per_hour={}",
            self.env.as_str(),
            server.bind_addr,
            server.public_url,
            if self.database.url.is_some() { "DATABASE_URL" } else { "embedded" },
            self.database.max_connections,
            self.database.acquire_timeout.as_secs_f64(),
            self.database.statement_timeout.as_secs_f64(),
            self.database.idle_in_transaction_timeout.as_secs_f64(),
            jwt_secret,
            auth.access_token_ttl.as_secs(),
            auth.refresh_token_ttl.as_secs(),
            auth.login_failures_per_minute,
            cors,
            server.metrics_addr.map_or_else(|| "off".to_owned(), |a| a.to_string()),
            self.log_format.as_str(),
            if self.env.is_development() { "allowed" } else { "refused" },
            server.web_dir.display(),
            if server.trusted_proxies.is_empty() {
                "none".to_owned()
            } else {
                server.trusted_proxies.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
            },
            self.mail.transport.describe(),
            self.mail.from,
            self.mail.max_attempts,
            self.mail.retry_base.as_secs_f64(),
            auth.password_resets_per_hour,
            if auth.signup_open { "open" } else { "off" },
            auth.signups_per_hour,
        )
    }
}

impl AuthConfig {
    /// Reads `.env` (if present) and the process environment, for `env`.
    pub fn from_env(env: AppEnv) -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(env, |key| std::env::var(key).ok())
    }

    /// JWT_SECRET is required outside development, at least 32 bytes and not
    /// the development default; in development the default stands in.
    pub fn from_lookup(env: AppEnv, lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |key: &str| non_blank(&lookup, key);
        let jwt_secret = match get("JWT_SECRET") {
            Some(secret) => secret,
            None if env.is_development() => DEVELOPMENT_JWT_SECRET.to_owned(),
            None => bail!("JWT_SECRET is required when APP_ENV={}", env.as_str()),
        };
        // A real database with APP_ENV left unset is a deployment that forgot to
        // say so, not a developer: the published secret would sign its tokens.
        if get("APP_ENV").is_none() && get("DATABASE_URL").is_some() && jwt_secret == DEVELOPMENT_JWT_SECRET {
            bail!(
                "JWT_SECRET is the published development default and DATABASE_URL names a real database: \
                 set a real JWT_SECRET, or APP_ENV=development if this is a development database"
            );
        }
        if !env.is_development() {
            if jwt_secret == DEVELOPMENT_JWT_SECRET {
                bail!("JWT_SECRET is the development default; set a real secret for {}", env.as_str());
            }
            if jwt_secret.len() < 32 {
                bail!("JWT_SECRET must be at least 32 bytes when APP_ENV={}", env.as_str());
            }
        }
        Ok(AuthConfig {
            jwt_secret: Secret::new(jwt_secret),
            jwt_issuer: get("JWT_ISSUER").unwrap_or_else(|| "fieldops".to_owned()),
            access_token_ttl: seconds(get, "ACCESS_TOKEN_TTL_SECONDS", 15 * 60)?,
            refresh_token_ttl: seconds(get, "REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            login_failures_per_minute: number(get, "LOGIN_FAILURES_PER_MINUTE", 5)?.max(1),
            password_resets_per_hour: number(get, "PASSWORD_RESETS_PER_HOUR", 5)?.max(1),
            signup_open: match get("SIGNUP").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
                None | Some("open") => true,
                Some("off") => false,
                Some(other) => bail!("SIGNUP must be open or off, not {other:?}"),
            },
            signups_per_hour: number(get, "SIGNUPS_PER_HOUR", 5)?.max(1),
        })
    }
}

/// `10.0.0.0/8, 192.168.1.7`: networks or single addresses.
fn parse_proxies(list: &str) -> anyhow::Result<Vec<IpNet>> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|proxy| {
            proxy.parse::<IpNet>().or_else(|_| proxy.parse::<IpAddr>().map(IpNet::from)).with_context(|| {
                format!("TRUSTED_PROXIES entry {proxy:?} must be an address or a network like 10.0.0.0/8")
            })
        })
        .collect()
}

/// A comma-separated list of browser origins (`scheme://host[:port]`), or `none`.
fn parse_origins(list: &str) -> anyhow::Result<Vec<String>> {
    if list.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            if origin == "*" {
                bail!("CORS_ALLOWED_ORIGINS cannot be *: the API takes credentials; list the origins");
            }
            let (scheme, rest) = origin
                .split_once("://")
                .with_context(|| format!("CORS origin {origin:?} must look like https://app.example.com"))?;
            let well_formed = matches!(scheme, "http" | "https")
                && !rest.is_empty()
                && !rest.contains('/')
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if !well_formed {
                bail!("CORS origin {origin:?} must be scheme://host[:port], without a path");
            }
            Ok(origin.to_ascii_lowercase())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |key| map.get(key).cloned()
    }

    fn config(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
        Config::from_lookup(lookup(pairs))
    }

    fn auth(env: AppEnv, pairs: &[(&str, &str)]) -> anyhow::Result<AuthConfig> {
        AuthConfig::from_lookup(env, lookup(pairs))
    }

    #[test]
    fn development_defaults_work_without_any_setting() {
        let cfg = config(&[]).expect("development config");
        assert_eq!(cfg.env, AppEnv::Development);
        assert!(cfg.database.url.is_none());
        let auth = auth(cfg.env, &[]).expect("development auth");
        assert_eq!(auth.access_token_ttl, Duration::from_secs(900));
        assert_eq!(auth.jwt_secret.expose(), DEVELOPMENT_JWT_SECRET);
    }

    #[test]
    fn production_refuses_missing_default_or_short_secrets() {
        let production = AppEnv::Production;
        assert!(auth(production, &[]).is_err());
        assert!(auth(production, &[("JWT_SECRET", DEVELOPMENT_JWT_SECRET)]).is_err());
        assert!(auth(production, &[("JWT_SECRET", "short")]).is_err());
        assert!(auth(production, &[("JWT_SECRET", &"x".repeat(32))]).is_ok());
    }

    #[test]
    fn signup_is_open_unless_turned_off() {
        let dev = AppEnv::Development;
        assert!(auth(dev, &[]).expect("default").signup_open);
        assert!(auth(dev, &[("SIGNUP", "Open")]).expect("open").signup_open);
        assert!(!auth(dev, &[("SIGNUP", "off")]).expect("off").signup_open);
        assert!(auth(dev, &[("SIGNUP", "maybe")]).is_err());
        assert_eq!(auth(dev, &[("SIGNUPS_PER_HOUR", "0")]).expect("floor").signups_per_hour, 1);
    }

    #[test]
    fn commands_that_sign_nothing_need_no_secret() {
        let db = ("DATABASE_URL", "postgres://fieldops_owner@db/fieldops");
        let cfg = config(&[("APP_ENV", "production"), db]).expect("production config without JWT_SECRET");
        assert_eq!(cfg.env, AppEnv::Production);
    }

    #[test]
    fn production_requires_a_database_url() {
        let err = config(&[("APP_ENV", "production"), ("JWT_SECRET", &"x".repeat(40))]);
        assert!(err.is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let pairs = [("JWT_SECRET", "super-secret-value"), ("DATABASE_URL", "postgres://u:db-password@db/x")];
        let cfg = config(&pairs).expect("config");
        let auth = auth(cfg.env, &pairs).expect("auth");
        for printed in [format!("{cfg:?}"), format!("{auth:?}"), cfg.summary(&auth)] {
            assert!(!printed.contains("super-secret-value") && !printed.contains("db-password"), "{printed}");
        }
    }

    #[test]
    fn cors_defaults_follow_the_environment() {
        let dev = config(&[]).expect("development config");
        assert_eq!(dev.server.cors_allowed_origins, DEVELOPMENT_CORS_ORIGINS);
        let db = ("DATABASE_URL", "postgres://fieldops_authenticator@db/fieldops");
        let prod = config(&[("APP_ENV", "production"), db]).expect("production");
        assert!(prod.server.cors_allowed_origins.is_empty());
        assert_eq!(prod.log_format, LogFormat::Json);
        assert_eq!(dev.log_format, LogFormat::Pretty);
        let listed = config(&[("CORS_ALLOWED_ORIGINS", "https://App.example.com, http://localhost:3000")])
            .expect("origins");
        assert_eq!(listed.server.cors_allowed_origins, ["https://app.example.com", "http://localhost:3000"]);
        assert!(config(&[("CORS_ALLOWED_ORIGINS", "none")])
            .expect("none")
            .server
            .cors_allowed_origins
            .is_empty());
        assert!(config(&[("CORS_ALLOWED_ORIGINS", "*")]).is_err());
        assert!(config(&[("CORS_ALLOWED_ORIGINS", "https://app.example.com/path")]).is_err());
        assert!(config(&[("CORS_ALLOWED_ORIGINS", "app.example.com")]).is_err());
    }

    #[test]
    fn metrics_listener_is_off_unless_set_and_never_the_public_port() {
        assert!(config(&[]).expect("config").server.metrics_addr.is_none());
        let on = config(&[("METRICS_ADDR", "127.0.0.1:9090")]).expect("metrics");
        assert_eq!(on.server.metrics_addr, Some("127.0.0.1:9090".parse().expect("addr")));
        assert!(config(&[("METRICS_ADDR", "127.0.0.1:8080")]).is_err());
        assert!(config(&[("METRICS_ADDR", "nine")]).is_err());
    }

    #[test]
    fn a_real_database_without_app_env_refuses_the_published_secret() {
        let db = ("DATABASE_URL", "postgres://fieldops_authenticator@db/fieldops");
        let dev = AppEnv::Development;
        let err = auth(dev, &[db]).expect_err("development secret against a real database");
        assert!(format!("{err:#}").contains("APP_ENV"), "{err:#}");
        assert!(
            auth(dev, &[db, ("JWT_SECRET", DEVELOPMENT_JWT_SECRET)]).is_err(),
            "named explicitly, still refused"
        );
        assert!(auth(dev, &[db, ("APP_ENV", "development")]).is_ok(), "development said out loud");
        assert!(auth(dev, &[db, ("JWT_SECRET", &"y".repeat(40))]).is_ok(), "a real secret");
        assert!(auth(dev, &[]).is_ok(), "the embedded cluster keeps its zero-setup default");
    }

    #[test]
    fn database_timeouts_default_and_parse() {
        let cfg = config(&[]).expect("config");
        assert_eq!(cfg.database.statement_timeout, Duration::from_secs(30));
        assert_eq!(cfg.database.idle_in_transaction_timeout, Duration::from_secs(60));
        let set = config(&[
            ("DB_STATEMENT_TIMEOUT_SECONDS", "0.25"),
            ("DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", "0"),
        ])
        .expect("config");
        assert_eq!(set.database.statement_timeout, Duration::from_millis(250));
        assert_eq!(set.database.idle_in_transaction_timeout, Duration::ZERO);
        assert!(config(&[("DB_STATEMENT_TIMEOUT_SECONDS", "-1")]).is_err());
        assert!(config(&[("DB_STATEMENT_TIMEOUT_SECONDS", "soon")]).is_err());
    }

    #[test]
    fn https_is_read_from_the_public_url() {
        let https = |pairs: &[(&str, &str)]| config(pairs).expect("config").server.is_https();
        assert!(!https(&[]));
        assert!(https(&[("PUBLIC_URL", "https://jobs.example.com")]));
        assert!(https(&[("PUBLIC_URL", "HTTPS://jobs.example.com")]));
        assert!(!https(&[("PUBLIC_URL", "http://jobs.example.com")]));
    }

    #[test]
    fn mail_goes_to_a_directory_in_development_and_nowhere_unconfigured_elsewhere() {
        let dev = config(&[]).expect("development");
        assert!(matches!(dev.mail.transport, MailTransport::Directory(ref d) if d.ends_with(".data/mail")));
        assert_eq!(dev.mail.from, DEVELOPMENT_MAIL_FROM);
        let db = ("DATABASE_URL", "postgres://fieldops_authenticator@db/fieldops");
        let prod = config(&[("APP_ENV", "production"), db]).expect("production without mail");
        assert!(matches!(prod.mail.transport, MailTransport::Off));
        let smtp = ("SMTP_URL", "smtps://user:secret-pw@smtp.example.com:465");
        assert!(config(&[("APP_ENV", "production"), db, smtp]).is_err(), "MAIL_FROM is required with SMTP");
        let prod = config(&[("APP_ENV", "production"), db, smtp, ("MAIL_FROM", "Jobs <jobs@example.com>")])
            .expect("production with SMTP");
        assert!(matches!(prod.mail.transport, MailTransport::Smtp(_)));
        assert!(!format!("{prod:?}").contains("secret-pw"), "the SMTP password never prints");
        assert!(config(&[("SMTP_URL", "http://smtp.example.com")]).is_err());
        assert!(config(&[("MAIL_FROM", "not an address")]).is_err());
        let fast = config(&[("MAIL_RETRY_SECONDS", "0.2"), ("MAIL_MAX_ATTEMPTS", "3")]).expect("retries");
        assert_eq!(fast.mail.retry_base, Duration::from_millis(200));
        assert_eq!(fast.mail.max_attempts, 3);
    }

    #[test]
    fn unknown_environment_is_an_error() {
        assert!(config(&[("APP_ENV", "qa")]).is_err());
    }
}
