//! The application state handed to every handler.

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::OnceCell;

use super::error::Error;
use crate::{
    auth::jwt::Keys,
    config::{AuthConfig, Config},
    db::citus::Topology,
    mail::Wake,
    storage::Storage,
};

/// Everything a handler may need; cloned per request (all cheap handles).
/// Extractors take it through `FromRef`, so a router with a larger state can
/// hold it too.
#[derive(Clone)]
pub struct AppState {
    /// The authenticator pool: every request switches role inside its transaction.
    pub db: PgPool,
    /// The login role's small pool, for the sign-in flow only (look up an
    /// account, create or rotate a session, open a share link): SQL inside a
    /// request can reach the authenticator, never this role.
    pub login_db: PgPool,
    pub config: Arc<Config>,
    /// Token and sign-in settings (the server alone builds them).
    pub auth: Arc<AuthConfig>,
    pub keys: Arc<Keys>,
    /// Wakes this process's mail sender after a commit that queued mail.
    pub mail: Wake,
    /// Where attachments' bytes live.
    pub storage: Storage,
    /// One server or Citus, found out on the first request that needs it (the
    /// pool is lazy: the server starts while the database is down).
    topology: Arc<OnceCell<Topology>>,
}

impl AppState {
    pub fn new(db: PgPool, config: Config, auth: AuthConfig) -> anyhow::Result<Self> {
        let keys = Keys::new(auth.jwt_secret.expose().as_bytes(), &auth.jwt_issuer, auth.access_token_ttl);
        let login_db = crate::db::login_pool(&db, &config.database);
        let storage = Storage::from_config(&config.storage)?;
        Ok(AppState {
            db,
            login_db,
            config: Arc::new(config),
            auth: Arc::new(auth),
            keys: Arc::new(keys),
            mail: Wake::default(),
            storage,
            topology: Arc::new(OnceCell::new()),
        })
    }

    /// Where the database runs: decides the shape of a request's context.
    pub async fn topology(&self) -> Result<Topology, Error> {
        let topology = self
            .topology
            .get_or_try_init(|| async {
                let mut conn = self.db.acquire().await?;
                crate::db::citus::detect(&mut conn).await.map_err(Error::Internal)
            })
            .await?;
        Ok(*topology)
    }
}
