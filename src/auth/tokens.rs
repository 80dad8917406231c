//! Opaque random tokens (refresh tokens, share links): 256 bits from the OS,
//! URL-safe base64 for the client, SHA-256 for storage.
//!
//! A token carries its company: the 16 bytes of the company id come first, then
//! the 32 random bytes. The database finds the token by (company, digest), so on
//! Citus the lookup goes to the one shard of that company instead of all of
//! them (docs/scaling.md). The digest covers the whole token, so the company part
//! cannot be changed without making the token unknown; it reveals nothing a
//! holder of the token could not see anyway (the company's own page).
//!
//! Tokens issued before carry no company (43 characters); they still work, at
//! the cost of a lookup by digest alone.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const RANDOM_BYTES: usize = 32;
/// 32 random bytes in base64url.
const LEGACY_LENGTH: usize = 43;
/// 16 company bytes and 32 random bytes in base64url.
const LENGTH: usize = 64;

/// A new token of `company`.
pub fn generate(company_id: Uuid) -> String {
    let mut bytes = [0u8; 16 + RANDOM_BYTES];
    bytes[..16].copy_from_slice(company_id.as_bytes());
    rand::rngs::OsRng.fill_bytes(&mut bytes[16..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token in the form from before tokens carried their company: only for
/// rotating such a refresh token, whose company the server does not know.
pub fn generate_without_company() -> String {
    let mut bytes = [0u8; RANDOM_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The company a well-formed token names; `None` for a token without one.
pub fn company_of(token: &str) -> Option<Uuid> {
    if token.len() != LENGTH {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    Uuid::from_slice(bytes.get(..16)?).ok()
}

/// A token we issued is 64 (or, from before tokens carried their company, 43)
/// base64url characters; anything else is rejected before it reaches the
/// database.
pub fn looks_valid(token: &str) -> bool {
    (token.len() == LENGTH || token.len() == LEGACY_LENGTH)
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_well_formed_and_hash_to_32_bytes() {
        let company = Uuid::new_v4();
        let a = generate(company);
        let b = generate(company);
        assert_ne!(a, b);
        assert_eq!(a.len(), LENGTH);
        assert!(looks_valid(&a));
        assert_eq!(digest(&a).len(), 32);
        assert!(!looks_valid("short"));
        assert!(!looks_valid(&format!("{}!", &a[..LENGTH - 1])));
    }

    #[test]
    fn a_token_names_its_company_and_an_old_one_none() {
        let company = Uuid::new_v4();
        assert_eq!(company_of(&generate(company)), Some(company));
        let legacy = generate_without_company();
        assert_eq!(legacy.len(), LEGACY_LENGTH);
        assert!(looks_valid(&legacy));
        assert_eq!(company_of(&legacy), None);
        assert_eq!(company_of(&"!".repeat(LENGTH)), None);
    }
}
