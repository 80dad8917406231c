//! Argon2id password hashing with OWASP's recommended parameters
//! (m = 19 MiB, t = 2, p = 1), always off the async runtime.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
        .to_string())
}

/// Hashes in flight at once: one per core. Each takes 19 MiB; unbounded, a
/// burst of sign-ins grew the server past 2.5 GB (glibc keeps each blocking
/// thread's arena) and oversubscribed the CPU anyway.
///
/// Public so tests can hold every permit and show who waits for one.
pub fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)))
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = permits().acquire().await?;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Verifies `password` against `stored`, or against a dummy hash of the same
/// cost when there is no user, so the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    let _permit = permits().acquire().await?;
    tokio::task::spawn_blocking(move || {
        let candidate = stored.as_deref().unwrap_or_else(|| dummy_hash());
        let parsed = PasswordHash::new(candidate).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let matches = hasher().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(matches && stored.is_some())
    })
    .await?
}

/// Computed once; call at start-up so the first unknown-user login is not slower.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("fieldops-dummy-password").expect("hashing a constant succeeds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_right_and_rejects_wrong() {
        let stored = hash("correct horse battery".into()).await.expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(stored.clone())).await.expect("verify"));
        assert!(!verify("wrong".into(), Some(stored)).await.expect("verify"));
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(!verify("fieldops-dummy-password".into(), None).await.expect("verify"));
    }
}
