//! Who may do what, and the secrets behind it: argon2id password hashes, random
//! session and CSRF tokens (only their SHA-256 is stored), the permission rules
//! of the three roles, and in-memory rate limits for sign-in attempts.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use md2030_model::account::{Account, Role};
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
    #[error("this password is too easy to guess ({0}): choose a longer phrase of unrelated words")]
    Weak(String),
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    #[error("hashing failed: {0}")]
    Hash(String),
}

/// Checks a new password against the policy.
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_PASSWORD_BYTES {
        Err(PasswordError::TooLong)
    } else if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(PasswordError::TooShort)
    } else {
        Ok(())
    }
}

/// Checks a password chosen for an account: the policy's length, then its
/// strength as zxcvbn estimates it (frequency lists of breached passwords, common
/// words and names, keyboard patterns, repeats, sequences, dates, and the
/// account's own `user_inputs` such as its user name): a score of 3 of 4 at
/// least, about 10^8 guesses.
pub fn check_new_password(password: &str, user_inputs: &[&str]) -> Result<(), PasswordError> {
    check_password(password)?;
    let mut inputs: Vec<&str> = user_inputs.to_vec();
    inputs.extend(["md2030", "maroc", "digital", "2030"]);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(estimate.score()) >= 3 {
        return Ok(());
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| w.to_string())
        .unwrap_or_else(|| "a common pattern".to_string());
    Err(PasswordError::Weak(why.trim_end_matches('.').to_lowercase()))
}

/// An argon2id hash (PHC string, OWASP parameters: 19 MiB, 2 passes, 1 lane) of a
/// password that meets the policy, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    check_password(password)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PasswordError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// True when `password` matches the stored PHC hash. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that a wrong
/// username costs as much time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never matches").unwrap_or_default())
}

/// 32 random bytes, URL-safe base64 without padding (43 characters).
pub fn random_token() -> Result<String, PasswordError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| PasswordError::Random(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What the catalogue stores for a session token.
pub fn token_sha256(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// May `account` see versions awaiting sign-off for `producer`'s datasets?
pub fn can_see_pending(account: &Account, producer: &str) -> bool {
    match account.role {
        Role::Viewer | Role::Admin | Role::Secretariat => true,
        Role::Steward => account.stewards(producer),
    }
}

/// May `account` submit (or sign off) a dataset whose producer is `producer`?
pub fn can_submit(account: &Account, producer: &str) -> bool {
    account.is_active() && account.stewards(producer)
}

/// May `account` manage accounts, targets and publication settings, and read the
/// audit log?
pub fn is_admin(account: &Account) -> bool {
    account.is_active() && account.role == Role::Admin
}

/// May `account` record the Commission's decisions (from the minutes) and the
/// judgments? The secretariat; an admin may record decisions too.
pub fn can_record_decisions(account: &Account) -> bool {
    account.is_active() && matches!(account.role, Role::Secretariat | Role::Admin)
}

/// May `account` judge an indicator's likelihood of delivery? The secretariat
/// only: a judgment is independent of those who deliver.
pub fn can_judge(account: &Account) -> bool {
    account.is_active() && account.role == Role::Secretariat
}

/// May `account` post a status update of a point owned by `owner`? Its stewards.
pub fn can_post_update(account: &Account, owner: &str) -> bool {
    account.is_active() && account.stewards(owner)
}

/// May `account` confirm or reject an update of a point owned by `owner`, posted
/// by `posted_by`? Another steward of the owner, or the secretariat; never its
/// author (the store refuses that too).
pub fn can_confirm_update(account: &Account, owner: &str, posted_by: &str) -> bool {
    account.is_active()
        && !account.username.eq_ignore_ascii_case(posted_by)
        && (account.stewards(owner) || account.role == Role::Secretariat)
}

/// A sliding-window limit: at most `max` events per `window` for each key.
#[derive(Debug)]
pub struct RateLimit {
    max: usize,
    window: Duration,
    events: HashMap<String, Vec<Instant>>,
}

impl RateLimit {
    pub fn new(max: usize, window: Duration) -> RateLimit {
        RateLimit { max, window, events: HashMap::new() }
    }

    /// How long `key` must wait before its next event is allowed (zero: now).
    pub fn retry_after(&mut self, key: &str, now: Instant) -> Duration {
        let window = self.window;
        let Some(times) = self.events.get_mut(key) else { return Duration::ZERO };
        times.retain(|t| now.saturating_duration_since(*t) < window);
        if times.len() < self.max {
            return Duration::ZERO;
        }
        let oldest = times[times.len() - self.max];
        window.saturating_sub(now.saturating_duration_since(oldest)).max(Duration::from_secs(1))
    }

    /// Counts an event for `key`.
    pub fn record(&mut self, key: &str, now: Instant) {
        let times = self.events.entry(key.to_string()).or_default();
        times.push(now);
        if times.len() > self.max * 2 {
            let excess = times.len() - self.max;
            times.drain(..excess);
        }
        if self.events.len() > 100_000 {
            // Bound the memory an address-spraying client can take.
            let window = self.window;
            self.events.retain(|_, t| {
                t.last().is_some_and(|l| now.saturating_duration_since(*l) < window)
            });
        }
    }

    /// Forgets `key` (a successful sign-in clears the account's failures).
    pub fn clear(&mut self, key: &str) {
        self.events.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(username: &str, role: Role, ministries: &[&str]) -> Account {
        Account {
            id: 1,
            username: username.into(),
            display_name: username.into(),
            role,
            ministries: ministries.iter().map(|m| m.to_string()).collect(),
            lang: "fr".into(),
            created_at: "t".into(),
            password_changed_at: "t".into(),
            disabled_at: None,
        }
    }

    /// Who may write what in the Commission's follow-up.
    #[test]
    fn decisions_judgments_and_updates_each_have_their_writers() {
        let amina = account("amina", Role::Steward, &["MTNRA"]);
        let karim = account("karim", Role::Steward, &["MTNRA"]);
        let omar = account("omar", Role::Steward, &["MIC"]);
        let sara = account("sara", Role::Secretariat, &[]);
        let root = account("root", Role::Admin, &[]);
        let nadia = account("nadia", Role::Viewer, &[]);
        let mut gone = sara.clone();
        gone.disabled_at = Some("t".into());
        let record: Vec<bool> =
            [&amina, &sara, &root, &nadia, &gone].map(can_record_decisions).into();
        assert_eq!(record, [false, true, true, false, false]);
        let judge: Vec<bool> = [&amina, &sara, &root, &nadia, &gone].map(can_judge).into();
        assert_eq!(judge, [false, true, false, false, false]);
        let post: Vec<bool> =
            [&amina, &omar, &sara, &root].map(|a| can_post_update(a, "MTNRA")).into();
        assert_eq!(post, [true, false, false, false]);
        // Amina posted: Karim (same ministry) and the secretariat confirm; not
        // Amina herself, not another ministry, not a viewer or an admin.
        let confirm: Vec<bool> = [&amina, &karim, &omar, &sara, &nadia, &root]
            .map(|a| can_confirm_update(a, "MTNRA", "AMINA"))
            .into();
        assert_eq!(confirm, [false, true, false, true, false, false]);
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a phc string"));
        let again = hash_password("correct horse battery").unwrap();
        assert_ne!(hash, again, "a fresh salt each time");
    }

    #[test]
    fn the_policy_counts_characters_not_bytes() {
        assert_eq!(check_password("short"), Err(PasswordError::TooShort));
        // Twelve Arabic letters are 24 bytes and twelve characters.
        assert_eq!(check_password("كلمةسرطويلةج"), Ok(()));
        assert_eq!(check_password("كلمةسرطويل"), Err(PasswordError::TooShort));
        assert_eq!(check_password(&"x".repeat(1025)), Err(PasswordError::TooLong));
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        // sha256("abc"), from FIPS 180-2 appendix B.1.
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd") && !constant_time_eq("abc", "ab"));
    }

    #[test]
    fn a_rate_limit_allows_max_events_per_window() {
        let mut limit = RateLimit::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(limit.retry_after("a", t0 + Duration::from_secs(i)), Duration::ZERO);
            limit.record("a", t0 + Duration::from_secs(i));
        }
        // The fourth within the minute waits until the first one leaves the window.
        assert_eq!(limit.retry_after("a", t0 + Duration::from_secs(10)), Duration::from_secs(50));
        assert_eq!(limit.retry_after("b", t0 + Duration::from_secs(10)), Duration::ZERO);
        assert_eq!(limit.retry_after("a", t0 + Duration::from_secs(60)), Duration::ZERO);
        limit.clear("a");
        assert_eq!(limit.retry_after("a", t0 + Duration::from_secs(11)), Duration::ZERO);
    }
}
