//! Loads the IP and time-zone databases named in the configuration. A missing file leaves
//! its lookups empty with a warning, so Doorman runs without them; a file that is present
//! but unreadable stops the start, so a broken download is noticed.

use std::path::Path;

use doorman_engine::geo::{
    mmdb, AsnDb, AsnRanges, CountryDb, CountryPlaces, CountryRanges, Geo, ZoneCountries,
};

use crate::config::ServeConfig;

type LoadResult<T> = Result<T, Box<dyn std::error::Error>>;

fn is_mmdb(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "mmdb")
}

fn present(path: &Path, what: &str) -> bool {
    let found = path.exists();
    if !found {
        tracing::warn!(path = %path.display(), "no {what} database; its signals stay unknown");
    }
    found
}

fn read(path: &Path) -> LoadResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

fn read_text(path: &Path) -> LoadResult<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

fn country(path: &Path) -> LoadResult<Option<CountryDb>> {
    if !present(path, "IP country") {
        return Ok(None);
    }
    let db = if is_mmdb(path) {
        CountryDb::Mmdb(mmdb(read(path)?)?)
    } else {
        let mut ranges = CountryRanges::default();
        ranges.add_csv(&read_text(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        CountryDb::Ranges(ranges)
    };
    Ok(Some(db))
}

fn asn(paths: &[std::path::PathBuf]) -> LoadResult<Option<AsnDb>> {
    let paths: Vec<_> = paths.iter().filter(|p| present(p, "IP network (ASN)")).collect();
    match paths.as_slice() {
        [] => Ok(None),
        [single] if is_mmdb(single) => Ok(Some(AsnDb::Mmdb(mmdb(read(single)?)?))),
        csv_files => {
            let mut ranges = AsnRanges::default();
            for path in csv_files {
                ranges.add_csv(&read_text(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            tracing::info!(ranges = ranges.len(), "loaded IP network ranges");
            Ok(Some(AsnDb::Ranges(ranges)))
        }
    }
}

/// A bundled table of the data directory, parsed; empty when the file is missing.
fn table<T: Default>(config: &ServeConfig, file: &str, what: &str, parse: fn(&str) -> T) -> LoadResult<T> {
    let path = config.data_dir.join(file);
    Ok(if present(&path, what) { parse(&read_text(&path)?) } else { T::default() })
}

pub fn load(config: &ServeConfig) -> LoadResult<Geo> {
    Ok(Geo {
        country: country(&config.country_db)?,
        asn: asn(&config.asn_db)?,
        zones: table(config, "zone-countries.tsv", "time zone", ZoneCountries::parse)?,
        places: table(config, "country-places.tsv", "country places", CountryPlaces::parse)?,
    })
}
