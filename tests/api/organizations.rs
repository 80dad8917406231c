//! People in several companies (issue #15, docs/organizations.md): sign-in
//! without a company, the membership list, the switch, and that a token acts
//! in exactly one company whatever else its person belongs to.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, Reply, TestApp, PASSWORD};

async fn login_without_company(app: &TestApp, email: &str, password: &str) -> Reply {
    app.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await
}

/// A membership of `email`'s existing identity in another company, as a DBA
/// adds it: the person found first (on Citus nothing on a shard may), then
/// the membership, with no password of its own.
async fn add_membership(app: &TestApp, company_id: Uuid, email: &str, role: &str) -> Uuid {
    let mut tx = app.owner.begin().await.expect("begin");
    let identity_id: Uuid =
        sqlx::query_scalar("select identity_id from app.link_identity($1, null, $2, 'Pat', null)")
            .bind(company_id)
            .bind(email)
            .fetch_one(&mut *tx)
            .await
            .expect("the person");
    let id = sqlx::query_scalar(
        "insert into app.users (company_id, name, email, password_hash, role, identity_id)
         values ($1, 'Pat', $2, null, $3::app.user_role, $4) returning id",
    )
    .bind(company_id)
    .bind(email)
    .bind(role)
    .bind(identity_id)
    .fetch_one(&mut *tx)
    .await
    .expect("add membership");
    tx.commit().await.expect("commit");
    id
}

/// A user made by a company's admin through the API, as always.
async fn create_user(
    app: &TestApp,
    admin: &str,
    name: &str,
    email: &str,
    password: &str,
    role: &str,
) -> Uuid {
    let reply = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": name, "email": email, "password": password, "role": role}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.id()
}

fn slugs(memberships: &Value) -> Vec<String> {
    memberships
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| m["slug"].as_str().expect("slug").to_owned())
        .collect()
}

fn access(reply: &Reply) -> String {
    reply.body["access_token"].as_str().unwrap_or_else(|| panic!("no token in {reply:?}")).to_owned()
}

fn customer_names(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Pat: a worker of acme (created by acme's admin, which made the identity)
/// and an admin of bolt.
async fn pat(app: &TestApp) -> (crate::helpers::Company, crate::helpers::Company, Uuid, Uuid) {
    let acme = app.company("acme").await;
    let bolt = app.company("bolt").await;
    let in_acme = create_user(app, &acme.admin.access, "Pat", "pat@people.test", PASSWORD, "WORKER").await;
    let in_bolt = add_membership(app, bolt.id, "Pat@People.test", "ADMIN").await;
    (acme, bolt, in_acme, in_bolt)
}

#[tokio::test]
async fn one_membership_signs_in_without_naming_the_company() {
    let app = spawn_app().await;
    app.company("acme").await;
    let reply = login_without_company(&app, "ADMIN@acme.test", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["user"]["company"]["slug"], "acme");
    assert_eq!(slugs(&reply.body["memberships"]), ["acme"]);
    assert_eq!(reply.body["memberships"][0]["current"], true);

    let wrong = login_without_company(&app, "admin@acme.test", "not-the-password").await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);
    let nobody = login_without_company(&app, "nobody@acme.test", PASSWORD).await;
    assert_problem(&nobody, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["detail"], nobody.body["detail"]);
}

#[tokio::test]
async fn several_memberships_ask_which_until_one_is_remembered() {
    let app = spawn_app().await;
    let (acme, bolt, ..) = pat(&app).await;

    let choose = login_without_company(&app, "pat@people.test", PASSWORD).await;
    assert_problem(&choose, StatusCode::CONFLICT);
    assert!(choose.body.get("access_token").is_none(), "{:?}", choose.body);
    assert_eq!(slugs(&choose.body["memberships"]), ["acme", "bolt"]);
    assert_eq!(choose.body["memberships"][0]["role"], "WORKER");
    assert_eq!(choose.body["memberships"][1]["role"], "ADMIN");
    assert_eq!(choose.body["memberships"][1]["color"], "#123456");
    assert_eq!(choose.body["memberships"][1]["name"], "Company bolt");

    // Existing clients name the company, and that is remembered.
    let into_bolt = app.login_reply(&bolt.slug, "pat@people.test", PASSWORD).await;
    assert_eq!(into_bolt.status, StatusCode::OK, "{:?}", into_bolt.body);
    assert_eq!(into_bolt.body["user"]["role"], "ADMIN");
    let again = login_without_company(&app, "pat@people.test", PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    assert_eq!(again.body["user"]["company"]["slug"], "bolt");
    assert_eq!(slugs(&again.body["memberships"]), ["acme", "bolt"]);
    assert_eq!(again.body["memberships"][1]["current"], true);

    // A switch is remembered too.
    let switched = app.post("/api/v1/auth/switch", &access(&again), json!({"company": acme.slug})).await;
    assert_eq!(switched.status, StatusCode::OK, "{:?}", switched.body);
    let back = login_without_company(&app, "pat@people.test", PASSWORD).await;
    assert_eq!(back.body["user"]["company"]["slug"], "acme");
}

#[tokio::test]
async fn a_switch_issues_a_token_for_the_other_company_only() {
    let app = spawn_app().await;
    let (acme, bolt, in_acme, in_bolt) = pat(&app).await;
    app.create_customer(&acme.admin.access, "Acme's own customer").await;
    app.create_customer(&bolt.admin.access, "Bolt's own customer").await;
    let bolt_token = access(&app.login_reply("bolt", "pat@people.test", PASSWORD).await);

    let listed = app.get("/api/v1/auth/memberships", &bolt_token).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    assert_eq!(slugs(&listed.body["memberships"]), ["acme", "bolt"]);

    let switched = app.post("/api/v1/auth/switch", &bolt_token, json!({"company": "ACME"})).await;
    assert_eq!(switched.status, StatusCode::OK, "{:?}", switched.body);
    assert_eq!(switched.body["user"]["id"], json!(in_acme));
    assert_eq!(switched.body["user"]["role"], "WORKER");
    assert_eq!(switched.body["user"]["company"]["slug"], "acme");
    assert!(switched.body["refresh_token"].is_string());
    let acme_token = access(&switched);

    // Each token acts in its own company, with its own role, and sees none of
    // the other's rows; the old token keeps working.
    let me = app.get("/api/v1/auth/me", &acme_token).await;
    assert_eq!((me.body["id"].clone(), me.body["role"].clone()), (json!(in_acme), json!("WORKER")));
    let me = app.get("/api/v1/auth/me", &bolt_token).await;
    assert_eq!((me.body["id"].clone(), me.body["role"].clone()), (json!(in_bolt), json!("ADMIN")));
    let bolt_sees = customer_names(&app.get("/api/v1/customers", &bolt_token).await);
    assert!(bolt_sees.contains(&"Bolt's own customer".to_owned()), "{bolt_sees:?}");
    assert!(
        bolt_sees.iter().all(|name| !name.contains("acme") && !name.starts_with("Acme")),
        "{bolt_sees:?}"
    );
    let bolt_users = app.get("/api/v1/users", &bolt_token).await;
    assert_eq!(bolt_users.status, StatusCode::OK);
    let bolt_emails: Vec<&str> = bolt_users.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert!(bolt_emails.iter().all(|email| !email.ends_with("@acme.test")), "{bolt_emails:?}");
    // A worker of acme may not do what the admin of bolt may.
    let refused = app.post("/api/v1/customers", &acme_token, json!({"name": "Should not exist"})).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);

    // Not a member: no such company, as for a company that does not exist.
    let cust = app.company("cust").await;
    let refused = app.post("/api/v1/auth/switch", &bolt_token, json!({"company": cust.slug})).await;
    assert_problem(&refused, StatusCode::NOT_FOUND);
    let refused = app.post("/api/v1/auth/switch", &bolt_token, json!({"company": "nope"})).await;
    assert_problem(&refused, StatusCode::NOT_FOUND);
    let refused = app.post("/api/v1/auth/switch", &bolt_token, json!({"company": ""})).await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    let refused =
        app.post("/api/v1/auth/switch", &bolt_token, json!({"company": "acme", "user": in_acme})).await;
    assert_eq!(refused.status.as_u16() / 100, 4, "{:?}", refused.body);
    let refused =
        app.request(Method::POST, "/api/v1/auth/switch", None, Some(json!({"company": "acme"}))).await;
    assert_problem(&refused, StatusCode::UNAUTHORIZED);

    // Signing out of one session leaves the other.
    let out = app.request(Method::POST, "/api/v1/auth/logout", Some(&bolt_token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_problem(&app.get("/api/v1/auth/me", &bolt_token).await, StatusCode::UNAUTHORIZED);
    assert_problem(
        &app.post("/api/v1/auth/switch", &bolt_token, json!({"company": "acme"})).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(app.get("/api/v1/auth/me", &acme_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn removal_and_role_changes_take_effect_on_the_next_request() {
    let app = spawn_app().await;
    let (acme, bolt, in_acme, in_bolt) = pat(&app).await;
    let bolt_token = access(&app.login_reply("bolt", "pat@people.test", PASSWORD).await);
    let acme_token = access(&app.post("/api/v1/auth/switch", &bolt_token, json!({"company": "acme"})).await);

    // acme's admin deletes Pat's acme membership: that token ends at once,
    // the bolt one does not, and acme is no longer listed or reachable.
    let gone = app.delete(&format!("/api/v1/users/{in_acme}"), &acme.admin.access).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    assert_problem(&app.get("/api/v1/customers", &acme_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/customers", &bolt_token).await.status, StatusCode::OK);
    let listed = app.get("/api/v1/auth/memberships", &bolt_token).await;
    assert_eq!(slugs(&listed.body["memberships"]), ["bolt"]);
    assert_problem(
        &app.post("/api/v1/auth/switch", &bolt_token, json!({"company": "acme"})).await,
        StatusCode::NOT_FOUND,
    );

    // bolt's admin makes Pat a worker: the admin token stops working.
    let demoted =
        app.patch(&format!("/api/v1/users/{in_bolt}"), &bolt.admin.access, json!({"role": "WORKER"})).await;
    assert_eq!(demoted.status, StatusCode::OK, "{:?}", demoted.body);
    assert_problem(&app.get("/api/v1/customers", &bolt_token).await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.get("/api/v1/auth/memberships", &bolt_token).await, StatusCode::UNAUTHORIZED);
    let relogin = login_without_company(&app, "pat@people.test", PASSWORD).await;
    assert_eq!(relogin.status, StatusCode::OK, "{:?}", relogin.body);
    assert_eq!(relogin.body["user"]["role"], "WORKER");

    // Deactivated everywhere: no sign-in at all.
    let paused =
        app.patch(&format!("/api/v1/users/{in_bolt}"), &bolt.admin.access, json!({"is_active": false})).await;
    assert_eq!(paused.status, StatusCode::OK, "{:?}", paused.body);
    assert_problem(&login_without_company(&app, "pat@people.test", PASSWORD).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_membership_with_a_password_of_its_own_speaks_only_for_itself() {
    // One company's admin adds an address that already signs in elsewhere,
    // with a password of its choosing (as every address had before #15): it
    // opens that membership and nothing else.
    let app = spawn_app().await;
    let (acme, _bolt, _, _) = pat(&app).await;
    let cust = app.company("cust").await;
    let own = "Cust-chosen-password-1";
    create_user(&app, &cust.admin.access, "Pat", "pat@people.test", own, "ADMIN").await;

    let in_cust = app.login_reply("cust", "pat@people.test", own).await;
    assert_eq!(in_cust.status, StatusCode::OK, "{:?}", in_cust.body);
    let token = access(&in_cust);
    let listed = app.get("/api/v1/auth/memberships", &token).await;
    assert_eq!(slugs(&listed.body["memberships"]), ["cust"]);
    assert_problem(
        &app.post("/api/v1/auth/switch", &token, json!({"company": "acme"})).await,
        StatusCode::FORBIDDEN,
    );
    // Its password opens no other company, nor a sign-in without one.
    assert_problem(&app.login_reply(&acme.slug, "pat@people.test", own).await, StatusCode::UNAUTHORIZED);
    assert_problem(&login_without_company(&app, "pat@people.test", own).await, StatusCode::UNAUTHORIZED);
    // Naming cust, only its own password opens it; without a company, the
    // person's password opens the choice of all three.
    assert_eq!(app.login_reply("cust", "pat@people.test", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let own_login = login_without_company(&app, "pat@people.test", PASSWORD).await;
    assert_problem(&own_login, StatusCode::CONFLICT);
    assert_eq!(slugs(&own_login.body["memberships"]), ["acme", "bolt", "cust"]);
}

#[tokio::test]
async fn a_member_of_fifty_companies_switches_and_each_token_sees_only_its_company() {
    let app = spawn_app().await;
    let home = app.company("home").await;
    let email = "many@people.test";
    create_user(&app, &home.admin.access, "Many", email, PASSWORD, "ADMIN").await;
    let mut companies = Vec::new();
    for n in 0..49 {
        let slug = format!("c{n:02}");
        let id: Uuid = sqlx::query_scalar(
            "insert into app.companies (name, slug, color) values ($1, $2, $3) returning id",
        )
        .bind(format!("Company {slug}"))
        .bind(&slug)
        .bind(format!("#0000{n:02}"))
        .fetch_one(&app.owner)
        .await
        .expect("company");
        app.insert_customer(id, &format!("Customer of {slug}")).await;
        add_membership(&app, id, email, "ADMIN").await;
        companies.push(slug);
    }
    let mut token = access(&app.login_reply("home", email, PASSWORD).await);
    let listed = app.get("/api/v1/auth/memberships", &token).await;
    assert_eq!(listed.body["memberships"].as_array().map(Vec::len), Some(50));

    for slug in &companies {
        let switched = app.post("/api/v1/auth/switch", &token, json!({"company": slug})).await;
        assert_eq!(switched.status, StatusCode::OK, "{slug}: {:?}", switched.body);
        assert_eq!(switched.body["user"]["company"]["slug"], json!(slug));
        assert_eq!(switched.body["user"]["company"]["color"], json!(format!("#0000{}", &slug[1..])));
        token = access(&switched);
        assert_eq!(
            customer_names(&app.get("/api/v1/customers", &token).await),
            [format!("Customer of {slug}")]
        );
    }
    // The last token still answers for its own company only.
    let me = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(me.body["company"]["slug"], json!(companies.last()));
}
