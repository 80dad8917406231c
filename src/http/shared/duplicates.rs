//! Likely duplicates: before a customer, location or contact is created, the
//! company's contacts with the same phone (last ten digits) or email
//! (case-insensitive) and its locations at the same normalized address. Found
//! by `auth.find_customer_duplicates` (migration 0024: indexed, the company
//! from the verified context only), then named under the caller's own
//! policies. Unless the request says it knows (`allow_duplicate`), the create
//! answers 409 with the candidates, so the person can pick one instead.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{context::Ctx, service_locations::Address, Error, Result};

/// Which kind of record matched.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    pub customer_id: Uuid,
    pub account_number: i32,
    pub customer_name: String,
    /// `contact` or `location`.
    pub kind: String,
    /// The matching contact's or location's id.
    pub record_id: Uuid,
    /// `phone`, `email` or `address`.
    pub matched: String,
}

/// What a new record would share with existing ones.
#[derive(Debug, Default)]
pub struct Probe {
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    /// The address parts in the order the index concatenates them (line1,
    /// line2, city, region, postal code); only an address with a first line
    /// is compared, as only those are indexed.
    pub address: Option<String>,
}

impl Probe {
    pub fn address_of(address: &Address) -> Option<String> {
        let line1 = address.line1.as_deref()?;
        Some(
            [
                Some(line1),
                address.line2.as_deref(),
                address.city.as_deref(),
                address.region.as_deref(),
                address.postal_code.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        )
    }
}

/// The likely duplicates of `probe` in the caller's company (none for
/// another role: the function answers admins only).
pub async fn find(ctx: &mut Ctx, probe: &Probe) -> Result<Vec<DuplicateCandidate>> {
    if probe.phones.is_empty() && probe.emails.is_empty() && probe.address.is_none() {
        return Ok(Vec::new());
    }
    // Two statements, not a join: joined with app.customers the statement is
    // routed to the company's shard whole on Citus, and the function's own
    // lookups would then run nested inside a shard's query.
    let found = sqlx::query!(
        r#"select customer_id as "customer_id!", kind as "kind!", record_id as "record_id!", matched as "matched!"
           from auth.find_customer_duplicates($1, $2, $3)"#,
        &probe.phones,
        &probe.emails,
        probe.address,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = found.iter().map(|f| f.customer_id).collect();
    let customers: HashMap<Uuid, (i32, String)> = sqlx::query!(
        "select id, account_number, name from app.customers where company_id = $1 and id = any($2)",
        ctx.user.company_id,
        &ids
    )
    .fetch_all(&mut *ctx.tx)
    .await?
    .into_iter()
    .map(|c| (c.id, (c.account_number, c.name)))
    .collect();
    let mut candidates: Vec<DuplicateCandidate> = found
        .into_iter()
        .filter_map(|f| {
            let (account_number, customer_name) = customers.get(&f.customer_id)?.clone();
            Some(DuplicateCandidate {
                customer_id: f.customer_id,
                account_number,
                customer_name,
                kind: f.kind,
                record_id: f.record_id,
                matched: f.matched,
            })
        })
        .collect();
    candidates.sort_by(|a, b| {
        (&a.matched, a.account_number, a.record_id).cmp(&(&b.matched, b.account_number, b.record_id))
    });
    Ok(candidates)
}

/// 409 with the candidates, unless the request allowed a duplicate or none
/// was found.
pub async fn refuse_duplicates(ctx: &mut Ctx, probe: &Probe, allow_duplicate: Option<bool>) -> Result<()> {
    if allow_duplicate == Some(true) {
        return Ok(());
    }
    let candidates = find(ctx, probe).await?;
    if candidates.is_empty() {
        Ok(())
    } else {
        Err(Error::Duplicates(candidates))
    }
}

/// `refuse_duplicates` for an edit of contact or location `record_id`: the
/// record is not a duplicate of itself. The probe should hold only what the
/// edit adds (a new phone, a changed address), so that a record once created
/// with `allow_duplicate` is not refused again at every later edit.
pub async fn refuse_duplicates_of_edit(
    ctx: &mut Ctx,
    probe: &Probe,
    allow_duplicate: Option<bool>,
    record_id: Uuid,
) -> Result<()> {
    if allow_duplicate == Some(true) {
        return Ok(());
    }
    let candidates: Vec<DuplicateCandidate> =
        find(ctx, probe).await?.into_iter().filter(|c| c.record_id != record_id).collect();
    if candidates.is_empty() {
        Ok(())
    } else {
        Err(Error::Duplicates(candidates))
    }
}

/// A phone as the duplicate check compares it: its last ten digits.
pub fn phone_key(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(10)..].iter().collect()
}
