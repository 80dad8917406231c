//! Custom fields (migration 0023) over HTTP: definitions per role, values
//! validated by the database and answered as 422s naming the field, staff-only
//! fields never reaching a worker, a customer or a share link, the `cf.` list
//! filters, and another company's definitions and keys out of reach.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, citus, spawn_app, Company, TestApp};

const STAFF_SECRET: &str = "staff-only 7781";
const CREW_NOTE: &str = "bring the long ladder";
const PORTAL_REF: &str = "PO-2026-114";

async fn define(app: &TestApp, company: &Company, body: Value) -> Uuid {
    let reply = app.post("/api/v1/custom-fields", &company.admin.access, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.id()
}

/// A staff-only, a worker-visible and a customer-visible job field, and a
/// staff-only customer field.
async fn define_job_fields(app: &TestApp, company: &Company) -> [Uuid; 3] {
    let staff = define(
        app,
        company,
        json!({"entity": "job", "key": "internal_code", "label": "Internal code", "field_type": "text"}),
    )
    .await;
    let crew = define(
        app,
        company,
        json!({"entity": "job", "key": "crew_note", "label": "Crew note", "field_type": "text",
               "visible_to_workers": true, "position": 1}),
    )
    .await;
    let portal = define(
        app,
        company,
        json!({"entity": "job", "key": "po_number", "label": "PO number", "field_type": "text",
               "visible_to_workers": true, "visible_to_customers": true, "position": 2}),
    )
    .await;
    [staff, crew, portal]
}

async fn job_with_fields(app: &TestApp, company: &Company) -> Uuid {
    let reply = app
        .create_job(
            &company.admin.access,
            json!({"customer_id": company.customer_id, "title": "Roof leak",
                   "assigned_worker_id": company.worker_id,
                   "custom_fields": {"internal_code": STAFF_SECRET, "crew_note": CREW_NOTE, "po_number": PORTAL_REF}}),
        )
        .await;
    assert_eq!(reply.body["custom_fields"]["internal_code"], STAFF_SECRET, "the admin reads every field");
    reply.id()
}

#[tokio::test]
async fn invalid_values_are_refused_with_a_422_naming_the_field_and_lose_nothing() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    define(
        &app,
        &acme,
        json!({"entity": "job", "key": "priority", "label": "Priority", "field_type": "choice",
               "options": ["low", "high"], "is_required": true}),
    )
    .await;
    define(&app, &acme, json!({"entity": "job", "key": "hours", "label": "Hours", "field_type": "number"}))
        .await;
    define(&app, &acme, json!({"entity": "job", "key": "due", "label": "Due", "field_type": "date"})).await;
    let before = app.fingerprint(acme.id).await;

    let base = json!({"customer_id": acme.customer_id, "title": "Boiler"});
    let cases = [
        (json!({}), "custom_fields.priority", "is required"),
        (json!({"priority": "urgent"}), "custom_fields.priority", "must be one of the field's options"),
        (json!({"priority": "low", "hours": "two"}), "custom_fields.hours", "must be a number"),
        (json!({"priority": "low", "due": "2026-13-01"}), "custom_fields.due", "must be a date (YYYY-MM-DD)"),
        (json!({"priority": "low", "colour": "red"}), "custom_fields.colour", "no such field"),
    ];
    for (values, field, message) in cases {
        let mut body = base.clone();
        body["custom_fields"] = values.clone();
        let reply = app.post("/api/v1/jobs", admin, body).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.body["errors"][field], json!([message]), "{values}: {:?}", reply.body);
    }
    assert_eq!(app.fingerprint(acme.id).await, before, "a refused create stores nothing");

    let mut body = base.clone();
    body["custom_fields"] = json!({"priority": "high", "hours": 2.5, "due": "2026-03-01"});
    let job = app.create_job(admin, body).await;
    assert_eq!(job.body["custom_fields"], json!({"priority": "high", "hours": 2.5, "due": "2026-03-01"}));
    let id = job.id();

    // PATCH merges: a refused edit changes nothing; null removes an optional value.
    let reply =
        app.patch(&format!("/api/v1/jobs/{id}"), admin, json!({"custom_fields": {"hours": true}})).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"]["custom_fields.hours"], json!(["must be a number"]));
    let reply =
        app.patch(&format!("/api/v1/jobs/{id}"), admin, json!({"custom_fields": {"priority": null}})).await;
    assert_eq!(reply.body["errors"]["custom_fields.priority"], json!(["is required"]), "{:?}", reply.body);
    let reply = app
        .patch(
            &format!("/api/v1/jobs/{id}"),
            admin,
            json!({"custom_fields": {"hours": null, "due": "2026-04-01"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["custom_fields"], json!({"priority": "high", "due": "2026-04-01"}));

    // Customers and locations are checked the same way.
    define(&app, &acme, json!({"entity": "customer", "key": "vip", "label": "VIP", "field_type": "boolean"}))
        .await;
    let reply = app
        .post("/api/v1/customers", admin, json!({"name": "Harbor", "custom_fields": {"vip": "yes"}}))
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"]["custom_fields.vip"], json!(["must be true or false"]));
    let reply =
        app.post("/api/v1/customers", admin, json!({"name": "Harbor", "custom_fields": {"vip": true}})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["custom_fields"], json!({"vip": true}));
    define(
        &app,
        &acme,
        json!({"entity": "location", "key": "floors", "label": "Floors", "field_type": "number"}),
    )
    .await;
    let reply = app
        .post(
            &format!("/api/v1/customers/{}/locations", acme.customer_id),
            admin,
            json!({"name": "Tower", "custom_fields": {"floors": "many"}}),
        )
        .await;
    assert_eq!(reply.body["errors"]["custom_fields.floors"], json!(["must be a number"]), "{:?}", reply.body);
    let reply = app
        .post(
            &format!("/api/v1/customers/{}/locations", acme.customer_id),
            admin,
            json!({"name": "Tower", "custom_fields": {"floors": 12}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["custom_fields"], json!({"floors": 12}));
}

#[tokio::test]
async fn definitions_are_shaped_by_admins_and_read_by_each_role_as_far_as_visible() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let [staff, crew, portal] = define_job_fields(&app, &acme).await;

    let keys = |reply: &crate::helpers::Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .expect("list")
            .iter()
            .map(|d| d["key"].as_str().expect("key").to_owned())
            .collect()
    };
    let all = app.get("/api/v1/custom-fields?entity=job", &acme.admin.access).await;
    assert_eq!(keys(&all), ["internal_code", "crew_note", "po_number"]);
    let worker = app.get("/api/v1/custom-fields", &acme.worker.access).await;
    assert_eq!(keys(&worker), ["crew_note", "po_number"]);
    let customer = app.get("/api/v1/custom-fields", &acme.customer.access).await;
    assert_eq!(keys(&customer), ["po_number"]);
    let reply = app.get(&format!("/api/v1/custom-fields/{staff}"), &acme.worker.access).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);

    // Only admins write.
    for token in [&acme.worker.access, &acme.customer.access] {
        let reply = app
            .post(
                "/api/v1/custom-fields",
                token,
                json!({"entity": "job", "key": "x", "label": "X", "field_type": "text"}),
            )
            .await;
        assert_problem(&reply, StatusCode::FORBIDDEN);
        let reply = app.patch(&format!("/api/v1/custom-fields/{crew}"), token, json!({"label": "Y"})).await;
        assert_problem(&reply, StatusCode::FORBIDDEN);
    }

    // A key is taken once per entity; a type never changes; bad shapes are 422s.
    let reply = app
        .post(
            "/api/v1/custom-fields",
            &acme.admin.access,
            json!({"entity": "job", "key": "crew_note", "label": "Again", "field_type": "number"}),
        )
        .await;
    assert_problem(&reply, StatusCode::CONFLICT);
    let reply = app
        .post(
            "/api/v1/custom-fields",
            &acme.admin.access,
            json!({"entity": "job", "key": "Bad key", "label": "Bad", "field_type": "text"}),
        )
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["errors"]["key"].is_array(), "{:?}", reply.body);
    let reply = app
        .post(
            "/api/v1/custom-fields",
            &acme.admin.access,
            json!({"entity": "job", "key": "size", "label": "Size", "field_type": "choice"}),
        )
        .await;
    assert!(reply.body["errors"]["options"].is_array(), "{:?}", reply.body);
    let reply = app
        .patch(&format!("/api/v1/custom-fields/{crew}"), &acme.admin.access, json!({"field_type": "number"}))
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);

    // In use: no delete (archive instead); unused: deleted.
    job_with_fields(&app, &acme).await;
    let reply = app.delete(&format!("/api/v1/custom-fields/{portal}"), &acme.admin.access).await;
    assert_problem(&reply, StatusCode::CONFLICT);
    let unused = define(
        &app,
        &acme,
        json!({"entity": "customer", "key": "spare", "label": "Spare", "field_type": "text"}),
    )
    .await;
    let reply = app.delete(&format!("/api/v1/custom-fields/{unused}"), &acme.admin.access).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    let reply = app
        .patch(&format!("/api/v1/custom-fields/{portal}"), &acme.admin.access, json!({"is_archived": true}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let customer = app.get("/api/v1/custom-fields", &acme.customer.access).await;
    assert!(keys(&customer).is_empty(), "an archived field is no longer shown to customers");
}

#[tokio::test]
async fn staff_only_fields_never_reach_a_worker_a_customer_or_a_share_link() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    define_job_fields(&app, &acme).await;
    let job = job_with_fields(&app, &acme).await;

    let worker = app.get(&format!("/api/v1/jobs/{job}"), &acme.worker.access).await;
    assert_eq!(worker.status, StatusCode::OK, "{:?}", worker.body);
    assert_eq!(worker.body["custom_fields"], json!({"crew_note": CREW_NOTE, "po_number": PORTAL_REF}));
    assert!(!worker.body.to_string().contains(STAFF_SECRET), "the worker saw a staff-only field");

    let customer = app.get(&format!("/api/v1/jobs/{job}"), &acme.customer.access).await;
    assert_eq!(customer.status, StatusCode::OK, "{:?}", customer.body);
    assert_eq!(customer.body["custom_fields"], json!({"po_number": PORTAL_REF}));
    let text = customer.body.to_string();
    assert!(
        !text.contains(STAFF_SECRET) && !text.contains(CREW_NOTE),
        "the customer saw more than its fields"
    );

    let link = app.post(&format!("/api/v1/jobs/{job}/share-links"), &acme.admin.access, json!({})).await;
    assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.body);
    let token = link.body["token"].as_str().expect("token");
    let shared = app.request(Method::GET, &format!("/api/v1/share/{token}"), None, None).await;
    assert_eq!(shared.status, StatusCode::OK, "{:?}", shared.body);
    assert_eq!(
        shared.body["custom_fields"],
        json!([{"key": "po_number", "label": "PO number", "field_type": "text", "value": PORTAL_REF}])
    );
    let text = shared.body.to_string();
    assert!(!text.contains(STAFF_SECRET) && !text.contains(CREW_NOTE), "the share link leaked a field");

    // Workers write no custom field.
    let reply = app
        .patch(
            &format!("/api/v1/jobs/{job}"),
            &acme.worker.access,
            json!({"custom_fields": {"crew_note": "x"}}),
        )
        .await;
    assert_problem(&reply, StatusCode::FORBIDDEN);
    // A filter is the office's.
    let reply = app.get("/api/v1/jobs?cf.crew_note=x", &acme.worker.access).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The job page shows its customer's fields as far as the caller may read
/// them: a worker learns there is a dog on site, never the account's tier.
#[tokio::test]
async fn a_jobs_customer_fields_reach_each_role_as_far_as_visible() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    for body in [
        json!({"entity": "customer", "key": "tier", "label": "Tier", "field_type": "text"}),
        json!({"entity": "customer", "key": "dog_on_site", "label": "Dog on site", "field_type": "boolean",
               "visible_to_workers": true}),
        json!({"entity": "customer", "key": "billing_ref", "label": "Billing ref", "field_type": "text",
               "visible_to_workers": true, "visible_to_customers": true}),
    ] {
        define(&app, &acme, body).await;
    }
    let reply = app
        .patch(
            &format!("/api/v1/customers/{}", acme.customer_id),
            admin,
            json!({"custom_fields": {"tier": STAFF_SECRET, "dog_on_site": true, "billing_ref": PORTAL_REF}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let job = app
        .create_job(
            admin,
            json!({"customer_id": acme.customer_id, "title": "Gutter", "assigned_worker_id": acme.worker_id}),
        )
        .await
        .id();

    let seen = |token: &str| {
        let path = format!("/api/v1/jobs/{job}");
        let app = &app;
        let token = token.to_owned();
        async move {
            let reply = app.get(&path, &token).await;
            assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
            reply.body["customer"]["custom_fields"].clone()
        }
    };
    assert_eq!(
        seen(admin).await,
        json!({"tier": STAFF_SECRET, "dog_on_site": true, "billing_ref": PORTAL_REF})
    );
    assert_eq!(seen(&acme.worker.access).await, json!({"dog_on_site": true, "billing_ref": PORTAL_REF}));
    assert_eq!(seen(&acme.customer.access).await, json!({"billing_ref": PORTAL_REF}));
}

#[tokio::test]
async fn lists_filter_on_custom_fields_by_type() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    define(&app, &acme, json!({"entity": "job", "key": "zone", "label": "Zone", "field_type": "choice", "options": ["north", "south"]}))
        .await;
    define(&app, &acme, json!({"entity": "job", "key": "floors", "label": "Floors", "field_type": "number"}))
        .await;
    define(&app, &acme, json!({"entity": "customer", "key": "vip", "label": "VIP", "field_type": "boolean"}))
        .await;
    let mut north = Vec::new();
    for (i, zone) in ["north", "south", "north"].iter().enumerate() {
        let job = app
            .create_job(
                admin,
                json!({"customer_id": acme.customer_id, "title": format!("Job {i}"),
                       "custom_fields": {"zone": zone, "floors": i + 1}}),
            )
            .await;
        if *zone == "north" {
            north.push(job.body["id"].clone());
        }
    }
    let ids = |reply: &crate::helpers::Reply| -> Vec<Value> {
        reply.body["items"].as_array().expect("items").iter().map(|j| j["id"].clone()).collect()
    };
    let reply = app.get("/api/v1/jobs?cf.zone=north", admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let mut found = ids(&reply);
    found.sort_by_key(|v| v.to_string());
    north.sort_by_key(|v| v.to_string());
    assert_eq!(found, north);
    let reply = app.get("/api/v1/jobs?cf.zone=north&cf.floors=3", admin).await;
    assert_eq!(ids(&reply).len(), 1, "{:?}", reply.body);
    assert_eq!(reply.body["items"][0]["title"], "Job 2");
    let reply = app.get("/api/v1/jobs?cf.zone=north&q=job%200", admin).await;
    assert_eq!(ids(&reply).len(), 1, "the filter and the search together: {:?}", reply.body);
    // The admins' search finds a job by a custom field's value too.
    let reply = app.get("/api/v1/jobs?q=south", admin).await;
    assert_eq!(reply.body["items"].as_array().map(Vec::len), Some(1), "{:?}", reply.body);
    assert_eq!(reply.body["items"][0]["title"], "Job 1");
    let reply = app.get("/api/v1/jobs?q=zone", admin).await;
    assert_eq!(reply.body["items"], json!([]), "keys are not searched: {:?}", reply.body);
    let reply = app.get("/api/v1/jobs?cf.floors=three", admin).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"]["cf.floors"], json!(["must be a number"]));
    let reply = app.get("/api/v1/jobs?cf.nothing=1", admin).await;
    assert_eq!(reply.body["errors"]["cf.nothing"], json!(["no such custom field"]));

    let vip = app
        .post("/api/v1/customers", admin, json!({"name": "VIP Ltd", "custom_fields": {"vip": true}}))
        .await;
    assert_eq!(vip.status, StatusCode::CREATED, "{:?}", vip.body);
    let reply = app.get("/api/v1/customers?cf.vip=true", admin).await;
    assert_eq!(ids(&reply), [vip.body["id"].clone()]);
    let reply = app.get("/api/v1/customers?cf.vip=false", admin).await;
    assert!(ids(&reply).is_empty(), "{:?}", reply.body);

    // The plan below is one server's; on Citus each shard plans its own part
    // (and an INSERT … SELECT becomes a COPY, which row-level security refuses).
    if citus::enabled() {
        return;
    }
    // Under RLS the planner may not use an index for a non-leakproof operator
    // such as @>, so the admins' filter runs in auth.filter_customers (a
    // definer function, company from the context). Its statement, planned as
    // the function's owner, goes through the GIN index.
    // With a tenant of a few thousand customers, one of them VIP:
    sqlx::query(
        "insert into app.customers (company_id, name, custom_fields)
         select $1, 'Bulk ' || n, '{\"vip\": false}' from generate_series(1, 3000) n",
    )
    .bind(acme.id)
    .execute(&app.owner)
    .await
    .expect("bulk customers");
    sqlx::query("analyze app.customers").execute(&app.owner).await.expect("analyze");
    // (A table this small fits in a few pages, where a scan is cheapest;
    // with scans priced out the planner shows which index serves the filter.)
    let mut tx = app.owner.begin().await.expect("tx");
    sqlx::query("set local enable_seqscan = off").execute(&mut *tx).await.expect("set");
    let inside: Vec<(String,)> = sqlx::query_as(
        "explain select c.id from app.customers c
         where c.company_id = $1 and c.deleted_at is null and c.custom_fields @> '{\"vip\": true}'",
    )
    .bind(acme.id)
    .fetch_all(&mut *tx)
    .await
    .expect("explain as the owner");
    tx.rollback().await.expect("rollback");
    let text: String = inside.into_iter().map(|(line,)| line).collect::<Vec<_>>().join("\n");
    assert!(text.contains("customers_custom_fields_idx"), "no index in:\n{text}");
}

#[tokio::test]
async fn another_companys_definitions_and_keys_are_out_of_reach() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let globex = app.company("globex").await;
    let [staff, _, _] = define_job_fields(&app, &acme).await;
    let job = job_with_fields(&app, &acme).await;
    // Globex knows none of acme's keys.
    let before = app.fingerprint(acme.id).await;

    for token in [&globex.admin.access, &globex.worker.access, &globex.customer.access] {
        let reply = app.get(&format!("/api/v1/custom-fields/{staff}"), token).await;
        assert_problem(&reply, StatusCode::NOT_FOUND);
        let list = app.get("/api/v1/custom-fields", token).await;
        assert_eq!(list.body, json!([]), "{:?}", list.body);
    }
    let reply = app
        .patch(&format!("/api/v1/custom-fields/{staff}"), &globex.admin.access, json!({"label": "Stolen"}))
        .await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
    let reply = app.delete(&format!("/api/v1/custom-fields/{staff}"), &globex.admin.access).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);

    // acme's keys mean nothing in globex: a value or a filter for one is refused.
    let reply = app
        .post(
            "/api/v1/jobs",
            &globex.admin.access,
            json!({"customer_id": globex.customer_id, "title": "x", "custom_fields": {"internal_code": "x"}}),
        )
        .await;
    assert_eq!(reply.body["errors"]["custom_fields.internal_code"], json!(["no such field"]));
    let reply = app.get("/api/v1/jobs?cf.internal_code=x", &globex.admin.access).await;
    assert_eq!(reply.body["errors"]["cf.internal_code"], json!(["no such custom field"]));
    let reply = app.get(&format!("/api/v1/jobs/{job}"), &globex.admin.access).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
    let text = app.get("/api/v1/jobs", &globex.admin.access).await.body.to_string();
    assert!(!text.contains(STAFF_SECRET) && !text.contains(PORTAL_REF));

    assert_eq!(app.fingerprint(acme.id).await, before, "globex changed nothing of acme's");
}
