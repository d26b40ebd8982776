//! Password hashing with argon2id. Hashing is deliberately slow, so the async helpers run it
//! on the blocking pool instead of stalling the request workers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::{Result, StoreError};

/// Passwords shorter than this are refused when an account is created or reset.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longer inputs are refused before hashing so that nobody can make us hash megabytes.
pub const MAX_PASSWORD_LEN: usize = 256;

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
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| StoreError::Hash)
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify_password_blocking(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    PasswordHash::new(stored)
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
    fn policy_rejects_short_and_huge_passwords() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy(&"x".repeat(300)).is_err());
        assert!(check_password_policy("long enough pass").is_ok());
    }
}
