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
    let identity_id =
        link_identity(&mut tx, company_id, company.admin_email, company.admin_name, Some(&hash))
            .await
            .context("finding or making the admin's person")?;
    sqlx::query!(
        "insert into app.users (company_id, name, email, password_hash, role, identity_id)
         values ($1, $2, $3, $4, 'ADMIN', $5)",
        company_id,
        company.admin_name,
        company.admin_email,
        hash,
        identity_id,
    )
    .execute(&mut *tx)
    .await
    .context("creating the admin")?;
    tx.commit().await?;
    Ok(company_id)
}

/// The person a new membership of `email` names, found or made first
/// (db/migrations/0034): on Citus nothing on the membership's shard may
/// write the people's table.
async fn link_identity(
    conn: &mut sqlx::PgConnection,
    company_id: Uuid,
    email: &str,
    name: &str,
    password_hash: Option<&str>,
) -> anyhow::Result<Uuid> {
    let identity_id = sqlx::query_scalar!(
        r#"select identity_id as "identity_id!" from app.link_identity($1, null, $2, $3, $4)"#,
        company_id,
        email,
        name,
        password_hash,
    )
    .fetch_one(conn)
    .await?;
    Ok(identity_id)
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
    more_customers: [(&'static str, &'static str, &'static str); 2],
}

const DEMO_COMPANIES: [DemoCompany; 2] = [
    DemoCompany {
        name: "Acme Plumbing",
        slug: "acme",
        color: "#0f766e",
        domain: "acme.example",
        workers: ["Wendy Walker", "Bill Fixer"],
        customer: ("Riverside Cafe", "owner@riverside.example", "+1 555 0100", "12 River Rd, Springfield"),
        more_customers: [
            ("Maple Street School", "+1 555 0110", "400 Maple St, Springfield"),
            ("Dr. Chen's Practice", "+1 555 0120", "7 Elm Ave, Springfield"),
        ],
    },
    DemoCompany {
        name: "Bolt Electric",
        slug: "bolt",
        color: "#b45309",
        domain: "bolt.example",
        workers: ["Sparky Jones", "Ohm Patel"],
        customer: ("Hilltop Dental", "frontdesk@hilltop.example", "+1 555 0200", "3 Hill St, Shelbyville"),
        more_customers: [
            ("Shelbyville Library", "+1 555 0210", "1 Library Sq, Shelbyville"),
            ("Oakwood Apartments", "+1 555 0220", "55 Oak Rd, Shelbyville"),
        ],
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
    logins.extend(seed_office_manager(owner, &hash).await?);
    Ok(logins)
}

/// The office manager of both demo companies: one person, an admin in each,
/// who signs in once and switches (docs/organizations.md).
pub const OFFICE_MANAGER: &str = "morgan@office.example";

async fn seed_office_manager(owner: &PgPool, hash: &str) -> anyhow::Result<Vec<DemoLogin>> {
    let mut logins = Vec::new();
    for (n, demo) in DEMO_COMPANIES.iter().enumerate() {
        // The first membership brings the password (and makes the person);
        // the others have none of their own: they open with the person's.
        let own_hash = (n == 0).then_some(hash);
        let mut tx = owner.begin().await?;
        let company_id = sqlx::query_scalar!("select id from app.companies where slug = $1", demo.slug)
            .fetch_one(&mut *tx)
            .await?;
        let member = sqlx::query_scalar!(
            r#"select exists (select 1 from app.users u
                              where u.company_id = $1 and lower(u.email) = lower($2) and u.deleted_at is null)
                 as "member!""#,
            company_id,
            OFFICE_MANAGER,
        )
        .fetch_one(&mut *tx)
        .await?;
        if !member {
            let identity_id =
                link_identity(&mut tx, company_id, OFFICE_MANAGER, "Morgan Office", own_hash).await?;
            sqlx::query!(
                "insert into app.users (company_id, name, email, password_hash, role, identity_id)
                 values ($1, 'Morgan Office', $2, $3, 'ADMIN', $4)",
                company_id,
                OFFICE_MANAGER,
                own_hash,
                identity_id,
            )
            .execute(&mut *tx)
            .await
            .with_context(|| format!("adding the office manager to {}", demo.slug))?;
        }
        tx.commit().await?;
        logins.push(DemoLogin {
            company: demo.slug.to_owned(),
            email: OFFICE_MANAGER.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            role: Role::Admin,
        });
    }
    Ok(logins)
}

/// A demo membership, its person found or made first.
async fn insert_member(
    conn: &mut sqlx::PgConnection,
    company_id: Uuid,
    name: &str,
    email: &str,
    hash: &str,
    role: Role,
    customer_id: Option<Uuid>,
) -> anyhow::Result<Uuid> {
    let identity_id = link_identity(conn, company_id, email, name, Some(hash)).await?;
    let id = sqlx::query_scalar!(
        "insert into app.users (company_id, name, email, password_hash, role, customer_id, identity_id)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
        company_id,
        name,
        email,
        hash,
        role as Role,
        customer_id,
        identity_id,
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
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
    let admin_id = insert_member(
        &mut tx,
        company_id,
        &format!("{} Admin", demo.name),
        admin_email,
        hash,
        Role::Admin,
        None,
    )
    .await?;
    let mut worker_ids = Vec::new();
    for (name, email) in demo.workers.iter().zip(worker_emails) {
        worker_ids.push(insert_member(&mut tx, company_id, name, email, hash, Role::Worker, None).await?);
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
    insert_member(
        &mut tx,
        company_id,
        customer_name,
        customer_email,
        hash,
        Role::Customer,
        Some(customer_id),
    )
    .await?;

    let mut customer_ids = vec![customer_id];
    for (name, phone, address) in demo.more_customers {
        let id = sqlx::query_scalar!(
            "insert into app.customers (company_id, name, phone, address) values ($1, $2, $3, $4) returning id",
            company_id,
            name,
            phone,
            address,
        )
        .fetch_one(&mut *tx)
        .await?;
        customer_ids.push(id);
    }
    seed_jobs(&mut tx, company_id, admin_id, &worker_ids, &customer_ids).await?;
    tx.commit().await?;
    Ok(())
}

const DEMO_JOBS: [(&str, &str, [&str; 3]); 12] = [
    (
        "Annual boiler service",
        "Service and safety check of the main boiler.",
        ["Check pressure", "Clean burner", "Test safety valve"],
    ),
    (
        "Leaking kitchen tap",
        "Customer reports a steady drip under the sink.",
        ["Isolate supply", "Replace cartridge", "Test for leaks"],
    ),
    (
        "Install water heater",
        "Replace the 80 l heater in the basement.",
        ["Drain old unit", "Fit new unit", "Commission"],
    ),
    (
        "Blocked drain",
        "Slow drain in the staff bathroom.",
        ["Inspect with camera", "Clear blockage", "Flush line"],
    ),
    (
        "Radiator not heating",
        "Upstairs radiator stays cold.",
        ["Bleed radiator", "Balance system", "Check pump"],
    ),
    (
        "Outdoor tap replacement",
        "Frost-damaged outdoor tap.",
        ["Remove old tap", "Fit frost-proof tap", "Test"],
    ),
    (
        "Quarterly inspection",
        "Routine inspection under the service contract.",
        ["Visual check", "Pressure test", "Write report"],
    ),
    ("Toilet cistern repair", "Cistern keeps running.", ["Replace fill valve", "Adjust float", "Test flush"]),
    (
        "Dishwasher connection",
        "Connect the new dishwasher.",
        ["Fit valve", "Connect waste", "Run test cycle"],
    ),
    (
        "Gas leak follow-up",
        "Follow-up visit after last week's repair.",
        ["Sniff test", "Check joints", "Sign off"],
    ),
    (
        "Shower pump noise",
        "Pump is noisy at start-up.",
        ["Inspect mounts", "Check impeller", "Replace if worn"],
    ),
    (
        "Pipe insulation",
        "Insulate pipes in the loft before winter.",
        ["Measure runs", "Fit lagging", "Photograph work"],
    ),
];

async fn seed_jobs(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    company_id: Uuid,
    admin_id: Uuid,
    worker_ids: &[Uuid],
    customer_ids: &[Uuid],
) -> anyhow::Result<()> {
    let statuses = sqlx::query_scalar!(
        "select id from app.job_statuses where company_id = $1 order by order_index, id",
        company_id
    )
    .fetch_all(&mut **tx)
    .await?;
    for (n, (title, description, tasks)) in DEMO_JOBS.iter().enumerate() {
        let status = statuses[n % statuses.len()];
        let finished = n % statuses.len() == statuses.len() - 1;
        // Two of every three jobs are assigned, alternating workers.
        let worker = (n % 3 != 2).then(|| worker_ids[n % worker_ids.len()]);
        let job_id = sqlx::query_scalar!(
            "insert into app.jobs (company_id, customer_id, status_id, assigned_worker_id, title, description,
                                   scheduled_at)
             values ($1, $2, $3, $4, $5, $6, date_trunc('hour', now()) + make_interval(days => $7::int - 4, hours => 9))
             returning id",
            company_id,
            customer_ids[n % customer_ids.len()],
            status,
            worker,
            title,
            description,
            n as i32,
        )
        .fetch_one(&mut **tx)
        .await?;
        let done_count = if finished { tasks.len() } else { n % tasks.len() };
        for (position, task) in tasks.iter().enumerate() {
            sqlx::query!(
                "insert into app.job_tasks (company_id, job_id, title, position, is_completed)
                 values ($1, $2, $3, $4, $5)",
                company_id,
                job_id,
                task,
                position as i32,
                position < done_count,
            )
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query!(
            "insert into app.job_notes (company_id, job_id, author_id, body, visibility)
             values ($1, $2, $3, $4, 'internal'), ($1, $2, $3, $5, 'customer')",
            company_id,
            job_id,
            admin_id,
            "Gate code 4321; dog on the premises.",
            "We will call 30 minutes before arriving.",
        )
        .execute(&mut **tx)
        .await?;
    }
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
