//! Column mappings: which of the file's columns fills which FieldOps field,
//! proposed from the headers (with presets for the systems companies come
//! from, documented in docs/import.md), and each record turned into the row
//! object that `app.import_rows` takes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::Kind;
use crate::http::shared::{Error, Result};

/// FieldOps field → the file's header.
pub type Mapping = BTreeMap<String, String>;

/// The fields a file's columns may fill, per kind.
pub fn targets(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Customers => &[
            "external_id",
            "name",
            "company_name",
            "first_name",
            "last_name",
            "contact_name",
            "email",
            "phone",
            "mobile",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "notes",
            "tags",
        ],
        Kind::Jobs => &[
            "external_id",
            "title",
            "description",
            "status",
            "scheduled_at",
            "completed_at",
            "worker",
            "customer_external_id",
            "customer_name",
            "location",
        ],
    }
}

/// The presets: a source system's export headers for each field.
pub const PRESETS: &[&str] = &["servicefusion", "jobber", "housecallpro"];

fn preset(name: &str, kind: Kind) -> &'static [(&'static str, &'static str)] {
    match (name, kind) {
        ("servicefusion", Kind::Customers) => &[
            ("external_id", "Customer ID"),
            ("name", "Customer Name"),
            ("first_name", "Contact First Name"),
            ("last_name", "Contact Last Name"),
            ("email", "Email"),
            ("phone", "Phone"),
            ("mobile", "Mobile"),
            ("line1", "Address 1"),
            ("line2", "Address 2"),
            ("city", "City"),
            ("region", "State"),
            ("postal_code", "Zip Code"),
            ("country", "Country"),
            ("notes", "Notes"),
            ("tags", "Tags"),
        ],
        ("servicefusion", Kind::Jobs) => &[
            ("external_id", "Job #"),
            ("title", "Category"),
            ("description", "Description"),
            ("status", "Status"),
            ("scheduled_at", "Start Date"),
            ("completed_at", "Completed Date"),
            ("worker", "Tech(s) Assigned"),
            ("customer_external_id", "Customer ID"),
            ("customer_name", "Customer Name"),
            ("location", "Service Address 1"),
        ],
        ("jobber", Kind::Customers) => &[
            ("external_id", "J-ID"),
            ("company_name", "Company Name"),
            ("first_name", "First Name"),
            ("last_name", "Last Name"),
            ("email", "E-mails"),
            ("phone", "Main Phone #s"),
            ("mobile", "Mobile Phone #s"),
            ("line1", "Billing Street 1"),
            ("line2", "Billing Street 2"),
            ("city", "Billing City"),
            ("region", "Billing State"),
            ("postal_code", "Billing Zip code"),
            ("country", "Billing Country"),
            ("tags", "Tags"),
        ],
        ("jobber", Kind::Jobs) => &[
            ("external_id", "Job #"),
            ("title", "Title"),
            ("description", "Instructions"),
            ("status", "Job Status"),
            ("scheduled_at", "Start date"),
            ("completed_at", "Closed date"),
            ("worker", "Visits assigned to"),
            ("customer_name", "Client name"),
            ("location", "Service street"),
        ],
        ("housecallpro", Kind::Customers) => &[
            ("external_id", "Customer ID"),
            ("company_name", "Company"),
            ("first_name", "First Name"),
            ("last_name", "Last Name"),
            ("email", "Email"),
            ("phone", "Home Phone"),
            ("mobile", "Mobile Phone"),
            ("line1", "Street"),
            ("line2", "Street Line 2"),
            ("city", "City"),
            ("region", "State"),
            ("postal_code", "Zip"),
            ("notes", "Notes"),
            ("tags", "Tags"),
        ],
        ("housecallpro", Kind::Jobs) => &[
            ("external_id", "Job #"),
            ("title", "Job Description"),
            ("description", "Notes"),
            ("status", "Job Status"),
            ("scheduled_at", "Scheduled Start"),
            ("completed_at", "Completed At"),
            ("worker", "Assigned Employees"),
            ("customer_external_id", "Customer ID"),
            ("customer_name", "Customer Name"),
            ("location", "Street"),
        ],
        _ => &[],
    }
}

/// Other header spellings each field is recognised by, compared without
/// case, spaces or punctuation.
fn synonyms(target: &str) -> &'static [&'static str] {
    match target {
        "external_id" => &["id", "externalid", "customerid", "clientid", "jobid", "jobnumber", "job"],
        "name" => &["name", "customername", "displayname", "clientname", "fullname"],
        "company_name" => &["company", "companyname", "business"],
        "first_name" => &["firstname", "first"],
        "last_name" => &["lastname", "last", "surname"],
        "contact_name" => &["contact", "contactname"],
        "email" => &["email", "emailaddress", "emails", "mail"],
        "phone" => &["phone", "phonenumber", "telephone", "tel", "officephone", "homephone", "mainphone"],
        "mobile" => &["mobile", "mobilephone", "cell", "cellphone"],
        "line1" => &["address", "address1", "addressline1", "street", "street1", "streetaddress"],
        "line2" => &["address2", "addressline2", "street2", "unit", "suite"],
        "city" => &["city", "town"],
        "region" => &["state", "region", "province", "county"],
        "postal_code" => &["zip", "zipcode", "postalcode", "postcode"],
        "country" => &["country"],
        "notes" => &["notes", "note", "comments"],
        "tags" => &["tags", "tag", "labels"],
        "title" => &["title", "jobtitle", "summary", "category"],
        "description" => &["description", "details", "instructions"],
        "status" => &["status", "jobstatus", "state"],
        "scheduled_at" => {
            &["scheduled", "scheduledat", "scheduleddate", "startdate", "date", "scheduledstart"]
        }
        "completed_at" => &["completed", "completedat", "completeddate", "closeddate"],
        "worker" => &["worker", "technician", "tech", "assignedto", "employee", "assignee"],
        "customer_external_id" => &["customerid", "clientid"],
        "customer_name" => &["customer", "customername", "client", "clientname"],
        "location" => &["location", "serviceaddress", "site", "address"],
        _ => &[],
    }
}

fn squash(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A mapping for these headers: the preset's headers that the file has,
/// then each remaining field by its synonyms (a column fills one field).
pub fn propose(kind: Kind, preset_name: Option<&str>, headers: &[String]) -> Mapping {
    let mut mapping = Mapping::new();
    let mut taken: Vec<&str> = Vec::new();
    let find = |wanted: &str| headers.iter().find(|h| squash(h) == squash(wanted));
    if let Some(name) = preset_name {
        for (target, header) in preset(name, kind) {
            if let Some(found) = find(header) {
                mapping.insert((*target).to_owned(), found.clone());
                taken.push(found);
            }
        }
    }
    for target in targets(kind) {
        if mapping.contains_key(*target) {
            continue;
        }
        let found = synonyms(target)
            .iter()
            .find_map(|s| headers.iter().find(|h| squash(h) == *s && !taken.contains(&h.as_str())));
        if let Some(found) = found {
            mapping.insert((*target).to_owned(), found.clone());
            taken.push(found);
        }
    }
    mapping
}

/// A mapping names known fields and columns the file has; a kind's rows need
/// a name (customers) or a title and a customer (jobs).
pub fn check(kind: Kind, mapping: &Mapping, headers: &[String]) -> Result<()> {
    for (target, header) in mapping {
        if !targets(kind).contains(&target.as_str()) {
            return Err(Error::field("mapping", format!("\"{target}\" is not a field of {}", kind.as_str())));
        }
        if !headers.iter().any(|h| h == header) {
            return Err(Error::field("mapping", format!("the file has no column \"{header}\"")));
        }
    }
    let has = |t: &str| mapping.contains_key(t);
    let complete = match kind {
        Kind::Customers => has("name") || has("company_name") || has("first_name") || has("last_name"),
        Kind::Jobs => has("title") && (has("customer_external_id") || has("customer_name")),
    };
    if !complete {
        let needed = match kind {
            Kind::Customers => "a column for the customer's name",
            Kind::Jobs => "columns for the job's title and its customer",
        };
        return Err(Error::field("mapping", format!("needs {needed}")));
    }
    Ok(())
}

/// Why a record cannot be imported: the field (mapped back to its header by
/// the caller) and what is wrong.
#[derive(Debug)]
pub struct Refusal {
    pub field: String,
    pub message: String,
}

fn refuse(field: &str, message: impl Into<String>) -> Refusal {
    Refusal { field: field.to_owned(), message: message.into() }
}

/// Index of each mapped field's column.
pub struct Columns(Vec<(String, usize)>);

impl Columns {
    pub fn new(mapping: &Mapping, headers: &[String]) -> Self {
        Columns(
            mapping
                .iter()
                .filter_map(|(target, header)| {
                    Some((target.clone(), headers.iter().position(|h| h == header)?))
                })
                .collect(),
        )
    }

    /// The header a field was read from.
    pub fn header_of<'a>(&self, field: &str, mapping: &'a Mapping) -> Option<&'a str> {
        self.0.iter().find(|(t, _)| t == field).and(mapping.get(field).map(String::as_str))
    }

    /// The record as the row object of `app.import_rows`, checked as the
    /// API checks the same fields.
    pub fn row(&self, kind: Kind, number: usize, record: &[String]) -> std::result::Result<Value, Refusal> {
        let mut values: BTreeMap<&str, &str> = BTreeMap::new();
        for (target, index) in &self.0 {
            if let Some(value) = record.get(*index).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                values.insert(target, value);
            }
        }
        let mut row = Map::new();
        row.insert("n".into(), Value::from(number));
        match kind {
            Kind::Customers => customer_row(&values, &mut row)?,
            Kind::Jobs => job_row(&values, &mut row)?,
        }
        Ok(Value::Object(row))
    }
}

fn text(
    row: &mut Map<String, Value>,
    values: &BTreeMap<&str, &str>,
    field: &str,
    max: usize,
) -> std::result::Result<(), Refusal> {
    if let Some(value) = values.get(field) {
        if value.chars().count() > max {
            return Err(refuse(field, format!("must be at most {max} characters")));
        }
        row.insert(field.into(), Value::from(*value));
    }
    Ok(())
}

fn customer_row(
    values: &BTreeMap<&str, &str>,
    row: &mut Map<String, Value>,
) -> std::result::Result<(), Refusal> {
    let person = [values.get("first_name"), values.get("last_name")]
        .into_iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let name = values
        .get("name")
        .or(values.get("company_name"))
        .map(|n| (*n).to_owned())
        .or_else(|| (!person.is_empty()).then(|| person.clone()));
    if let Some(name) = &name {
        if name.chars().count() > 200 {
            return Err(refuse("name", "must be at most 200 characters"));
        }
        row.insert("name".into(), Value::from(name.as_str()));
    }
    let contact =
        values.get("contact_name").map(|c| (*c).to_owned()).or((!person.is_empty()).then_some(person));
    if let Some(contact) = contact {
        row.insert("contact_name".into(), Value::from(contact.chars().take(200).collect::<String>()));
    }
    text(row, values, "external_id", 200)?;
    if let Some(email) = values.get("email") {
        // Several addresses in one cell (Jobber's "E-mails"): the first.
        let email = email.split([',', ';']).next().unwrap_or_default().trim();
        if !validator::ValidateEmail::validate_email(&email) || email.len() > 254 {
            return Err(refuse("email", "is not a valid email address"));
        }
        row.insert("email".into(), Value::from(email));
    }
    let phone_field = if values.contains_key("phone") { "phone" } else { "mobile" };
    if let Some(phone) = values.get(phone_field) {
        let phone = phone.split([',', ';']).next().unwrap_or_default().trim();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +()./-".contains(c));
        if !allowed || digits < 3 || phone.len() > 40 {
            return Err(refuse(phone_field, "is not a phone number"));
        }
        row.insert("phone".into(), Value::from(phone));
    }
    text(row, values, "line1", 500)?;
    text(row, values, "line2", 200)?;
    text(row, values, "city", 100)?;
    text(row, values, "region", 100)?;
    text(row, values, "postal_code", 20)?;
    text(row, values, "country", 100)?;
    text(row, values, "notes", 10000)?;
    if let Some(tags) = values.get("tags") {
        let mut clean: Vec<&str> = Vec::new();
        for tag in tags.split([',', ';']).map(str::trim).filter(|t| !t.is_empty()) {
            if tag.chars().count() > 50 {
                return Err(refuse("tags", "each tag must be at most 50 characters"));
            }
            if !clean.contains(&tag) {
                clean.push(tag);
            }
        }
        if clean.len() > 20 {
            return Err(refuse("tags", "at most 20 tags"));
        }
        row.insert("tags".into(), Value::from(clean));
    }
    Ok(())
}

fn job_row(values: &BTreeMap<&str, &str>, row: &mut Map<String, Value>) -> std::result::Result<(), Refusal> {
    if !values.contains_key("title") {
        return Err(refuse("title", "is required"));
    }
    text(row, values, "title", 200)?;
    text(row, values, "description", 10000)?;
    text(row, values, "external_id", 200)?;
    text(row, values, "status", 100)?;
    // Several people in one cell: the first is the one assigned.
    if let Some(worker) = values.get("worker") {
        let worker = worker.split([',', ';']).next().unwrap_or_default().trim();
        row.insert("worker".into(), Value::from(worker));
    }
    text(row, values, "customer_external_id", 200)?;
    text(row, values, "customer_name", 200)?;
    text(row, values, "location", 500)?;
    if let Some(at) = values.get("scheduled_at") {
        let at = parse_time(at)
            .ok_or_else(|| refuse("scheduled_at", "is not a date (2026-03-31, 03/31/2026 or with a time)"))?;
        row.insert("scheduled_at".into(), Value::from(at.to_rfc3339()));
    }
    if let Some(at) = values.get("completed_at") {
        parse_time(at)
            .ok_or_else(|| refuse("completed_at", "is not a date (2026-03-31, 03/31/2026 or with a time)"))?;
        row.insert("completed".into(), Value::from(true));
    }
    Ok(())
}

/// Dates as the export files write them; without a zone, UTC.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    const WITH_TIME: &[&str] = &[
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
    ];
    for format in WITH_TIME {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc());
        }
    }
    for format in ["%Y-%m-%d", "%m/%d/%Y", "%b %d, %Y"] {
        if let Ok(day) = NaiveDate::parse_from_str(text, format) {
            return day.and_hms_opt(0, 0, 0).map(|at| at.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_service_fusion_preset_maps_its_headers_and_synonyms_fill_the_rest() {
        let headers =
            strings(&["Customer ID", "Customer Name", "Phone", "Email", "Address 1", "Zip Code", "Cell"]);
        let mapping = propose(Kind::Customers, Some("servicefusion"), &headers);
        assert_eq!(mapping.get("external_id").map(String::as_str), Some("Customer ID"));
        assert_eq!(mapping.get("name").map(String::as_str), Some("Customer Name"));
        assert_eq!(mapping.get("postal_code").map(String::as_str), Some("Zip Code"));
        assert_eq!(mapping.get("mobile").map(String::as_str), Some("Cell"));
        assert!(check(Kind::Customers, &mapping, &headers).is_ok());
    }

    #[test]
    fn rows_are_checked_like_the_api() {
        let headers = strings(&["Name", "Email", "Phone", "Tags"]);
        let mapping = propose(Kind::Customers, None, &headers);
        let columns = Columns::new(&mapping, &headers);
        let row =
            columns.row(Kind::Customers, 2, &strings(&["Ann", "ann@x.test", "(555) 010-2000", "a, b, a"]));
        let row = row.expect("a valid row");
        assert_eq!(row["tags"], serde_json::json!(["a", "b"]));
        let refused = columns.row(Kind::Customers, 3, &strings(&["Bob", "not an email", "", ""]));
        assert_eq!(refused.expect_err("refused").field, "email");
    }

    #[test]
    fn dates_in_the_export_formats() {
        assert!(parse_time("2026-03-31").is_some());
        assert!(parse_time("03/31/2026 14:30").is_some());
        assert!(parse_time("2026-03-31T14:30:00Z").is_some());
        assert!(parse_time("next tuesday").is_none());
    }
}
