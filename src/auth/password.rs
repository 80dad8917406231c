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

/// The lowest zxcvbn score accepted ("safely unguessable: moderate
/// protection from an offline slow-hash scenario").
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;
/// zxcvbn's work grows with the length; what it reads of a longer password
/// only makes the estimate more cautious.
const ESTIMATED_CHARS: usize = 100;

/// What zxcvbn says against `password`, or `None` when it is strong enough.
pub fn weakness(password: &str, words: &[String]) -> Option<Vec<String>> {
    let estimated: String = password.chars().take(ESTIMATED_CHARS).collect();
    let inputs: Vec<&str> =
        words.iter().flat_map(|w| w.split(['@', '.', ' ', '-'])).filter(|w| !w.is_empty()).collect();
    let entropy = zxcvbn::zxcvbn(&estimated, &inputs);
    if entropy.score() >= MIN_SCORE {
        return None;
    }
    let mut advice = Vec::new();
    if let Some(feedback) = entropy.feedback() {
        if let Some(warning) = feedback.warning() {
            advice.push(warning.to_string());
        }
        advice.extend(feedback.suggestions().iter().map(ToString::to_string));
    }
    if advice.is_empty() {
        advice.push("is too easy to guess: use a longer password, such as a few unrelated words".to_owned());
    }
    Some(advice)
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

#[cfg(test)]
mod strength_tests {
    use super::*;

    fn words() -> Vec<String> {
        ["Ann Smith", "ann@acme.test", "Acme Plumbing", "acme"].map(str::to_owned).to_vec()
    }

    #[test]
    fn common_and_personal_passwords_are_refused_with_advice() {
        for weak in ["password1", "qwertyuiop", "acmeplumbing", "annsmith", "aaaaaaaaaaaa"] {
            let advice = weakness(weak, &words()).unwrap_or_else(|| panic!("{weak} was accepted"));
            assert!(!advice.is_empty() && advice.iter().all(|a| !a.is_empty()), "{weak}: {advice:?}");
        }
    }

    #[test]
    fn a_few_unrelated_words_pass() {
        assert_eq!(weakness("correct horse battery staple lamp", &words()), None);
        let long = format!("violet tractor hums beside quiet lanterns {}", "x".repeat(2000));
        assert_eq!(weakness(&long, &words()), None, "a long password is estimated by its start");
    }
}
