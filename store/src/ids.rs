//! Identifiers and random secrets.

/// A new time-ordered id with a readable prefix, e.g. `evt_01jd8…`: a UUIDv7 in 26 characters
/// of base32. Every event row and several of its index entries hold its own id and its
/// visitor's, so each character counts; the alphabet is in ASCII order, so ids still sort by
/// time (those of earlier builds, 32 hex digits, sort among them only by chance).
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    id.push('_');
    push_base32(&mut id, uuid::Uuid::now_v7().as_u128(), 26);
    id
}

/// A new tenant id: `ten_` and 8 random base32 characters (40 bits). It leads the key of the
/// indexes of the tables that grow with traffic (the events table's lead with the tenant's
/// number instead), where the 36 characters of `new_id` cost bytes in every entry. Tenants are
/// few; `create_tenant` draws again in the unlikely case of a collision.
pub fn new_tenant_id() -> String {
    let mut bytes = [0u8; 8];
    fill_random(&mut bytes);
    let mut id = String::with_capacity(12);
    id.push_str("ten_");
    push_base32(&mut id, u128::from(u64::from_be_bytes(bytes)), 8);
    id
}

/// The low `5 * digits` bits of `value`, most significant first, in an alphabet that sorts as
/// the values do (Crockford's, lower case).
fn push_base32(out: &mut String, value: u128, digits: u32) {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    for i in (0..digits).rev() {
        out.push(ALPHABET[((value >> (5 * i)) & 31) as usize] as char);
    }
}

/// `n` bytes from the operating system's CSPRNG, hex-encoded.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    fill_random(&mut buf);
    hex(&buf)
}

/// `buf` filled from the operating system's CSPRNG; without one no secret can be made.
fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source failed");
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// SHA-256 of a secret, hex-encoded: how API keys and session tokens are stored and looked up.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_unique() {
        let a = new_id("evt");
        let b = new_id("evt");
        assert!(a.starts_with("evt_") && a.len() == 30, "{a}");
        assert_ne!(a, b);
        assert!(a < b, "ids sort by time: {a} then {b}");
        let tenant = new_tenant_id();
        assert!(tenant.starts_with("ten_") && tenant.len() == 12, "{tenant}");
        assert_ne!(tenant, new_tenant_id());
    }

    #[test]
    fn base32_keeps_the_order_of_values() {
        let encode = |value| {
            let mut s = String::new();
            push_base32(&mut s, value, 26);
            s
        };
        assert_eq!(encode(0), "0".repeat(26));
        assert_eq!(encode(u128::MAX), "7".to_string() + &"z".repeat(25));
        let values = [0u128, 1, 31, 32, 1 << 64, (1 << 100) + 5, u128::MAX - 1, u128::MAX];
        assert!(values.windows(2).all(|w| encode(w[0]) < encode(w[1])));
    }

    #[test]
    fn sha256_matches_known_vector() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(random_hex(16).len(), 32);
    }
}
