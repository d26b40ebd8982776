//! Password hashing with argon2id. Hashing is deliberately slow, so the async helpers run it
//! on the blocking pool instead of stalling the request workers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::{Result, StoreError};

/// Passwords shorter than this are refused when an account is created or reset.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longer inputs are refused before hashing so that nobody can make us hash megabytes.
pub const MAX_PASSWORD_LEN: usize = 256;

/// argon2id's cost, set here rather than taken from the crate's defaults so that an upgrade
/// cannot lower it: OWASP's minimum of 19 MiB of memory, two passes, one lane. Stored hashes
/// with other parameters are re-hashed at their next successful sign-in.
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
pub const ARGON2_PASSES: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

fn hasher() -> Result<Argon2<'static>> {
    let params =
        Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None).map_err(|_| StoreError::Hash)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Whether a stored hash was made with other parameters than ours (or is not argon2id).
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let param = |name: &str| parsed.params.get_decimal(name);
    parsed.algorithm.as_str() != "argon2id"
        || param("m") != Some(ARGON2_MEMORY_KIB)
        || param("t") != Some(ARGON2_PASSES)
        || param("p") != Some(ARGON2_LANES)
}

pub fn check_password_policy(password: &str) -> Result<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(StoreError::Invalid(format!(
            "password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(StoreError::Invalid(format!("password must have at most {MAX_PASSWORD_LEN} bytes")));
    }
    Ok(())
}

pub fn hash_password_blocking(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| StoreError::Hash)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| StoreError::Hash)?;
    hasher()?.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| StoreError::Hash)
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify_password_blocking(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    PasswordHash::new(stored)
        // The parameters are the stored hash's own, so that older hashes still verify.
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|_| StoreError::Hash)?
}

pub async fn verify_password(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password_blocking(&password, &stored)).await.unwrap_or(false)
}

/// A valid argon2id hash of a random password: verified against when an email is unknown,
/// so that a login for a missing account costs as much time as one for a real account.
pub(crate) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password_blocking(&crate::ids::random_hex(16)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password_blocking("correct horse battery", &hash));
        assert!(!verify_password_blocking("wrong horse battery", &hash));
        assert!(!verify_password_blocking("anything", "not a hash"));
    }

    #[test]
    fn hashes_carry_the_explicit_parameters_and_older_ones_need_a_rehash() {
        let hash = hash_password_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(!needs_rehash(&hash));
        let weaker = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap());
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let old = weaker.hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(verify_password_blocking("correct horse battery", &old));
        assert!(needs_rehash(&old));
        assert!(needs_rehash("not a hash"));
    }

    #[test]
    fn policy_rejects_short_and_huge_passwords() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy(&"x".repeat(300)).is_err());
        assert!(check_password_policy("long enough pass").is_ok());
    }
}
