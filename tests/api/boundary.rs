//! What ends access at once: a customer login re-linked to another customer or
//! whose customer is deleted, a changed role; and what ends a share link: a
//! deactivated company, a deleted customer, an archived job, a job moved to
//! another customer.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, Session, TestApp, PASSWORD};

async fn refresh_status(app: &TestApp, session: &Session) -> StatusCode {
    app.request(Method::POST, "/api/v1/auth/refresh", None, Some(json!({"refresh_token": session.refresh})))
        .await
        .status
}

#[tokio::test]
async fn a_customer_login_re_linked_to_another_customer_loses_the_old_customers_jobs_at_once() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let job = app
        .create_job(
            &acme.admin.access,
            json!({"customer_id": acme.customer_id, "title": "Old customer's job"}),
        )
        .await;
    let job_path = format!("/api/v1/jobs/{}", job.id());
    assert_eq!(app.get(&job_path, &acme.customer.access).await.status, StatusCode::OK);

    let other = app.create_customer(&acme.admin.access, "Another customer").await;
    let relinked = app
        .patch(
            &format!("/api/v1/users/{}", acme.customer.user_id),
            &acme.admin.access,
            json!({"customer_id": other}),
        )
        .await;
    assert_eq!(relinked.status, StatusCode::OK, "{:?}", relinked.body);

    // The very next request with the old token, and the old refresh token, fail.
    assert_eq!(app.get(&job_path, &acme.customer.access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/jobs", &acme.customer.access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh_status(&app, &acme.customer).await, StatusCode::UNAUTHORIZED);

    // Signed in again, the login follows its new customer only.
    let again = app.login("acme", "customer@acme.test").await;
    assert_eq!(app.get(&job_path, &again.access).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_a_customer_ends_its_logins_at_once_and_they_cannot_sign_in_again() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    assert_eq!(app.get("/api/v1/jobs", &acme.customer.access).await.status, StatusCode::OK);

    let deleted = app.delete(&format!("/api/v1/customers/{}", acme.customer_id), &acme.admin.access).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);

    assert_eq!(app.get("/api/v1/jobs", &acme.customer.access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/auth/me", &acme.customer.access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh_status(&app, &acme.customer).await, StatusCode::UNAUTHORIZED);
    let login = app.login_reply("acme", "customer@acme.test", PASSWORD).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{:?}", login.body);
    // The rest of the company is untouched.
    assert_eq!(app.get("/api/v1/jobs", &acme.worker.access).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_changed_role_ends_the_users_sessions() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let promoted = app
        .patch(&format!("/api/v1/users/{}", acme.worker_id), &acme.admin.access, json!({"role": "ADMIN"}))
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{:?}", promoted.body);
    assert_eq!(
        app.get("/api/v1/workers/assigned-jobs", &acme.worker.access).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(refresh_status(&app, &acme.worker).await, StatusCode::UNAUTHORIZED);
    let revoked: Option<String> = sqlx::query_scalar(
        "select max(revoked_reason) from app.sessions where user_id = $1 and revoked_at is not null",
    )
    .bind(acme.worker_id)
    .fetch_one(&app.owner)
    .await
    .expect("sessions");
    assert_eq!(revoked.as_deref(), Some("role, customer or access changed"));
}

#[tokio::test]
async fn share_links_end_with_the_company_the_customer_the_archive_and_a_change_of_customer() {
    let app = spawn_app().await;
    let acme = app.company("acme").await;
    let admin = &acme.admin.access;
    let new_link = |job: uuid::Uuid| {
        let app = &app;
        async move {
            let reply = app.post(&format!("/api/v1/jobs/{job}/share-links"), admin, json!({})).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
            format!("/api/v1/share/{}", reply.body["token"].as_str().expect("token"))
        }
    };
    let open = |path: String| {
        let app = &app;
        async move { app.request(Method::GET, &path, None, None).await.status }
    };

    // Deactivated company: nothing while inactive, back when reactivated.
    let job = app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "Boiler"})).await.id();
    let link = new_link(job).await;
    assert_eq!(open(link.clone()).await, StatusCode::OK);
    sqlx::query("update app.companies set is_active = false where id = $1")
        .bind(acme.id)
        .execute(&app.owner)
        .await
        .expect("deactivate");
    assert_eq!(open(link.clone()).await, StatusCode::NOT_FOUND);
    sqlx::query("update app.companies set is_active = true where id = $1")
        .bind(acme.id)
        .execute(&app.owner)
        .await
        .expect("reactivate");
    assert_eq!(open(link.clone()).await, StatusCode::OK);

    // Moved to another customer: revoked, for good (the old customer holds the link).
    let other = app.create_customer(admin, "Next owner").await;
    let moved = app.patch(&format!("/api/v1/jobs/{job}"), admin, json!({"customer_id": other})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(open(link.clone()).await, StatusCode::NOT_FOUND);
    let listed = app.get(&format!("/api/v1/jobs/{job}/share-links"), admin).await;
    assert!(
        listed.body.as_array().expect("links").iter().all(|l| !l["revoked_at"].is_null()),
        "the admin sees the link revoked: {:?}",
        listed.body
    );
    let back =
        app.patch(&format!("/api/v1/jobs/{job}"), admin, json!({"customer_id": acme.customer_id})).await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.body);
    assert_eq!(open(link).await, StatusCode::NOT_FOUND);

    // Archived job: nothing.
    let job = app.create_job(admin, json!({"customer_id": acme.customer_id, "title": "Gutter"})).await.id();
    let link = new_link(job).await;
    assert_eq!(open(link.clone()).await, StatusCode::OK);
    let archived = app.post(&format!("/api/v1/jobs/{job}/archive"), admin, json!({})).await;
    assert!(archived.status.is_success(), "{:?}", archived.body);
    assert_eq!(open(link).await, StatusCode::NOT_FOUND);

    // Deleted customer: nothing.
    let job = app.create_job(admin, json!({"customer_id": other, "title": "Roof"})).await.id();
    let link = new_link(job).await;
    assert_eq!(open(link.clone()).await, StatusCode::OK);
    let deleted = app.delete(&format!("/api/v1/customers/{other}"), admin).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    assert_eq!(open(link).await, StatusCode::NOT_FOUND);
}
