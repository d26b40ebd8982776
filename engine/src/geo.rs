//! Where an IP is and which network it belongs to, and where a time zone is used: lookups
//! over databases the server reads from disk and hands over as bytes and text, so the
//! engine itself stays free of IO.

use std::collections::HashMap;
use std::net::IpAddr;

use maxminddb::Reader;
use serde::Deserialize;

use crate::EngineError;

/// Sorted, non-overlapping address ranges, each with a value.
struct RangeTable<V> {
    v4: Vec<(u32, u32, V)>,
    v6: Vec<(u128, u128, V)>,
}

impl<V> Default for RangeTable<V> {
    fn default() -> Self {
        Self { v4: Vec::new(), v6: Vec::new() }
    }
}

impl<V> RangeTable<V> {
    /// Adds a range given as two addresses of one family; `false` if they are not.
    fn add(&mut self, first: &str, last: &str, value: V) -> bool {
        match (first.trim().parse::<IpAddr>(), last.trim().parse::<IpAddr>()) {
            (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(b))) => self.v4.push((a.into(), b.into(), value)),
            (Ok(IpAddr::V6(a)), Ok(IpAddr::V6(b))) => self.v6.push((a.into(), b.into(), value)),
            _ => return false,
        }
        true
    }

    fn sort(&mut self) {
        self.v4.sort_unstable_by_key(|r| r.0);
        self.v6.sort_unstable_by_key(|r| r.0);
    }

    fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    fn get(&self, ip: IpAddr) -> Option<&V> {
        fn find<T: Ord + Copy, V>(ranges: &[(T, T, V)], ip: T) -> Option<&V> {
            let i = ranges.partition_point(|r| r.0 <= ip).checked_sub(1)?;
            let (_, last, value) = &ranges[i];
            (ip <= *last).then_some(value)
        }
        match ip.to_canonical() {
            IpAddr::V4(v4) => find(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => find(&self.v6, u128::from(v6)),
        }
    }
}

fn csv_error(n: usize, line: &str) -> EngineError {
    EngineError::invalid("ip database", format!("line {}: {line:?}", n + 1))
}

/// A CSV field without its surrounding quotes and with doubled quotes made single.
fn unquote(field: &str) -> String {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_string(),
    }
}

fn csv_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty())
}

/// Country of an IP: any MaxMind-format country database (ip-location-db's `country_code`
/// records, or GeoLite2/DB-IP `country.iso_code` ones), or `first,last,CC` CSV ranges.
pub enum CountryDb {
    Mmdb(Reader<Vec<u8>>),
    Ranges(CountryRanges),
}

#[derive(Default)]
pub struct CountryRanges(RangeTable<String>);

impl CountryRanges {
    pub fn add_csv(&mut self, text: &str) -> Result<(), EngineError> {
        for (n, line) in csv_lines(text) {
            let mut fields = line.split(',');
            let (Some(first), Some(last), Some(cc)) = (fields.next(), fields.next(), fields.next()) else {
                return Err(csv_error(n, line));
            };
            let cc = cc.trim().to_ascii_uppercase();
            if cc.len() != 2 || !self.0.add(first, last, cc) {
                return Err(csv_error(n, line));
            }
        }
        self.0.sort();
        Ok(())
    }
}

#[derive(Deserialize)]
struct CountryRecord<'a> {
    country_code: Option<&'a str>,
    #[serde(borrow)]
    country: Option<IsoCode<'a>>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    iso_code: Option<&'a str>,
}

/// Opens a MaxMind-format database held in memory.
pub fn mmdb(bytes: Vec<u8>) -> Result<Reader<Vec<u8>>, EngineError> {
    Reader::from_source(bytes).map_err(|e| EngineError::invalid("ip database", e.to_string()))
}

impl CountryDb {
    pub fn country(&self, ip: IpAddr) -> Option<String> {
        match self {
            CountryDb::Mmdb(reader) => {
                let record: CountryRecord = reader.lookup(ip).ok()?.decode().ok()??;
                record.country_code.or(record.country.and_then(|c| c.iso_code)).map(str::to_ascii_uppercase)
            }
            CountryDb::Ranges(ranges) => ranges.0.get(ip).cloned(),
        }
    }
}

/// Autonomous system of an IP: a GeoLite2-ASN-format database, or ranges from CSV files.
pub enum AsnDb {
    Mmdb(Reader<Vec<u8>>),
    Ranges(AsnRanges),
}

#[derive(Deserialize)]
struct AsnRecord<'a> {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AsInfo {
    pub number: u32,
    pub organization: Option<String>,
}

impl AsnDb {
    pub fn lookup(&self, ip: IpAddr) -> Option<AsInfo> {
        match self {
            AsnDb::Mmdb(reader) => {
                let record: AsnRecord = reader.lookup(ip).ok()?.decode().ok()??;
                Some(AsInfo {
                    number: record.autonomous_system_number?,
                    organization: record.autonomous_system_organization.map(str::to_string),
                })
            }
            AsnDb::Ranges(ranges) => ranges.lookup(ip),
        }
    }
}

/// Address ranges with their AS, as ip-location-db's `asn` CSV files list them
/// (`first,last,asn,organisation`). Organisation names are stored once each.
#[derive(Default)]
pub struct AsnRanges {
    table: RangeTable<(u32, u32)>,
    organizations: Vec<String>,
    organization_ids: HashMap<String, u32>,
}

impl AsnRanges {
    /// Adds the rows of one CSV file; a line that is not `ip,ip,number,name` is an error
    /// naming its line number.
    pub fn add_csv(&mut self, text: &str) -> Result<(), EngineError> {
        for (n, line) in csv_lines(text) {
            let mut fields = line.splitn(4, ',');
            let (Some(first), Some(last), Some(asn)) = (fields.next(), fields.next(), fields.next()) else {
                return Err(csv_error(n, line));
            };
            let asn: u32 = asn.trim().parse().map_err(|_| csv_error(n, line))?;
            let org = unquote(fields.next().unwrap_or("").trim());
            let org_id = match self.organization_ids.get(&org) {
                Some(id) => *id,
                None => {
                    let id = u32::try_from(self.organizations.len()).map_err(|_| csv_error(n, line))?;
                    self.organization_ids.insert(org.clone(), id);
                    self.organizations.push(org);
                    id
                }
            };
            if !self.table.add(first, last, (asn, org_id)) {
                return Err(csv_error(n, line));
            }
        }
        self.table.sort();
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lookup(&self, ip: IpAddr) -> Option<AsInfo> {
        let &(number, org) = self.table.get(ip)?;
        let organization = self.organizations.get(org as usize).filter(|o| !o.is_empty()).cloned();
        Some(AsInfo { number, organization })
    }
}

/// Countries in which each IANA time zone is used (see `data/zone-countries.tsv`).
#[derive(Default)]
pub struct ZoneCountries(HashMap<String, Vec<String>>);

impl ZoneCountries {
    /// Reads `zone<TAB>CC,CC` lines; `#` lines are comments.
    pub fn parse(text: &str) -> Self {
        Self(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('\t'))
                .map(|(zone, ccs)| (zone.to_string(), ccs.split(',').map(|c| c.trim().to_string()).collect()))
                .collect(),
        )
    }

    pub fn countries(&self, zone: &str) -> Option<&[String]> {
        self.0.get(zone).map(Vec::as_slice)
    }
}

/// Where each country's time-zone cities are (see `data/country-places.tsv`): a coarse map
/// that is enough to tell a login in Paris from one in New York an hour later.
#[derive(Default)]
pub struct CountryPlaces(HashMap<String, Vec<(f64, f64)>>);

const EARTH_RADIUS_KM: f64 = 6371.0;

fn great_circle_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

impl CountryPlaces {
    /// Reads `CC<TAB>lat,lon;lat,lon` lines; `#` lines and unreadable points are skipped.
    pub fn parse(text: &str) -> Self {
        let point = |p: &str| {
            let (lat, lon) = p.split_once(',')?;
            Some((lat.trim().parse().ok()?, lon.trim().parse().ok()?))
        };
        Self(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('\t'))
                .map(|(cc, points)| (cc.trim().to_string(), points.split(';').filter_map(point).collect()))
                .collect(),
        )
    }

    /// The shortest distance between a city of one country and a city of the other: 0 within
    /// one country, unknown when either country is not on the map.
    pub fn min_distance_km(&self, a: &str, b: &str) -> Option<f64> {
        if a == b {
            return Some(0.0);
        }
        let (a, b) = (self.0.get(a)?, self.0.get(b)?);
        a.iter().flat_map(|p| b.iter().map(move |q| great_circle_km(*p, *q))).reduce(f64::min)
    }
}

/// Everything the IP and time-zone derivations look up; empty parts find nothing.
#[derive(Default)]
pub struct Geo {
    pub country: Option<CountryDb>,
    pub asn: Option<AsnDb>,
    pub zones: ZoneCountries,
    pub places: CountryPlaces,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n\
                       2.56.0.0,2.56.3.255,14061,DigitalOcean LLC\n\
                       2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64500,\"Example \"\"Six\"\"\"\n";

    #[test]
    fn ranges_find_the_as_of_an_address() {
        let mut ranges = AsnRanges::default();
        ranges.add_csv(CSV).unwrap();
        let db = AsnDb::Ranges(ranges);
        let at = |ip: &str| db.lookup(ip.parse().unwrap());
        assert_eq!(
            at("1.0.0.7"),
            Some(AsInfo { number: 13335, organization: Some("Cloudflare, Inc.".into()) })
        );
        assert_eq!(at("2.56.3.255").unwrap().number, 14061);
        assert_eq!(at("::ffff:2.56.0.1").unwrap().number, 14061);
        assert_eq!(at("2.56.4.0"), None);
        assert_eq!(at("0.255.255.255"), None);
        assert_eq!(at("2001:db8::42").unwrap().organization.as_deref(), Some("Example \"Six\""));
    }

    #[test]
    fn bad_csv_lines_are_named() {
        let err = AsnRanges::default().add_csv("1.0.0.0,1.0.0.255,13335,x\nnonsense\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn zones_map_to_countries() {
        let zones = ZoneCountries::parse("# comment\nEurope/Paris\tFR,MC\nAsia/Calcutta\tIN\n");
        assert_eq!(zones.countries("Europe/Paris"), Some(&["FR".to_string(), "MC".to_string()][..]));
        assert_eq!(zones.countries("Mars/Olympus"), None);
    }

    #[test]
    fn distances_between_countries_use_their_closest_cities() {
        let places = CountryPlaces::parse(
            "# comment\nFR\t48.87,2.33\nBE\t50.83,4.33\nUS\t40.71,-74.01;34.05,-118.24\nXX\tnonsense\n",
        );
        let km = |a, b| places.min_distance_km(a, b).map(|d| d.round() as i64);
        assert_eq!(km("FR", "FR"), Some(0));
        // Paris to Brussels is about 260 km, Paris to New York about 5,840 km.
        assert!((250..270).contains(&km("FR", "BE").unwrap()), "{:?}", km("FR", "BE"));
        assert!((5800..5880).contains(&km("US", "FR").unwrap()), "{:?}", km("US", "FR"));
        assert_eq!(km("FR", "XX"), None);
        assert_eq!(km("FR", "ZZ"), None);
    }

    #[test]
    fn countries_from_ranges_and_invalid_databases() {
        let mut ranges = CountryRanges::default();
        ranges.add_csv("81.0.0.0,81.255.255.255,fr\n").unwrap();
        let db = CountryDb::Ranges(ranges);
        assert_eq!(db.country("81.2.3.4".parse().unwrap()).as_deref(), Some("FR"));
        assert_eq!(db.country("82.2.3.4".parse().unwrap()), None);
        assert!(CountryRanges::default().add_csv("81.0.0.0,81.255.255.255,France\n").is_err());
        assert!(mmdb(b"not an mmdb".to_vec()).is_err());
    }
}
