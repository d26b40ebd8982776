//! The linkage query: one round trip that reads every count an event's rules compare with
//! limits. Each event type reads only its own columns, written once here as scalar
//! subqueries with `:name` placeholders and numbered for the drivers when first used.
//!
//! Every count stops at `:cap` rows (see `Limits::count_cap`), so the cost of a request does
//! not grow with the size of an attack on one device, address or number range.
//! `COALESCE(user_key, '')` (never NULL) keeps SQLite from walking the tenant's whole user
//! index to get DISTINCT for free instead of using the filter's index.

use std::collections::HashMap;
use std::sync::LazyLock;

use doorman_engine::input::EventType;
use doorman_engine::velocity::Counting;

/// A value the query is bound to, named in the SQL as `:name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param {
    Tenant,
    /// The tenant's number, as the events table names it.
    TenantNumber,
    Token,
    Fingerprint,
    Hardware,
    /// The id a new visitor gets when no key of the event is known.
    NewVisitor,
    User,
    Ip,
    Payload,
    Email,
    Cap,
    Since1h,
    Since24h,
    Since30d,
    PhoneRange,
    Referrer,
    Promo,
    Domain,
    ParentDomain,
    IpKey,
    Now,
    Asn,
    Country,
    EmailDomain,
}

impl Param {
    const ALL: [Param; 24] = [
        Param::Tenant,
        Param::TenantNumber,
        Param::Token,
        Param::Fingerprint,
        Param::Hardware,
        Param::NewVisitor,
        Param::User,
        Param::Ip,
        Param::Payload,
        Param::Email,
        Param::Cap,
        Param::Since1h,
        Param::Since24h,
        Param::Since30d,
        Param::PhoneRange,
        Param::Referrer,
        Param::Promo,
        Param::Domain,
        Param::ParentDomain,
        Param::IpKey,
        Param::Now,
        Param::Asn,
        Param::Country,
        Param::EmailDomain,
    ];

    fn placeholder(self) -> &'static str {
        match self {
            Param::Tenant => ":tenant",
            Param::TenantNumber => ":tenant_number",
            Param::Token => ":token",
            Param::Fingerprint => ":fingerprint",
            Param::Hardware => ":hardware",
            Param::NewVisitor => ":new_visitor",
            Param::User => ":user",
            Param::Ip => ":ip",
            Param::Payload => ":payload",
            Param::Email => ":email",
            Param::Cap => ":cap",
            Param::Since1h => ":since_1h",
            Param::Since24h => ":since_24h",
            Param::Since30d => ":since_30d",
            Param::PhoneRange => ":phone_range",
            Param::Referrer => ":referrer",
            Param::Promo => ":promo",
            Param::Domain => ":domain",
            Param::ParentDomain => ":parent_domain",
            Param::IpKey => ":ip_key",
            Param::Now => ":now",
            Param::Asn => ":asn",
            Param::Country => ":country",
            Param::EmailDomain => ":email_domain",
        }
    }
}

/// Distinct users other than this one among the events matching `$filter`.
macro_rules! other_users {
    ($filter:literal) => {
        concat!(
            "(SELECT COUNT(*) FROM (SELECT DISTINCT COALESCE(user_key, '') FROM events WHERE tenant_number = :tenant_number AND ",
            $filter,
            " AND user_key <> :user AND user_key <> '' LIMIT :cap) AS c)"
        )
    };
}

/// The tenant's list entries matching `$filter` that have not expired.
macro_rules! list_arm {
    ($filter:literal) => {
        concat!(
            "SELECT action, action || ' ' || kind || ' ' || value AS m FROM tenant_lists WHERE tenant_id = :tenant AND ",
            $filter,
            " AND (expires_at IS NULL OR expires_at > :now)"
        )
    };
}

/// The tenant's live snoozes matching `$filter`, as `RULE until` (a colon would read as a placeholder).
macro_rules! snooze_arm {
    ($filter:literal) => {
        concat!(
            "SELECT rule || ' ' || CAST(until AS TEXT) AS x FROM rule_snoozes WHERE tenant_id = :tenant AND ",
            $filter,
            " AND until > :now"
        )
    };
}

/// Events matching `$filter`, up to the cap.
macro_rules! events {
    ($filter:literal) => {
        concat!(
            "(SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE tenant_number = :tenant_number AND ",
            $filter,
            " LIMIT :cap) AS c)"
        )
    };
}

/// Columns every event type reads.
const COMMON: &[(&str, &str)] = &[
    (
        "other_users_on_device",
        "(SELECT COUNT(*) FROM (SELECT 1 FROM device_users WHERE tenant_id = :tenant AND visitor_id = :visitor \
         AND user_key <> :user LIMIT :cap) AS c)",
    ),
    ("payload_uses", "(SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE tenant_number = :tenant_number AND payload_id = :payload LIMIT 1) AS c)"),
    // The tenant's list entry for this event that has not expired, a block before an allow
    // ('block' > 'allow').
    (
        "list_match",
        concat!(
            "(SELECT m FROM (",
            list_arm!("kind = 'email' AND value = :email"),
            " UNION ALL ",
            list_arm!("kind = 'email_domain' AND value = :domain"),
            " UNION ALL ",
            list_arm!("kind = 'email_domain' AND value = :parent_domain"),
            " UNION ALL ",
            list_arm!("kind = 'visitor' AND value = :visitor"),
            " UNION ALL ",
            list_arm!("kind = 'ip' AND value = :ip"),
            " UNION ALL ",
            list_arm!("kind = 'cidr' AND range_start <= :ip_key AND range_end >= :ip_key"),
            " UNION ALL ",
            list_arm!("kind = 'asn' AND value = :asn"),
            " UNION ALL ",
            list_arm!("kind = 'country' AND value = :country"),
            ") AS l ORDER BY l.action DESC LIMIT 1)"
        ),
    ),
    // The rules snoozed for this event's user, device or address: `RULE until,…`.
    (
        "snoozed",
        concat!(
            "(SELECT string_agg(s.x, ',') FROM (",
            snooze_arm!("kind = 'user' AND value = :user"),
            " UNION ALL ",
            snooze_arm!("kind = 'visitor' AND value = :visitor"),
            " UNION ALL ",
            snooze_arm!("kind = 'ip' AND value = :ip"),
            ") AS s)"
        ),
    ),
];

const SIGNUP: &[(&str, &str)] = &[
    (
        "other_signup_users_on_device",
        other_users!("visitor_id = :visitor AND event_type = 'SIGNUP' AND created_at >= :since_30d"),
    ),
    (
        "other_signup_users_on_ip",
        other_users!("ip = :ip AND event_type = 'SIGNUP' AND created_at >= :since_30d"),
    ),
    ("signups_on_ip_1h", events!("ip = :ip AND event_type = 'SIGNUP' AND created_at >= :since_1h")),
    (
        "signups_on_device_1h",
        events!("visitor_id = :visitor AND event_type = 'SIGNUP' AND created_at >= :since_1h"),
    ),
    ("other_users_with_email", other_users!("email_normalized = :email AND event_type = 'SIGNUP'")),
];

const LOGIN: &[(&str, &str)] = &[
    (
        "other_devices_of_user",
        "(SELECT COUNT(*) FROM (SELECT 1 FROM device_users WHERE tenant_id = :tenant AND user_key = :user \
         AND visitor_id <> :visitor LIMIT :cap) AS c)",
    ),
    (
        "device_known_for_user",
        "(SELECT COUNT(*) FROM device_users WHERE tenant_id = :tenant AND visitor_id = :visitor AND user_key = :user)",
    ),
    (
        "other_login_users_on_device_1h",
        other_users!("visitor_id = :visitor AND event_type = 'LOGIN' AND created_at >= :since_1h"),
    ),
    ("other_login_users_on_ip_1h", other_users!("ip = :ip AND event_type = 'LOGIN' AND created_at >= :since_1h")),
    (
        "failed_logins_on_device_1h",
        events!("visitor_id = :visitor AND event_type = 'LOGIN' AND created_at >= :since_1h AND outcome = 'LOGIN_FAILED'"),
    ),
    (
        "failed_logins_on_ip_1h",
        events!("ip = :ip AND event_type = 'LOGIN' AND created_at >= :since_1h AND outcome = 'LOGIN_FAILED'"),
    ),
    (
        "previous_login_country",
        "(SELECT ip_country FROM events WHERE tenant_number = :tenant_number AND user_key = :user AND user_key <> '' \
         AND event_type = 'LOGIN' AND ip_country IS NOT NULL ORDER BY created_at DESC LIMIT 1)",
    ),
    (
        "previous_login_at",
        "(SELECT created_at FROM events WHERE tenant_number = :tenant_number AND user_key = :user AND user_key <> '' \
         AND event_type = 'LOGIN' AND ip_country IS NOT NULL ORDER BY created_at DESC LIMIT 1)",
    ),
];

const SMS_OTP: &[(&str, &str)] = &[
    (
        "sms_on_device_24h",
        events!("visitor_id = :visitor AND event_type = 'SMS_OTP' AND created_at >= :since_24h"),
    ),
    ("sms_on_range_1h", events!("phone_range = :phone_range AND created_at >= :since_1h")),
];

const TRIAL_START: &[(&str, &str)] =
    &[("other_trial_users_on_device", other_users!("visitor_id = :visitor AND event_type = 'TRIAL_START'"))];

const REFERRAL: &[(&str, &str)] = &[
    (
        "referrer_seen_on_device",
        "(SELECT COUNT(*) FROM device_users WHERE tenant_id = :tenant AND visitor_id = :visitor AND user_key = :referrer)",
    ),
    ("other_referrals_on_device", other_users!("visitor_id = :visitor AND event_type = 'REFERRAL'")),
];

const PROMO_REDEEM: &[(&str, &str)] = &[(
    "other_promo_users_on_device",
    other_users!("visitor_id = :visitor AND event_type = 'PROMO_REDEEM' AND promo_code = :promo"),
)];

const PASSWORD_RESET: &[(&str, &str)] = &[
    (
        "resets_on_device_1h",
        events!("visitor_id = :visitor AND event_type = 'PASSWORD_RESET' AND created_at >= :since_1h"),
    ),
    (
        "resets_for_user_1h",
        events!("user_key = :user AND user_key <> '' AND event_type = 'PASSWORD_RESET' AND created_at >= :since_1h"),
    ),
];

/// The newest events of the last day matching `filter`, up to the cap for each event type: the
/// visitor and address indexes order events by type before time, so each type is a range
/// read backwards from its newest entry, and an attack's thousands of events cost no more to
/// count than the cap.
fn newest_of_each_type(columns: &str, filter: &str) -> String {
    let arms = EventType::ALL.iter().enumerate().map(|(i, t)| {
        format!(
            "SELECT * FROM (SELECT {columns}, created_at FROM events WHERE tenant_number = :tenant_number AND {filter} \
             AND event_type = '{}' AND created_at >= :since_24h ORDER BY created_at DESC LIMIT :cap) AS t{i}",
            t.as_str()
        )
    });
    arms.collect::<Vec<_>>().join(" UNION ALL ")
}

/// What velocity counts, as rows joined into one text per subject (see `crate::velocity`):
/// the event's device (`time ip country length=user`), address and email domain (`time
/// visitor`). Counting distinct values per window in SQL took a temporary B-tree per count
/// and per window, twice the time of the rest of the query; Rust counts the few rows instead.
fn velocity_tables(by_address: bool, by_email_domain: bool) -> String {
    let visitor = format!(
        "velocity_visitor AS (SELECT string_agg(CAST(created_at AS TEXT) || ' ' || COALESCE(ip, '') || ' ' || \
         COALESCE(ip_country, '') || ' ' || CAST(length(user_key) AS TEXT) || '=' || user_key, ',') AS x FROM ({}) AS r)",
        newest_of_each_type("ip, ip_country, user_key", "visitor_id = :visitor"),
    );
    const NOTHING: &str = "(SELECT CAST(NULL AS TEXT) AS x)";
    let ip = match by_address {
        true => format!(
            "(SELECT string_agg(CAST(created_at AS TEXT) || ' ' || visitor_id, ',') AS x FROM ({}) AS r)",
            newest_of_each_type("visitor_id", "ip = :ip"),
        ),
        false => NOTHING.to_string(),
    };
    let domain = match by_email_domain {
        true => "(SELECT string_agg(CAST(created_at AS TEXT) || ' ' || visitor_id, ',') AS x \
            FROM (SELECT visitor_id, created_at FROM events WHERE tenant_number = :tenant_number AND email_domain = :email_domain \
            AND created_at >= :since_24h ORDER BY created_at DESC LIMIT :cap) AS r)",
        false => NOTHING,
    };
    format!("{visitor}, velocity_ip AS {ip}, velocity_domain AS {domain}")
}

/// The velocity columns, each a text of rows.
pub(crate) const VELOCITY_COLUMNS: [&str; 3] = ["velocity_visitor", "velocity_ip", "velocity_domain"];

fn columns(event_type: EventType) -> &'static [(&'static str, &'static str)] {
    match event_type {
        EventType::Signup => SIGNUP,
        EventType::Login => LOGIN,
        EventType::SmsOtp => SMS_OTP,
        EventType::TrialStart => TRIAL_START,
        EventType::Referral => REFERRAL,
        EventType::PromoRedeem => PROMO_REDEEM,
        EventType::PasswordReset => PASSWORD_RESET,
    }
}

/// The query of one event type, with `$n` placeholders, and what each one is bound to.
#[derive(Debug)]
pub(crate) struct LinkageQuery {
    pub sql: String,
    pub params: Vec<Param>,
    /// The names of the columns it reads, besides the key owners and velocity's.
    pub columns: Vec<&'static str>,
}

/// Numbers the `:name` placeholders of `sql` in order of first use. PostgreSQL refuses a
/// statement with a number it cannot type, so only the parameters used get one.
fn number_placeholders(sql: &str) -> LinkageQuery {
    let mut params: Vec<Param> = Vec::new();
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end =
            rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(rest.len(), |e| e + 1);
        let name = &rest[..end];
        let param = Param::ALL
            .into_iter()
            .find(|p| p.placeholder() == name)
            .unwrap_or_else(|| panic!("linkage SQL names an unknown parameter {name}"));
        let number = match params.iter().position(|p| *p == param) {
            Some(i) => i + 1,
            None => {
                params.push(param);
                params.len()
            }
        };
        out.push_str(&format!("${number}"));
        rest = &rest[end..];
    }
    out.push_str(rest);
    LinkageQuery { sql: out, params, columns: Vec::new() }
}

/// The visitor each of the event's device keys belongs to (one primary-key lookup per
/// kind), and the visitor the event resolves to: the most certain key's, else a new one.
/// Resolving within the linkage query saves a round trip to the database per event.
const VISITOR: &str = "WITH keys AS (SELECT \
    (SELECT visitor_id FROM visitor_keys WHERE tenant_id = :tenant AND kind = 'token' AND value = :token) AS t, \
    (SELECT visitor_id FROM visitor_keys WHERE tenant_id = :tenant AND kind = 'fingerprint' AND value = :fingerprint) AS f, \
    (SELECT visitor_id FROM visitor_keys WHERE tenant_id = :tenant AND kind = 'hardware' AND value = :hardware) AS h), \
    v AS (SELECT COALESCE(t, f, h, :new_visitor) AS id FROM keys)";

fn build(event_type: EventType, by_address: bool, by_email_domain: bool) -> LinkageQuery {
    let selected: Vec<String> =
        COMMON.iter().chain(columns(event_type)).map(|(name, sql)| format!("{sql} AS {name}")).collect();
    let sql = format!(
        "{VISITOR}, {} SELECT keys.t AS token_visitor, keys.f AS fingerprint_visitor, keys.h AS hardware_visitor, {}, \
         velocity_visitor.x AS velocity_visitor, velocity_ip.x AS velocity_ip, velocity_domain.x AS velocity_domain \
         FROM keys, velocity_visitor, velocity_ip, velocity_domain",
        velocity_tables(by_address, by_email_domain),
        selected.join(", ")
    );
    let mut query = number_placeholders(&sql.replace(":visitor", "(SELECT id FROM v)"));
    query.columns = COMMON.iter().chain(columns(event_type)).map(|(name, _)| *name).collect();
    query
}

/// What the linkage query gave, read from either backend.
#[derive(Debug, Default)]
pub(crate) struct LinkageRow {
    /// The visitor of the event's device token, fingerprint and hardware key.
    pub key_owners: [Option<String>; 3],
    pub previous_login_country: Option<String>,
    pub list_match: Option<String>,
    pub snoozed: Option<String>,
    /// The rows velocity counts, by subject (see [`VELOCITY_COLUMNS`]).
    pub velocity: [Option<String>; 3],
    /// Every other column, a count (or, for `previous_login_at`, a time).
    pub counts: HashMap<&'static str, i64>,
}

impl LinkageRow {
    /// Reads the columns of `query` from a row with `text` and `int`, which get a column by
    /// name.
    pub fn read<E>(
        query: &LinkageQuery,
        text: impl Fn(&str) -> Result<Option<String>, E>,
        int: impl Fn(&str) -> Result<Option<i64>, E>,
    ) -> Result<Self, E> {
        let mut row = LinkageRow::default();
        for (owner, column) in
            row.key_owners.iter_mut().zip(["token_visitor", "fingerprint_visitor", "hardware_visitor"])
        {
            *owner = text(column)?;
        }
        for (rows, column) in row.velocity.iter_mut().zip(VELOCITY_COLUMNS) {
            *rows = text(column)?;
        }
        for column in &query.columns {
            match *column {
                "previous_login_country" => row.previous_login_country = text(column)?,
                "list_match" => row.list_match = text(column)?,
                "snoozed" => row.snoozed = text(column)?,
                _ => {
                    row.counts.insert(column, int(column)?.unwrap_or(0));
                }
            }
        }
        Ok(row)
    }
}

/// Each event type's query with and without the counts by address and by email domain, in
/// that order.
static QUERIES: LazyLock<Vec<LinkageQuery>> = LazyLock::new(|| {
    let choices = [(false, false), (false, true), (true, false), (true, true)];
    EventType::ALL
        .into_iter()
        .flat_map(|t| choices.map(|(address, domain)| build(t, address, domain)))
        .collect()
});

/// The linkage query of an event type counting what `counting` asks for, built on first use.
pub(crate) fn query(event_type: EventType, counting: &Counting) -> &'static LinkageQuery {
    let index = EventType::ALL.iter().position(|t| *t == event_type).unwrap_or(0);
    &QUERIES[index * 4 + usize::from(counting.by_address) * 2 + usize::from(counting.by_email_domain)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_by_first_use() {
        let q = number_placeholders("SELECT a = :tenant AND b = :user AND c = :tenant AND d >= :since_1h");
        assert_eq!(q.sql, "SELECT a = $1 AND b = $2 AND c = $1 AND d >= $3");
        assert_eq!(q.params, vec![Param::Tenant, Param::User, Param::Since1h]);
    }

    #[test]
    fn every_event_type_reads_the_common_columns_and_its_own() {
        for t in EventType::ALL {
            let q = query(t, &Counting::everything(20));
            assert!(q.sql.contains("AS other_users_on_device"), "{t:?}");
            assert!(q.sql.contains("AS payload_uses"), "{t:?}");
            assert!(!q.sql.contains(':'), "{}", q.sql);
            assert!(q.sql.starts_with("WITH keys AS"), "{}", q.sql);
            assert_eq!(q.params[0], Param::Tenant);
        }
        let all = Counting::everything(20);
        assert!(query(EventType::Login, &all).sql.contains("AS previous_login_at"));
        assert!(!query(EventType::Signup, &all).sql.contains("previous_login"));
        assert!(query(EventType::SmsOtp, &all).sql.contains("email_domain = $"));
        let visitor_only = Counting { by_address: false, by_email_domain: false, ..all };
        assert!(!query(EventType::SmsOtp, &visitor_only).sql.contains("email_domain = $"));
        assert!(!query(EventType::SmsOtp, &visitor_only).sql.contains("ip = $"));
    }
}
