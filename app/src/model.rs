//! What the dashboard's server functions send to the browser. Built from the store's rows on
//! the server; never carries secrets or password hashes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleView {
    SuperAdmin,
    ClientAdmin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminView {
    pub email: String,
    pub role: RoleView,
    /// The client admin's tenant, as `slug`.
    pub tenant_slug: Option<String>,
    pub tenant_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantRow {
    pub slug: String,
    pub name: String,
    pub status: String,
    pub created_at: i64,
}

/// A client admin account as the super admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminAccountRow {
    pub id: String,
    pub email: String,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: i64,
    pub actor: String,
    pub tenant_slug: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub tenant_slug: String,
    pub event_type: String,
    pub created_at: i64,
    pub email: Option<String>,
    pub external_user_id: Option<String>,
    pub ip: Option<String>,
    pub visitor_id: String,
    pub risk_score: i32,
    pub risk_band: String,
    pub decision: String,
    pub triggered_rules: Vec<String>,
}

/// An API key as the dashboard lists it: never the secret, only its first characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// When it stopped working, or stops: the end of a rotation's grace period.
    pub revoked_at: Option<i64>,
    /// Whether it works now.
    pub live: bool,
}

/// A key just created: the only time its secret leaves the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub name: String,
    pub secret: String,
}

/// `YYYY-MM-DD HH:MM:SS` in UTC for epoch milliseconds, the same on server and browser so
/// that hydration sees identical text.
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days, after Howard Hinnant's public-domain algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Epoch milliseconds of midnight UTC of a `YYYY-MM-DD` date, as a date input sends it.
pub fn parse_utc_date(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    // Days-from-civil, the inverse of the algorithm in `format_utc`.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = days * 86_400_000;
    // A day the month does not have (31 April) would roll over: refuse it.
    format_utc(ms).starts_with(&format!("{year:04}-{month:02}-{day:02}")).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::{format_utc, parse_utc_date};

    #[test]
    fn parses_dates_as_utc_midnight() {
        assert_eq!(parse_utc_date("1970-01-01"), Some(0));
        assert_eq!(parse_utc_date("2000-02-29"), Some(951_782_400_000));
        assert_eq!(parse_utc_date("2023-11-14").map(format_utc).as_deref(), Some("2023-11-14 00:00:00"));
        assert_eq!(parse_utc_date("2023-04-31"), None);
        assert_eq!(parse_utc_date("yesterday"), None);
        assert_eq!(parse_utc_date(""), None);
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(1_700_000_000_000), "2023-11-14 22:13:20");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00");
    }
}

/// How long a tenant keeps its events, and what the purge has removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionRow {
    pub retention_days: i32,
    pub max_retention_days: i32,
    pub purged_events: i64,
    pub last_purge_at: Option<i64>,
}

/// What erasing one end user removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasedRow {
    pub user: String,
    pub events: u64,
    pub device_links: u64,
    pub visitors: u64,
}

/// One page of a search, and the cursor of the next page when there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<EventRow>,
    pub next: Option<String>,
}

/// A check as the event detail shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRow {
    pub code: String,
    pub label: String,
    pub weight: i32,
    pub status: String,
    pub detail: String,
}

/// One event with everything Doorman derived, and what else its device was seen with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    pub event: EventRow,
    pub checks: Vec<CheckRow>,
    /// Pretty-printed JSON of the derived signals and of the device payload.
    pub signals_json: String,
    pub device_json: String,
    /// (user, first seen, last seen)
    pub device_users: Vec<(String, i64, i64)>,
    /// (ip, events, last seen)
    pub device_ips: Vec<(String, i64, i64)>,
}

/// An entry of the tenant's allow or block lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntryView {
    pub kind: String,
    pub value: String,
    pub action: String,
    pub note: String,
    pub created_at: i64,
    pub created_by: String,
    /// When it stops matching; `None` for good.
    pub expires_at: Option<i64>,
}

/// A page of list entries, and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntriesPage {
    pub entries: Vec<ListEntryView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// A webhook of the tenant with its delivery counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub decisions: String,
    pub created_at: i64,
    pub delivered: i64,
    pub failed: i64,
    pub pending: i64,
    pub last_error: Option<String>,
}

/// A webhook just created, with its signing secret (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub url: String,
    pub secret: String,
}

/// Events of one period by decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionCountsView {
    pub allow: i64,
    pub challenge: i64,
    pub block: i64,
}

impl DecisionCountsView {
    pub fn total(&self) -> i64 {
        self.allow + self.challenge + self.block
    }
}

/// A rule's record on events the client labeled through feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulePrecisionView {
    pub code: String,
    pub fraud: i64,
    pub legit: i64,
}

/// A client admin's overview of the last 24 hours or 7 days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewView {
    /// `24h` or `7d`.
    pub period: String,
    pub since: i64,
    pub bucket_ms: i64,
    pub buckets: Vec<DecisionCountsView>,
    pub totals: DecisionCountsView,
    pub top_rules: Vec<(String, i64)>,
    /// Events per band of `score_band` points; the last band holds all above.
    pub score_bands: Vec<i64>,
    pub score_band: i32,
    pub precision: Vec<RulePrecisionView>,
}

/// What the integrate page fills its examples with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationView {
    /// Where this Doorman is reached, as the browser reached the dashboard.
    pub base_url: String,
    pub tenant_name: String,
    /// Shown prefixes of the tenant's working keys, so the reader knows which to use.
    pub key_prefixes: Vec<String>,
    /// How long backends wait for a decision, and the decision past it (ALLOW or CHALLENGE).
    pub deadline_ms: u32,
    pub fail_decision: String,
}

/// One threshold or limit: the value it follows (`base`: the global value for a tenant, the
/// built-in default for the global settings) and the value set here, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingRow {
    pub name: String,
    pub label: String,
    pub base: i64,
    pub value: Option<i64>,
}

/// One rule: what it follows and what is set here, if anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleRow {
    pub code: String,
    pub label: String,
    /// The event types it applies to, or "all".
    pub applies_to: String,
    pub base_weight: i32,
    /// The base's mode: `on`, `off` or `shadow`.
    pub base_mode: String,
    pub weight: Option<i32>,
    /// This page's mode, if set: `on`, `off` or `shadow`.
    pub mode: Option<String>,
    /// For a rule that fired in shadow mode lately (tenant pages).
    pub shadow: Option<ShadowStatsView>,
}

/// How a rule on trial did: fired in 24 hours and 7 days, and the decisions it would have
/// changed in 7 days (`ALLOW>CHALLENGE`, count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowStatsView {
    pub fired_24h: i64,
    pub fired_7d: i64,
    pub changes_7d: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSettingsView {
    pub settings: Vec<SettingRow>,
    pub rules: Vec<RuleRow>,
}

/// A rule's edit: `None` follows the base.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleEditView {
    pub weight: Option<i32>,
    pub enabled: Option<bool>,
    pub shadow: Option<bool>,
}

/// What the rules page sends when saving or previewing, as JSON (the engine's
/// `SettingsEdit`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsEditView {
    pub values: std::collections::BTreeMap<String, Option<i64>>,
    pub rules: std::collections::BTreeMap<String, RuleEditView>,
}

/// An event whose decision the edited settings would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedEventView {
    pub id: String,
    pub created_at: i64,
    pub event_type: String,
    pub user: Option<String>,
    pub before_score: i32,
    pub before_decision: String,
    pub after_score: i32,
    pub after_decision: String,
}

/// The tenant's recent events scored again under edited settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewView {
    pub scored: usize,
    pub unreadable: usize,
    pub before: DecisionCountsView,
    pub after: DecisionCountsView,
    pub changed_total: usize,
    /// The newest of them, at most 50.
    pub changed: Vec<ChangedEventView>,
}

/// A global reputation list: its size and when it last grew.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReputationListView {
    pub list: String,
    pub entries: i64,
    pub last_added_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReputationEntryView {
    pub value: String,
    pub source: String,
    pub added_at: i64,
}

/// A page of one list's entries matching a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReputationPageView {
    pub lists: Vec<ReputationListView>,
    pub list: String,
    pub entries: Vec<ReputationEntryView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// What a bulk import did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportResultView {
    pub added: u64,
    pub already_listed: usize,
    /// The first lines that were not entries, with their line numbers.
    pub rejected: Vec<String>,
    pub rejected_total: usize,
}

/// What the server pushes to open dashboard pages (`/live`, server-sent events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LiveUpdate {
    /// An event was scored.
    Event { event: Box<EventRow> },
    /// The review queue changed: an item was claimed, assigned, released, sent or decided.
    Review,
    /// The page fell behind and this many updates were dropped for it.
    Missed { count: u64 },
}

/// One item of the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItemView {
    pub event: EventRow,
    /// Who holds it, and until when, while the claim lasts.
    pub assignee: Option<String>,
    pub claimed_until: Option<i64>,
    pub sent_by: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewCountsView {
    pub total: i64,
    pub under_hour: i64,
    pub under_day: i64,
    pub under_week: i64,
    pub older: i64,
    pub claimed: i64,
}

/// The queue page: what waits under the filters, and what the forms need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueueView {
    pub counts: ReviewCountsView,
    pub items: Vec<ReviewItemView>,
    /// The tenant's client admins, for assignment.
    pub colleagues: Vec<String>,
    pub me: String,
    pub near_miss_score: Option<i32>,
    pub claim_minutes: i32,
}

/// One item as an analyst opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewOpened {
    pub detail: EventDetail,
    /// Whether the item waits for a decision (else it was decided, or never queued).
    pub queued: bool,
    /// Who holds it now (the analyst who opened it, unless a colleague does) and until when.
    pub holder: Option<String>,
    pub held_until: Option<i64>,
    pub mine: bool,
    /// The label, who decided and when, and the comment, once decided.
    pub label: Option<String>,
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    /// The user's other events, newest first.
    pub user_events: Vec<EventRow>,
    pub colleagues: Vec<String>,
}

/// A rule snoozed for a user, visitor or IP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnoozeView {
    pub id: String,
    pub rule: String,
    pub kind: String,
    pub value: String,
    pub until: i64,
    pub reason: String,
    pub created_by: String,
}
