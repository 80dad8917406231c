//! The SQL-injection harness: what SQL running *inside* a request can do.
//!
//! For an admin, a worker and a customer of company A, each attack runs as
//! arbitrary SQL in the request's own transaction, opened by the real context
//! batch (`context::open`), exactly as a handler with an injection bug, a
//! compromised dependency or a report builder would run it. It tries every trick
//! to act for company B or to gain more than the verified role: forging `app.*`
//! settings (SET LOCAL and set_config), switching `SET ROLE` (after `RESET ROLE`,
//! to the other request roles, the owner, the login role, superusers), `SET
//! SESSION AUTHORIZATION`, calling every `auth.*` function with forged
//! arguments (as the request role and as the authenticator), temporary objects
//! (the pg_temp shadowing attack on definer functions), ending the transaction
//! and carrying on outside it, reading other backends' queries, signalling
//! other backends, reading server files.
//!
//! After each attack, still in the same transaction and whatever role it left,
//! probes count company B's rows in every table (must be 0, or refused), count
//! every table the attacker can see (never more than the verified role sees
//! without the attack), and try to write to B and to raise the attacker's own
//! role. At the end B's rows, history and sessions are exactly as before.

use std::collections::BTreeMap;

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::helpers::{spawn_app, Company, TestApp};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    /// The statement must be refused.
    Fail,
    /// A count that must be zero, or refused.
    Zero,
    /// Writes nothing: refused, or no row affected.
    Untouched,
    /// Part of the attack: its outcome is what the probes judge.
    Any,
}

struct Step {
    sql: String,
    expect: Expect,
}

fn any(sql: impl Into<String>) -> Step {
    Step { sql: sql.into(), expect: Expect::Any }
}

fn fail(sql: impl Into<String>) -> Step {
    Step { sql: sql.into(), expect: Expect::Fail }
}

/// Runs one statement the way an attacker would keep going after an error:
/// each statement in a savepoint, rolled back when it fails (outside a
/// transaction block, after a COMMIT, the savepoint itself fails: ignored).
async fn run(tx: &mut Transaction<'static, Postgres>, sql: &str) -> Result<(u64, Option<i64>), String> {
    let _ = sqlx::raw_sql("savepoint attack").execute(&mut **tx).await;
    let outcome = if sql.trim_start().starts_with("select count(*)") {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut **tx).await.map(|n| (0, Some(n)))
    } else {
        sqlx::raw_sql(sql).execute(&mut **tx).await.map(|r| (r.rows_affected(), None))
    };
    match outcome {
        Ok(result) => {
            let _ = sqlx::raw_sql("release savepoint attack").execute(&mut **tx).await;
            Ok(result)
        }
        Err(error) => {
            let _ = sqlx::raw_sql("rollback to savepoint attack").execute(&mut **tx).await;
            Err(error.to_string())
        }
    }
}

/// Tables of schema app, with the column that names their company.
async fn tables(app: &TestApp) -> Vec<(String, Option<&'static str>)> {
    let rows: Vec<(String, bool, bool)> = sqlx::query_as(
        "select c.relname::text,
                exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'company_id'),
                c.relname = 'companies'
         from pg_class c where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p') order by 1",
    )
    .fetch_all(&app.owner)
    .await
    .expect("tables");
    rows.into_iter()
        .map(|(name, has_company, is_companies)| {
            let column = if is_companies {
                Some("id")
            } else if has_company {
                Some("company_id")
            } else {
                None
            };
            (name, column)
        })
        .collect()
}

/// Rows the transaction can see per table; None where reading is refused.
async fn visible(
    tx: &mut Transaction<'static, Postgres>,
    tables: &[(String, Option<&'static str>)],
) -> BTreeMap<String, Option<i64>> {
    let mut seen = BTreeMap::new();
    for (table, _) in tables {
        let count = run(tx, &format!("select count(*) from app.{table}")).await.ok().and_then(|(_, n)| n);
        seen.insert(table.clone(), count);
    }
    seen
}

struct Victim {
    company: Uuid,
    admin: Uuid,
    worker: Uuid,
    customer: Uuid,
    job: Uuid,
}

fn attacks(victim: &Victim, attacker_user: Uuid) -> Vec<(&'static str, Vec<Step>)> {
    let b = victim.company;
    let forged_settings = |prefix: &str| {
        vec![
            any(format!("{prefix} app.company_id = '{b}'")),
            any(format!("{prefix} app.user_id = '{}'", victim.admin)),
            any(format!("{prefix} app.role = 'ADMIN'")),
            any(format!("{prefix} app.customer_id = '{}'", victim.customer)),
        ]
    };
    let auth_calls = || {
        vec![
            fail("select * from auth.login_lookup('bolt', 'admin@bolt.test')"),
            fail(format!(
                "select auth.create_session('{}', '{b}', sha256('x'), now() + interval '1 day', \
                 now() + interval '1 day', 'x', 'x')",
                victim.admin
            )),
            // The signatures since migration 0016 (the company first), so a
            // refusal is the grant's, not a missing function's.
            fail(format!(
                "select * from auth.rotate_refresh_token('{b}', sha256('x'), sha256('y'), now() + interval '1 day')"
            )),
            fail(format!("select auth.open_share_link('{b}', sha256('x'), 'x')")),
            // GET /auth/me's profile lookup: the sign-in pool's only.
            fail(format!(
                "select * from auth.session_profile('{}', '{}', '{b}', 'ADMIN')",
                Uuid::new_v4(),
                victim.admin
            )),
            fail(format!(
                "select auth.require_session('{}', '{}', '{b}', 'ADMIN')",
                Uuid::new_v4(),
                victim.admin
            )),
            fail("select auth.record_login_failure('bolt:admin@bolt.test', '10.0.0.1')"),
            fail("select auth.login_retry_after('bolt:admin@bolt.test', '10.0.0.1', 5, interval '1 minute')"),
            fail("select * from auth.login_attempt('bolt', 'admin@bolt.test', '10.0.0.1', 1000, interval '1 minute')"),
            fail("select auth.login_attempt_succeeded(1)"),
            fail("select auth.purge_idempotency_keys()"),
            fail("select auth.login_normal('x')"),
            // Mail and password reset (migration 0021): the sign-in pool's only.
            fail(format!("select auth.enqueue_mail('{b}', 'test', 'x@x.test', 'x', 'x', 'x')")),
            fail("select * from auth.mail_due(1000)"),
            fail(format!("select * from auth.mail_claim('{b}', '{}', interval '1 hour')", Uuid::new_v4())),
            fail(format!("select auth.mail_delivered('{b}', '{}')", Uuid::new_v4())),
            fail(format!("select auth.mail_failed('{b}', '{}', 'x', null)", Uuid::new_v4())),
            fail("select * from auth.password_reset_request('bolt', 'admin@bolt.test', '10.0.0.1', 1000, interval '1 hour')"),
            fail(format!(
                "select auth.create_password_reset('{b}', '{}', sha256('x'), now() + interval '1 hour')",
                victim.admin
            )),
            fail(format!("select * from auth.password_reset_account('{b}', sha256('x'))")),
            fail(format!("select auth.complete_password_reset('{b}', sha256('x'), 'pwned')")),
            // The public portal page (migration 0022): the sign-in pool's only.
            fail("select * from auth.portal_lookup('bolt')"),
            fail("select * from auth.portal_attempt('register', 'bolt', 'x@x.test', '10.0.0.1', 1000, interval '1 hour')"),
            fail(format!(
                "select auth.portal_register('{b}', 'x', 'x@evil.test', null, null, 'x', sha256('x'), now() + interval '1 day')"
            )),
            fail(format!("select * from auth.portal_resend_verification('{b}', 'x@x.test', sha256('x'), now())")),
            fail(format!("select * from auth.portal_verify('{b}', sha256('x'))")),
            fail("select * from auth.portal_account_status('bolt', 'x@x.test')"),
            fail(format!("select auth.portal_register_invited('{b}', sha256('x'), 'x', 'x@x.test', null, 'x')")),
            // Self-service sign-up (migration 0043): the sign-in pool's alone.
            fail(format!(
                "select auth.signup_start('{b}', 'x', 'pwned', true, 'x', 'x@evil.test', 'x', sha256('x'), \
                 now() + interval '1 day', null)"
            )),
            fail(format!("select * from auth.signup_confirm('{b}', sha256('x'))")),
            fail("select auth.signup_pending_company('admin@bolt.test')"),
            fail("select auth.signup_attempt('admin@bolt.test', null, 1000, interval '1 hour')"),
            // Conversations and notifications (migration 0030): the unsubscribe
            // link is the sign-in pool's; the mail queueing is the triggers'.
            fail(format!("select auth.portal_unsubscribe('{b}', sha256('x'))")),
            fail(format!(
                "select auth.email_change_request('{b}', '{}', 'x@evil.test', sha256('x'), now() + interval '1 day')",
                victim.admin
            )),
            fail(format!("select auth.email_change_confirm('{b}', sha256('x'))")),
            fail(format!(
                "select app.queue_notification('{b}', '{}', 'x@evil.test', 'new_message', '{{}}'::jsonb)",
                victim.admin
            )),
            fail(format!(
                "select app.notify_customer('{b}', '{}', null, 'job_status', '{{}}'::jsonb)",
                victim.customer
            )),
            // The daily request digest (migration 0038): the sign-in pool's only.
            fail("select * from auth.digests_due(now() + interval '1 day')"),
            fail(format!("select auth.digest_claim('{b}', current_date + 1)")),
            fail(format!("select * from auth.digest_pending('{b}', 1000)")),
            fail(format!("select * from auth.digest_recipients('{b}')")),
            fail(format!("select auth.digest_recorded('{b}', current_date, 0, 0)")),
            // People in several companies (migration 0034): the sign-in pool's only.
            fail("select * from auth.identity_login_attempt('admin@bolt.test', '10.0.0.1', 1000, interval '1 minute')"),
            fail(format!("select * from auth.identity_memberships('{}')", Uuid::new_v4())),
            fail(format!(
                "select * from auth.session_identity('{}', '{}', '{b}', 'ADMIN')",
                Uuid::new_v4(),
                victim.admin
            )),
            fail(format!("select auth.remember_company('{}', '{b}')", victim.admin)),
            fail(format!("select * from auth.invitation_status('{b}', sha256('x'))")),
            fail(format!("select * from auth.accept_invitation('{b}', sha256('x'), null, 'x', 'x')")),
            // The linking (migration 0034): the owner's core is nobody's, the
            // admin's links the sign-in pool's only (for a live session).
            fail(format!("select * from app.link_identity('{b}', null, 'admin@bolt.test', 'x', 'pwned')")),
            fail(format!(
                "select * from auth.link_membership('{}', '{}', '{b}', '{}', 'pwned@evil.test', 'x', 'pwned')",
                Uuid::new_v4(),
                victim.admin,
                victim.admin
            )),
            fail(format!(
                "select auth.link_portal_account('{}', '{}', '{b}', '{}')",
                Uuid::new_v4(),
                victim.admin,
                Uuid::new_v4()
            )),
            fail(format!("select auth.admin_session_is_live('{}', '{}', '{b}')", Uuid::new_v4(), victim.admin)),
            // A contact's locations are computed for the session by triggers
            // only (migration 0025).
            fail(format!("select app.contact_location_scope('{b}', '{}')", Uuid::new_v4())),
            Step {
                sql: format!(
                    "select count(*) from auth.search_jobs('%', true, null, null, null, null, null, 1000) s \
                     where s = '{}'",
                    victim.job
                ),
                expect: Expect::Zero,
            },
            Step {
                sql: format!(
                    "select count(*) from auth.search_customers('%', null, null, 1000) s where s = '{}'",
                    victim.customer
                ),
                expect: Expect::Zero,
            },
            // Search and duplicates (migration 0024): the caller's company only.
            Step {
                sql: format!(
                    "select count(*) from auth.search_customer_matches('customer', 100) s where s.customer_id = '{}'",
                    victim.customer
                ),
                expect: Expect::Zero,
            },
            Step {
                sql: format!(
                    "select count(*) from auth.find_customer_duplicates(array['5550100'], array['admin@bolt.test'], 'x') d \
                     where d.customer_id = '{}'",
                    victim.customer
                ),
                expect: Expect::Zero,
            },
            // The custom-field filters (migration 0023): the caller's company only.
            Step {
                sql: format!(
                    "select count(*) from auth.filter_jobs('{{}}', null, false, null, null, null, null, null, 1000) s \
                     where s = '{}'",
                    victim.job
                ),
                expect: Expect::Zero,
            },
            Step {
                sql: format!(
                    "select count(*) from auth.filter_customers('{{}}', null, null, null, 1000) s where s = '{}'",
                    victim.customer
                ),
                expect: Expect::Zero,
            },
            Step {
                sql: format!("select count(*) from auth.current_profile() p where p.company_id = '{b}'"),
                expect: Expect::Zero,
            },
            Step {
                sql: format!("select count(*) from auth.request_context() c where c.company_id = '{b}'"),
                expect: Expect::Zero,
            },
        ]
    };
    let mut list: Vec<(&'static str, Vec<Step>)> = vec![
        ("none (the verified context as it is)", vec![]),
        ("SET LOCAL app.* to company B", forged_settings("set local")),
        ("set_config of app.* to company B", {
            let mut steps: Vec<Step> = ["company_id", "user_id", "customer_id"]
                .iter()
                .map(|name| {
                    let value = match *name {
                        "company_id" => b,
                        "user_id" => victim.admin,
                        _ => victim.customer,
                    };
                    any(format!("select set_config('app.{name}', '{value}', true)"))
                })
                .collect();
            steps.push(any("select set_config('app.role', 'ADMIN', true)"));
            steps.push(any(format!("select set_config('app.session_id', '{}', true)", Uuid::new_v4())));
            steps
        }),
        ("a guessed session id", vec![any(format!("set local app.session_id = '{}'", Uuid::new_v4()))]),
        // The company hint is what a new row's company_id defaults to; the
        // account-number trigger reads as the owner (migration 0044) and must
        // refuse a row of B before it reads B's numbers.
        ("the company hint set to company B, then a customer created", {
            vec![
                any(format!("set local app.session_company = '{b}'")),
                fail("insert into app.customers (name) values ('pwned')"),
                fail(format!("insert into app.customers (company_id, name) values ('{b}', 'pwned')")),
            ]
        }),
        // An admin may name a new customer's author (the import does, once
        // per statement: migration 0045); the insert policy takes only the
        // verified user.
        ("a new customer naming B's admin as its author", {
            vec![
                fail(format!("insert into app.customers (name, created_by) values ('pwned', '{}')", victim.admin)),
                any(format!("set local app.user_id = '{}'", victim.admin)),
                fail(format!("insert into app.customers (name, created_by) values ('pwned', '{}')", victim.admin)),
            ]
        }),
        ("RESET ROLE, SET ROLE fieldops_admin", vec![any("reset role"), any("set local role fieldops_admin")]),
        ("SET ROLE to each request role, with forged settings", {
            let mut steps = vec![any("reset role"), any("set local role fieldops_admin")];
            steps.extend(forged_settings("set local"));
            steps.extend([any("set local role fieldops_worker"), any(format!("set local app.user_id = '{}'", victim.worker))]);
            steps.push(any("set local role fieldops_customer"));
            steps
        }),
        (
            "SET ROLE or SESSION AUTHORIZATION to owner, login role, superuser",
            vec![
                fail("set local role fieldops_owner"),
                fail("set local role fieldops_login"),
                fail("set local role postgres"),
                fail("set local role pg_read_all_data"),
                fail("set local role pg_write_all_data"),
                fail("set local session authorization fieldops_owner"),
                fail("set local session authorization postgres"),
                any("reset role"),
                fail("set local role fieldops_owner"),
                fail("set local session authorization fieldops_owner"),
            ],
        ),
        ("auth.* with forged arguments, as the request role", auth_calls()),
        ("auth.* with forged arguments, as the authenticator", {
            let mut steps = vec![any("reset role")];
            steps.extend(auth_calls());
            steps
        }),
        (
            "temporary objects (pg_temp shadowing a catalog type in a definer function)",
            vec![
                fail("create temporary table t (x int)"),
                fail("create function pg_temp.steal() returns boolean language sql as 'select true'"),
                fail("create domain pg_temp.jsonb as pg_catalog.jsonb check (true)"),
                fail("create domain pg_temp.uuid as pg_catalog.uuid"),
                any("reset role"),
                fail("create temporary table t (x int)"),
                fail("create domain pg_temp.text as pg_catalog.text"),
            ],
        ),
        (
            "objects and files outside the schema",
            vec![
                fail("create schema pwned"),
                fail("create table public.pwned (x int)"),
                fail("create extension dblink"),
                fail("select pg_read_file('/etc/passwd')"),
                fail("select lo_import('/etc/passwd')"),
                fail("copy app.jobs to '/tmp/fieldops-pwned'"),
                fail("alter role fieldops_authenticator bypassrls"),
            ],
        ),
        (
            "other requests' queries and backends, as the authenticator",
            vec![
                any("reset role"),
                fail("select query from pg_stat_activity"),
                fail("select pg_stat_get_backend_activity(s) from pg_stat_get_backend_idset() s"),
                fail("select pg_terminate_backend(pid) from pg_stat_get_activity(null) where pid <> pg_backend_pid()"),
                fail("select pg_cancel_backend(0)"),
            ],
        ),
        ("COMMIT, then carry on outside the request's transaction", {
            let mut steps = vec![any("commit"), any("set role fieldops_admin")];
            steps.extend(forged_settings("set"));
            steps
        }),
    ];
    // Raising one's own role inside company A: as a write probe (below) too.
    list.push((
        "raise my own role",
        vec![Step {
            sql: format!(
                "update app.users set role = 'ADMIN' where id = '{attacker_user}' and role <> 'ADMIN'"
            ),
            expect: Expect::Untouched,
        }],
    ));
    // More permissions for oneself (migration 0039): the session pins the
    // role's, written by the owner only; one's own role and the roles' grants
    // are the managers' of roles, and nobody changes their own role.
    list.push((
        "give myself more permissions",
        vec![
            Step {
                sql: "update app.sessions set permissions = array(select name from app.permissions) \
                      where id = nullif(current_setting('app.session_id', true), '')::uuid"
                    .to_owned(),
                expect: Expect::Untouched,
            },
            Step {
                sql: format!(
                    "update app.users u set role_id = r.id from app.roles r \
                     where r.company_id = u.company_id and r.base = 'ADMIN' and r.is_default \
                       and u.id = '{attacker_user}' and u.role_id <> r.id"
                ),
                expect: Expect::Untouched,
            },
        ],
    ));
    // Widening one's own location limit (migration 0025): the session carries
    // it, and the contact link is the admin's to change.
    list.push((
        "lift my own location limit",
        vec![
            Step {
                sql: format!(
                    "update app.sessions set location_scope = null \
                     where user_id = '{attacker_user}' and location_scope is not null"
                ),
                expect: Expect::Untouched,
            },
            Step {
                sql: format!(
                    "update app.users set contact_id = null where id = '{attacker_user}' and contact_id is not null"
                ),
                expect: Expect::Untouched,
            },
        ],
    ));
    list
}

fn write_probes(victim: &Victim) -> Vec<Step> {
    let b = victim.company;
    [
        format!("update app.jobs set title = 'pwned' where company_id = '{b}'"),
        format!("update app.branches set name = 'pwned' where company_id = '{b}'"),
        format!("delete from app.branches where company_id = '{b}'"),
        format!("insert into app.branches (company_id, name) values ('{b}', 'pwned')"),
        format!("update app.job_tasks set is_completed = not is_completed where company_id = '{b}'"),
        format!("delete from app.job_notes where company_id = '{b}'"),
        format!("insert into app.customers (company_id, name) values ('{b}', 'pwned')"),
        format!("insert into app.jobs (company_id, customer_id, status_id, title) select '{b}', customer_id, status_id, 'pwned' from app.jobs limit 1"),
        format!("update app.companies set name = 'pwned' where id = '{b}'"),
        format!("update app.users set password_hash = 'pwned' where company_id = '{b}'"),
        format!("update app.sessions set revoked_at = now() where company_id = '{b}'"),
        format!("delete from app.audit_log where company_id = '{b}'"),
        format!("update app.share_links set expires_at = now() + interval '10 years' where company_id = '{b}'"),
        format!("update app.service_location_access set gate_code = 'pwned' where company_id = '{b}'"),
        format!("insert into app.service_location_access (company_id, location_id, gate_code) select company_id, id, 'pwned' from app.service_locations where company_id = '{b}'"),
        format!("delete from app.service_locations where company_id = '{b}'"),
        format!("update app.service_locations set name = 'pwned' where company_id = '{b}'"),
        format!("insert into app.service_locations (company_id, customer_id, name) values ('{b}', '{}', 'pwned')", victim.customer),
        format!("update app.contacts set is_primary = false where company_id = '{b}'"),
        format!("delete from app.contact_methods where company_id = '{b}'"),
        format!("insert into app.contacts (company_id, customer_id, name) values ('{b}', '{}', 'pwned')", victim.customer),
        format!("update app.jobs set service_location_id = null where company_id = '{b}'"),
        format!("delete from app.contact_locations where company_id = '{b}'"),
        format!("update app.contacts set restricted_to_locations = false where company_id = '{b}'"),
        format!("update app.users set contact_id = null where company_id = '{b}'"),
        format!("update app.sessions set location_scope = null where company_id = '{b}'"),
        format!(
            "insert into app.contact_locations (company_id, customer_id, contact_id, service_location_id) \
             select c.company_id, c.customer_id, c.id, l.id from app.contacts c \
             join app.service_locations l on l.company_id = c.company_id and l.customer_id = c.customer_id \
             where c.company_id = '{b}'"
        ),
        format!("update app.custom_field_definitions set label = 'pwned', visible_to_customers = true where company_id = '{b}'"),
        format!("delete from app.custom_field_definitions where company_id = '{b}'"),
        format!(
            "insert into app.custom_field_definitions (company_id, entity, key, label, field_type) \
             values ('{b}', 'job', 'pwned', 'pwned', 'text')"
        ),
        format!("update app.jobs set custom_fields = '{{}}' where company_id = '{b}'"),
        format!("update app.customers set custom_fields = '{{}}' where company_id = '{b}'"),
        format!("update app.mail_outbox set recipient = 'attacker@evil.test', state = 'queued' where company_id = '{b}'"),
        format!(
            "insert into app.mail_outbox (company_id, kind, recipient, subject, text_body, html_body) \
             values ('{b}', 'phish', 'x@x.test', 'x', 'x', 'x')"
        ),
        format!("update app.communications set summary = 'pwned' where company_id = '{b}'"),
        format!("delete from app.communications where company_id = '{b}'"),
        format!(
            "insert into app.communications (company_id, customer_id, channel, direction, summary) \
             values ('{b}', '{}', 'call', 'inbound', 'pwned')",
            victim.customer
        ),
        // People (migration 0034): no request role reaches an identity, nor
        // joins one to its company without a password of the membership's own.
        "update app.identities set password_hash = 'pwned', last_company_id = null".to_owned(),
        "delete from app.identities".to_owned(),
        format!("update app.invitations set revoked_at = now() where company_id = '{b}'"),
        format!(
            "insert into app.invitations (company_id, email, role, token_hash, expires_at) \
             values ('{b}', 'x@evil.test', 'ADMIN', sha256('x'), now() + interval '1 day')"
        ),
        "insert into app.users (name, email, password_hash, role) values ('x', 'admin@bolt.test', null, 'ADMIN')"
            .to_owned(),
        format!("update app.password_reset_tokens set expires_at = now() + interval '10 years' where company_id = '{b}'"),
        format!(
            "insert into app.password_reset_tokens (company_id, user_id, token_hash, expires_at) \
             values ('{b}', '{}', sha256('x'), now() + interval '1 hour')",
            victim.admin
        ),
        // The customer portal (migration 0022).
        format!("update app.portal_settings set registration_mode = 'open' where company_id = '{b}'"),
        format!("insert into app.portal_settings (company_id, registration_mode) values ('{b}', 'open')"),
        format!("update app.portal_accounts set state = 'rejected', rejected_reason = 'pwned' where company_id = '{b}'"),
        format!("update app.portal_verification_tokens set expires_at = now() + interval '10 years' where company_id = '{b}'"),
        format!("update app.company_signups set expires_at = now() + interval '10 years', confirmed_at = null where company_id = '{b}'"),
        format!(
            "insert into app.company_signups (company_id, slug, name, email, password_hash, token_hash, expires_at) \
             values ('{b}', 'pwned', 'x', 'x@evil.test', 'x', sha256('x'), now() + interval '1 day')"
        ),
        format!(
            "insert into app.portal_invitations (company_id, customer_id, email, token_hash, expires_at) \
             values ('{b}', '{}', 'x@evil.test', sha256('x'), now() + interval '1 day')",
            victim.customer
        ),
        // Imports (migration 0029).
        format!("update app.imports set state = 'undone', errors = '[]' where company_id = '{b}'"),
        format!("delete from app.external_refs where company_id = '{b}'"),
        format!(
            "insert into app.import_mappings (company_id, kind, name, source, mapping) \
             values ('{b}', 'customers', 'pwned', 'pwned', '{{}}')"
        ),
        format!("update app.import_mappings set mapping = '{{}}' where company_id = '{b}'"),
        format!("update app.job_requests set title = 'pwned' where company_id = '{b}'"),
        format!("insert into app.job_requests (company_id, customer_id, title) values ('{b}', '{}', 'pwned')", victim.customer),
        format!("delete from app.job_request_changes where company_id = '{b}'"),
        format!(
            "insert into app.job_request_changes (company_id, request_id, customer_id, field) \
             select company_id, id, customer_id, 'pwned' from app.job_requests where company_id = '{b}'"
        ),
        // Conversations and notifications (migration 0030).
        format!("insert into app.messages (company_id, job_id, body) values ('{b}', '{}', 'pwned')", victim.job),
        format!("update app.messages set body = 'pwned' where company_id = '{b}'"),
        format!("delete from app.messages where company_id = '{b}'"),
        format!(
            "insert into app.message_reads (company_id, user_id, job_id, last_read_at) values ('{b}', '{}', '{}', now())",
            victim.admin, victim.job
        ),
        format!("update app.message_reads set last_read_at = now() where company_id = '{b}'"),
        format!(
            "insert into app.notification_preferences (company_id, user_id, mail_notifications) values ('{b}', '{}', false)",
            victim.admin
        ),
        format!("update app.notification_preferences set mail_notifications = false where company_id = '{b}'"),
        format!("delete from app.unsubscribe_tokens where company_id = '{b}'"),
        format!("update app.users set name = 'pwned' where company_id = '{b}'"),
        format!(
            "insert into app.email_changes (company_id, user_id, new_email, token_hash, expires_at) \
             values ('{b}', '{}', 'x@evil.test', sha256('x'), now() + interval '1 day')",
            victim.admin
        ),
        // The daily digest and invitations (migration 0038).
        format!("insert into app.digest_recipients (company_id, user_id) values ('{b}', '{}')", victim.admin),
        format!("delete from app.digest_recipients where company_id = '{b}'"),
        format!("insert into app.digest_runs (company_id, digest_date) values ('{b}', current_date + 1)"),
        format!("delete from app.digest_runs where company_id = '{b}'"),
        format!("update app.portal_settings set digest_hour = 0 where company_id = '{b}'"),
        format!("delete from app.portal_invitations where company_id = '{b}'"),
        // Attachments (migration 0028): B's files, and a row naming B's job.
        format!("update app.attachments set visibility = 'customer', caption = 'pwned' where company_id = '{b}'"),
        format!("update app.attachments set deleted_at = now() where company_id = '{b}'"),
        format!("delete from app.attachments where company_id = '{b}'"),
        format!(
            "insert into app.attachments (company_id, job_id, storage_key, file_name) \
             values ('{b}', '{}', '{b}/00000000000000000000000000000000', 'pwned.txt')",
            victim.job
        ),
        // A row naming B's customer (migration 0036).
        format!(
            "insert into app.attachments (company_id, customer_id, storage_key, file_name) \
             values ('{b}', '{}', '{b}/00000000000000000000000000000001', 'pwned.txt')",
            victim.customer
        ),
        // Roles and permissions (migration 0039): B's roles, their grants and
        // sessions' permissions; the catalogue everyone's grants point at.
        format!("update app.roles set name = 'pwned' where company_id = '{b}'"),
        format!("delete from app.roles where company_id = '{b}' and not is_default"),
        format!("insert into app.roles (company_id, name, base) values ('{b}', 'pwned', 'ADMIN')"),
        format!("delete from app.role_permissions where company_id = '{b}'"),
        format!(
            "insert into app.role_permissions (company_id, role_id, permission, base) \
             select company_id, id, 'roles.manage', 'ADMIN' from app.roles where company_id = '{b}'"
        ),
        format!("update app.sessions set permissions = '{{roles.manage,users.manage}}' where company_id = '{b}'"),
        format!("update app.users set role_id = null where company_id = '{b}'"),
        "update app.permissions set base = 'CUSTOMER'".to_owned(),
        "delete from app.permissions".to_owned(),
        "insert into app.permissions (name, base, description, position) values ('evil.all', 'ADMIN', 'x', 0)"
            .to_owned(),
    ]
    .into_iter()
    .map(|sql| Step { sql, expect: Expect::Untouched })
    .collect()
}

async fn victim_state(app: &TestApp, company: Uuid) -> (String, i64, i64, (i64, i64)) {
    let history: i64 = sqlx::query_scalar("select count(*) from app.audit_log where company_id = $1")
        .bind(company)
        .fetch_one(&app.owner)
        .await
        .expect("history");
    let live_sessions: i64 =
        sqlx::query_scalar("select count(*) from app.sessions where company_id = $1 and revoked_at is null")
            .bind(company)
            .fetch_one(&app.owner)
            .await
            .expect("sessions");
    // Mail and reset tokens: their rows (a mail's state is the sender's to change).
    let mail: (i64, i64) = sqlx::query_as(
        "select (select count(*) from app.mail_outbox where company_id = $1 and recipient not like '%evil%'),
                (select count(*) from app.password_reset_tokens
                 where company_id = $1 and used_at is null and expires_at < now() + interval '2 hours')",
    )
    .bind(company)
    .fetch_one(&app.owner)
    .await
    .expect("mail");
    // The people of B's members (migration 0034): not tenant rows, so not in
    // the fingerprint, but what a forged link would change. (Two queries: on
    // Citus a reference table and a distributed one join only on keys.)
    let identity_ids: Vec<Uuid> =
        sqlx::query_scalar("select identity_id from app.users where company_id = $1")
            .bind(company)
            .fetch_all(&app.owner)
            .await
            .expect("members' people");
    let people: Option<String> = sqlx::query_scalar(
        "select string_agg(concat_ws(':', id, email, name, password_hash, last_company_id), ',' order by id)
         from app.identities where id = any($1)",
    )
    .bind(&identity_ids)
    .fetch_one(&app.owner)
    .await
    .expect("people");
    (
        format!("{}|{}", app.fingerprint(company).await, people.unwrap_or_default()),
        history,
        live_sessions,
        mail,
    )
}

async fn seed(app: &TestApp, company: &Company) -> Uuid {
    let job = app
        .create_job(
            &company.admin.access,
            serde_json::json!({"customer_id": company.customer_id, "title": format!("Job of {}", company.slug),
                    "assigned_worker_id": company.worker_id, "tasks": ["One", "Two"]}),
        )
        .await
        .id();
    let note = app
        .post(
            &format!("/api/v1/jobs/{job}/notes"),
            &company.admin.access,
            serde_json::json!({"body": "Note", "visibility": "customer"}),
        )
        .await;
    assert!(note.status.is_success(), "{:?}", note.body);
    let link = app
        .post(&format!("/api/v1/jobs/{job}/share-links"), &company.admin.access, serde_json::json!({}))
        .await;
    assert!(link.status.is_success(), "{:?}", link.body);
    // A password reset: a reset token and a mail of the company.
    let reset = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(
                serde_json::json!({"company": company.slug, "email": format!("admin@{}.test", company.slug)}),
            ),
        )
        .await;
    assert_eq!(reset.status, reqwest::StatusCode::ACCEPTED);
    // Saved portal settings (migration 0022), for the write probes to aim at.
    let settings = app
        .client
        .put(app.url("/api/v1/portal-settings"))
        .bearer_auth(&company.admin.access)
        .json(&serde_json::json!({"registration_mode": "approval", "locked_fields": [], "job_status_mails": true}))
        .send()
        .await
        .expect("portal settings");
    assert_eq!(settings.status(), reqwest::StatusCode::OK);
    // A registration with its verification token, for the probes to aim at.
    let registered = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/portal/{}/register", company.slug),
            None,
            Some(serde_json::json!({"name": "Registrant", "email": format!("registrant@{}.test", company.slug),
                                    "password": "violet tractor hums beside quiet lanterns", "accept_terms": true})),
        )
        .await;
    assert_eq!(registered.status, reqwest::StatusCode::ACCEPTED);
    // A job request of the customer, with its history.
    let request = app
        .post("/api/v1/job-requests", &company.customer.access, serde_json::json!({"title": "Request"}))
        .await;
    assert_eq!(request.status, reqwest::StatusCode::CREATED, "{:?}", request.body);
    // A communication log entry (migration 0024) about the job.
    let logged = app
        .post(
            &format!("/api/v1/customers/{}/communications", company.customer_id),
            &company.admin.access,
            serde_json::json!({"channel": "call", "direction": "inbound", "summary": "Called", "job_id": job}),
        )
        .await;
    assert!(logged.status.is_success(), "{:?}", logged.body);
    // A site manager limited to the customer's location, signed in: a contact
    // link, a limited login and its session (migration 0025).
    let admin = &company.admin.access;
    let locations = app.get(&format!("/api/v1/customers/{}/locations", company.customer_id), admin).await;
    let location = locations.body["items"][0]["id"].clone();
    let contact = app
        .post(
            &format!("/api/v1/customers/{}/contacts", company.customer_id),
            admin,
            serde_json::json!({"name": "Site manager"}),
        )
        .await
        .id();
    let limit = app
        .put(
            &format!("/api/v1/contacts/{contact}/locations"),
            admin,
            serde_json::json!({"restricted_to_locations": true, "location_ids": [location]}),
        )
        .await;
    assert!(limit.status.is_success(), "{:?}", limit.body);
    let email = format!("manager@{}.test", company.slug);
    let login = app
        .post(
            "/api/v1/users",
            admin,
            serde_json::json!({"name": "Site manager", "email": email, "password": crate::helpers::PASSWORD,
                               "role": "CUSTOMER", "customer_id": company.customer_id, "contact_id": contact}),
        )
        .await;
    assert!(login.status.is_success(), "{:?}", login.body);
    app.login(&company.slug, &email).await;
    job
}

#[tokio::test]
async fn sql_inside_a_request_reaches_no_other_company_and_no_higher_role() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    seed(&app, &acme).await;
    let bolt_job = seed(&app, &bolt).await;
    let victim = Victim {
        company: bolt.id,
        admin: bolt.admin.user_id,
        worker: bolt.worker_id,
        customer: bolt.customer_id,
        job: bolt_job,
    };
    // An office member short of the admin's permissions (migration 0039):
    // the seeded Dispatcher, who manages no one and no role.
    let roles = app.get("/api/v1/roles", &acme.admin.access).await;
    let dispatcher_role = roles
        .body
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Dispatcher")
        .and_then(|r| r["id"].as_str())
        .expect("the Dispatcher role")
        .to_owned();
    let dispatcher_reply = app
        .post(
            "/api/v1/users",
            &acme.admin.access,
            serde_json::json!({"name": "Dispatcher", "email": "dispatch@acme.test",
                               "password": crate::helpers::PASSWORD, "role_id": dispatcher_role}),
        )
        .await;
    assert!(dispatcher_reply.status.is_success(), "{:?}", dispatcher_reply.body);
    let dispatcher = app.login(&acme.slug, "dispatch@acme.test").await;

    // B is busy while A attacks: one of its requests holds a context open.
    let mut bolt_busy = app.request_tx(&bolt.admin.access).await;
    sqlx::query("select 1").execute(&mut *bolt_busy).await.expect("B's request");

    let before = victim_state(&app, bolt.id).await;
    let acme_before = app.fingerprint(acme.id).await;
    let tables = tables(&app).await;
    let mut attempts = 0;

    for (role, attacker, attacker_user) in [
        ("admin", &acme.admin.access, acme.admin.user_id),
        ("dispatcher", &dispatcher.access, dispatcher.user_id),
        ("worker", &acme.worker.access, acme.worker_id),
        ("customer", &acme.customer.access, acme.customer.user_id),
    ] {
        let baseline = {
            let mut tx = app.request_tx(attacker).await;
            visible(&mut tx, &tables).await
        };
        assert!(
            baseline.values().any(|n| n.unwrap_or(0) > 0),
            "{role}: the verified context sees its own rows ({baseline:?})"
        );

        for (attack, steps) in attacks(&victim, attacker_user) {
            let mut tx = app.request_tx(attacker).await;
            for step in steps.iter().chain(write_probes(&victim).iter()) {
                attempts += 1;
                let outcome = run(&mut tx, &step.sql).await;
                match step.expect {
                    Expect::Fail => {
                        assert!(outcome.is_err(), "{role} / {attack}: `{}` was allowed", step.sql)
                    }
                    Expect::Zero => {
                        if let Ok((_, Some(n))) = outcome {
                            assert_eq!(n, 0, "{role} / {attack}: `{}` found company B", step.sql);
                        }
                    }
                    Expect::Untouched => {
                        if let Ok((affected, _)) = outcome {
                            assert_eq!(affected, 0, "{role} / {attack}: `{}` wrote", step.sql);
                        }
                    }
                    Expect::Any => {}
                }
            }
            for (table, column) in &tables {
                let Some(column) = column else { continue };
                attempts += 1;
                let foreign =
                    run(&mut tx, &format!("select count(*) from app.{table} where {column} = '{}'", bolt.id))
                        .await
                        .ok()
                        .and_then(|(_, n)| n)
                        .unwrap_or(0);
                assert_eq!(foreign, 0, "{role} / {attack}: reads {foreign} rows of company B in app.{table}");
            }
            let seen = visible(&mut tx, &tables).await;
            attempts += tables.len();
            for (table, count) in &seen {
                let allowed = baseline[table].unwrap_or(0);
                assert!(
                    count.unwrap_or(0) <= allowed,
                    "{role} / {attack}: sees {count:?} rows of app.{table}, its verified role sees {allowed}"
                );
            }
            drop(tx);
        }
    }

    drop(bolt_busy);
    // An admin reads its company's history, sign-ins included: never a session id.
    let exposed: i64 = sqlx::query_scalar(
        // A history row is its company's; so is each session (and on Citus a
        // join is between the rows of one company).
        "select count(*) from app.audit_log a join app.sessions s
           on s.company_id = a.company_id and (a.row_id = s.id or a.changes::text like '%' || s.id::text || '%')",
    )
    .fetch_one(&app.owner)
    .await
    .expect("history");
    assert_eq!(exposed, 0, "the history holds session ids");
    let after = victim_state(&app, bolt.id).await;
    assert_eq!(after, before, "company B's rows, history, sessions, mail or reset tokens changed");
    // Mail: the reset's and the portal registration's verification.
    assert_eq!(after.3, (2, 1), "B's reset mail and token were there to attack");
    // Only the admin may write in A at all, and none of the attacks was one.
    assert_eq!(app.fingerprint(acme.id).await, acme_before, "company A changed");
    assert!(attempts > 1000, "the harness ran {attempts} statements");
}

/// A branch-scoped admin's arbitrary SQL (migration 0040): whatever it sets
/// or asks, it sees and changes nothing of the other branch, and cannot
/// widen its own scope.
#[tokio::test]
async fn a_branch_scoped_members_sql_reaches_nothing_of_another_branch() {
    let app = spawn_app().await;
    let f = crate::branches::franchise(&app).await;
    let before = app.fingerprint(f.acme.id).await;
    let (south, south_job, south_customer) = (f.south, f.south_job, f.south_customer);
    let me = f.north_admin.user_id;
    let mut tx = app.request_tx(&f.north_admin.access).await;
    // Each probe counts what it reaches of South; each write must fail or touch nothing.
    let reads = [
        format!("select count(*) from app.jobs where branch_id = '{south}' or id = '{south_job}'"),
        format!("select count(*) from app.job_summaries where id = '{south_job}'"),
        format!("select count(*) from app.customers where branch_id = '{south}' or id = '{south_customer}'"),
        format!("select count(*) from app.branches where id = '{south}'"),
        format!("select count(*) from app.users where branch_id = '{south}'"),
        format!("select count(*) from app.job_tasks where job_id = '{south_job}'"),
        format!("select count(*) from app.job_notes where job_id = '{south_job}'"),
        format!("select count(*) from app.audit_log where job_id = '{south_job}'"),
        format!("select count(*) from app.share_links where job_id = '{south_job}'"),
        format!("select count(*) from app.service_locations where branch_id = '{south}' or customer_id = '{south_customer}'"),
        format!("select count(*) from app.contacts where customer_id = '{south_customer}'"),
        format!(
            "select count(*) from app.service_location_access a join app.service_locations l \
             on l.company_id = a.company_id and l.id = a.location_id where l.customer_id = '{south_customer}'"
        ),
        format!("select count(*) from app.sessions where branch_id = '{south}'"),
    ];
    let tricks = [
        "select 1".to_owned(),
        "set local app.branch_id = ''".to_owned(),
        format!("set local app.branch_id = '{south}'"),
        "reset role; set role fieldops_admin".to_owned(),
    ];
    for trick in &tricks {
        sqlx::query("savepoint trick").execute(&mut *tx).await.expect("savepoint");
        let tried = sqlx::raw_sql(trick.as_str()).execute(&mut *tx).await;
        if tried.is_err() {
            sqlx::query("rollback to savepoint trick").execute(&mut *tx).await.expect("rollback");
        }
        for read in &reads {
            // A refused read reads nothing (Citus refuses some multi-shard
            // shapes, such as the view's outer joins without the company).
            sqlx::query("savepoint read").execute(&mut *tx).await.expect("savepoint");
            match sqlx::query_scalar::<_, i64>(read).fetch_one(&mut *tx).await {
                Ok(count) => assert_eq!(count, 0, "after `{trick}`: {read}"),
                Err(_) => {
                    sqlx::query("rollback to savepoint read").execute(&mut *tx).await.expect("rollback");
                }
            }
        }
        sqlx::query("rollback to savepoint trick").execute(&mut *tx).await.expect("rollback");
    }
    let writes = [
        format!("update app.jobs set title = 'pwned' where id = '{south_job}'"),
        format!("update app.jobs set branch_id = null where branch_id = '{south}'"),
        format!("update app.customers set name = 'pwned' where id = '{south_customer}'"),
        "update app.branches set name = 'pwned'".to_owned(),
        format!("delete from app.branches where id = '{south}'"),
        format!("update app.users set branch_id = null where id = '{me}'"),
        format!("update app.users set branch_id = '{south}' where id = '{me}'"),
        format!("update app.sessions set branch_id = null where user_id = '{me}'"),
        "insert into app.branches (name) values ('pwned')".to_owned(),
        format!("insert into app.customers (name, branch_id) values ('pwned', '{south}')"),
        format!(
            "insert into app.jobs (customer_id, status_id, title, branch_id) \
             select '{}', status_id, 'pwned', '{south}' from app.jobs limit 1",
            f.shared_customer
        ),
        format!("update app.job_tasks set title = 'pwned' where job_id = '{south_job}'"),
        format!("delete from app.job_notes where job_id = '{south_job}'"),
    ];
    for write in &writes {
        sqlx::query("savepoint write").execute(&mut *tx).await.expect("savepoint");
        if let Ok(done) = sqlx::raw_sql(write.as_str()).execute(&mut *tx).await {
            assert_eq!(done.rows_affected(), 0, "{write}");
        }
        sqlx::query("rollback to savepoint write").execute(&mut *tx).await.expect("rollback");
    }
    let branch: Option<Uuid> =
        sqlx::query_scalar("select app.branch_id()").fetch_one(&mut *tx).await.expect("the context");
    assert_eq!(branch, Some(f.north), "the verified context names North, whatever was set");
    tx.rollback().await.expect("rollback");
    assert_eq!(app.fingerprint(f.acme.id).await, before, "nothing of the company changed");
}
