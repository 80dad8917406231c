//! `fieldops serve | migrate | create-company | seed-demo | seed-bench | openapi | db …`
//!
//! The commands, and the fixtures only they write: `seed` (a company, the demo
//! data; the API tests use it too) and `bench` (the benchmark dataset).

mod bench;
mod import;
pub mod seed;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{
    config::{AuthConfig, Config},
    db,
    embedded::Cluster,
    startup::Application,
    telemetry,
};

#[derive(Debug, Parser)]
#[command(name = "fieldops", version, about = "FieldOps: multi-tenant field-service jobs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and web app (as the authenticator role). Without
    /// DATABASE_URL in development, starts the embedded PostgreSQL cluster.
    Serve,
    /// Run migrations and re-apply db/policies (as the owner role).
    Migrate,
    /// Create a company and its first admin (the bootstrap path, as the owner role).
    CreateCompany {
        #[arg(long)]
        name: String,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_name: String,
        /// Prefer the environment variable, which stays out of shell history.
        #[arg(long, env = "FIELDOPS_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
    },
    /// Create the two demo companies (idempotent) and print their logins.
    SeedDemo,
    /// Print the OpenAPI document (what /api/v1/openapi.json serves).
    Openapi,
    /// Generate the benchmark dataset into an empty database (as the owner role).
    SeedBench {
        /// The quick preset (20 tenants, 20,000 jobs in the large one) used by the tests.
        #[arg(long)]
        small: bool,
        /// Tenants, the large one included.
        #[arg(long)]
        companies: Option<i32>,
        /// Jobs of the large tenant.
        #[arg(long)]
        large_jobs: Option<i32>,
        /// Customers of the large tenant.
        #[arg(long)]
        large_customers: Option<i32>,
        /// Jobs of each small tenant.
        #[arg(long)]
        small_jobs: Option<i32>,
    },
    /// Import a CSV or .xlsx file of customers or jobs as the company's admin
    /// (a dry run unless --apply; docs/import.md).
    Import {
        /// The company's slug.
        #[arg(long)]
        company: String,
        /// Import as this admin (default: the company's first active admin).
        #[arg(long)]
        admin: Option<String>,
        /// customers or jobs.
        #[arg(long, value_parser = ["customers", "jobs"])]
        kind: String,
        /// servicefusion, jobber, housecallpro, or another source name.
        #[arg(long)]
        preset: Option<String>,
        /// Apply it (default: a dry run that changes nothing).
        #[arg(long)]
        apply: bool,
        file: std::path::PathBuf,
    },
    /// Manage the embedded development cluster.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// Start it (creating and migrating it on first use) and print the URLs.
    Start,
    /// Stop it; the data stays.
    Stop,
    /// Say whether it runs.
    Status,
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    // Only `serve` signs tokens, so only it reads the token settings and JWT_SECRET.
    let settings = Config::from_env().and_then(|config| {
        let auth =
            matches!(cli.command, Command::Serve).then(|| AuthConfig::from_env(config.env)).transpose()?;
        Ok((config, auth))
    });
    let (config, auth) = match settings {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("fieldops: configuration error: {error:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    match execute(cli.command, config, auth).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fieldops: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where each kind of work connects.
struct Databases {
    /// Schema owner: migrations and the CLI's bootstrap commands.
    owner_url: String,
    /// The authenticator: the server's pool.
    server_url: String,
    /// Set when the embedded cluster was started by this process.
    started: Option<Cluster>,
}

const EMBEDDED_DATABASE: &str = "fieldops";

async fn databases(config: &Config) -> anyhow::Result<Databases> {
    if let Some(url) = &config.database.url {
        // One URL, with whichever role the deployment gave this command.
        let url = url.expose().clone();
        return Ok(Databases { owner_url: url.clone(), server_url: url, started: None });
    }
    let cluster = Cluster::new(&config.embedded.data_dir, config.embedded.port)?;
    let started = cluster.ensure_started()?;
    if started {
        tracing::info!(data_dir = %cluster.data_dir().display(), port = cluster.port(), "started the embedded PostgreSQL cluster");
    }
    let superuser = db::admin_pool(&cluster.url("postgres", "postgres")).await?;
    db::bootstrap(&superuser, EMBEDDED_DATABASE).await?;
    superuser.close().await;
    let owner_url = cluster.url("fieldops_owner", EMBEDDED_DATABASE);
    let owner = db::admin_pool(&owner_url).await?;
    db::migrate(&owner).await?;
    owner.close().await;
    Ok(Databases {
        owner_url,
        server_url: cluster.url("fieldops_authenticator", EMBEDDED_DATABASE),
        started: started.then_some(cluster),
    })
}

impl Databases {
    /// One-shot commands leave the embedded cluster as they found it.
    async fn finish(self, owner: sqlx::PgPool) -> anyhow::Result<()> {
        owner.close().await;
        if let Some(cluster) = self.started {
            cluster.stop()?;
        }
        Ok(())
    }
}

/// `auth` is read for `serve` alone (see `run`).
async fn execute(command: Command, config: Config, auth: Option<AuthConfig>) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config, auth.context("serve reads its token settings at start")?).await,
        Command::SeedBench { small, companies, large_jobs, large_customers, small_jobs } => {
            let mut sizes = if small { bench::BenchSizes::SMALL } else { bench::BenchSizes::FULL };
            sizes.companies = companies.unwrap_or(sizes.companies);
            sizes.large_jobs = large_jobs.unwrap_or(sizes.large_jobs);
            sizes.large_customers = large_customers.unwrap_or(sizes.large_customers);
            sizes.small_jobs = small_jobs.unwrap_or(sizes.small_jobs);
            let dbs = databases(&config).await?;
            let owner = db::admin_pool(&dbs.owner_url).await?;
            bench::seed(&owner, sizes).await?;
            dbs.finish(owner).await
        }
        Command::Openapi => {
            println!("{}", crate::http::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::Import { company, admin, kind, preset, apply, file } => {
            let dbs = databases(&config).await?;
            let owner = db::admin_pool(&dbs.owner_url).await?;
            let kind = if kind == "jobs" {
                crate::http::imports::Kind::Jobs
            } else {
                crate::http::imports::Kind::Customers
            };
            let args = import::ImportArgs {
                company: &company,
                admin: admin.as_deref(),
                kind,
                file: &file,
                preset: preset.as_deref(),
                apply,
            };
            let result = import::import(&owner, &config, args).await;
            dbs.finish(owner).await?;
            result
        }
        Command::Migrate => {
            let dbs = databases(&config).await?;
            let owner = db::admin_pool(&dbs.owner_url).await?;
            db::migrate(&owner).await?;
            println!("migrations and policies applied");
            dbs.finish(owner).await
        }
        Command::CreateCompany { name, slug, admin_email, admin_name, admin_password } => {
            let dbs = databases(&config).await?;
            let owner = db::admin_pool(&dbs.owner_url).await?;
            let company = seed::create_company(
                &owner,
                &seed::NewCompany {
                    name: &name,
                    slug: &slug,
                    color: "#2563eb",
                    admin_email: &admin_email,
                    admin_name: &admin_name,
                    admin_password: &admin_password,
                },
            )
            .await?;
            println!("created company {slug} ({company}) with admin {admin_email}");
            dbs.finish(owner).await
        }
        Command::SeedDemo => {
            if !config.env.is_development() {
                anyhow::bail!("seed-demo only runs with APP_ENV=development");
            }
            let dbs = databases(&config).await?;
            let owner = db::admin_pool(&dbs.owner_url).await?;
            let logins = seed::seed_demo(&owner).await?;
            println!("{}", seed::format_logins(&logins));
            dbs.finish(owner).await
        }
        Command::Db { action } => {
            let cluster = Cluster::new(&config.embedded.data_dir, config.embedded.port)?;
            match action {
                DbAction::Start => {
                    let dbs = databases(&config).await?;
                    println!("owner:         {}", dbs.owner_url);
                    println!("authenticator: {}", dbs.server_url);
                    println!("superuser:     {}", cluster.url("postgres", EMBEDDED_DATABASE));
                }
                DbAction::Stop => cluster.stop()?,
                DbAction::Status => {
                    let running = cluster.is_running()?;
                    println!(
                        "{} ({}, port {})",
                        if running { "running" } else { "stopped" },
                        cluster.data_dir().display(),
                        cluster.port()
                    );
                }
            }
            Ok(())
        }
    }
}

async fn serve(config: Config, auth: AuthConfig) -> anyhow::Result<()> {
    tracing::info!(settings = %config.summary(&auth), "starting FieldOps");
    let dbs = databases(&config).await?;
    let pool = db::server_pool(&dbs.server_url, &config.database)?;
    match db::login_role_report(&pool).await {
        Ok(report) if !report.is_safe() => {
            let message = format!(
                "the server's database role {:?} bypasses row-level security (superuser: {}, bypassrls: {}, owns {} tables); connect as fieldops_authenticator",
                report.role, report.is_superuser, report.bypasses_rls, report.owned_tables
            );
            if config.env.is_development() {
                tracing::warn!("{message}");
            } else {
                anyhow::bail!(message);
            }
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "database not reachable yet; serving and retrying"),
    }
    let app = Application::build(config.clone(), auth, pool).await?;
    let addr = app.local_addr();
    let metrics = app.metrics_addr().map_or_else(|| "off".to_owned(), |a| format!("http://{a}/metrics"));
    if config.log_format == crate::config::LogFormat::Json {
        // Every stdout line stays one JSON object for the log pipeline.
        tracing::info!(address = %addr, %metrics, "listening");
    } else {
        println!(
            "FieldOps is running at http://{addr}  (API: http://{addr}/api/v1, health: http://{addr}/healthz, metrics: {metrics})"
        );
    }
    let result = app.run_until_stopped().await;
    if let Some(cluster) = dbs.started {
        cluster.stop().context("stopping the embedded cluster")?;
    }
    result
}
