//! `fieldops seed-bench`: a realistic multi-tenant dataset for `make bench`,
//! generated set-based inside PostgreSQL (no row crosses the wire).
//!
//! One large tenant (a million jobs over five years, 100,000 customers with
//! 150,000 service locations and 250,000 contacts, 50 workers) among many
//! small ones (1,000 jobs each): the shape that shows
//! whether latency depends on the tenant's size. Jobs older than two weeks are
//! completed, older than 60 days archived; about 3 tasks per job; a note on
//! every other job. Runs in one transaction with user triggers off (so history
//! keeps its five-year-old timestamps); a failure leaves nothing behind.

use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::PgPool;

use crate::auth::password;

#[derive(Debug, Clone, Copy)]
pub struct BenchSizes {
    /// All tenants, the large one included.
    pub companies: i32,
    pub large_jobs: i32,
    pub large_customers: i32,
    pub large_workers: i32,
    /// Service locations of the large tenant, its customers' first ones
    /// included (the customer search reads their addresses).
    pub large_locations: i32,
    /// Contacts of the large tenant, each with a mobile and an email.
    pub large_contacts: i32,
    pub small_jobs: i32,
    pub small_customers: i32,
    pub small_workers: i32,
    pub tasks_per_job: i32,
}

impl BenchSizes {
    pub const FULL: BenchSizes = BenchSizes {
        companies: 1000,
        large_jobs: 1_000_000,
        large_customers: 100_000,
        large_workers: 50,
        large_locations: 150_000,
        large_contacts: 250_000,
        small_jobs: 1000,
        small_customers: 100,
        small_workers: 5,
        tasks_per_job: 3,
    };

    /// Seconds, for `make bench-smoke` in the test run.
    pub const SMALL: BenchSizes = BenchSizes {
        companies: 20,
        large_jobs: 20_000,
        large_customers: 2_000,
        large_workers: 10,
        large_locations: 3_000,
        large_contacts: 5_000,
        small_jobs: 200,
        small_customers: 20,
        small_workers: 3,
        tasks_per_job: 3,
    };

    pub fn total_jobs(&self) -> i64 {
        self.large_jobs as i64 + (self.companies as i64 - 1) * self.small_jobs as i64
    }
}

pub const BENCH_PASSWORD: &str = "bench-password";

const TABLES: &[&str] = &[
    "companies",
    "job_statuses",
    "users",
    "customers",
    "service_locations",
    "contacts",
    "contact_methods",
    "jobs",
    "job_tasks",
    "job_notes",
];

/// Rows per statement: big enough to be set-based, small enough to show progress.
const CHUNK: i32 = 100_000;

/// The large tenant as a property-management business has it: besides each
/// customer's first location, more locations (the first customers get a
/// second one), and contacts (each customer one primary contact, the first
/// ones more) with a mobile and an email each. Names, streets and numbers
/// vary enough that the customer search has realistic selectivity: a first
/// name matches about 1 in 40 contacts, a phone's digits one contact.
async fn seed_large_crm(tx: &mut sqlx::PgConnection, sizes: BenchSizes) -> anyhow::Result<()> {
    sqlx::query(
        "insert into app.service_locations (company_id, customer_id, name, line1, city, region, postal_code,
                                            created_at, updated_at)
         select co.company_id, md5(co.company_id::text || ':c' || (1 + (l - 1) % co.customers))::uuid,
                'Building ' || chr(65 + l % 26),
                (1 + l % 9899) || ' ' ||
                (array['Elm','Quay','Market','Church','Mill','Bridge','Station','Park','School','High',
                       'Chapel','Victoria','Albert','Grove','Orchard','Harbour','River','Forest','Spring','Union',
                       'Granite','Maple','Cedar','Willow','Ash','Birch','Holly','Rowan','Laurel','Juniper'])[1 + l % 30]
                || ' ' || (array['Street','Avenue','Road','Lane','Drive'])[1 + (l / 30) % 5],
                (array['Portsmouth','Concord','Nashua','Dover','Keene','Salem','Exeter','Laconia','Lebanon','Rochester',
                       'Manchester','Derry','Hudson','Bedford','Merrimack','Londonderry','Hampton','Milford','Durham','Windham'])[1 + (l / 7) % 20],
                'NH', lpad((3000 + l % 900)::text, 5, '0'), now(), now()
         from bench_co co, generate_series(1, $1) l
         where co.large",
    )
    .bind((sizes.large_locations - sizes.large_customers).max(0))
    .execute(&mut *tx)
    .await
    .context("generating locations")?;
    sqlx::query(
        "insert into app.contacts (id, company_id, customer_id, name, title, is_primary, created_at, updated_at)
         select md5(co.company_id::text || ':k' || k)::uuid, co.company_id,
                md5(co.company_id::text || ':c' || (1 + (k - 1) % co.customers))::uuid,
                (array['James','Mary','Robert','Patricia','John','Jennifer','Michael','Linda','David','Elizabeth',
                       'William','Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Charles','Karen',
                       'Daniel','Nancy','Matthew','Lisa','Anthony','Betty','Mark','Sandra','Donald','Ashley',
                       'Steven','Kimberly','Paul','Emily','Andrew','Donna','Joshua','Michelle','Kenneth','Carol'])[1 + k % 40]
                || ' ' ||
                (array['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez',
                       'Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin',
                       'Lee','Perez','Thompson','White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson',
                       'Walker','Young','Allen','King','Wright','Scott','Torres','Nguyen','Hill','Flores',
                       'Green','Adams','Nelson','Baker','Hall','Rivera','Campbell','Mitchell','Carter','Roberts'])[1 + (k / 40) % 50],
                (array['Property manager','Owner','Assistant','Maintenance supervisor','Office manager'])[1 + k % 5],
                k <= co.customers, now(), now()
         from bench_co co, generate_series(1, $1) k
         where co.large;
         ",
    )
    .bind(sizes.large_contacts)
    .execute(&mut *tx)
    .await
    .context("generating contacts")?;
    // A mobile (seven digits from the contact's number: unique) and an email.
    sqlx::raw_sql(
        "insert into app.contact_methods (company_id, customer_id, contact_id, kind, value, is_primary,
                                          created_at, updated_at)
         select k.company_id, k.customer_id, k.id, m.kind,
                case when m.kind = 'mobile'
                     then '+1 (603) ' || substr(lpad(n.n::text, 7, '0'), 1, 3) || '-' || substr(lpad(n.n::text, 7, '0'), 4)
                     else lower(replace(k.name, ' ', '.')) || n.n || '@'
                          || (array['example.com','mail.example','property.example','office.example'])[1 + n.n % 4] end,
                true, k.created_at, k.created_at
         from app.contacts k
         join bench_co co on co.company_id = k.company_id and co.large
         cross join lateral (select (('x' || substr(md5(k.id::text), 1, 7))::bit(28)::bigint % 10000000) as n) n
         cross join (values ('mobile'), ('email')) m(kind);",
    )
    .execute(&mut *tx)
    .await
    .context("generating contact methods")?;
    Ok(())
}

pub async fn seed(owner: &PgPool, sizes: BenchSizes) -> anyhow::Result<()> {
    if sizes.companies < 2 {
        bail!("--companies must be at least 2 (one large tenant and small ones)");
    }
    let started = Instant::now();
    let hash = password::hash(BENCH_PASSWORD.to_owned()).await?;
    let mut tx = owner.begin().await?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from app.companies where slug = 'bench-large')")
            .fetch_one(&mut *tx)
            .await?;
    if exists {
        bail!("this database already holds the benchmark dataset");
    }
    for table in TABLES {
        sqlx::raw_sql(&format!("alter table app.{table} disable trigger user")).execute(&mut *tx).await?;
    }

    let step = |message: &str| eprintln!("seed-bench: {message} ({:.1}s)", started.elapsed().as_secs_f64());
    sqlx::query(
        "insert into app.companies (name, slug, color, created_at, updated_at)
         select case when n = 0 then 'Bench Large Co' else 'Bench Small ' || n end,
                case when n = 0 then 'bench-large' else 'bench-s' || n end,
                '#334155', now() - interval '5 years', now()
         from generate_series(0, $1 - 1) n",
    )
    .bind(sizes.companies)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "create temporary table bench_co on commit drop as
         select c.id as company_id, c.slug, row_number() over (order by c.slug) as n, c.slug = 'bench-large' as large,
                case when c.slug = 'bench-large' then $1 else $2 end as customers,
                case when c.slug = 'bench-large' then $3 else $4 end as workers,
                case when c.slug = 'bench-large' then $5 else $6 end as jobs
         from app.companies c where c.slug like 'bench-%'",
    )
    .bind(sizes.large_customers)
    .bind(sizes.small_customers)
    .bind(sizes.large_workers)
    .bind(sizes.small_workers)
    .bind(sizes.large_jobs)
    .bind(sizes.small_jobs)
    .execute(&mut *tx)
    .await?;
    sqlx::raw_sql(
        "insert into app.job_statuses (id, company_id, name, color, order_index, is_final)
         select md5(co.company_id::text || ':s' || s.ord)::uuid, co.company_id, s.name, s.color, s.ord, s.final
         from bench_co co,
           (values ('New', '#64748b', 0, false), ('Scheduled', '#2563eb', 1, false),
                   ('In progress', '#d97706', 2, false), ('Completed', '#16a34a', 3, true)) s(name, color, ord, final);
",
    )
    .execute(&mut *tx)
    .await?;
    step(&format!("{} companies with their statuses", sizes.companies));

    // The people first, then their memberships (db/migrations/0034): on
    // Citus nothing on a membership's shard may write the people's table.
    sqlx::query(
        "create temporary table bench_people on commit drop as
         select md5(co.company_id::text || ':a')::uuid as id, co.company_id, 'Admin ' || co.slug as name,
                'admin@' || co.slug || '.bench' as email, 'ADMIN'::app.user_role as role
         from bench_co co
         union all
         select md5(co.company_id::text || ':w' || w)::uuid, co.company_id, 'Worker ' || w || ' ' || co.slug,
                'worker' || w || '@' || co.slug || '.bench', 'WORKER'::app.user_role
         from bench_co co, generate_series(1, co.workers) w",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into app.identities (id, email, name, password_hash)
         select p.id, p.email, p.name, $1 from bench_people p",
    )
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    // Each company's default roles (db/migrations/0039), which the
    // companies' trigger (off here) makes; the memberships hold them.
    sqlx::raw_sql(
        "do $$
         declare
           v_company uuid;
         begin
           for v_company in select company_id from bench_co loop
             perform app.seed_company_roles(v_company);
           end loop;
         end
         $$",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into app.users (id, company_id, name, email, password_hash, role, identity_id, role_id)
         select p.id, p.company_id, p.name, p.email, $1, p.role, p.id, r.id
         from bench_people p
         join app.roles r on r.company_id = p.company_id and r.base = p.role and r.is_default",
    )
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    sqlx::raw_sql(
        "insert into app.customers (id, company_id, account_number, name, email, phone, address, created_at, updated_at)
         select md5(co.company_id::text || ':c' || c)::uuid, co.company_id, c,
                (array['Riverside','Maple','Harbor','Summit','Oak','Granite','Willow','Cedar','Beacon','Sunset',
                       'Lakeside','Hilltop','Northgate','Elm','Pine','Meadow','Bayview','Crescent','Fairview','Kingsway'])[1 + c % 20]
                || ' ' ||
                (array['Cafe','Dental','School','Apartments','Library','Bakery','Clinic','Hotel','Gym','Garage',
                       'Office','Market','Salon','Pharmacy','Studio','Church','Farm','Warehouse','Restaurant','Motel'])[1 + (c / 20) % 20]
                || ' ' || c,
                case when c % 3 = 0 then 'contact' || c || '@customer.example' end,
                '+1 555 ' || lpad((c % 10000)::text, 4, '0'),
                c || ' Main Street',
                now() - interval '5 years' + (c % 1000) * interval '1 day', now()
         from bench_co co, generate_series(1, co.customers) c;
         -- Its first location, as app.create_first_location (off here) makes it.
         insert into app.service_locations (company_id, customer_id, name, line1, created_at, updated_at)
         select cu.company_id, cu.id, cu.name, cu.address, cu.created_at, cu.updated_at
         from app.customers cu join bench_co co on co.company_id = cu.company_id;
         analyze bench_co;",
    )
    .execute(&mut *tx)
    .await?;
    step("users and customers");
    seed_large_crm(&mut tx, sizes).await?;
    step("the large tenant's locations and contacts");

    // Chunks: the large tenant in slices of its jobs, the small ones in groups
    // of companies, about CHUNK jobs per statement either way.
    let mut chunks: Vec<(bool, i32, i32)> = Vec::new();
    let mut from = 0;
    while from < sizes.large_jobs {
        chunks.push((true, from, (from + CHUNK).min(sizes.large_jobs) - 1));
        from += CHUNK;
    }
    let per_chunk = (CHUNK / sizes.small_jobs.max(1)).max(1);
    let mut first = 1;
    while first < sizes.companies {
        chunks.push((false, first, (first + per_chunk).min(sizes.companies) - 1));
        first += per_chunk;
    }

    let bar = ProgressBar::new(sizes.total_jobs() as u64);
    bar.set_style(
        ProgressStyle::with_template("seed-bench: jobs {bar:40} {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for (large, low, high) in chunks {
        // large: job numbers low..=high of the large tenant; else small
        // tenants numbered low..=high, every job of each.
        let inserted: i64 = sqlx::query_scalar(
            "with targets as (
               select co.*, g from bench_co co,
                 lateral generate_series(case when $1 then $2 else 0 end,
                                         case when $1 then $3 else co.jobs - 1 end) g
               where co.large = $1 and ($1 or co.n - 1 between $2 and $3)
             ),
             shaped as (
               select t.*, (t.g::float8 / t.jobs) * 1825 as age_days from targets t
             ),
             new_jobs as (
               insert into app.jobs (company_id, customer_id, status_id, assigned_worker_id, title, description,
                                     scheduled_at, completed_at, is_archived, archived_at, created_at, updated_at)
               -- Ids are derived, not joined: md5(company, kind, number), as the
               -- statuses, users and customers above were created.
               select s.company_id,
                      md5(s.company_id::text || ':c' || (1 + (s.g::bigint * 7919) % s.customers))::uuid,
                      md5(s.company_id::text || ':s' ||
                          (case when s.age_days > 14 or s.g % 5 = 0 then 3 else s.g % 3 end))::uuid,
                      case when s.g % 10 <> 0
                           then md5(s.company_id::text || ':w' || (1 + (s.g / 10) % s.workers))::uuid end,
                      (array['Boiler service','Leak repair','Water heater install','Drain unblock','Radiator bleed',
                             'Tap replacement','Annual inspection','Cistern repair','Pump service','Pipe insulation',
                             'Electrical check','Socket install','Lighting repair','Fuse box upgrade','Alarm test',
                             'AC maintenance','Heat pump service','Filter change','Gutter cleaning','Roof patch',
                             'Window seal','Door lock fix','Appliance hookup','Gas safety check'])[1 + s.g % 24]
                      || ' - ' ||
                      (array['kitchen','basement','bathroom','loft','garage','office','lobby','plant room',
                             'roof','yard','hallway','store room'])[1 + (s.g / 24) % 12]
                      || case when s.g % 997 = 0 then ' (urgent)' else '' end,
                      'Job ' || s.g || ' for the customer.',
                      now() - s.age_days * interval '1 day' + interval '2 days',
                      case when s.age_days > 14 or s.g % 5 = 0 then now() - (s.age_days - 1) * interval '1 day' end,
                      s.age_days > 60,
                      case when s.age_days > 60 then now() - (s.age_days - 60) * interval '1 day' end,
                      now() - s.age_days * interval '1 day', now() - s.age_days * interval '1 day'
               from shaped s
               returning id, company_id, completed_at, created_at
             ),
             new_tasks as (
               insert into app.job_tasks (company_id, job_id, title, position, is_completed, completed_at,
                                          created_at, updated_at)
               select j.company_id, j.id,
                      (array['Inspect','Isolate supply','Repair or replace','Test','Clean up','Photograph work'])[1 + p],
                      p, j.completed_at is not null, j.completed_at, j.created_at, j.created_at
               from new_jobs j, generate_series(0, $4 - 1) p
               returning 1
             ),
             new_notes as (
               insert into app.job_notes (company_id, job_id, author_id, body, visibility, created_at, updated_at)
               select j.company_id, j.id, md5(j.company_id::text || ':a')::uuid,
                      case when hashtext(j.id::text) % 2 = 0 then 'Gate code 4321; parking at the back.'
                           else 'We will call 30 minutes before arriving.' end,
                      case when hashtext(j.id::text) % 2 = 0 then 'internal'::app.note_visibility
                           else 'customer'::app.note_visibility end,
                      j.created_at, j.created_at
               from new_jobs j
               where hashtext(j.id::text) % 2 = 0 or hashtext(j.id::text) % 3 = 0
               returning 1
             )
             select (select count(*) from new_jobs) + 0 * ((select count(*) from new_tasks) + (select count(*) from new_notes))",
        )
        .bind(large)
        .bind(low)
        .bind(high)
        .bind(sizes.tasks_per_job)
        .fetch_one(&mut *tx)
        .await
        .context("generating jobs")?;
        bar.inc(inserted as u64);
    }
    bar.finish();

    for table in TABLES {
        sqlx::raw_sql(&format!("alter table app.{table} enable trigger user")).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    step("committed; analyzing");
    for table in TABLES {
        sqlx::raw_sql(&format!("analyze app.{table}")).execute(owner).await?;
    }
    let counts: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from app.jobs), (select count(*) from app.job_tasks),
                (select count(*) from app.job_notes), (select count(*) from app.customers),
                (select count(*) from app.service_locations), (select count(*) from app.contacts)",
    )
    .fetch_one(owner)
    .await?;
    step(&format!(
        "done: {} jobs, {} tasks, {} notes, {} customers, {} locations, {} contacts in {} companies; sign in to company bench-large as admin@bench-large.bench or worker1@bench-large.bench (password {BENCH_PASSWORD})",
        counts.0, counts.1, counts.2, counts.3, counts.4, counts.5, sizes.companies
    ));
    Ok(())
}
