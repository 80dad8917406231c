//! Configuration, read once from the environment (and `.env`) at start-up. A bad
//! value fails here, never in the middle of a request.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

use anyhow::{bail, Context};

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

/// The secret shipped for development; refused outside development.
pub const DEVELOPMENT_JWT_SECRET: &str = "fieldops-development-secret-do-not-use-in-production";

#[derive(Debug, Clone)]
pub struct Config {
    pub env: AppEnv,
    /// Where the server connects. `None` in development starts the embedded cluster.
    pub database_url: Option<Secret<String>>,
    pub jwt_secret: Secret<String>,
    pub jwt_issuer: String,
    pub bind_addr: SocketAddr,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub db_max_connections: u32,
    pub db_acquire_timeout: Duration,
    /// Built web app served at `/`; skipped when the directory does not exist.
    pub web_dir: PathBuf,
    /// Data directory of the embedded development cluster.
    pub embedded_data_dir: PathBuf,
    pub embedded_port: u16,
    /// Public base URL used in share links.
    pub public_url: String,
}

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key lookup, so tests can pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let env: AppEnv = get("APP_ENV").as_deref().unwrap_or("development").parse()?;

        let jwt_secret = match get("JWT_SECRET") {
            Some(secret) => secret,
            None if env.is_development() => DEVELOPMENT_JWT_SECRET.to_owned(),
            None => bail!("JWT_SECRET is required when APP_ENV={}", env.as_str()),
        };
        if !env.is_development() {
            if jwt_secret == DEVELOPMENT_JWT_SECRET {
                bail!("JWT_SECRET is the development default; set a real secret for {}", env.as_str());
            }
            if jwt_secret.len() < 32 {
                bail!("JWT_SECRET must be at least 32 bytes when APP_ENV={}", env.as_str());
            }
        }

        let database_url = get("DATABASE_URL");
        if database_url.is_none() && !env.is_development() {
            bail!("DATABASE_URL is required when APP_ENV={}", env.as_str());
        }

        let bind_addr: SocketAddr = get("BIND_ADDR")
            .as_deref()
            .unwrap_or("127.0.0.1:8080")
            .parse()
            .context("BIND_ADDR must be host:port, e.g. 0.0.0.0:8080")?;

        let seconds = |key: &str, default: u64| -> anyhow::Result<Duration> {
            match get(key) {
                Some(v) => Ok(Duration::from_secs(
                    v.parse().with_context(|| format!("{key} must be a number of seconds"))?,
                )),
                None => Ok(Duration::from_secs(default)),
            }
        };
        let number = |key: &str, default: u32| -> anyhow::Result<u32> {
            match get(key) {
                Some(v) => v.parse().with_context(|| format!("{key} must be a whole number")),
                None => Ok(default),
            }
        };

        let embedded_port = match get("FIELDOPS_PG_PORT") {
            Some(v) => v.parse().context("FIELDOPS_PG_PORT must be a port number")?,
            None => 54329,
        };

        let public_url = get("PUBLIC_URL").unwrap_or_else(|| format!("http://{bind_addr}"));

        Ok(Config {
            env,
            database_url: database_url.map(Secret::new),
            jwt_secret: Secret::new(jwt_secret),
            jwt_issuer: get("JWT_ISSUER").unwrap_or_else(|| "fieldops".to_owned()),
            bind_addr,
            access_token_ttl: seconds("ACCESS_TOKEN_TTL_SECONDS", 15 * 60)?,
            refresh_token_ttl: seconds("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            db_max_connections: number("DB_MAX_CONNECTIONS", 20)?,
            db_acquire_timeout: seconds("DB_ACQUIRE_TIMEOUT_SECONDS", 2)?,
            web_dir: PathBuf::from(get("WEB_DIR").unwrap_or_else(|| "web/dist".to_owned())),
            embedded_data_dir: PathBuf::from(
                get("FIELDOPS_DATA_DIR").unwrap_or_else(|| ".data/postgres".to_owned()),
            ),
            embedded_port,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Effective settings for the start-up log line, secrets left out.
    pub fn summary(&self) -> String {
        format!(
            "env={} bind={} database={} access_ttl={}s refresh_ttl={}s pool_max={} web_dir={}",
            self.env.as_str(),
            self.bind_addr,
            if self.database_url.is_some() { "DATABASE_URL" } else { "embedded" },
            self.access_token_ttl.as_secs(),
            self.refresh_token_ttl.as_secs(),
            self.db_max_connections,
            self.web_dir.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|key| map.get(key).cloned())
    }

    #[test]
    fn development_defaults_work_without_any_setting() {
        let cfg = config(&[]).expect("development config");
        assert_eq!(cfg.env, AppEnv::Development);
        assert!(cfg.database_url.is_none());
        assert_eq!(cfg.access_token_ttl, Duration::from_secs(900));
    }

    #[test]
    fn production_refuses_missing_default_or_short_secrets() {
        let db = ("DATABASE_URL", "postgres://fieldops_authenticator@db/fieldops");
        assert!(config(&[("APP_ENV", "production"), db]).is_err());
        assert!(config(&[("APP_ENV", "production"), db, ("JWT_SECRET", DEVELOPMENT_JWT_SECRET)]).is_err());
        assert!(config(&[("APP_ENV", "production"), db, ("JWT_SECRET", "short")]).is_err());
        let ok = config(&[("APP_ENV", "production"), db, ("JWT_SECRET", &"x".repeat(32))]);
        assert!(ok.is_ok());
    }

    #[test]
    fn production_requires_a_database_url() {
        let err = config(&[("APP_ENV", "production"), ("JWT_SECRET", &"x".repeat(40))]);
        assert!(err.is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let cfg = config(&[("JWT_SECRET", "super-secret-value")]).expect("config");
        assert!(!format!("{cfg:?}").contains("super-secret-value"));
        assert!(!cfg.summary().contains("super-secret-value"));
    }

    #[test]
    fn unknown_environment_is_an_error() {
        assert!(config(&[("APP_ENV", "qa")]).is_err());
    }
}
