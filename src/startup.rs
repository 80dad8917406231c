//! Building and running the server. Tests use the same code on port 0.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{
    auth::password,
    config::{AuthConfig, Config},
    http::{self, shared::AppState},
    mail, metrics, storage,
};

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    /// The Prometheus listener, when `METRICS_ADDR` is set.
    metrics: Option<metrics::Exporter>,
    /// The sign-in pool, which also runs the hourly idempotency purge and
    /// the mail sender.
    login_db: sqlx::PgPool,
    /// The mail sender (`None` without a transport), and what wakes it.
    mail: Option<mail::sender::Sender>,
    mail_wake: mail::Wake,
    /// Attachments' storage, which the sweeper cleans.
    storage: storage::Storage,
}

impl Application {
    /// Binds `config.server.bind_addr` and builds the router over `db`, the
    /// authenticator pool, signing tokens as `auth` says.
    pub async fn build(config: Config, auth: AuthConfig, db: sqlx::PgPool) -> anyhow::Result<Self> {
        Self::build_with(config, auth, db, axum::Router::new()).await
    }

    /// As `build`, with extra routes merged in (tests mount probes this way).
    pub async fn build_with(
        config: Config,
        auth: AuthConfig,
        db: sqlx::PgPool,
        extra: axum::Router<AppState>,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.server.bind_addr)
            .await
            .with_context(|| format!("binding {}", config.server.bind_addr))?;
        let metrics = match config.server.metrics_addr {
            Some(addr) => Some(metrics::Exporter::bind(addr, db.clone()).await?),
            None => None,
        };
        // Pay for the dummy hash now, not on the first unknown-user login.
        tokio::task::spawn_blocking(password::dummy_hash).await?;
        let state = AppState::new(db, config, auth)?;
        let storage = state.storage.clone();
        let login_db = state.login_db.clone();
        let mail = mail::sender::Sender::new(login_db.clone(), &state.config.mail)?;
        if mail.is_none() {
            tracing::warn!("SMTP_URL is not set: mail is queued in app.mail_outbox but not sent");
        }
        let mail_wake = state.mail.clone();
        let router = http::router_with(state, extra);
        Ok(Application { listener, router, metrics, login_db, mail, mail_wake, storage })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|m| m.local_addr().ok())
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let purge = tokio::spawn(purge_idempotency_keys(self.login_db.clone()));
        let sweeper = tokio::spawn(storage::sweeper::run(self.login_db.clone(), self.storage.clone()));
        let sender = self.mail.map(|sender| tokio::spawn(sender.run(self.mail_wake.clone())));
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        let metrics = self.metrics.map(|exporter| {
            tokio::spawn(exporter.run(async move {
                let _ = metrics_stopped.await;
            }))
        });
        let served =
            axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("serving HTTP");
        purge.abort();
        // An object being removed now is removed again by the next sweep.
        sweeper.abort();
        // A mail being delivered now stays claimed until its lease ends, then
        // another replica (or the next start) sends it.
        if let Some(sender) = sender {
            sender.abort();
        }
        let _ = stop_metrics.send(());
        if let Some(task) = metrics {
            match task.await {
                Ok(Err(error)) => tracing::warn!(error = %format!("{error:#}"), "metrics listener failed"),
                Err(error) => tracing::warn!(%error, "metrics listener task failed"),
                Ok(Ok(())) => {}
            }
        }
        served
    }
}

/// Hourly, every company's idempotency answers older than 24 hours are deleted
/// (each replica does it; the delete is idempotent and cheap on its index).
async fn purge_idempotency_keys(db: sqlx::PgPool) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        match http::shared::idempotency::purge_expired(&db).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(%error, "deleting expired idempotency keys failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
