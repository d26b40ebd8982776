//! A tenant's own allow and block lists: emails, email domains, devices, IPs, CIDR ranges,
//! networks (AS numbers) and countries its team decided about, each for good or until a
//! time. A listed event gets the list's decision whatever it
//! scores; a block entry wins over an allow entry, so that allowing a tester's email never
//! lets a blocked network through.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::derive::normalize_email;
use crate::score::{Assessment, Decision, RiskBand};
use crate::EngineError;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListAction {
    Allow,
    Block,
}

impl ListAction {
    pub const ALL: [ListAction; 2] = [ListAction::Allow, ListAction::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            ListAction::Allow => "allow",
            ListAction::Block => "block",
        }
    }

    pub fn parse(name: &str) -> Result<Self, EngineError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == name.trim())
            .ok_or_else(|| EngineError::invalid("action", format!("{name:?} is neither allow nor block")))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Email,
    EmailDomain,
    Visitor,
    Ip,
    Cidr,
    Asn,
    Country,
}

impl ListKind {
    pub const ALL: [ListKind; 7] = [
        ListKind::Email,
        ListKind::EmailDomain,
        ListKind::Visitor,
        ListKind::Ip,
        ListKind::Cidr,
        ListKind::Asn,
        ListKind::Country,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Email => "email",
            ListKind::EmailDomain => "email_domain",
            ListKind::Visitor => "visitor",
            ListKind::Ip => "ip",
            ListKind::Cidr => "cidr",
            ListKind::Asn => "asn",
            ListKind::Country => "country",
        }
    }

    pub fn parse(name: &str) -> Result<Self, EngineError> {
        Self::ALL.into_iter().find(|k| k.as_str() == name.trim()).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
            EngineError::invalid("kind", format!("{name:?} is not one of {}", names.join(", ")))
        })
    }
}

/// An entry in its stored form: the canonical value, and for IPs and ranges the first and
/// last address as [`ip_key`]s, which compare as text in address order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub kind: ListKind,
    pub value: String,
    pub range: Option<(String, String)>,
}

/// An address as 32 hex digits of its IPv6 form (IPv4 mapped), so that a range lookup is a
/// text comparison every database indexes.
pub fn ip_key(ip: IpAddr) -> String {
    format!("{:032x}", ip_value(ip))
}

fn ip_value(ip: IpAddr) -> u128 {
    match ip.to_canonical() {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The longest value an entry may have.
const MAX_VALUE: usize = 254;

/// Reads what an admin typed as an entry of `kind`.
pub fn parse_entry(kind: ListKind, raw: &str) -> Result<ListEntry, EngineError> {
    let raw = raw.trim();
    let bad = |why: &str| EngineError::invalid("value", format!("{raw:?} {why}"));
    if raw.is_empty() || raw.chars().count() > MAX_VALUE {
        return Err(bad(&format!("must have 1 to {MAX_VALUE} characters")));
    }
    let (value, range) = match kind {
        ListKind::Email => {
            let email = normalize_email(raw).filter(|e| !e.contains(char::is_whitespace));
            (email.ok_or_else(|| bad("is not an email address"))?, None)
        }
        ListKind::EmailDomain => {
            let domain = raw.trim_start_matches('@').trim_end_matches('.').to_lowercase();
            let ok = domain.contains('.')
                && !domain.starts_with('.')
                && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
            (ok.then_some(domain).ok_or_else(|| bad("is not a domain"))?, None)
        }
        ListKind::Visitor => {
            let ok = raw.starts_with("vis_") && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (ok.then(|| raw.to_string()).ok_or_else(|| bad("is not a visitor id (vis_…)"))?, None)
        }
        ListKind::Ip => {
            let ip = raw.parse::<IpAddr>().map_err(|_| bad("is not an IP address"))?.to_canonical();
            (ip.to_string(), Some((ip_key(ip), ip_key(ip))))
        }
        ListKind::Cidr => {
            let (address, bits) =
                raw.split_once('/').ok_or_else(|| bad("is not a CIDR range (a.b.c.d/n)"))?;
            let ip = address.parse::<IpAddr>().map_err(|_| bad("does not start with an IP address"))?;
            let bits: u32 = bits.parse().map_err(|_| bad("has no prefix length after /"))?;
            let (first, last, canonical) =
                cidr_bounds(ip, bits).ok_or_else(|| bad("has a prefix length too long"))?;
            (canonical, Some((first, last)))
        }
        ListKind::Asn => {
            let digits = raw.strip_prefix("AS").or_else(|| raw.strip_prefix("as")).unwrap_or(raw);
            let asn = digits.parse::<u32>().ok().filter(|n| *n > 0);
            (asn.ok_or_else(|| bad("is not an AS number (AS13335 or 13335)"))?.to_string(), None)
        }
        ListKind::Country => {
            let ok = raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic());
            (
                ok.then(|| raw.to_ascii_uppercase())
                    .ok_or_else(|| bad("is not a two-letter country code"))?,
                None,
            )
        }
    };
    Ok(ListEntry { kind, value, range })
}

/// First and last address of a range as keys, and the range written with its network
/// address (`10.1.2.3/8` is `10.0.0.0/8`).
fn cidr_bounds(ip: IpAddr, bits: u32) -> Option<(String, String, String)> {
    let ip = ip.to_canonical();
    let width: u32 = if ip.is_ipv4() { 32 } else { 128 };
    let host_bits = width.checked_sub(bits)?;
    let mask = if host_bits == 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
    let key = ip_value(ip);
    let (first, last) = (key & !mask, key | mask);
    let network = match ip {
        // The mapped form keeps the IPv4 address in its low 32 bits.
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from((first & 0xffff_ffff) as u32)),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(first)),
    };
    Some((format!("{first:032x}"), format!("{last:032x}"), format!("{network}/{bits}")))
}

/// The domains an email's domain is listed under: itself, and its parent for a subdomain.
pub fn domain_candidates(domain: &str) -> (String, Option<String>) {
    let parent = domain.split_once('.').map(|(_, p)| p).filter(|p| p.contains('.')).map(str::to_string);
    (domain.to_string(), parent)
}

/// The entry an event matched.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMatch {
    pub action: ListAction,
    pub kind: ListKind,
    pub value: String,
}

impl Assessment {
    /// Gives the event the matched list's decision. The score and checks stay as scored, so
    /// the team sees what the list overrode.
    pub fn apply_list(&mut self, list: ListMatch) {
        (self.risk_band, self.decision) = match list.action {
            ListAction::Allow => (RiskBand::Allow, Decision::Allow),
            ListAction::Block => (RiskBand::Block, Decision::Block),
        };
        self.list_match = Some(list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(kind: ListKind, raw: &str) -> String {
        parse_entry(kind, raw).map(|e| e.value).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn entries_are_read_in_their_canonical_form() {
        assert_eq!(value(ListKind::Email, " Jane.Doe+promo@GMail.com "), "janedoe@gmail.com");
        assert_eq!(value(ListKind::EmailDomain, "@Evil.Example."), "evil.example");
        assert_eq!(value(ListKind::Visitor, "vis_0190abc"), "vis_0190abc");
        assert_eq!(value(ListKind::Ip, "::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(value(ListKind::Cidr, "10.1.2.3/8"), "10.0.0.0/8");
        assert_eq!(value(ListKind::Cidr, "2001:db8::1/32"), "2001:db8::/32");
        assert_eq!(value(ListKind::Asn, "AS14061"), "14061");
        assert_eq!(value(ListKind::Asn, "14061"), "14061");
        assert_eq!(value(ListKind::Country, " fr "), "FR");
        for (kind, bad) in [
            (ListKind::Email, "nobody"),
            (ListKind::EmailDomain, "localhost"),
            (ListKind::Visitor, "evt_1"),
            (ListKind::Ip, "10.0.0.256"),
            (ListKind::Cidr, "10.0.0.0/33"),
            (ListKind::Asn, "AS0"),
            (ListKind::Asn, "ASX"),
            (ListKind::Country, "FRA"),
            (ListKind::Cidr, "10.0.0.0"),
            (ListKind::Email, ""),
        ] {
            assert!(parse_entry(kind, bad).is_err(), "{kind:?} {bad}");
        }
    }

    #[test]
    fn ranges_hold_their_addresses_in_key_order() {
        let entry = parse_entry(ListKind::Cidr, "198.51.100.0/24").unwrap();
        let (first, last) = entry.range.unwrap();
        let inside = ip_key("198.51.100.77".parse().unwrap());
        let outside = ip_key("198.51.101.0".parse().unwrap());
        assert!(first <= inside && inside <= last);
        assert!(!(first <= outside && outside <= last));
        let all = parse_entry(ListKind::Cidr, "::/0").unwrap().range.unwrap();
        assert_eq!(all, ("0".repeat(32), "f".repeat(32)));
        let ip = parse_entry(ListKind::Ip, "2001:db8::1").unwrap().range.unwrap();
        assert_eq!(ip.0, ip.1);
    }

    #[test]
    fn subdomains_are_listed_under_their_parent() {
        assert_eq!(
            domain_candidates("eu.evil.example"),
            ("eu.evil.example".into(), Some("evil.example".into()))
        );
        assert_eq!(domain_candidates("evil.example"), ("evil.example".into(), None));
    }

    #[test]
    fn names_are_the_stored_names() {
        for kind in ListKind::ALL {
            assert_eq!(ListKind::parse(kind.as_str()).unwrap(), kind);
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for action in ListAction::ALL {
            assert_eq!(ListAction::parse(action.as_str()).unwrap(), action);
        }
        assert!(ListKind::parse("phone").is_err());
    }
}
