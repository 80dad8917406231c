//! Bootstrap and demo data, written as the owner role (outside the tenant flow).

use anyhow::Context;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::{password, Role};

pub struct NewCompany<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub color: &'a str,
    pub admin_email: &'a str,
    pub admin_name: &'a str,
    pub admin_password: &'a str,
}

/// Creates a company and its first admin in one transaction.
pub async fn create_company(owner: &PgPool, company: &NewCompany<'_>) -> anyhow::Result<Uuid> {
    if company.admin_password.len() < 8 {
        anyhow::bail!("the admin password must be at least 8 characters");
    }
    let hash = password::hash(company.admin_password.to_owned()).await?;
    let mut tx = owner.begin().await?;
    let company_id = sqlx::query_scalar!(
        "insert into app.companies (name, slug, color) values ($1, lower($2), $3) returning id",
        company.name,
        company.slug,
        company.color,
    )
    .fetch_one(&mut *tx)
    .await
    .with_context(|| format!("creating company {:?}", company.slug))?;
    sqlx::query!(
        "insert into app.users (company_id, name, email, password_hash, role) values ($1, $2, $3, $4, 'ADMIN')",
        company_id,
        company.admin_name,
        company.admin_email,
        hash,
    )
    .execute(&mut *tx)
    .await
    .context("creating the admin")?;
    tx.commit().await?;
    Ok(company_id)
}

/// A sign-in the demo prints.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub company: String,
    pub email: String,
    pub password: String,
    pub role: Role,
}

pub const DEMO_PASSWORD: &str = "fieldops-demo";

struct DemoCompany {
    name: &'static str,
    slug: &'static str,
    color: &'static str,
    domain: &'static str,
    workers: [&'static str; 2],
    customer: (&'static str, &'static str, &'static str, &'static str),
}

const DEMO_COMPANIES: [DemoCompany; 2] = [
    DemoCompany {
        name: "Acme Plumbing",
        slug: "acme",
        color: "#0f766e",
        domain: "acme.example",
        workers: ["Wendy Walker", "Bill Fixer"],
        customer: ("Riverside Cafe", "owner@riverside.example", "+1 555 0100", "12 River Rd, Springfield"),
    },
    DemoCompany {
        name: "Bolt Electric",
        slug: "bolt",
        color: "#b45309",
        domain: "bolt.example",
        workers: ["Sparky Jones", "Ohm Patel"],
        customer: ("Hilltop Dental", "frontdesk@hilltop.example", "+1 555 0200", "3 Hill St, Shelbyville"),
    },
];

/// Creates the demo companies that do not exist yet; returns every demo login.
pub async fn seed_demo(owner: &PgPool) -> anyhow::Result<Vec<DemoLogin>> {
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut logins = Vec::new();
    for demo in &DEMO_COMPANIES {
        let admin_email = format!("admin@{}", demo.domain);
        let worker_emails: Vec<String> = demo
            .workers
            .iter()
            .map(|name| format!("{}@{}", name.split(' ').next().unwrap_or(name).to_lowercase(), demo.domain))
            .collect();
        let customer_email = demo.customer.1.to_owned();

        let exists = sqlx::query_scalar!(
            r#"select exists (select 1 from app.companies where slug = $1) as "exists!""#,
            demo.slug
        )
        .fetch_one(owner)
        .await?;
        if !exists {
            seed_company(owner, demo, &hash, &admin_email, &worker_emails).await?;
        }

        let login = |email: &str, role| DemoLogin {
            company: demo.slug.to_owned(),
            email: email.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            role,
        };
        logins.push(login(&admin_email, Role::Admin));
        for email in &worker_emails {
            logins.push(login(email, Role::Worker));
        }
        logins.push(login(&customer_email, Role::Customer));
    }
    Ok(logins)
}

async fn seed_company(
    owner: &PgPool,
    demo: &DemoCompany,
    hash: &str,
    admin_email: &str,
    worker_emails: &[String],
) -> anyhow::Result<()> {
    let mut tx = owner.begin().await?;
    let company_id = sqlx::query_scalar!(
        "insert into app.companies (name, slug, color) values ($1, $2, $3) returning id",
        demo.name,
        demo.slug,
        demo.color,
    )
    .fetch_one(&mut *tx)
    .await?;
    let insert_user = |name: String, email: String, role: Role, customer_id: Option<Uuid>| {
        sqlx::query!(
            "insert into app.users (company_id, name, email, password_hash, role, customer_id)
             values ($1, $2, $3, $4, $5, $6)",
            company_id,
            name,
            email,
            hash,
            role as Role,
            customer_id,
        )
    };
    insert_user(format!("{} Admin", demo.name), admin_email.to_owned(), Role::Admin, None)
        .execute(&mut *tx)
        .await?;
    for (name, email) in demo.workers.iter().zip(worker_emails) {
        insert_user((*name).to_owned(), email.clone(), Role::Worker, None).execute(&mut *tx).await?;
    }
    let (customer_name, customer_email, phone, address) = demo.customer;
    let customer_id = sqlx::query_scalar!(
        "insert into app.customers (company_id, name, email, phone, address) values ($1, $2, $3, $4, $5) returning id",
        company_id,
        customer_name,
        customer_email,
        phone,
        address,
    )
    .fetch_one(&mut *tx)
    .await?;
    insert_user(customer_name.to_owned(), customer_email.to_owned(), Role::Customer, Some(customer_id))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub fn format_logins(logins: &[DemoLogin]) -> String {
    let mut out = String::from("Demo logins (company / email / password):\n");
    for login in logins {
        out.push_str(&format!(
            "  {:<9} {:<5} {:<28} {}\n",
            login.role.as_str(),
            login.company,
            login.email,
            login.password
        ));
    }
    out
}
