//! The customer portal (issue #17): a company's public portal page and the
//! admin's portal settings. The settings are one row per company
//! (db/migrations/0022); a company that never saved them has the defaults of
//! that table, which [`PortalSettings::default`] mirrors.

mod accounts;
mod digest;
mod invitations;
mod registration;
mod settings;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::http::shared::{
    error::{Error, Result},
    AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    settings::router()
        .merge(registration::router())
        .merge(accounts::router())
        .merge(digest::router())
        .merge(invitations::router())
}

/// Who may register on the company's portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    /// Anyone registers and, once verified, gets a customer account of their own.
    Open,
    /// Anyone registers; staff approve each account (to an existing customer
    /// or a new one) or reject it.
    Approval,
    /// Only people the staff invited register.
    Invitation,
}

/// A job request field a company may lock once a request is approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestField {
    Title,
    Description,
    PreferredWindows,
    ServiceLocationId,
    Urgency,
}

impl RequestField {
    pub const ALL: [RequestField; 5] = [
        RequestField::Title,
        RequestField::Description,
        RequestField::PreferredWindows,
        RequestField::ServiceLocationId,
        RequestField::Urgency,
    ];
}

/// A company's portal settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PortalSettings {
    pub registration_mode: RegistrationMode,
    /// The request fields a customer may no longer edit once staff approved the request.
    pub locked_fields: Vec<RequestField>,
    /// Whether customers get a mail when one of their jobs changes status.
    pub job_status_mails: bool,
    /// 0 until the settings are first saved (the defaults apply until then).
    pub version: i32,
}

impl Default for PortalSettings {
    /// The column defaults of app.portal_settings: a portal nobody opened
    /// takes no registrations but invited ones.
    fn default() -> Self {
        PortalSettings {
            registration_mode: RegistrationMode::Invitation,
            locked_fields: RequestField::ALL.to_vec(),
            job_status_mails: true,
            version: 0,
        }
    }
}

/// A list's `state` filter: `given`, or `default` when absent, refused with a
/// 422 naming the allowed values when it is none of them.
fn state_filter<'a>(given: Option<&'a str>, default: &'a str, allowed: &[&str]) -> Result<&'a str> {
    let state = given.unwrap_or(default);
    if allowed.contains(&state) {
        return Ok(state);
    }
    let (last, rest) = allowed.split_last().unwrap_or((&"", &[]));
    Err(Error::field("state", format!("must be {} or {last}", rest.join(", "))))
}
