//! Phone numbers of SMS_OTP events: E.164 form, the number range SMS pumping walks through,
//! and whether the destination is on the high-risk list.

use serde::{Deserialize, Serialize};

use crate::reputation::Reputation;
use crate::EngineError;

/// Digits dropped from a number to name its range: pumping requests codes for many numbers
/// of one block a premium-rate operator owns, so the block is what gets counted.
const RANGE_HIDDEN_DIGITS: usize = 4;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PhoneDerived {
    /// The number in E.164 form (`+` and digits).
    pub number: Option<String>,
    /// The number without its last digits, e.g. `+4479460`: the block it belongs to.
    pub range: Option<String>,
    /// The listed calling-code prefix the number starts with, when it is a high-risk one.
    pub high_risk_prefix: Option<String>,
}

/// The E.164 form of a number written with the usual separators (spaces, dashes, dots,
/// brackets) and a leading `+` or `00`; an error says why anything else is not a number.
pub fn normalize_phone(raw: &str) -> Result<String, EngineError> {
    let invalid = |why: &str| EngineError::invalid("phone", format!("{raw:?} {why}"));
    let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let digits = compact
        .strip_prefix('+')
        .or_else(|| compact.strip_prefix("00"))
        .ok_or_else(|| invalid("is not in international form: start with + and the country code"))?;
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("may hold only digits after the +"));
    }
    if digits.starts_with('0') {
        return Err(invalid("has no country code: no country code starts with 0"));
    }
    // E.164 allows at most 15 digits; no country's numbers are shorter than 7 with the code.
    if !(7..=15).contains(&digits.len()) {
        return Err(invalid("must have 7 to 15 digits"));
    }
    Ok(format!("+{digits}"))
}

pub(super) fn derive(phone: Option<&str>, reputation: &Reputation) -> PhoneDerived {
    let Some(number) = phone.and_then(|p| normalize_phone(p).ok()) else {
        return PhoneDerived::default();
    };
    let range = number[..number.len() - RANGE_HIDDEN_DIGITS].to_string();
    let high_risk_prefix = reputation.sms_high_risk_prefix(&number[1..]).map(|p| format!("+{p}"));
    PhoneDerived { number: Some(number), range: Some(range), high_risk_prefix }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalized_to_e164() {
        assert_eq!(normalize_phone("+33 6 12-34.56(78)").unwrap(), "+33612345678");
        assert_eq!(normalize_phone("0044 7946 000123").unwrap(), "+447946000123");
        for bad in ["06 12 34 56 78", "+33 6 12 34 56 7x", "+0123456789", "+12345", "+1234567890123456", ""] {
            assert!(normalize_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_and_high_risk_prefixes() {
        let rep = Reputation { sms_high_risk_prefixes: ["882".to_string()].into(), ..Default::default() };
        let d = derive(Some("+882 1234 5678"), &rep);
        assert_eq!(d.number.as_deref(), Some("+88212345678"));
        assert_eq!(d.range.as_deref(), Some("+8821234"));
        assert_eq!(d.high_risk_prefix.as_deref(), Some("+882"));
        assert_eq!(derive(Some("+33612345678"), &rep).high_risk_prefix, None);
        assert_eq!(derive(Some("not a number"), &rep), PhoneDerived::default());
    }
}
