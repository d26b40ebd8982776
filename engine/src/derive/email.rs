use serde::{Deserialize, Serialize};

use crate::reputation::Reputation;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EmailDerived {
    /// Lowercase, without `+tags`, and for Gmail without dots: two spellings of one mailbox
    /// give the same value.
    pub normalized: Option<String>,
    pub domain: Option<String>,
    pub disposable: bool,
    pub random_looking: bool,
}

pub(super) fn derive(email: Option<&str>, reputation: &Reputation) -> EmailDerived {
    let Some((local, domain)) = email.and_then(split_normalized) else {
        return EmailDerived::default();
    };
    EmailDerived {
        random_looking: looks_random(&local),
        disposable: reputation.is_disposable(&domain),
        normalized: Some(format!("{local}@{domain}")),
        domain: Some(domain),
    }
}

/// The mailbox an address reaches, in the form events store it: what an investigator types
/// finds every spelling of it.
pub fn normalize_email(email: &str) -> Option<String> {
    split_normalized(email).map(|(local, domain)| format!("{local}@{domain}"))
}

fn split_normalized(email: &str) -> Option<(String, String)> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.rsplit_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then(|| normalize(local, domain))
}

fn normalize(local: &str, domain: &str) -> (String, String) {
    let untagged = local.split('+').next().unwrap_or(local);
    match domain {
        "gmail.com" | "googlemail.com" => (untagged.replace('.', ""), "gmail.com".to_string()),
        _ => (untagged.to_string(), domain.to_string()),
    }
}

/// Whether a mailbox name looks machine-made: a long run of digits, a long stretch without
/// vowels, or letters and digits interleaved many times. Ordinary names with a year or a
/// short number ("john.smith82") stay clear of all three.
fn looks_random(local: &str) -> bool {
    let chars: Vec<char> = local.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if chars.len() < 8 {
        return false;
    }
    let longest_digit_run = chars.split(|c| !c.is_ascii_digit()).map(<[char]>::len).max().unwrap_or(0);
    let letters: Vec<char> = chars.iter().copied().filter(char::is_ascii_alphabetic).collect();
    let vowels = letters.iter().filter(|c| "aeiouy".contains(**c)).count();
    let switches = chars.windows(2).filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit()).count();
    longest_digit_run >= 6
        || (letters.len() >= 8 && vowels * 6 < letters.len())
        || (chars.len() >= 10 && switches >= 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived(email: &str) -> EmailDerived {
        let rep = Reputation { disposable_domains: ["yopmail.com".to_string()].into(), ..Default::default() };
        derive(Some(email), &rep)
    }

    #[test]
    fn normalizes_gmail_dots_tags_and_case() {
        assert_eq!(derived("J.Doe+promo@GoogleMail.com").normalized.as_deref(), Some("jdoe@gmail.com"));
        assert_eq!(derived("j.doe+x@example.com").normalized.as_deref(), Some("j.doe@example.com"));
        assert_eq!(derived("not-an-email").normalized, None);
        assert_eq!(derived("@example.com").normalized, None);
    }

    #[test]
    fn flags_disposable_domains() {
        assert!(derived("a@yopmail.com").disposable);
        assert!(!derived("a@example.com").disposable);
    }

    #[test]
    fn random_local_parts() {
        for ordinary in ["jane.doe", "john.smith82", "alexander.hamilton", "mary1990", "chris_w", "bob"] {
            assert!(!looks_random(ordinary), "{ordinary}");
        }
        for random in ["xk7qpz9w2m", "qwrtzpxklm", "user839201", "a1b2c3d4e5f6"] {
            assert!(looks_random(random), "{random}");
        }
    }
}
