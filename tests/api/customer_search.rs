//! Issue #16, part 2 (migration 0024): one search over customers, their
//! contacts, phones, emails and addresses; duplicate detection when creating
//! a customer, location or contact; and the communication log. Tested as an
//! attacker would: every role, and the other company looking for, or
//! colliding with, company A's records.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, id_of, spawn_app, Company, TestApp, PASSWORD};

/// A customer with a contact (phone and email) and a location, as the
/// customer form sends it; returns its id.
async fn harbor(app: &TestApp, company: &Company) -> Uuid {
    let reply = app
        .post(
            "/api/v1/customers",
            &company.admin.access,
            json!({"name": "Harbor Apartments", "email": "Office@Harbor.example", "phone": "+1 (555) 010-2000",
                   "service_address": {"line1": "12 Quay Street", "city": "Portsmouth", "postal_code": "03801"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let id = reply.id();
    let contact = app
        .post(
            &format!("/api/v1/customers/{id}/contacts"),
            &company.admin.access,
            json!({"name": "Marguerite Velasquez", "title": "Property manager",
                   "methods": [{"kind": "mobile", "value": "603-555-7788"}]}),
        )
        .await;
    assert_eq!(contact.status, StatusCode::CREATED, "{:?}", contact.body);
    id
}

async fn search(app: &TestApp, token: &str, q: &str) -> Vec<(Uuid, String)> {
    let reply = app.get(&format!("/api/v1/customers/search?q={}", urlencode(q)), token).await;
    assert_eq!(reply.status, StatusCode::OK, "{q}: {:?}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| (id_of(&m["customer"]), m["matched"].as_str().expect("matched").to_owned()))
        .collect()
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn one_search_finds_customers_by_every_field_and_says_which_matched() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let harbor = harbor(&app, &acme).await;
    let account = app.get(&format!("/api/v1/customers/{harbor}"), admin).await.body["account_number"].clone();

    for (q, field) in [
        ("harbor apart", "name"),
        ("velasquez", "contact_name"),
        // A contact's whole or leading name, even shorter than a trigram
        // (migration 0031: read from the btree before any containment).
        ("marguerite velasquez", "contact_name"),
        ("marg", "contact_name"),
        ("ma", "contact_name"),
        // Phones in another formatting than stored: digits are compared.
        ("555.010.2000", "phone"),
        ("(603) 555 77", "phone"),
        ("office@harbor", "email"),
        ("quay street", "address"),
        ("03801", "address"),
    ] {
        let found = search(&app, admin, q).await;
        assert_eq!(found.first(), Some(&(harbor, field.to_owned())), "{q}: {found:?}");
    }
    let found = search(&app, admin, &format!("#{account}")).await;
    assert_eq!(found, vec![(harbor, "account_number".to_owned())]);

    // Ranked: an exact name before a name that merely contains the words.
    let exact = app.create_customer(admin, "Harbor").await;
    let found = search(&app, admin, "harbor").await;
    assert_eq!(found.first().map(|f| f.0), Some(exact), "{found:?}");
    assert!(found.iter().any(|f| f.0 == harbor));
    // A short query searches names by prefix; LIKE wildcards are text.
    assert_eq!(search(&app, admin, "ha").await.len(), 2);
    assert!(search(&app, admin, "%").await.is_empty());
    assert!(search(&app, admin, "h_rbor").await.is_empty());

    // A deleted customer is not found.
    assert_eq!(app.delete(&format!("/api/v1/customers/{exact}"), admin).await.status, StatusCode::NO_CONTENT);
    assert!(search(&app, admin, "harbor").await.iter().all(|f| f.0 != exact));

    let reply = app.get("/api/v1/customers/search?q=harbor&limit=0", admin).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app.get("/api/v1/customers/search", admin).await;
    assert_problem(&reply, StatusCode::BAD_REQUEST);
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get("/api/v1/customers/search?q=harbor", token).await, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn search_never_crosses_companies() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    harbor(&app, &acme).await;
    for q in [
        "harbor",
        "velasquez",
        "marguerite velasquez",
        "ma",
        "5550102000",
        "office@harbor.example",
        "quay street",
        "#2",
        "%",
        "_",
    ] {
        let reply =
            app.get(&format!("/api/v1/customers/search?q={}", urlencode(q)), &globex.admin.access).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let text = reply.body.to_string();
        assert!(!text.contains("Harbor") && !text.contains(&acme.customer_id.to_string()), "{q}: {text}");
    }
    // The definer function itself answers an admin of B with B's rows only,
    // and no other role at all, whatever they ask it directly.
    let search_sql = "select customer_id from auth.search_customer_matches('harbor', 100)";
    let duplicates_sql = "select customer_id from auth.find_customer_duplicates(array['5550102000'], \
                          array['office@harbor.example'], '12 Quay Street Portsmouth 03801')";
    for sql in [search_sql, duplicates_sql] {
        let mut tx = app.request_tx(&globex.admin.access).await;
        let found: Vec<Uuid> = sqlx::query_scalar(sql).fetch_all(&mut *tx).await.expect("as B's admin");
        assert!(found.is_empty(), "{sql}: {found:?}");
        for token in [&globex.worker.access, &globex.customer.access] {
            let mut tx = app.request_tx(token).await;
            let refused = sqlx::query_scalar::<_, Uuid>(sql).fetch_all(&mut *tx).await;
            let code = refused
                .expect_err("no EXECUTE grant")
                .as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.into_owned());
            assert_eq!(code.as_deref(), Some("42501"));
        }
    }
}

#[tokio::test]
async fn duplicates_are_offered_before_a_customer_location_or_contact_is_created() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let admin = &acme.admin.access;
    let harbor = harbor(&app, &acme).await;
    let before = app.get("/api/v1/customers", admin).await.body["items"].as_array().expect("items").len();

    // Same phone in another formatting (and with a country code): 409, the
    // candidate named, nothing created.
    let body = json!({"name": "Harbour Apts", "phone": "555 010 2000"});
    let reply = app.post("/api/v1/customers", admin, body.clone()).await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert_eq!(reply.body["type"], "urn:fieldops:problem:duplicate");
    let candidates = reply.body["duplicates"].as_array().expect("duplicates");
    assert_eq!(candidates.len(), 1, "{candidates:?}");
    assert_eq!(candidates[0]["customer_id"], json!(harbor));
    assert_eq!(candidates[0]["customer_name"], "Harbor Apartments");
    assert_eq!(candidates[0]["matched"], "phone");
    assert_eq!(candidates[0]["kind"], "contact");
    let after = app.get("/api/v1/customers", admin).await.body["items"].as_array().expect("items").len();
    assert_eq!(before, after, "a refused duplicate creates nothing");

    // The person knows better: created.
    let mut allowed = body.clone();
    allowed["allow_duplicate"] = json!(true);
    assert_eq!(app.post("/api/v1/customers", admin, allowed).await.status, StatusCode::CREATED);

    // Email, case-insensitive; address, typed on one line.
    let reply =
        app.post("/api/v1/customers", admin, json!({"name": "X", "email": "OFFICE@harbor.EXAMPLE"})).await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert_eq!(reply.body["duplicates"][0]["matched"], "email");
    let reply = app
        .post(
            "/api/v1/customers",
            admin,
            // Abbreviated and punctuated otherwise (migration 0032).
            json!({"name": "Y", "address": "12 quay St., Portsmouth 03801"}),
        )
        .await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert_eq!(reply.body["duplicates"][0]["matched"], "address");
    assert_eq!(reply.body["duplicates"][0]["kind"], "location");

    // A location at the same address, of any customer of the company.
    let other = app.create_customer(admin, "Other Owner").await;
    let location = json!({"name": "Quay", "address": {"line1": "12 quay street", "city": "PORTSMOUTH", "postal_code": "03801"}});
    let reply = app.post(&format!("/api/v1/customers/{other}/locations"), admin, location.clone()).await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert_eq!(reply.body["duplicates"][0]["customer_id"], json!(harbor));
    let mut allowed = location.clone();
    allowed["allow_duplicate"] = json!(true);
    let reply = app.post(&format!("/api/v1/customers/{other}/locations"), admin, allowed).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let shared = reply.id();
    // Known to share its address: a later edit that keeps it is not refused.
    let reply =
        app.patch(&format!("/api/v1/service-locations/{shared}"), admin, json!({"name": "Quay, rear"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let reply = app
        .patch(
            &format!("/api/v1/service-locations/{shared}"),
            admin,
            json!({"address": {"line1": "12 Quay St.", "city": "Portsmouth", "postal_code": "03801"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "a reformatted address is the same one: {:?}", reply.body);
    // An edit that moves a location onto another's address is checked as a create is.
    let annex = app
        .post(
            &format!("/api/v1/customers/{other}/locations"),
            admin,
            json!({"name": "Annex", "address": {"line1": "40 Market Square", "city": "Portsmouth"}}),
        )
        .await;
    assert_eq!(annex.status, StatusCode::CREATED, "{:?}", annex.body);
    let annex = annex.id();
    let onto_quay =
        json!({"address": {"line1": "12 Quay Street", "city": "Portsmouth", "postal_code": "03801"}});
    let reply = app.patch(&format!("/api/v1/service-locations/{annex}"), admin, onto_quay.clone()).await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert_eq!(reply.body["duplicates"][0]["matched"], "address");
    let unchanged = app.get(&format!("/api/v1/service-locations/{annex}"), admin).await;
    assert_eq!(unchanged.body["address"]["line1"], "40 Market Square", "a refused edit changes nothing");
    let mut allowed = onto_quay;
    allowed["allow_duplicate"] = json!(true);
    let reply = app.patch(&format!("/api/v1/service-locations/{annex}"), admin, allowed).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    // A contact sharing a method.
    let contact =
        json!({"name": "Someone", "methods": [{"kind": "office_phone", "value": "+1 603 555 7788"}]});
    let reply = app.post(&format!("/api/v1/customers/{other}/contacts"), admin, contact).await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert_eq!(reply.body["duplicates"][0]["matched"], "phone");
    // Too few digits to mean a phone: no match on them.
    let reply = app
        .post(
            &format!("/api/v1/customers/{other}/contacts"),
            admin,
            json!({"name": "Ext", "methods": [{"kind": "office_phone", "value": "2000"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let ext = reply.id();
    // An edit adding another contact's phone is checked as a create is; the
    // contact's own number, reformatted, is not.
    let reply = app
        .patch(
            &format!("/api/v1/contacts/{ext}"),
            admin,
            json!({"methods": [{"kind": "office_phone", "value": "2000"}, {"kind": "mobile", "value": "(603) 555-7788"}]}),
        )
        .await;
    assert_problem(&reply, StatusCode::CONFLICT);
    assert_eq!(reply.body["duplicates"][0]["matched"], "phone");
    let reply = app
        .patch(
            &format!("/api/v1/contacts/{ext}"),
            admin,
            json!({"methods": [{"kind": "office_phone", "value": "20 00"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let reply = app
        .patch(
            &format!("/api/v1/contacts/{ext}"),
            admin,
            json!({"methods": [{"kind": "mobile", "value": "603.555.7788"}], "allow_duplicate": true}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    // Company B, creating exactly A's records: no duplicate, no word of A.
    let fingerprint = app.fingerprint(acme.id).await;
    // (In an order where B's own records do not collide with each other.)
    for (path, body) in [
        ("/api/v1/customers".to_owned(), json!({"name": "Harbor Apartments", "phone": "+1 (555) 010-2000"})),
        (
            format!("/api/v1/customers/{}/locations", globex.customer_id),
            json!({"name": "Quay", "address": {"line1": "12 Quay Street", "city": "Portsmouth", "postal_code": "03801"}}),
        ),
        (
            format!("/api/v1/customers/{}/contacts", globex.customer_id),
            json!({"name": "M", "methods": [{"kind": "email", "value": "office@harbor.example"},
                                         {"kind": "mobile", "value": "603-555-7788"}]}),
        ),
    ] {
        let reply = app.post(&path, &globex.admin.access, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{path}: {:?}", reply.body);
        assert!(!reply.body.to_string().contains(&harbor.to_string()));
    }
    assert_eq!(app.fingerprint(acme.id).await, fingerprint);
}

async fn log(app: &TestApp, token: &str, customer: Uuid, body: Value) -> crate::helpers::Reply {
    app.post(&format!("/api/v1/customers/{customer}/communications"), token, body).await
}

#[tokio::test]
async fn the_communication_log_is_staff_only_newest_first_and_edited_by_its_author() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let admin = &acme.admin.access;
    let customer = acme.customer_id;
    let path = format!("/api/v1/customers/{customer}/communications");

    let locations = app.get(&format!("/api/v1/customers/{customer}/locations"), admin).await;
    let location = id_of(&locations.body["items"][0]);
    let contact = app
        .post(&format!("/api/v1/customers/{customer}/contacts"), admin, json!({"name": "Pat Caller"}))
        .await
        .id();
    let job = app.create_job(admin, json!({"customer_id": customer, "title": "Leaking tap"})).await.id();

    let first = log(
        &app,
        admin,
        customer,
        json!({"channel": "call", "direction": "inbound", "summary": "  Reported a leak  ",
               "occurred_at": "2026-01-02T10:00:00Z", "service_location_id": location, "contact_id": contact,
               "job_id": job}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(first.body["summary"], "Reported a leak");
    assert_eq!(first.body["author_id"], json!(acme.admin.user_id), "the author is whoever is signed in");
    assert_eq!(first.body["author_name"], "Admin");
    let first_id = first.id();
    for (channel, at) in [("email", "2026-01-03T10:00:00Z"), ("visit", "2026-01-04T10:00:00Z")] {
        let reply = log(
            &app,
            admin,
            customer,
            json!({"channel": channel, "direction": "outbound",
                                                      "summary": channel, "occurred_at": at}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    }
    // Without occurred_at: now, so the newest.
    let now = log(
        &app,
        admin,
        customer,
        json!({"channel": "text", "direction": "outbound", "summary": "On our way",
                                               "contact_id": contact}),
    )
    .await;
    assert_eq!(now.status, StatusCode::CREATED, "{:?}", now.body);
    let now_entry = format!("{path}/{}", now.id());

    // Newest first, two at a time.
    let page = app.get(&format!("{path}?limit=2"), admin).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    let channels: Vec<&str> = page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["channel"].as_str().expect("channel"))
        .collect();
    assert_eq!(channels, ["text", "visit"]);
    let cursor = page.body["next_cursor"].as_str().expect("cursor").to_owned();
    let page = app.get(&format!("{path}?limit=2&cursor={cursor}"), admin).await;
    let channels: Vec<&str> = page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["channel"].as_str().expect("channel"))
        .collect();
    assert_eq!(channels, ["email", "call"]);
    assert!(page.body["next_cursor"].is_null());

    // Bad input: 422, nothing logged; another customer's location or job: 422.
    let other = app.create_customer(admin, "Somebody Else").await;
    let other_job = app.create_job(admin, json!({"customer_id": other, "title": "Elsewhere"})).await.id();
    for body in [
        json!({"channel": "fax", "direction": "inbound", "summary": "x"}),
        json!({"channel": "call", "direction": "sideways", "summary": "x"}),
        json!({"channel": "call", "direction": "inbound", "summary": "   "}),
        json!({"channel": "call", "direction": "inbound", "summary": "x", "job_id": other_job}),
        json!({"channel": "call", "direction": "inbound", "summary": "x", "contact_id": Uuid::new_v4()}),
    ] {
        let reply = log(&app, admin, customer, body.clone()).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let reply = log(
        &app,
        admin,
        other,
        json!({"channel": "call", "direction": "inbound", "summary": "x",
                                              "service_location_id": location}),
    )
    .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"]["service_location_id"][0], "does not name a location of this customer");

    // The author edits, with If-Match; another admin of the company reads but
    // may neither edit nor delete it.
    let entry = format!("{path}/{first_id}");
    let reply = app.patch(&entry, admin, json!({"summary": "Leak under the sink", "contact_id": null})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["summary"], "Leak under the sink");
    assert!(reply.body["contact_id"].is_null());
    assert_eq!(reply.body["version"], 2);
    let stale = app
        .client
        .patch(app.url(&entry))
        .bearer_auth(admin)
        .header("if-match", "\"1\"")
        .json(&json!({"summary": "again"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

    let reply = app
        .post("/api/v1/users", admin, json!({"name": "Second Admin", "email": "second@acme.test", "password": PASSWORD, "role": "ADMIN"}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let second = app.login("acme", "second@acme.test").await;
    assert_eq!(app.get(&path, &second.access).await.body["items"].as_array().expect("items").len(), 4);
    assert_problem(
        &app.patch(&entry, &second.access, json!({"summary": "mine now"})).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(&app.delete(&entry, &second.access).await, StatusCode::FORBIDDEN);

    // Workers and customers: refused, and the database shows them nothing.
    for token in [&acme.worker.access, &acme.customer.access] {
        assert_problem(&app.get(&path, token).await, StatusCode::FORBIDDEN);
        assert_problem(
            &log(&app, token, customer, json!({"channel": "call", "direction": "inbound", "summary": "x"}))
                .await,
            StatusCode::FORBIDDEN,
        );
        let mut tx = app.request_tx(token).await;
        let seen =
            sqlx::query_scalar::<_, i64>("select count(*) from app.communications").fetch_one(&mut *tx).await;
        assert!(seen.is_err(), "no grant: {seen:?}");
    }

    // The other company: 404 on A's customer and entries, nothing changed.
    let fingerprint = app.fingerprint(acme.id).await;
    let b = &globex.admin.access;
    assert_problem(&app.get(&path, b).await, StatusCode::NOT_FOUND);
    assert_problem(
        &log(&app, b, customer, json!({"channel": "call", "direction": "inbound", "summary": "x"})).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(&app.patch(&entry, b, json!({"summary": "hacked"})).await, StatusCode::NOT_FOUND);
    assert_problem(&app.delete(&entry, b).await, StatusCode::NOT_FOUND);
    // B's own customer, pointing at A's location, contact and job.
    for field in [("service_location_id", location), ("contact_id", contact), ("job_id", job)] {
        let reply = log(
            &app,
            b,
            globex.customer_id,
            json!({"channel": "call", "direction": "inbound", "summary": "x", field.0: field.1}),
        )
        .await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(app.fingerprint(acme.id).await, fingerprint);

    // A location or contact a log entry names stays; the author deletes.
    assert_problem(&app.delete(&format!("/api/v1/contacts/{contact}"), admin).await, StatusCode::CONFLICT);
    assert_eq!(app.delete(&entry, admin).await.status, StatusCode::NO_CONTENT);
    assert_problem(&app.delete(&entry, admin).await, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&now_entry, admin).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{contact}"), admin).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_customer_edit_is_checked_for_duplicates_as_a_create_is() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let admin = &acme.admin.access;
    let harbor = harbor(&app, &acme).await;
    let other = app.create_customer(admin, "Other Owner").await;
    let path = format!("/api/v1/customers/{other}");

    // Harbor's phone in another formatting, its email in other case, its
    // address on one line: each a 409 naming Harbor, and nothing saved.
    for (field, value, matched) in [
        ("phone", "555.010.2000", "phone"),
        ("email", "OFFICE@harbor.example", "email"),
        ("address", "12 Quay Street, Portsmouth 03801", "address"),
    ] {
        let reply = app.patch(&path, admin, json!({ field: value })).await;
        assert_problem(&reply, StatusCode::CONFLICT);
        assert_eq!(reply.body["type"], "urn:fieldops:problem:duplicate");
        assert_eq!(reply.body["duplicates"][0]["customer_id"], json!(harbor), "{field}");
        assert_eq!(reply.body["duplicates"][0]["matched"], matched, "{field}");
        let saved = app.get(&path, admin).await;
        assert_eq!(saved.body[field], Value::Null, "a refused edit saves nothing ({field})");
        assert_eq!(saved.body["version"], 1);
    }

    // The person knows better: saved, and later saves of the same form (the
    // same values sent again) are not refused.
    let form = json!({"name": "Other Owner", "phone": "555.010.2000", "email": "fresh@other.example"});
    let mut allowed = form.clone();
    allowed["allow_duplicate"] = json!(true);
    let reply = app.patch(&path, admin, allowed).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["phone"], "555.010.2000");
    let reply = app.patch(&path, admin, json!({"name": "Other Owner Ltd", "phone": "(555) 010-2000"})).await;
    assert_eq!(reply.status, StatusCode::OK, "the same number reformatted is not new: {:?}", reply.body);

    // A customer's own records are not its duplicates: Harbor keeps or
    // re-types its own phone and email.
    let reply = app
        .patch(
            &format!("/api/v1/customers/{harbor}"),
            admin,
            json!({"phone": "555 010 2000", "email": "office@HARBOR.example", "address": "12 Quay Street"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    // Clearing a field, or a value nobody has, needs no check.
    let reply = app.patch(&path, admin, json!({"email": null, "phone": "603 555 0199"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    // Never across companies: Globex may hold Harbor's phone and email, and
    // learns nothing of Acme.
    let mine = app.create_customer(&globex.admin.access, "Globex Client").await;
    let reply = app
        .patch(
            &format!("/api/v1/customers/{mine}"),
            &globex.admin.access,
            json!({"phone": "+1 (555) 010-2000", "email": "office@harbor.example"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    // An unknown customer is still a 404, duplicate or not.
    let reply = app
        .patch(&format!("/api/v1/customers/{}", Uuid::new_v4()), admin, json!({"phone": "555 010 2000"}))
        .await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
}

/// The ids a customers list (`GET /customers?…`) answers.
async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<Uuid> {
    let reply = app.get(&format!("/api/v1/customers?{query}"), token).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {:?}", reply.body);
    reply.body["items"].as_array().expect("items").iter().map(id_of).collect()
}

#[tokio::test]
async fn custom_field_values_find_a_customer_for_admins_only_and_only_in_their_company() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let admin = &acme.admin.access;
    for body in [
        json!({"entity": "customer", "key": "po_ref", "label": "PO reference", "field_type": "text"}),
        json!({"entity": "customer", "key": "gate", "label": "Gate", "field_type": "text", "visible_to_workers": true,
               "visible_to_customers": true}),
        json!({"entity": "customer", "key": "zone", "label": "Zone", "field_type": "choice",
               "options": ["North Ridge", "South"]}),
    ] {
        let reply = app.post("/api/v1/custom-fields", admin, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    }
    let reply = app
        .post(
            "/api/v1/customers",
            admin,
            json!({"name": "Northwind Storage",
                   "custom_fields": {"po_ref": "PO-77341", "gate": "Teal \"B\" gate", "zone": "North Ridge"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let northwind = reply.id();
    // A customer whose name, contacts and addresses hold none of the values.
    let other = harbor(&app, &acme).await;

    // The staff-only value, a choice, and a value with quotes in it (escaped
    // in the JSON text the index reads): each finds the customer, as such.
    for q in ["po-77341", "PO-773", "north ridge", "teal \"b\" gate", "\"b\" gate"] {
        let found = search(&app, admin, q).await;
        assert_eq!(found, vec![(northwind, "custom_field".to_owned())], "{q}");
        assert_eq!(listed(&app, admin, &format!("q={}", urlencode(q))).await, vec![northwind], "{q}");
    }
    // Each value is compared as itself: text across two values of the JSON
    // (`"teal \"b\" gate", "po-77341"`, in key order) finds nothing, nor do
    // keys, nor three characters (a prefix of names only).
    for q in ["gate\", \"po", "b\\\" gate", "po_ref", "po-"] {
        assert_eq!(search(&app, admin, q).await, vec![], "{q}");
    }
    // A query with a word of letters and digits reads the indexes for that
    // word, but what matches is still the whole query, in order.
    assert_eq!(search(&app, admin, "12 quay street").await, vec![(other, "address".to_owned())]);
    for q in ["03801 portsmouth", "77341 po", "street 12 quay"] {
        assert_eq!(search(&app, admin, q).await, vec![], "{q}");
    }
    // A better match ranks first: the name before the custom field.
    let reply = app
        .patch(
            &format!("/api/v1/customers/{other}"),
            admin,
            json!({"custom_fields": {"po_ref": "Harbor lease 2031"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(search(&app, admin, "harbor").await[0], (other, "name".to_owned()));
    assert!(search(&app, admin, "lease").await.contains(&(other, "custom_field".to_owned())));
    // Read through the index for its word with digits, matched as a whole.
    assert_eq!(search(&app, admin, "lease 2031").await, vec![(other, "custom_field".to_owned())]);
    assert_eq!(search(&app, admin, "2031 lease").await, vec![]);
    // With a `cf.` filter, `q` looks into the values too.
    assert_eq!(listed(&app, admin, "cf.zone=North%20Ridge&q=77341").await, vec![northwind]);
    assert_eq!(listed(&app, admin, "cf.zone=South&q=77341").await, Vec::<Uuid>::new());

    // Workers and customers search no customers at all, so no value, the
    // worker-visible one included, makes one findable for them.
    for token in [&acme.worker.access, &acme.customer.access] {
        for path in [
            "/api/v1/customers/search?q=po-77341",
            "/api/v1/customers/search?q=teal",
            "/api/v1/customers?q=po-77341",
        ] {
            assert_problem(&app.get(path, token).await, StatusCode::FORBIDDEN);
        }
        // Nor does the definer function answer them directly.
        let mut tx = app.request_tx(token).await;
        let refused = sqlx::query_scalar::<_, Uuid>(
            "select s from auth.search_customers('%po-77341%', null, null, 10) s",
        )
        .fetch_all(&mut *tx)
        .await;
        assert!(refused.is_err(), "{refused:?}");
    }

    // Another company's admin finds nothing by acme's values.
    for q in ["po-77341", "north ridge", "teal \"b\" gate", "lease"] {
        assert_eq!(search(&app, &globex.admin.access, q).await, vec![], "{q}");
        assert_eq!(
            listed(&app, &globex.admin.access, &format!("q={}", urlencode(q))).await,
            Vec::<Uuid>::new()
        );
    }
    let mut tx = app.request_tx(&globex.admin.access).await;
    let found: Vec<Uuid> =
        sqlx::query_scalar("select customer_id from auth.search_customer_matches('po-77341', 100)")
            .fetch_all(&mut *tx)
            .await
            .expect("as B's admin");
    assert!(found.is_empty(), "{found:?}");
}
