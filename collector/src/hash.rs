//! The collector's hash: 128 bits from two FNV-1a passes with different offsets. Not for
//! secrets, only to turn long renders and component lists into short, stable ids, with no
//! crypto library in the bundle.

use alloc::string::String;

const PRIME: u64 = 0x0000_0100_0000_01b3;
const OFFSETS: [u64; 2] = [0xcbf2_9ce4_8422_2325, 0x8422_2325_cbf2_9ce4];

/// Incremental hasher; parts are separated so that `["ab","c"]` and `["a","bc"]` differ.
pub struct Hasher {
    state: [u64; 2],
}

impl Default for Hasher {
    fn default() -> Self {
        Self { state: OFFSETS }
    }
}

impl Hasher {
    pub fn write(&mut self, part: &str) {
        self.write_bytes(part.as_bytes());
    }

    pub fn write_bytes(&mut self, part: &[u8]) {
        for byte in part.iter().copied().chain(core::iter::once(0xff)) {
            for (i, s) in self.state.iter_mut().enumerate() {
                // The second lane also mixes in its index so that the lanes diverge.
                *s = (*s ^ u64::from(byte ^ (i as u8))).wrapping_mul(PRIME);
            }
        }
    }

    /// 32 lowercase hex digits.
    pub fn finish(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(32);
        for lane in self.state {
            for shift in (0..16).rev() {
                out.push(DIGITS[((lane >> (shift * 4)) & 15) as usize] as char);
            }
        }
        out
    }
}

pub fn hash_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Hasher::default();
    parts.into_iter().for_each(|p| h.write(p));
    h.finish()
}

/// Hash of numbers by their exact bits: the last-digit differences between JavaScript engines
/// and audio stacks are what is wanted, and no float formatting code enters the bundle.
pub fn hash_numbers(values: impl IntoIterator<Item = f64>) -> String {
    let mut h = Hasher::default();
    values.into_iter().for_each(|v| h.write_bytes(&v.to_bits().to_le_bytes()));
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_distinct_and_separated() {
        let a = hash_parts(["canvas", "webgl"]);
        assert_eq!(a, hash_parts(["canvas", "webgl"]));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, hash_parts(["canvas", "webgl2"]));
        assert_ne!(hash_parts(["ab", "c"]), hash_parts(["a", "bc"]));
        assert_ne!(&a[..16], &a[16..]);
    }

    #[test]
    fn numbers_hash_by_their_bits() {
        let a = hash_numbers([1.0, 0.1 + 0.2]);
        assert_eq!(a, hash_numbers([1.0, 0.1 + 0.2]));
        assert_eq!(a.len(), 32);
        // 0.1 + 0.2 and 0.3 print alike in many formats but differ in their last bit.
        assert_ne!(a, hash_numbers([1.0, 0.3]));
        assert_ne!(hash_numbers([0.0]), hash_numbers([-0.0]));
        assert_ne!(hash_numbers([1.0, 2.0]), hash_numbers([2.0, 1.0]));
    }

    #[test]
    fn text_hashes_did_not_change() {
        // Stored fingerprints were made with this hash: it must never change.
        assert_eq!(hash_parts(["canvas", "webgl"]), "3003a0441328b9282c9a0a40b4df4d4c");
        let mut h = Hasher::default();
        h.write_bytes(b"canvas");
        h.write("webgl");
        assert_eq!(h.finish(), hash_parts(["canvas", "webgl"]));
    }
}
