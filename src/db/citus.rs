//! Everything FieldOps does differently on Citus, in one place.
//!
//! One schema and one binary serve a single PostgreSQL server and a Citus
//! cluster. The differences are chosen here by detecting the `citus` extension
//! in the database, never by a setting someone must remember:
//!
//! - `fieldops migrate` runs the migrations with Citus's local-object rule
//!   relaxed (views over the catalog stay on the coordinator), then distributes
//!   the tables by `company_id` ([`TABLES`]) and applies the policies in the
//!   shape Citus accepts ([`policy_sql`]).
//! - A request's context opens in three messages instead of one
//!   (`http::shared::context`), because Citus replays every message that holds
//!   a `SET LOCAL` on each worker connection.
//!
//! docs/scaling.md explains each rule and what it was measured at.

use std::{borrow::Cow, collections::HashMap, time::Instant};

use anyhow::{bail, Context};
use sqlx::{
    migrate::{Migrate, Migrator},
    Connection, Executor, PgConnection,
};

/// Where the database runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    SingleNode,
    Citus,
}

impl Topology {
    pub fn is_citus(self) -> bool {
        self == Topology::Citus
    }
}

/// Citus is in use when its extension is installed in this database.
pub async fn detect(conn: &mut PgConnection) -> anyhow::Result<Topology> {
    let citus: bool =
        sqlx::query_scalar("select exists (select 1 from pg_catalog.pg_extension where extname = 'citus')")
            .fetch_one(conn)
            .await
            .context("detecting Citus")?;
    Ok(if citus { Topology::Citus } else { Topology::SingleNode })
}

/// How each table lives on Citus, in the order they are distributed (a table
/// after the tables its foreign keys point at).
pub const TABLES: &[(&str, Placement)] = &[
    ("app.companies", Placement::Reference),
    // People, across companies (migration 0034): the memberships of every
    // shard point at them, and sign-in finds them by address.
    ("app.identities", Placement::Reference),
    // The catalogue of permissions (migration 0039): code's, every company's
    // grants point at it.
    ("app.permissions", Placement::Reference),
    ("app.customers", Placement::ByCompany),
    // A company's roles, before the memberships that point at them (after
    // app.customers, the table every other is co-located with).
    ("app.roles", Placement::ByCompany),
    ("app.role_permissions", Placement::ByCompany),
    // Before the users, jobs, customers' and locations' keys that name them (migration 0040).
    ("app.branches", Placement::ByCompany),
    // Before app.jobs, whose keys point at them (migration 0020).
    ("app.service_locations", Placement::ByCompany),
    ("app.service_location_access", Placement::ByCompany),
    ("app.contacts", Placement::ByCompany),
    ("app.contact_methods", Placement::ByCompany),
    ("app.contact_locations", Placement::ByCompany),
    ("app.custom_field_definitions", Placement::ByCompany),
    ("app.users", Placement::ByCompany),
    // Self-service sign-ups (migration 0043): their first admin is a membership.
    ("app.company_signups", Placement::ByCompany),
    ("app.sessions", Placement::ByCompany),
    ("app.refresh_tokens", Placement::ByCompany),
    ("app.job_statuses", Placement::ByCompany),
    ("app.jobs", Placement::ByCompany),
    ("app.job_tasks", Placement::ByCompany),
    ("app.job_notes", Placement::ByCompany),
    // After the jobs, contacts and locations its keys point at (migration 0024).
    ("app.communications", Placement::ByCompany),
    ("app.share_links", Placement::ByCompany),
    ("app.share_link_opens", Placement::ByCompany),
    ("app.audit_log", Placement::ByCompany),
    ("app.idempotency_keys", Placement::ByCompany),
    ("app.mail_outbox", Placement::ByCompany),
    ("app.password_reset_tokens", Placement::ByCompany),
    ("app.portal_settings", Placement::ByCompany),
    ("app.portal_accounts", Placement::ByCompany),
    ("app.portal_verification_tokens", Placement::ByCompany),
    ("app.portal_invitations", Placement::ByCompany),
    // After the users its key points at (migration 0038).
    ("app.digest_recipients", Placement::ByCompany),
    ("app.digest_runs", Placement::ByCompany),
    ("app.job_requests", Placement::ByCompany),
    ("app.job_request_changes", Placement::ByCompany),
    // After the users its accepted membership points at (migration 0034).
    ("app.invitations", Placement::ByCompany),
    ("app.notification_preferences", Placement::ByCompany),
    ("app.unsubscribe_tokens", Placement::ByCompany),
    ("app.messages", Placement::ByCompany),
    ("app.message_reads", Placement::ByCompany),
    ("app.email_changes", Placement::ByCompany),
    // Imports (migration 0029): the import before the links that name it.
    ("app.imports", Placement::ByCompany),
    ("app.external_refs", Placement::ByCompany),
    ("app.import_mappings", Placement::ByCompany),
    // After the jobs, requests and users its keys point at (migration 0028).
    ("app.attachments", Placement::ByCompany),
    // Failed sign-ins are not tenant data and are only read by the sign-in
    // functions, which run on the coordinator.
    ("app.login_failures", Placement::Coordinator),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A copy on every node: small, global, read by every tenant's queries.
    Reference,
    /// Sharded by `company_id`, all co-located with the first such table: a
    /// company's rows of every table share a node, so its joins stay there.
    ByCompany,
    /// A plain table of the coordinator.
    Coordinator,
}

/// The table every distributed table is co-located with.
const COLOCATION_ANCHOR: &str = "app.customers";

/// The pending migrations, each in its own transaction like sqlx's migrator
/// and recorded in the same `_sqlx_migrations` table, but sent one statement
/// per message: Citus refuses several statements in one message once they
/// touch distributed tables ("cannot insert multiple commands into a prepared
/// statement").
pub async fn run_migrations(conn: &mut PgConnection, migrator: &Migrator) -> anyhow::Result<()> {
    conn.lock().await?;
    let result = async {
        conn.ensure_migrations_table().await?;
        if let Some(version) = conn.dirty_version().await? {
            bail!("migration {version} is partially applied; fix and remove its row in _sqlx_migrations");
        }
        let applied: HashMap<i64, Vec<u8>> = conn
            .list_applied_migrations()
            .await?
            .into_iter()
            .map(|m| (m.version, m.checksum.into_owned()))
            .collect();
        for migration in migrator.iter() {
            if let Some(checksum) = applied.get(&migration.version) {
                if checksum.as_slice() != &*migration.checksum {
                    bail!("migration {} was changed after it was applied", migration.version);
                }
                continue;
            }
            let started = Instant::now();
            let mut tx = conn.begin().await?;
            sequential_ddl(&mut tx).await?;
            for statement in split_statements(&migration.sql) {
                tx.execute(statement).await.with_context(|| {
                    format!("migration {} ({}): {statement}", migration.version, migration.description)
                })?;
            }
            sqlx::query(
                "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
                 values ($1, $2, true, $3, $4)",
            )
            .bind(migration.version)
            .bind(&*migration.description)
            .bind(&*migration.checksum)
            .bind(i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        anyhow::Ok(())
    }
    .await;
    conn.unlock().await?;
    result
}

/// DDL on distributed tables runs over one connection per worker: in parallel
/// mode Citus refuses a later change of a reference table (app.companies) in
/// the same transaction.
pub async fn sequential_ddl(conn: &mut PgConnection) -> anyhow::Result<()> {
    conn.execute("set local citus.multi_shard_modify_mode = 'sequential'").await?;
    Ok(())
}

/// The statements of a SQL file, for sending one per message. Knows what our
/// files hold: '…' strings, "…" names, $tag$…$tag$ bodies, -- and /* */
/// comments; a `;` inside any of them does not end a statement.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(bytes.len(), |end| i + 2 + end + 1);
            }
            b'$' => {
                let tag_end = sql[i + 1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map(|end| i + 1 + end);
                if let Some(tag_end) = tag_end.filter(|&end| bytes[end] == b'$') {
                    let tag = &sql[i..=tag_end];
                    i = sql[tag_end + 1..]
                        .find(tag)
                        .map_or(bytes.len(), |end| tag_end + 1 + end + tag.len() - 1);
                }
            }
            b';' => {
                let statement = sql[start..i].trim();
                if !is_only_comments(statement) {
                    statements.push(statement);
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let rest = sql[start.min(sql.len())..].trim();
    if !is_only_comments(rest) {
        statements.push(rest);
    }
    statements
}

fn is_only_comments(sql: &str) -> bool {
    sql.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with("--")
    })
}

/// Before the migrations: on a fresh cluster they create views over the catalog
/// (`app.policy_report` reads `pg_policies`), which Citus would otherwise try
/// to create on the workers, catalog view included. With the rule relaxed, a
/// view over local tables stays on the coordinator; views over distributed
/// tables are still propagated.
pub async fn prepare_migrations(conn: &mut PgConnection) -> anyhow::Result<()> {
    conn.execute("set citus.enforce_object_restrictions_for_local_objects = off").await?;
    // A migration that adds a trigger to a distributed table needs this; the
    // triggers read and write rows of their own company only, on its node.
    conn.execute("set citus.enable_unsafe_triggers = on").await?;
    Ok(())
}

/// After the migrations, with every policy dropped (Citus copies a table's
/// policies to its shards when it distributes it, and refuses the one-server
/// shapes): distributes what is not yet distributed. Idempotent.
pub async fn distribute(conn: &mut PgConnection) -> anyhow::Result<()> {
    // The audit and bookkeeping triggers run on the shards; they read and write
    // only rows of the same company, which live on the same node.
    conn.execute("set citus.enable_unsafe_triggers = on").await?;
    // Making app.companies a reference table first would turn every table with
    // a foreign key to it into a Citus local table, and those cannot be
    // distributed one at a time. So the keys to reference tables step aside
    // while the tenant tables are distributed, and return afterwards.
    let to_reference = foreign_keys_to_reference_tables(&mut *conn).await?;
    let pending = pending_tables(&mut *conn).await?;
    if pending.is_empty() {
        return Ok(());
    }
    for key in &to_reference {
        conn.execute(format!("alter table {} drop constraint {}", key.table, key.name).as_str()).await?;
    }
    for (table, _) in TABLES.iter().filter(|(_, p)| *p == Placement::ByCompany) {
        if !pending.contains(table) {
            continue;
        }
        let statement = if *table == COLOCATION_ANCHOR {
            sqlx::query("select create_distributed_table($1, 'company_id')").bind(table)
        } else {
            sqlx::query("select create_distributed_table($1, 'company_id', colocate_with => $2)")
                .bind(table)
                .bind(COLOCATION_ANCHOR)
        };
        statement.execute(&mut *conn).await.with_context(|| format!("distributing {table}"))?;
    }
    for (table, _) in TABLES.iter().filter(|(t, p)| *p == Placement::Reference && pending.contains(t)) {
        sqlx::query("select create_reference_table($1)")
            .bind(table)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("making {table} a reference table"))?;
    }
    for key in &to_reference {
        conn.execute(
            format!("alter table {} add constraint {} {}", key.table, key.name, key.definition).as_str(),
        )
        .await
        .with_context(|| format!("restoring {} on {}", key.name, key.table))?;
    }
    Ok(())
}

/// db/citus.sql: database settings, function settings and the grants Citus
/// needs beyond the policy files'. Run after them, in their transaction.
pub async fn apply_settings(conn: &mut PgConnection) -> anyhow::Result<()> {
    for statement in split_statements(CITUS_SQL) {
        conn.execute(statement).await.with_context(|| format!("applying db/citus.sql: {statement}"))?;
    }
    Ok(())
}

/// The tables of [`TABLES`] not yet placed as they should be.
async fn pending_tables(conn: &mut PgConnection) -> anyhow::Result<Vec<&'static str>> {
    let mut pending = Vec::new();
    for (table, placement) in TABLES {
        let wanted = match placement {
            Placement::Reference => "reference",
            Placement::ByCompany => "distributed",
            Placement::Coordinator => continue,
        };
        let current: Option<String> = sqlx::query_scalar(
            "select citus_table_type from citus_tables where table_name = $1::text::regclass",
        )
        .bind(table)
        .fetch_optional(&mut *conn)
        .await?;
        if current.as_deref() != Some(wanted) {
            pending.push(*table);
        }
    }
    Ok(pending)
}

struct ForeignKey {
    table: String,
    name: String,
    definition: String,
}

/// Foreign keys from tenant tables to the tables that become reference tables,
/// and from the co-location anchor to the tenant tables distributed after it
/// (`customers_branch_fkey`, migration 0040): the anchor goes first, and Citus
/// refuses to distribute a table whose key points at a plain one.
async fn foreign_keys_to_reference_tables(conn: &mut PgConnection) -> anyhow::Result<Vec<ForeignKey>> {
    let references: Vec<&str> =
        TABLES.iter().filter(|(_, p)| *p == Placement::Reference).map(|(t, _)| *t).collect();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "select c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
         from pg_constraint c
         where c.contype = 'f'
           and (c.confrelid = any (select t::regclass from unnest($1::text[]) t) or c.conrelid = $2::regclass)
           and c.conrelid <> c.confrelid
         order by 1, 2",
    )
    .bind(&references)
    .bind(COLOCATION_ANCHOR)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(table, name, definition)| ForeignKey { table, name, definition }).collect())
}

/// Database and function settings for Citus (see the file's comments).
const CITUS_SQL: &str = include_str!("../../db/citus.sql");

/// The context functions a policy compares with.
const CONTEXT_FUNCTIONS: &[&str] =
    &["company_id", "user_id", "customer_id", "session_id", "role", "location_scope", "branch_id"];

/// The policies' subqueries, in one-server form, and the function that asks
/// the same question on Citus (db/migrations/0016). `{t}` is the table.
const PROBES: &[(&str, &str)] = &[
    (
        "exists (select 1 from app.jobs j where j.company_id = {t}.company_id and j.id = {t}.job_id offset 0)",
        "app.job_is_visible({t}.company_id, {t}.job_id)",
    ),
    ("exists (select 1 from app.jobs j where j.id = {t}.job_id offset 0)", "app.job_is_visible({t}.company_id, {t}.job_id)"),
    (
        "exists (select 1 from app.jobs j where j.company_id = {t}.company_id and j.customer_id = {t}.id offset 0)",
        "app.customer_has_visible_job({t}.company_id, {t}.id)",
    ),
    (
        "exists (select 1 from app.jobs j where j.company_id = {t}.company_id and j.assigned_worker_id = {t}.id offset 0)",
        "app.worker_has_visible_job({t}.company_id, {t}.id)",
    ),
    // A customer's locations and contacts: the customer has a job the caller sees.
    (
        "exists (select 1 from app.jobs j where j.company_id = {t}.company_id and j.customer_id = {t}.customer_id offset 0)",
        "app.customer_has_visible_job({t}.company_id, {t}.customer_id)",
    ),
    // A customer login limited to some locations (migration 0025): the
    // comparison with the context's list, as a call (Citus cannot place the
    // `= any` of a function's array in a policy on a distributed table).
    (
        "(app.location_scope() is null or service_location_id = any (app.location_scope()::uuid[]))",
        "app.in_location_scope(service_location_id)",
    ),
    ("(app.location_scope() is null or id = any (app.location_scope()::uuid[]))", "app.in_location_scope(id)"),
    // A job request's history: the caller sees the request (migration 0026).
    (
        "exists (select 1 from app.job_requests r where r.company_id = {t}.company_id and r.id = {t}.request_id offset 0)",
        "app.job_request_is_visible({t}.company_id, {t}.request_id)",
    ),
    // An attachment of a job request: the caller sees the request (migration 0028).
    (
        "exists (select 1 from app.job_requests r where r.company_id = {t}.company_id and r.id = {t}.job_request_id offset 0)",
        "app.job_request_is_visible({t}.company_id, {t}.job_request_id)",
    ),
    // An attachment of a job note or of a customer: the caller sees the note
    // or the customer (migration 0036).
    (
        "exists (select 1 from app.job_notes n where n.company_id = {t}.company_id and n.id = {t}.note_id offset 0)",
        "app.job_note_is_visible({t}.company_id, {t}.note_id)",
    ),
    (
        "exists (select 1 from app.customers c where c.company_id = {t}.company_id and c.id = {t}.customer_id offset 0)",
        "app.customer_is_visible({t}.company_id, {t}.customer_id)",
    ),
    // A gate code under a branch scope: the caller sees the location (migration 0040).
    (
        "exists (select 1 from app.service_locations l where l.company_id = {t}.company_id and l.id = {t}.location_id offset 0)",
        "app.location_is_visible({t}.company_id, {t}.location_id)",
    ),
    // A location's gate code: the caller sees an open job there (migration 0020).
    (
        "exists (select 1 from app.jobs j where j.company_id = {t}.company_id and j.service_location_id = {t}.location_id and not j.is_archived offset 0)",
        "app.location_has_visible_open_job({t}.company_id, {t}.location_id)",
    ),
];

/// A policy file as the topology needs it.
///
/// On one server the files apply as written. Their `(select app.company_id())`
/// makes the context one initplan per statement, and the `exists (… offset 0)`
/// probes run as per-row index lookups. Citus refuses both in policies on
/// distributed tables ("Subqueries are not supported in policies"), so there
/// the context functions are called directly (each comparison is an index
/// condition, so it is evaluated once per scan, not per row) and each probe
/// becomes its function. A subquery with no Citus form is an error here, at
/// migrate time, rather than a policy that silently is not there.
pub fn policy_sql<'a>(name: &str, sql: &'a str, topology: Topology) -> anyhow::Result<Cow<'a, str>> {
    if !topology.is_citus() {
        return Ok(Cow::Borrowed(sql));
    }
    // Only the policies change; everything else (grants, DO blocks) stays
    // byte for byte.
    let mut out = String::with_capacity(sql.len());
    for (index, segment) in sql.split(';').enumerate() {
        if index > 0 {
            out.push(';');
        }
        let code = normalize(segment);
        if !code.starts_with("create policy") {
            out.push_str(segment);
            continue;
        }
        let mut policy = code;
        for function in CONTEXT_FUNCTIONS {
            policy = policy.replace(&format!("(select app.{function}())"), &format!("app.{function}()"));
        }
        policy = unwrap_permission_checks(&policy);
        // A context function inside IS NULL is refused there too (migration 0040).
        policy = policy.replace("app.branch_id() is null", "app.branch_unscoped()");
        for table in tables_named_in(&policy) {
            for (probe, function) in PROBES {
                policy = policy.replace(&probe.replace("{t}", &table), &function.replace("{t}", &table));
            }
        }
        if policy.contains("(select ") || policy.contains("exists") {
            bail!(
                "db/policies/{name}: this policy has a subquery that has no Citus form; \
                 add one to PROBES in src/db/citus.rs: {policy}"
            );
        }
        out.push('\n');
        out.push_str(&policy);
    }
    Ok(Cow::Owned(out))
}

/// `(select app.has_permission('jobs.read'))` as a plain call: Citus takes no
/// subquery in a policy (the permission is a constant, so the call is still
/// one lookup of the verified context).
fn unwrap_permission_checks(policy: &str) -> String {
    const WRAPPED: &str = "(select app.has_permission('";
    let mut out = String::with_capacity(policy.len());
    let mut rest = policy;
    while let Some(start) = rest.find(WRAPPED) {
        let after = &rest[start + WRAPPED.len()..];
        match after.find("'))") {
            Some(end) => {
                out.push_str(&rest[..start]);
                out.push_str("app.has_permission('");
                out.push_str(&after[..end]);
                out.push_str("')");
                rest = &after[end + "'))".len()..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// `app.<table>` names in the text: the tables whose columns a probe may name.
fn tables_named_in(sql: &str) -> Vec<String> {
    let mut tables: Vec<String> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|word| word.strip_prefix("app."))
        .filter(|name| !name.is_empty() && !name.contains('.'))
        .map(str::to_owned)
        .collect();
    tables.sort();
    tables.dedup();
    tables
}

/// Comments out, whitespace collapsed, no space inside parentheses: the form
/// the probes are matched in. Policy files hold no string with `--` in it.
fn normalize(sql: &str) -> String {
    let code: Vec<&str> = sql.lines().map(|line| line.split("--").next().unwrap_or_default()).collect();
    code.join(" ").split_whitespace().collect::<Vec<_>>().join(" ").replace("( ", "(").replace(" )", ")")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_server_policies_apply_as_written() {
        let sql = "create policy p on app.t using (company_id = (select app.company_id()));";
        assert_eq!(policy_sql("t.sql", sql, Topology::SingleNode).unwrap(), sql);
    }

    #[test]
    fn on_citus_the_context_is_called_directly_and_probes_become_functions() {
        let sql = "-- a comment\n\
                   create policy p on app.job_tasks for select to fieldops_worker\n  using (\n    \
                   company_id = (select app.company_id())\n    and exists (select 1 from app.jobs j \
                   where j.company_id = job_tasks.company_id and j.id = job_tasks.job_id offset 0)\n  );";
        let citus = policy_sql("job_tasks.sql", sql, Topology::Citus).unwrap();
        assert_eq!(
            citus,
            "\ncreate policy p on app.job_tasks for select to fieldops_worker using (company_id = app.company_id() \
             and app.job_is_visible(job_tasks.company_id, job_tasks.job_id));"
        );
    }

    #[test]
    fn on_citus_the_gate_code_probe_becomes_its_function() {
        let sql = "create policy p on app.service_location_access for select to fieldops_worker using (\n\
                   company_id = (select app.company_id())\n and exists (select 1 from app.jobs j \
                   where j.company_id = service_location_access.company_id \
                   and j.service_location_id = service_location_access.location_id and not j.is_archived offset 0)\n);";
        let citus = policy_sql("service_location_access.sql", sql, Topology::Citus).unwrap();
        assert!(
            citus.contains("app.location_has_visible_open_job(service_location_access.company_id, service_location_access.location_id)"),
            "{citus}"
        );
    }

    #[test]
    fn on_citus_the_location_limit_is_a_call() {
        for (name, sql) in crate::db::POLICY_FILES {
            if !["jobs.sql", "service_locations.sql"].contains(name) {
                continue;
            }
            let citus = policy_sql(name, sql, Topology::Citus).unwrap();
            assert!(citus.contains("app.in_location_scope("), "{name}: {citus}");
            assert!(!citus.contains("any (app.location_scope()"), "{name}: {citus}");
        }
    }

    #[test]
    fn on_citus_a_permission_check_is_a_call() {
        let sql = "create policy p on app.jobs for select to fieldops_admin\n  using (company_id = \
                   (select app.company_id()) and (select app.has_permission('jobs.read')));";
        let citus = policy_sql("jobs.sql", sql, Topology::Citus).unwrap();
        assert_eq!(
            citus,
            "\ncreate policy p on app.jobs for select to fieldops_admin using (company_id = app.company_id() \
             and app.has_permission('jobs.read'));"
        );
    }

    #[test]
    fn every_policy_file_has_a_citus_form() {
        for (name, sql) in crate::db::POLICY_FILES {
            let citus = policy_sql(name, sql, Topology::Citus).unwrap_or_else(|e| panic!("{e:#}"));
            assert!(!citus.contains("(select app."), "{name}: a context wrapper is left");
            assert!(!citus.contains("app.branch_id() is null"), "{name}: the branch scope's test is left");
        }
    }

    #[test]
    fn statements_split_at_semicolons_outside_strings_bodies_and_comments() {
        let sql = "-- a; comment\ncreate table t (a text default ';');\n\
                   create function f() returns int language plpgsql as $$ begin return 1; end $$;\n\
                   /* a; block */ select \"x;y\" from t;\n\
                   do $body$ begin perform 1; end $body$;\n-- the end\n";
        assert_eq!(
            split_statements(sql),
            [
                "-- a; comment\ncreate table t (a text default ';')",
                "create function f() returns int language plpgsql as $$ begin return 1; end $$",
                "/* a; block */ select \"x;y\" from t",
                "do $body$ begin perform 1; end $body$",
            ]
        );
        assert_eq!(split_statements("select $1, $2"), ["select $1, $2"], "a parameter is not a dollar quote");
    }

    #[test]
    fn every_migration_and_policy_file_splits_into_whole_statements() {
        for migration in crate::db::MIGRATOR.iter() {
            for statement in split_statements(&migration.sql) {
                assert_eq!(
                    statement.matches("$$").count() % 2,
                    0,
                    "migration {}: {statement}",
                    migration.version
                );
            }
        }
        for (name, sql) in crate::db::POLICY_FILES {
            for statement in split_statements(sql) {
                assert_eq!(statement.matches("$$").count() % 2, 0, "{name}: {statement}");
            }
        }
    }

    #[test]
    fn a_subquery_without_a_citus_form_is_refused() {
        let sql =
            "create policy p on app.t using (exists (select 1 from app.jobs j where j.title = t.title));";
        assert!(policy_sql("t.sql", sql, Topology::Citus).is_err());
    }
}
