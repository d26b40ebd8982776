//! The reputation lists as the engine reads them: in memory, filled by the store.

use std::collections::HashSet;
use std::net::IpAddr;

/// The longest prefix the SMS high-risk list may hold: a calling code and a few digits of
/// the national number, enough to name one operator's premium-rate block.
pub const MAX_PREFIX_DIGITS: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct Reputation {
    /// Lowercase domains; a subdomain of a listed domain counts as listed.
    pub disposable_domains: HashSet<String>,
    pub high_risk_asns: HashSet<u32>,
    pub tor_exits: HashSet<IpAddr>,
    /// Calling-code prefixes (digits, no `+`) of destinations where SMS pumping pays.
    pub sms_high_risk_prefixes: HashSet<String>,
}

impl Reputation {
    /// The longest listed prefix `digits` (an E.164 number without its `+`) starts with.
    pub fn sms_high_risk_prefix<'a>(&self, digits: &'a str) -> Option<&'a str> {
        (1..=MAX_PREFIX_DIGITS.min(digits.len()))
            .rev()
            .map(|len| &digits[..len])
            .find(|prefix| self.sms_high_risk_prefixes.contains(*prefix))
    }

    pub fn is_disposable(&self, domain: &str) -> bool {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = domain.as_str();
        loop {
            if self.disposable_domains.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                // Stop before a bare top-level domain.
                Some((_, parent)) if parent.contains('.') => rest = parent,
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_of_listed_domains_are_disposable() {
        let rep =
            Reputation { disposable_domains: ["mailinator.com".to_string()].into(), ..Default::default() };
        assert!(rep.is_disposable("mailinator.com"));
        assert!(rep.is_disposable("Eu.Mailinator.COM"));
        assert!(!rep.is_disposable("example.com"));
        assert!(!rep.is_disposable("com"));
    }
}
