//! Self-service sign-up (issue #15, docs/organizations.md): a new company
//! with its first admin, opened by the mailed link; an address that signs in
//! already keeps its person and password; bad input loses nothing; attempts
//! are counted; `SIGNUP=off` turns it off.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, spawn_app_configured, Reply, TestApp, PASSWORD};

const STRONG: &str = "violet tractor hums beside quiet lanterns";
const LINK: &str = "/signup/confirm#token=";

async fn sign_up(app: &TestApp, body: Value) -> Reply {
    app.request(Method::POST, "/api/v1/signup", None, Some(body)).await
}

async fn confirm(app: &TestApp, token: &str) -> Reply {
    app.request(Method::POST, "/api/v1/signup/confirm", None, Some(json!({ "token": token }))).await
}

fn signup_body(company: &str, email: &str) -> Value {
    json!({
        "company_name": company,
        "name": "Hana Harbor",
        "email": email,
        "password": STRONG,
        "accept_terms": true,
    })
}

/// The token of the last sign-up mail to `to`, and the mail's text.
async fn mailed(app: &TestApp, to: &str) -> (String, String) {
    let text: String = sqlx::query_scalar(
        "select text_body from app.mail_outbox where kind = 'company_signup' and recipient = $1
         order by created_at desc limit 1",
    )
    .bind(to)
    .fetch_one(&app.owner)
    .await
    .unwrap_or_else(|e| panic!("no sign-up mail to {to}: {e}"));
    let link =
        text.split_whitespace().find(|w| w.contains(LINK)).unwrap_or_else(|| panic!("no link in {text}"));
    (link.split(LINK).nth(1).expect("token").to_owned(), text)
}

async fn companies(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from app.companies").fetch_one(&app.owner).await.expect("companies")
}

fn items(reply: &Reply) -> &Vec<Value> {
    reply.body["items"].as_array().unwrap_or_else(|| panic!("no items in {reply:?}"))
}

#[tokio::test]
async fn a_new_company_signs_up_confirms_and_sees_nothing_of_the_others() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let settings = app.request(Method::GET, "/api/v1/signup", None, None).await;
    assert_eq!(settings.body, json!({"enabled": true}));

    let reply = sign_up(&app, signup_body("Harbor Heating & Air", "hana@harbor.test")).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "confirmation_sent");

    // Nothing signs in before the link is opened: the slug is not given yet.
    let early = app.login_reply("harbor-heating-air", "hana@harbor.test", STRONG).await;
    assert_problem(&early, StatusCode::UNAUTHORIZED);

    let (token, text) = mailed(&app, "hana@harbor.test").await;
    assert!(text.contains("Harbor Heating & Air"), "{text}");
    assert!(text.contains("email and password you chose"), "{text}");
    let opened = confirm(&app, &token).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    assert_eq!(opened.body["company_slug"], "harbor-heating-air");
    assert_eq!(opened.body["company_name"], "Harbor Heating & Air");
    assert_eq!(opened.body["email"], "hana@harbor.test");
    assert_eq!(opened.body["existing_account"], false);
    assert!(opened.body["company_color"].as_str().is_some_and(|c| c.starts_with('#') && c.len() == 7));
    let again = confirm(&app, &token).await;
    assert_problem(&again, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body["errors"]["token"].is_array(), "{:?}", again.body);

    // The owner is an admin with every permission of the default Admin role.
    let signed_in = app.login_reply("harbor-heating-air", "hana@harbor.test", STRONG).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    let owner = signed_in.body["access_token"].as_str().expect("token").to_owned();
    let me = app.get("/api/v1/auth/me", &owner).await;
    assert_eq!(me.body["role"], "ADMIN", "{:?}", me.body);
    assert_eq!(me.body["role_name"], "Admin");
    let permissions = me.body["permissions"].as_array().expect("permissions");
    assert!(permissions.contains(&json!("roles.manage")) && permissions.contains(&json!("users.manage")));

    // A company of its own: no job, customer or member of another, and the
    // other's ids find nothing.
    assert!(items(&app.get("/api/v1/jobs", &owner).await).is_empty());
    assert!(items(&app.get("/api/v1/customers", &owner).await).is_empty());
    let members = app.get("/api/v1/users", &owner).await;
    assert_eq!(items(&members).len(), 1, "{:?}", members.body);
    assert_problem(
        &app.get(&format!("/api/v1/customers/{}", acme.customer_id), &owner).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &app.get(&format!("/api/v1/users/{}", acme.worker_id), &owner).await,
        StatusCode::NOT_FOUND,
    );
    let statuses = app.get("/api/v1/job-statuses", &owner).await;
    assert!(
        statuses.body.as_array().is_some_and(|s| !s.is_empty()),
        "a new company starts with the default workflow: {:?}",
        statuses.body
    );

    // And it works: the admin adds a customer and a job.
    let customer = app.create_customer(&owner, "First Customer").await;
    let job = app.create_job(&owner, json!({"customer_id": customer, "title": "First job"})).await;
    assert_eq!(job.status, StatusCode::CREATED, "{:?}", job.body);
}

#[tokio::test]
async fn bad_sign_ups_are_refused_clearly_and_leave_nothing_behind() {
    let app = spawn_app().await;
    let acme = app.company("acme").await.id;
    let before = companies(&app).await;

    let weak = sign_up(
        &app,
        json!({"company_name": "Weak Co", "name": "W", "email": "w@weak.test",
                                    "password": "password1", "accept_terms": true}),
    )
    .await;
    assert_problem(&weak, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body["errors"]["password"].is_array(), "{:?}", weak.body);

    let mut no_terms = signup_body("Terms Co", "t@terms.test");
    no_terms["accept_terms"] = json!(false);
    let reply = sign_up(&app, no_terms).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["errors"]["accept_terms"].is_array(), "{:?}", reply.body);

    for (slug, why) in
        [("acme", "taken"), ("signup-123", "reserved"), ("Big Co", "malformed"), ("admin", "reserved")]
    {
        let mut body = signup_body("Slug Co", "s@slug.test");
        body["slug"] = json!(slug);
        let reply = sign_up(&app, body).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"]["slug"].is_array(), "{slug} ({why}): {:?}", reply.body);
    }

    let invalid = sign_up(
        &app,
        json!({"company_name": "", "name": "", "email": "not-an-email", "password": STRONG,
                                       "accept_terms": true}),
    )
    .await;
    assert_problem(&invalid, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["company_name", "name", "email"] {
        assert!(invalid.body["errors"][field].is_array(), "{field}: {:?}", invalid.body);
    }
    let unknown = sign_up(
        &app,
        json!({"company_name": "X", "name": "X", "email": "x@x.test", "password": STRONG,
                                       "accept_terms": true, "plan": "enterprise"}),
    )
    .await;
    assert!(unknown.status.is_client_error(), "{unknown:?}");
    let malformed = app
        .client
        .post(app.url("/api/v1/signup"))
        .header("content-type", "application/json")
        .body("{\"company_name\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);

    // A bot fills in the hidden field: answered like a person, nothing made.
    let mut bot = signup_body("Bot Co", "bot@bots.test");
    bot["website"] = json!("https://spam.example");
    assert_eq!(sign_up(&app, bot).await.status, StatusCode::ACCEPTED);

    assert_eq!(companies(&app).await, before, "no company was made");
    let mails: i64 = sqlx::query_scalar("select count(*) from app.mail_outbox where kind = 'company_signup'")
        .fetch_one(&app.owner)
        .await
        .expect("mails");
    assert_eq!(mails, 0);

    // A link that was never mailed, or names a company that is open already.
    for token in [
        "nonsense".to_owned(),
        fieldops::auth::tokens::generate(acme),
        fieldops::auth::tokens::generate(Uuid::new_v4()),
    ] {
        let reply = confirm(&app, &token).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body["errors"]["token"].is_array(), "{:?}", reply.body);
    }
}

#[tokio::test]
async fn a_person_who_signs_in_already_adds_a_company_and_keeps_the_password() {
    let app = spawn_app().await;
    app.company("acme").await;
    let mut body = signup_body("Acme Second Venture", "admin@acme.test");
    body["password"] = json!("another quite different passphrase for fieldops");
    body["slug"] = json!("second-venture");
    assert_eq!(sign_up(&app, body).await.status, StatusCode::ACCEPTED);
    let (token, text) = mailed(&app, "admin@acme.test").await;
    assert!(text.contains("already signs in to FieldOps"), "{text}");
    let opened = confirm(&app, &token).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    assert_eq!(opened.body["existing_account"], true);
    assert_eq!(opened.body["company_slug"], "second-venture");

    // The password it had opens the new company; the one typed at sign-up does not.
    assert_eq!(app.login_reply("second-venture", "admin@acme.test", PASSWORD).await.status, StatusCode::OK);
    assert_problem(
        &app.login_reply(
            "second-venture",
            "admin@acme.test",
            "another quite different passphrase for fieldops",
        )
        .await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(app.login_reply("acme", "admin@acme.test", PASSWORD).await.status, StatusCode::OK);
    // One person, now a member of both: signing in without a company lists them.
    let any = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "admin@acme.test", "password": PASSWORD})),
        )
        .await;
    let listed = serde_json::to_string(&any.body).expect("json");
    assert!(listed.contains("second-venture") && listed.contains("\"acme\""), "{listed}");
}

#[tokio::test]
async fn signing_up_again_replaces_the_link_and_a_slug_taken_since_gets_a_suffix() {
    let app = spawn_app().await;
    assert_eq!(
        sign_up(&app, signup_body("Quay Plumbing", "first@quay.test")).await.status,
        StatusCode::ACCEPTED
    );
    let (first_link, _) = mailed(&app, "first@quay.test").await;
    let mut again = signup_body("Quay Plumbing Ltd", "first@quay.test");
    again["slug"] = json!("quay-plumbing");
    assert_eq!(sign_up(&app, again).await.status, StatusCode::ACCEPTED);
    let (second_link, _) = mailed(&app, "first@quay.test").await;
    assert_ne!(first_link, second_link);
    let pending: i64 =
        sqlx::query_scalar("select count(*) from app.company_signups where email = 'first@quay.test'")
            .fetch_one(&app.owner)
            .await
            .expect("pending");
    assert_eq!(pending, 1, "an address holds one pending company");

    // Someone else asks for the same name and confirms first.
    assert_eq!(
        sign_up(&app, signup_body("Quay Plumbing", "other@quay.test")).await.status,
        StatusCode::ACCEPTED
    );
    let (other_link, _) = mailed(&app, "other@quay.test").await;
    assert_eq!(confirm(&app, &other_link).await.body["company_slug"], "quay-plumbing");

    assert_problem(&confirm(&app, &first_link).await, StatusCode::UNPROCESSABLE_ENTITY);
    let opened = confirm(&app, &second_link).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    assert_eq!(opened.body["company_slug"], "quay-plumbing-2");
    assert_eq!(opened.body["company_name"], "Quay Plumbing Ltd");

    // Asking for a slug an open company has is refused at once.
    let mut taken = signup_body("Quay Again", "third@quay.test");
    taken["slug"] = json!("quay-plumbing");
    assert_problem(&sign_up(&app, taken).await, StatusCode::UNPROCESSABLE_ENTITY);

    // An expired link opens nothing.
    assert_eq!(sign_up(&app, signup_body("Late Co", "late@late.test")).await.status, StatusCode::ACCEPTED);
    let (late, _) = mailed(&app, "late@late.test").await;
    sqlx::query("update app.company_signups set expires_at = now() - interval '1 second' where email = 'late@late.test'")
        .execute(&app.owner)
        .await
        .expect("expire");
    assert_problem(&confirm(&app, &late).await, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn sign_ups_are_counted_per_address_and_can_be_turned_off() {
    let app = spawn_app_configured(axum::Router::new(), &[("SIGNUPS_PER_HOUR", "2")]).await;
    for _ in 0..2 {
        assert_eq!(
            sign_up(&app, signup_body("Busy Co", "busy@busy.test")).await.status,
            StatusCode::ACCEPTED
        );
    }
    let throttled = sign_up(&app, signup_body("Busy Co", "busy@busy.test")).await;
    assert_problem(&throttled, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = throttled.headers["retry-after"].to_str().expect("header").parse().expect("seconds");
    assert!(wait > 0 && wait <= 3600, "{wait}");
    // The client address is counted too: another email from it waits as well.
    assert_problem(
        &sign_up(&app, signup_body("Other Co", "other@busy.test")).await,
        StatusCode::TOO_MANY_REQUESTS,
    );

    let off = spawn_app_configured(axum::Router::new(), &[("SIGNUP", "off")]).await;
    let settings = off.request(Method::GET, "/api/v1/signup", None, None).await;
    assert_eq!(settings.body, json!({"enabled": false}));
    let refused = sign_up(&off, signup_body("Closed Co", "closed@closed.test")).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("turned off")), "{:?}", refused.body);
    assert_problem(
        &confirm(&off, &fieldops::auth::tokens::generate(Uuid::new_v4())).await,
        StatusCode::FORBIDDEN,
    );
}
