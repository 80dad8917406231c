//! Portal accounts (issue #17): registration in each mode, email
//! verification, the staff's approval and rejection, invitations, what a
//! sign-in of a registration says, throttling, and other companies.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, Company, Reply, TestApp};

const STRONG: &str = "violet tractor hums beside quiet lanterns";

async fn set_mode(app: &TestApp, company: &Company, mode: &str) {
    let reply = app
        .client
        .put(app.url("/api/v1/portal-settings"))
        .bearer_auth(&company.admin.access)
        .json(&json!({"registration_mode": mode, "locked_fields": [], "job_status_mails": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status(), StatusCode::OK);
}

fn registration(email: &str) -> Value {
    json!({"name": "Rita Registrant", "email": email, "phone": "+1 555 0199", "address": "12 Elm Street",
           "password": STRONG, "accept_terms": true})
}

async fn register(app: &TestApp, slug: &str, body: Value) -> Reply {
    app.request(Method::POST, &format!("/api/v1/portal/{slug}/register"), None, Some(body)).await
}

/// The token of the last queued mail of `kind` to `to`, from its link.
pub(crate) async fn mailed_token(app: &TestApp, company: Uuid, kind: &str, to: &str, marker: &str) -> String {
    let text: String = sqlx::query_scalar(
        "select text_body from app.mail_outbox where company_id = $1 and kind = $2 and recipient = $3
         order by created_at desc limit 1",
    )
    .bind(company)
    .bind(kind)
    .bind(to)
    .fetch_one(&app.owner)
    .await
    .unwrap_or_else(|e| panic!("no {kind} mail to {to}: {e}"));
    let link =
        text.split_whitespace().find(|w| w.contains(marker)).unwrap_or_else(|| panic!("no link in {text}"));
    link.split(marker).nth(1).expect("token").to_owned()
}

async fn mails(app: &TestApp, company: Uuid, kind: &str) -> i64 {
    sqlx::query_scalar("select count(*) from app.mail_outbox where company_id = $1 and kind = $2")
        .bind(company)
        .bind(kind)
        .fetch_one(&app.owner)
        .await
        .expect("mails")
}

async fn verify(app: &TestApp, token: &str) -> Reply {
    app.request(Method::POST, "/api/v1/portal/verify", None, Some(json!({"token": token}))).await
}

#[tokio::test]
async fn an_open_portal_registers_verifies_and_makes_a_customer_of_its_own() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    set_mode(&app, &acme, "open").await;

    let reply = register(&app, "acme", registration("rita@home.test")).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "verification_sent");

    // Not verified yet: the right password says why; a wrong one says nothing.
    let early = app.login_reply("acme", "rita@home.test", STRONG).await;
    assert_problem(&early, StatusCode::FORBIDDEN);
    assert!(
        early.body["detail"].as_str().is_some_and(|d| d.contains("confirm your email")),
        "{:?}",
        early.body
    );
    let wrong = app.login_reply("acme", "rita@home.test", "not the password at all").await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);

    let token =
        mailed_token(&app, acme.id, "portal_verification", "rita@home.test", "/p/acme/verify#token=").await;
    let verified = verify(&app, &token).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    assert_eq!(verified.body["state"], "approved");
    // Single use.
    assert_problem(&verify(&app, &token).await, StatusCode::UNPROCESSABLE_ENTITY);

    let login = app.login_reply("acme", "rita@home.test", STRONG).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["user"]["role"], "CUSTOMER");

    // The customer, its location at the address given, its primary contact
    // with the email and phone.
    let (name, line1, contact, methods): (String, Option<String>, String, i64) = sqlx::query_as(
        "select c.name, l.line1, k.name, (select count(*) from app.contact_methods m
                                          where m.company_id = k.company_id and m.contact_id = k.id
                                            and m.value in ('rita@home.test', '+1 555 0199'))
         from app.portal_accounts a
         join app.customers c on c.company_id = a.company_id and c.id = a.customer_id
         join app.service_locations l on l.company_id = c.company_id and l.customer_id = c.id
         join app.contacts k on k.company_id = c.company_id and k.customer_id = c.id and k.is_primary
         where a.company_id = $1 and a.email = 'rita@home.test'",
    )
    .bind(acme.id)
    .fetch_one(&app.owner)
    .await
    .expect("the new customer");
    assert_eq!(
        (name.as_str(), line1.as_deref(), contact.as_str(), methods),
        ("Rita Registrant", Some("12 Elm Street"), "Rita Registrant", 2)
    );
}

/// The text of the one decision mail of `kind` to `to`.
async fn decision_mail(app: &TestApp, company: Uuid, kind: &str, to: &str) -> String {
    sqlx::query_scalar(
        "select text_body from app.mail_outbox where company_id = $1 and kind = $2 and recipient = $3",
    )
    .bind(company)
    .bind(kind)
    .bind(to)
    .fetch_one(&app.owner)
    .await
    .expect("exactly one decision mail")
}

#[tokio::test]
async fn an_approval_portal_waits_for_staff_who_approve_or_reject() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    set_mode(&app, &acme, "approval").await;
    let admin = &acme.admin.access;

    for email in ["ann@home.test", "bob@home.test"] {
        assert_eq!(register(&app, "acme", registration(email)).await.status, StatusCode::ACCEPTED);
        let token = mailed_token(&app, acme.id, "portal_verification", email, "#token=").await;
        let verified = verify(&app, &token).await;
        assert_eq!(verified.body["state"], "pending", "{:?}", verified.body);
    }
    let waiting = app.login_reply("acme", "ann@home.test", STRONG).await;
    assert_problem(&waiting, StatusCode::FORBIDDEN);
    assert!(waiting.body["detail"].as_str().is_some_and(|d| d.contains("approval")), "{:?}", waiting.body);

    // The queue: oldest first, no password hash in sight.
    let queue = app.get("/api/v1/portal-accounts", admin).await;
    assert_eq!(queue.status, StatusCode::OK, "{:?}", queue.body);
    let items = queue.body["items"].as_array().expect("items");
    assert_eq!(
        items.iter().map(|a| a["email"].as_str().unwrap_or("")).collect::<Vec<_>>(),
        ["ann@home.test", "bob@home.test"]
    );
    assert!(!queue.body.to_string().contains("argon2"));
    let ann = items[0]["id"].as_str().expect("id").to_owned();
    let bob = items[1]["id"].as_str().expect("id").to_owned();

    // Ann joins the company's existing customer.
    let approved = app
        .post(
            &format!("/api/v1/portal-accounts/{ann}/approve"),
            admin,
            json!({"customer_id": acme.customer_id}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["state"], "approved");
    assert_eq!(approved.body["customer_id"], json!(acme.customer_id));
    let login = app.login_reply("acme", "ann@home.test", STRONG).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["user"]["customer_id"], json!(acme.customer_id));
    // The decision is mailed, in the approving transaction.
    assert!(decision_mail(&app, acme.id, "account_approved", "ann@home.test").await.contains("/p/acme"));
    // Decided once.
    let again =
        app.post(&format!("/api/v1/portal-accounts/{ann}/reject"), admin, json!({"reason": "x"})).await;
    assert_problem(&again, StatusCode::CONFLICT);

    // Bob is rejected, with a reason he is shown.
    assert_problem(
        &app.post(&format!("/api/v1/portal-accounts/{bob}/reject"), admin, json!({"reason": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let rejected = app
        .post(
            &format!("/api/v1/portal-accounts/{bob}/reject"),
            admin,
            json!({"reason": "We do not serve your area"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);
    let refused = app.login_reply("acme", "bob@home.test", STRONG).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("We do not serve your area")));
    let mailed = decision_mail(&app, acme.id, "account_rejected", "bob@home.test").await;
    assert!(mailed.contains("We do not serve your area"), "{mailed}");
    let queue = app.get("/api/v1/portal-accounts?state=rejected", admin).await;
    assert_eq!(queue.body["items"][0]["rejected_reason"], "We do not serve your area");

    // Workers and customers have no say.
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/portal-accounts", token).await, StatusCode::FORBIDDEN);
        assert_problem(
            &app.post(&format!("/api/v1/portal-accounts/{bob}/approve"), token, json!({})).await,
            StatusCode::FORBIDDEN,
        );
    }
}

#[tokio::test]
async fn approval_without_a_customer_makes_a_new_one() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    set_mode(&app, &acme, "approval").await;
    register(&app, "acme", registration("cy@home.test")).await;
    let token = mailed_token(&app, acme.id, "portal_verification", "cy@home.test", "#token=").await;
    verify(&app, &token).await;
    let queue = app.get("/api/v1/portal-accounts", &acme.admin.access).await;
    let id = queue.body["items"][0]["id"].as_str().expect("id").to_owned();
    let approved =
        app.post(&format!("/api/v1/portal-accounts/{id}/approve"), &acme.admin.access, json!({})).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    let customer = approved.body["customer_id"].as_str().expect("a new customer").to_owned();
    assert_ne!(customer, acme.customer_id.to_string());
    let shown = app.get(&format!("/api/v1/customers/{customer}"), &acme.admin.access).await;
    assert_eq!(shown.body["name"], "Rita Registrant");
}

#[tokio::test]
async fn an_invitation_registers_into_its_customer_in_any_mode() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    // The default: invitation only.
    let uninvited = register(&app, "acme", registration("dan@home.test")).await;
    assert_problem(&uninvited, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(uninvited.body["errors"]["invitation"].is_array(), "{:?}", uninvited.body);

    let invited = app
        .post(
            &format!("/api/v1/customers/{}/portal-invitations", acme.customer_id),
            &acme.admin.access,
            json!({"email": "dan@home.test"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    assert_eq!(mails(&app, acme.id, "portal_invitation").await, 1);
    let token =
        mailed_token(&app, acme.id, "portal_invitation", "dan@home.test", "/p/acme/register#invitation=")
            .await;

    let mut body = registration("eve@home.test");
    body["invitation"] = json!(token);
    let mismatch = register(&app, "acme", body).await;
    assert_problem(&mismatch, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body["errors"]["email"].is_array(), "{:?}", mismatch.body);

    let mut body = registration("Dan@Home.test");
    body["invitation"] = json!(token);
    let reply = register(&app, "acme", body.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "registered");
    let login = app.login_reply("acme", "dan@home.test", STRONG).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["user"]["customer_id"], json!(acme.customer_id));
    // Single use.
    let reused = register(&app, "acme", body).await;
    assert_problem(&reused, StatusCode::UNPROCESSABLE_ENTITY);

    // Only admins invite, and only for their own customers.
    let bolt = app.company("bolt").await;
    for (token, status) in [
        (&acme.worker.access, StatusCode::FORBIDDEN),
        (&acme.customer.access, StatusCode::FORBIDDEN),
        (&bolt.admin.access, StatusCode::NOT_FOUND),
    ] {
        let reply = app
            .post(
                &format!("/api/v1/customers/{}/portal-invitations", acme.customer_id),
                token,
                json!({"email": "x@home.test"}),
            )
            .await;
        assert_problem(&reply, status);
    }
    assert_eq!(mails(&app, acme.id, "portal_invitation").await, 1);
}

#[tokio::test]
async fn bad_registrations_are_refused_and_bots_are_dropped() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    set_mode(&app, &acme, "open").await;

    let mut no_terms = registration("f@home.test");
    no_terms["accept_terms"] = json!(false);
    let reply = register(&app, "acme", no_terms).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["errors"]["accept_terms"].is_array());

    let mut weak = registration("f@home.test");
    weak["password"] = json!("password1");
    let reply = register(&app, "acme", weak).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["errors"]["password"].as_array().is_some_and(|a| !a.is_empty()), "{:?}", reply.body);

    let mut bad_email = registration("not-an-email");
    bad_email["email"] = json!("not-an-email");
    assert_problem(&register(&app, "acme", bad_email).await, StatusCode::UNPROCESSABLE_ENTITY);

    let mut bot = registration("bot@spam.test");
    bot["website"] = json!("http://spam.test");
    let reply = register(&app, "acme", bot).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);

    assert_problem(&register(&app, "nobody", registration("g@home.test")).await, StatusCode::NOT_FOUND);

    // An address that is a user already: the same answer, and no mail.
    let reply = register(&app, "acme", registration("customer@acme.test")).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);

    let accounts: i64 = sqlx::query_scalar("select count(*) from app.portal_accounts where company_id = $1")
        .bind(acme.id)
        .fetch_one(&app.owner)
        .await
        .expect("accounts");
    assert_eq!(accounts, 0, "nothing was registered");
    assert_eq!(mails(&app, acme.id, "portal_verification").await, 0);
    assert_problem(&verify(&app, "made-up-token").await, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn registrations_and_re_sends_are_throttled_per_email_with_retry_after() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    set_mode(&app, &acme, "open").await;
    assert_eq!(register(&app, "acme", registration("h@home.test")).await.status, StatusCode::ACCEPTED);
    // Re-sends: a new link each time, until the limit.
    for _ in 0..10 {
        let reply = app
            .request(
                Method::POST,
                "/api/v1/portal/acme/verify/resend",
                None,
                Some(json!({"email": "h@home.test"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    }
    assert_eq!(mails(&app, acme.id, "portal_verification").await, 11);
    let throttled = app
        .request(
            Method::POST,
            "/api/v1/portal/acme/verify/resend",
            None,
            Some(json!({"email": "h@home.test"})),
        )
        .await;
    assert_problem(&throttled, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers.get("retry-after").is_some());
    // Every link of the address works until one is used.
    let token = mailed_token(&app, acme.id, "portal_verification", "h@home.test", "#token=").await;
    assert_eq!(verify(&app, &token).await.status, StatusCode::OK);

    // Registrations of one email: 9 more, then 429 (the first counted too).
    for _ in 0..9 {
        assert_eq!(register(&app, "acme", registration("h@home.test")).await.status, StatusCode::ACCEPTED);
    }
    let throttled = register(&app, "acme", registration("h@home.test")).await;
    assert_problem(&throttled, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn another_company_neither_sees_nor_decides_nor_verifies_our_accounts() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    set_mode(&app, &acme, "approval").await;
    register(&app, "acme", registration("ivy@home.test")).await;
    let token = mailed_token(&app, acme.id, "portal_verification", "ivy@home.test", "#token=").await;
    verify(&app, &token).await;
    let id: Uuid = sqlx::query_scalar("select id from app.portal_accounts where company_id = $1")
        .bind(acme.id)
        .fetch_one(&app.owner)
        .await
        .expect("account");
    let before = app.fingerprint(acme.id).await;

    let list = app.get("/api/v1/portal-accounts", &bolt.admin.access).await;
    assert_eq!(list.body["items"], json!([]));
    assert_problem(
        &app.post(&format!("/api/v1/portal-accounts/{id}/approve"), &bolt.admin.access, json!({})).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &app.post(
            &format!("/api/v1/portal-accounts/{id}/reject"),
            &bolt.admin.access,
            json!({"reason": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    );
    // Acme's admin cannot approve into bolt's customer.
    let foreign = app
        .post(
            &format!("/api/v1/portal-accounts/{id}/approve"),
            &acme.admin.access,
            json!({"customer_id": bolt.customer_id}),
        )
        .await;
    assert_problem(&foreign, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(acme.id).await, before, "company A changed");
    // The same email registers at bolt independently.
    set_mode(&app, &bolt, "open").await;
    assert_eq!(register(&app, "bolt", registration("ivy@home.test")).await.status, StatusCode::ACCEPTED);
    assert_eq!(mails(&app, bolt.id, "portal_verification").await, 1);
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The argon2 verifications a server process counted (its /metrics).
async fn verifications(client: &reqwest::Client, metrics: &str) -> u64 {
    let text =
        client.get(format!("{metrics}/metrics")).send().await.expect("metrics").text().await.expect("text");
    text.lines()
        .find_map(|line| line.strip_prefix("fieldops_password_verifications_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Refusing an address with a registration (pending, wrong password) and one
/// without costs the same argon2 work: two verifications each, the second
/// against the registration's hash or a dummy one. Counted by a server
/// process of its own (metrics are per process; the other tests' sign-ins
/// run in this one), not timed.
#[tokio::test]
async fn refusing_a_registered_and_an_unknown_address_takes_the_same_work() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    set_mode(&app, &acme, "approval").await;
    assert_eq!(register(&app, "acme", registration("ann@home.test")).await.status, StatusCode::ACCEPTED);
    let token = mailed_token(&app, acme.id, "portal_verification", "ann@home.test", "#token=").await;
    assert_eq!(verify(&app, &token).await.body["state"], "pending");

    let (http, metrics) = (free_port(), free_port());
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_fieldops"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(app.config_vars.iter().filter(|(k, _)| k.as_str() != "BIND_ADDR"))
        .env("BIND_ADDR", format!("127.0.0.1:{http}"))
        .env("METRICS_ADDR", format!("127.0.0.1:{metrics}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn fieldops serve");
    let (base, metrics) = (format!("http://127.0.0.1:{http}"), format!("http://127.0.0.1:{metrics}"));
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == StatusCode::OK) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server never became ready");

    let mut work = Vec::new();
    for email in ["ann@home.test", "nobody@home.test"] {
        let before = verifications(&client, &metrics).await;
        let refused = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"company": "acme", "email": email, "password": "not the password at all"}))
            .send()
            .await
            .expect("sent");
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{email}");
        work.push(verifications(&client, &metrics).await - before);
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(work, [2, 2], "argon2 verifications: registered address, unknown address");
}

#[tokio::test]
async fn staff_list_pending_invitations_and_revoke_one_whose_link_then_fails() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let admin = &acme.admin.access;
    let invite = |email: &'static str| {
        let path = format!("/api/v1/customers/{}/portal-invitations", acme.customer_id);
        let app = &app;
        async move {
            let reply = app.post(&path, admin, json!({"email": email})).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
            reply.id()
        }
    };
    let used = invite("used@home.test").await;
    let revoked = invite("revoked@home.test").await;
    let kept = invite("kept@home.test").await;
    let token = mailed_token(&app, acme.id, "portal_invitation", "used@home.test", "#invitation=").await;
    let mut body = registration("used@home.test");
    body["invitation"] = json!(token);
    assert_eq!(register(&app, "acme", body).await.status, StatusCode::CREATED);

    let pending = app.get("/api/v1/portal-invitations", admin).await;
    assert_eq!(pending.status, StatusCode::OK, "{:?}", pending.body);
    let emails: Vec<&str> =
        pending.body["items"].as_array().expect("items").iter().filter_map(|i| i["email"].as_str()).collect();
    assert_eq!(emails, ["kept@home.test", "revoked@home.test"], "newest first, the used one left out");
    assert_eq!(pending.body["items"][0]["customer_name"], "Customer of acme");
    assert!(pending.body["items"][0].get("token_hash").is_none());
    let used_list = app.get("/api/v1/portal-invitations?state=used", admin).await;
    assert_eq!(used_list.body["items"][0]["id"], json!(used));
    assert_problem(
        &app.get("/api/v1/portal-invitations?state=maybe", admin).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    // Another company, a worker and a customer revoke nothing.
    for (token, status) in [
        (&bolt.admin.access, StatusCode::NOT_FOUND),
        (&acme.worker.access, StatusCode::FORBIDDEN),
        (&acme.customer.access, StatusCode::FORBIDDEN),
    ] {
        assert_problem(&app.delete(&format!("/api/v1/portal-invitations/{revoked}"), token).await, status);
    }
    assert_eq!(app.get("/api/v1/portal-invitations", &bolt.admin.access).await.body["items"], json!([]));

    let reply = app.delete(&format!("/api/v1/portal-invitations/{revoked}"), admin).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    assert_problem(
        &app.delete(&format!("/api/v1/portal-invitations/{revoked}"), admin).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &app.delete(&format!("/api/v1/portal-invitations/{used}"), admin).await,
        StatusCode::CONFLICT,
    );
    let token = mailed_token(&app, acme.id, "portal_invitation", "revoked@home.test", "#invitation=").await;
    let mut body = registration("revoked@home.test");
    body["invitation"] = json!(token);
    let refused = register(&app, "acme", body).await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body["errors"]["invitation"].is_array(), "{:?}", refused.body);
    let left: Vec<Value> =
        app.get("/api/v1/portal-invitations", admin).await.body["items"].as_array().expect("items").clone();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], json!(kept));
}
