//! `fieldops import`: an import from the command line, run exactly as the web
//! app runs it: as the company's admin, in a verified request context (a
//! session of that admin, opened for the run and revoked after it), so RLS
//! and every constraint check each row. Nothing here bypasses a policy; the
//! owner connection only finds the admin and opens the session, as sign-in
//! would.

use std::{path::Path, time::Instant};

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::Role,
    config::Config,
    http::{
        imports::{run, Kind},
        shared::context::{self, CurrentUser},
    },
};

pub struct ImportArgs<'a> {
    pub company: &'a str,
    pub admin: Option<&'a str>,
    pub kind: Kind,
    pub file: &'a Path,
    pub preset: Option<&'a str>,
    pub apply: bool,
}

pub async fn import(owner: &sqlx::PgPool, config: &Config, args: ImportArgs<'_>) -> anyhow::Result<()> {
    let bytes = std::fs::read(args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let company_id = sqlx::query_scalar!("select id from app.companies where slug = $1", args.company)
        .fetch_optional(owner)
        .await?
        .with_context(|| format!("no company {:?}", args.company))?;
    let Some(admin_id) = sqlx::query_scalar!(
        "select id from app.users
         where company_id = $1 and role = 'ADMIN' and is_active and deleted_at is null
           and ($2::text is null or lower(email) = lower($2))
         order by created_at, id limit 1",
        company_id,
        args.admin
    )
    .fetch_optional(owner)
    .await?
    else {
        bail!("no active admin of {:?} to import as", args.company);
    };
    let expires = chrono::Utc::now() + chrono::Duration::hours(6);
    let refresh_hash = Sha256::digest(Uuid::new_v4().as_bytes()).to_vec();
    let session_id = sqlx::query_scalar!(
        r#"select auth.create_session($1, $2, $3, $4, $4, 'fieldops import', null) as "id!""#,
        admin_id,
        company_id,
        refresh_hash,
        expires
    )
    .fetch_one(owner)
    .await?;
    let user =
        CurrentUser { user_id: admin_id, company_id, role: Role::Admin, customer_id: None, session_id };
    let result = run_as(owner, config, &user, &bytes, &args).await;
    sqlx::query!(
        "update app.sessions set revoked_at = now(), revoked_reason = 'cli import finished'
         where company_id = $1 and id = $2",
        company_id,
        session_id
    )
    .execute(owner)
    .await?;
    result
}

async fn run_as(
    owner: &sqlx::PgPool,
    config: &Config,
    user: &CurrentUser,
    bytes: &[u8],
    args: &ImportArgs<'_>,
) -> anyhow::Result<()> {
    let mut tx = context::open_detected(owner, user, config.into()).await.map_err(anyhow::Error::from)?;
    let options = run::Options {
        kind: args.kind,
        source: args.preset.unwrap_or("spreadsheet").to_owned(),
        file_name: args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        mapping: None,
        dry_run: !args.apply,
        existing: None,
    };
    let started = Instant::now();
    let total = run::count_rows(bytes).map_err(anyhow::Error::from)?;
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "[{bar:40}] {pos}/{len} rows, {per_sec}, {elapsed} (about {eta} left)",
        )
        .map_err(anyhow::Error::from)?
        .progress_chars("=> "),
    );
    let report = run::run(&mut tx, user, bytes, options, &mut |done| bar.set_position(done as u64))
        .await
        .map_err(anyhow::Error::from)?;
    tx.commit().await?;
    bar.finish_and_clear();
    let i = &report.import;
    println!(
        "{} {} ({}): {} created, {} updated, {} skipped, {} refused in {:.1} s{}",
        if args.apply { "imported" } else { "dry run of" },
        i.file_name,
        report.encoding,
        i.created_count,
        i.updated_count,
        i.skipped_count,
        i.refused_count,
        started.elapsed().as_secs_f64(),
        if args.apply { "" } else { " (nothing changed; --apply to import)" },
    );
    for error in report.errors.iter().take(20) {
        println!("  row {}: {} {}", error.row, error.column, error.message);
    }
    println!("import {}", i.id);
    Ok(())
}
