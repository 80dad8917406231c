//! A chosen password's strength, as a request's answer: zxcvbn's advice beside
//! the field that holds it (the password reset, portal registration).

use super::error::{Error, FieldErrors, Result};
use crate::auth::password;

/// Refuses `candidate` with zxcvbn's advice under `field` when it is too easy
/// to guess; `words` (names, email, company) are what it must not lean on.
pub async fn require_strong(field: &str, candidate: &str, words: Vec<String>) -> Result<()> {
    let candidate = candidate.to_owned();
    let advice = tokio::task::spawn_blocking(move || password::weakness(&candidate, &words))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    match advice {
        None => Ok(()),
        Some(advice) => {
            let mut errors = FieldErrors::new();
            errors.insert(field.to_owned(), advice);
            Err(Error::Validation {
                detail: format!("the {} is too easy to guess", field.replace('_', " ")),
                errors,
            })
        }
    }
}
