use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::geo::Geo;
use crate::reputation::Reputation;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpSignals {
    /// Canonical text of the address (IPv4-mapped IPv6 shown as IPv4).
    pub address: Option<String>,
    pub version: Option<u8>,
    /// ISO 3166 code of the country the address is registered in.
    pub country: Option<String>,
    pub asn: Option<u32>,
    pub as_organization: Option<String>,
    pub tor_exit: bool,
    /// The network is a hosting, cloud or VPN provider on the high-risk list.
    pub high_risk_asn: bool,
    /// Whether the browser's time zone is used in the IP's country; unknown when either is.
    pub timezone_matches_country: Option<bool>,
}

pub(super) fn derive(
    ip: Option<&str>,
    timezone: Option<&str>,
    reputation: &Reputation,
    geo: &Geo,
) -> IpSignals {
    let Some(parsed) = ip.and_then(|ip| ip.trim().parse::<IpAddr>().ok()) else {
        return IpSignals::default();
    };
    let parsed = parsed.to_canonical();
    let country = geo.country.as_ref().and_then(|db| db.country(parsed));
    let network = geo.asn.as_ref().and_then(|db| db.lookup(parsed));
    let asn = network.as_ref().map(|n| n.number);
    let timezone_matches_country = match (timezone.and_then(|tz| geo.zones.countries(tz)), &country) {
        (Some(countries), Some(country)) => Some(countries.contains(country)),
        _ => None,
    };
    IpSignals {
        address: Some(parsed.to_string()),
        version: Some(if parsed.is_ipv4() { 4 } else { 6 }),
        high_risk_asn: asn.is_some_and(|asn| reputation.high_risk_asns.contains(&asn)),
        as_organization: network.and_then(|n| n.organization),
        asn,
        country,
        tor_exit: reputation.tor_exits.contains(&parsed),
        timezone_matches_country,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{AsnDb, AsnRanges, CountryDb, CountryRanges, ZoneCountries};

    fn geo() -> Geo {
        let mut ranges = AsnRanges::default();
        ranges.add_csv("198.51.100.0,198.51.100.255,14061,DigitalOcean LLC\n").unwrap();
        let mut countries = CountryRanges::default();
        countries.add_csv("81.0.0.0,81.255.255.255,FR\n198.51.100.0,198.51.100.255,US\n").unwrap();
        Geo {
            country: Some(CountryDb::Ranges(countries)),
            asn: Some(AsnDb::Ranges(ranges)),
            zones: ZoneCountries::parse("Europe/Paris\tFR,MC\n"),
            ..Geo::default()
        }
    }

    #[test]
    fn canonical_addresses_tor_exits_and_networks() {
        let rep = Reputation {
            tor_exits: ["198.51.100.4".parse().unwrap()].into(),
            high_risk_asns: [14061].into(),
            ..Default::default()
        };
        let s = derive(Some("::ffff:198.51.100.4"), None, &rep, &geo());
        assert_eq!(s.address.as_deref(), Some("198.51.100.4"));
        assert_eq!(s.version, Some(4));
        assert!(s.tor_exit && s.high_risk_asn);
        assert_eq!((s.asn, s.as_organization.as_deref()), (Some(14061), Some("DigitalOcean LLC")));
        let s = derive(Some("2001:DB8::1"), None, &rep, &geo());
        assert_eq!(
            (s.address.as_deref(), s.version, s.tor_exit, s.asn),
            (Some("2001:db8::1"), Some(6), false, None)
        );
        assert_eq!(derive(None, None, &rep, &geo()), IpSignals::default());
    }

    #[test]
    fn timezone_consistency_needs_both_sides() {
        let rep = Reputation::default();
        let tz = |ip, zone| derive(Some(ip), zone, &rep, &geo()).timezone_matches_country;
        assert_eq!(tz("81.2.3.4", Some("Europe/Paris")), Some(true));
        assert_eq!(tz("198.51.100.4", Some("Europe/Paris")), Some(false));
        assert_eq!(tz("198.51.100.4", Some("Mars/Olympus")), None);
        assert_eq!(tz("10.0.0.1", Some("Europe/Paris")), None);
        assert_eq!(tz("81.2.3.4", None), None);
        assert_eq!(derive(Some("81.2.3.4"), None, &rep, &geo()).country.as_deref(), Some("FR"));
    }
}
