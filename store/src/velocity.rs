//! Velocity's counts from the rows the linkage query gives (see `linkage::velocity_tables`):
//! per window, the distinct values other than this event's own, then this event itself.

use doorman_engine::velocity::{Counting, Velocity, Windows};

const MINUTE_MS: i64 = 60 * 1000;
/// Where each window starts, before the event's time: 5 minutes, an hour, a day.
const WINDOW_MS: [i64; 3] = [5 * MINUTE_MS, 60 * MINUTE_MS, 24 * 60 * MINUTE_MS];

/// One stored event of the device: its time, address, country and user (each empty when
/// unknown).
struct DeviceRow<'a> {
    at: i64,
    ip: &'a str,
    country: &'a str,
    user: &'a str,
}

/// `time ip country length=user` rows joined by commas; the user may hold any character, so
/// its length in characters says where it ends. A row that does not read is left out.
fn device_rows(text: &str) -> Vec<DeviceRow<'_>> {
    let mut rows = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(row) = device_row(rest) else { break };
        rows.push(row.0);
        rest = row.1.strip_prefix(',').unwrap_or("");
    }
    rows
}

fn device_row(text: &str) -> Option<(DeviceRow<'_>, &str)> {
    let mut fields = text.splitn(4, ' ');
    let at = fields.next()?.parse().ok()?;
    let ip = fields.next()?;
    let country = fields.next()?;
    let (length, user_and_rest) = fields.next()?.split_once('=')?;
    let length: usize = length.parse().ok()?;
    let end = user_and_rest.char_indices().nth(length).map_or(user_and_rest.len(), |(i, _)| i);
    Some((DeviceRow { at, ip, country, user: &user_and_rest[..end] }, &user_and_rest[end..]))
}

/// `time visitor` rows joined by commas (visitor ids hold neither).
fn visitor_rows(text: &str) -> Vec<(i64, &str)> {
    text.split(',')
        .filter_map(|row| row.split_once(' '))
        .filter_map(|(at, visitor)| Some((at.parse().ok()?, visitor)))
        .collect()
}

/// Per window: the distinct non-empty values other than `own` among `rows` (time, value), plus
/// this event when `own` is a value.
fn distinct<'a>(rows: impl Iterator<Item = (i64, &'a str)> + Clone, own: &str, now: i64) -> Windows {
    let others = WINDOW_MS.map(|length| {
        let mut seen: Vec<&str> = rows
            .clone()
            .filter(|(at, v)| *at >= now - length && !v.is_empty() && *v != own)
            .map(|r| r.1)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        u32::try_from(seen.len()).unwrap_or(u32::MAX)
    });
    Windows::including(!own.is_empty(), others)
}

/// What the event is, as velocity compares it with the stored rows.
pub(crate) struct ThisEvent<'a> {
    pub ip: Option<&'a str>,
    pub country: Option<&'a str>,
    /// Empty when the event names no user.
    pub user: &'a str,
    pub visitor: &'a str,
    pub email_domain: Option<&'a str>,
    /// Which counts the query read.
    pub counting: &'a Counting,
}

/// The velocity counts from the linkage query's three texts of rows (device, address, domain).
pub(crate) fn count(rows: &[Option<String>; 3], this: &ThisEvent, now: i64) -> Velocity {
    let [device, ip, domain] = rows.each_ref().map(|text| text.as_deref().unwrap_or(""));
    let device = device_rows(device);
    let by_ip = visitor_rows(ip);
    let by_domain = visitor_rows(domain);
    let by_address = this.ip.filter(|_| this.counting.by_address);
    let events = WINDOW_MS.map(|length| by_ip.iter().filter(|(at, _)| *at >= now - length).count());
    Velocity {
        ips_per_visitor: distinct(device.iter().map(|r| (r.at, r.ip)), this.ip.unwrap_or(""), now),
        countries_per_visitor: distinct(
            device.iter().map(|r| (r.at, r.country)),
            this.country.unwrap_or(""),
            now,
        ),
        users_per_visitor: distinct(device.iter().map(|r| (r.at, r.user)), this.user, now),
        visitors_per_ip: by_address.map(|_| distinct(by_ip.iter().copied(), this.visitor, now)),
        visitors_per_email_domain: this
            .email_domain
            .filter(|_| this.counting.by_email_domain)
            .map(|_| distinct(by_domain.iter().copied(), this.visitor, now)),
        events_per_ip: by_address
            .map(|_| Windows::including(true, events.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const ALL: Counting = Counting { cap: 20, by_address: true, by_email_domain: true };

    #[test]
    fn users_with_any_character_are_read_whole() {
        let text =
            format!("{} 10.0.0.1 FR 6=a,b c=,{} ::1  0=,{} 10.0.0.2 DE 2=é,", NOW - 1, NOW - 2, NOW - 3);
        let read: Vec<(&str, &str, &str)> =
            device_rows(&text).iter().map(|r| (r.ip, r.country, r.user)).collect();
        assert_eq!(read, [("10.0.0.1", "FR", "a,b c="), ("::1", "", ""), ("10.0.0.2", "DE", "é,")]);
        assert!(device_rows("junk").is_empty());
        assert_eq!(visitor_rows("junk,12 vis_a").len(), 1);
    }

    #[test]
    fn each_window_counts_from_its_start_and_the_event_itself() {
        let device = Some(format!(
            "{} 10.0.0.1 FR 1=a,{} 10.0.0.2 FR 1=b,{} 10.0.0.3 DE 1=a",
            NOW - 5 * MINUTE_MS,
            NOW - 5 * MINUTE_MS - 1,
            NOW - 24 * 60 * MINUTE_MS
        ));
        let ip = Some(format!("{} vis_me,{} vis_b,{} vis_b", NOW, NOW - 1, NOW - 60 * MINUTE_MS - 1));
        let this = ThisEvent {
            ip: Some("10.0.0.1"),
            country: Some("FR"),
            user: "c",
            visitor: "vis_me",
            email_domain: None,
            counting: &ALL,
        };
        let v = count(&[device, ip, None], &this, NOW);
        let w = |five_minutes, hour, day| Windows { five_minutes, hour, day };
        assert_eq!(v.ips_per_visitor, w(1, 2, 3), "its own address is counted once");
        assert_eq!(v.countries_per_visitor, w(1, 1, 2));
        assert_eq!(v.users_per_visitor, w(2, 3, 3));
        assert_eq!(v.visitors_per_ip, Some(w(2, 2, 2)));
        assert_eq!(v.events_per_ip, Some(w(3, 3, 4)));
        assert_eq!(v.visitors_per_email_domain, None);
        let nobody = ThisEvent {
            ip: None,
            country: None,
            user: "",
            visitor: "vis_me",
            email_domain: None,
            counting: &ALL,
        };
        let v = count(&[None, None, None], &nobody, NOW);
        assert_eq!((v.ips_per_visitor, v.users_per_visitor, v.events_per_ip), (w(0, 0, 0), w(0, 0, 0), None));
    }
}
