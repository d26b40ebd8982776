//! The review queue: the events Doorman was unsure of, waiting for an analyst's FRAUD or
//! LEGIT. Challenged events enter by themselves, allowed near misses when the tenant asks for
//! them, and any other event when an analyst sends it. Opening an item claims it for a while
//! (a claim lapses, so nothing stays stuck with an absent colleague); the decision becomes
//! the event's feedback label, which per-rule precision counts, and notifies the tenant's
//! webhooks.

use doorman_engine::feedback::Label;
use serde::{Deserialize, Serialize};

use crate::db::{execute, with_pool, with_writer};
use crate::webhooks::ENQUEUE_TO_EVERY_WEBHOOK;
use crate::{ids, Result, Store, StoreError};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Near misses older than this leave the queue: it is meant for what is happening now.
pub const NEAR_MISS_WINDOW_MS: i64 = 7 * DAY_MS;
pub const DEFAULT_CLAIM_MINUTES: i32 = 60;
/// A claim lasts at most a working day.
pub const MAX_CLAIM_MINUTES: i32 = 24 * 60;
/// Items on one page of the queue.
pub const MAX_PAGE: i64 = 200;
/// Most items one bulk decision changes.
pub const MAX_BULK: i64 = 1000;
pub const MAX_COMMENT: usize = 1000;

/// A tenant's choices for its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewSettings {
    /// Also queue allowed events of the last 7 days that scored at least this much.
    pub near_miss_score: Option<i32>,
    /// How long opening an item holds it for the analyst.
    pub claim_minutes: i32,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self { near_miss_score: None, claim_minutes: DEFAULT_CLAIM_MINUTES }
    }
}

impl ReviewSettings {
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_CLAIM_MINUTES).contains(&self.claim_minutes) {
            return Err(StoreError::Invalid(format!("a claim lasts 1 to {MAX_CLAIM_MINUTES} minutes")));
        }
        if self.near_miss_score.is_some_and(|s| !(1..=1000).contains(&s)) {
            return Err(StoreError::Invalid("the near-miss score is 1 to 1000".into()));
        }
        Ok(())
    }

    fn claim_ms(&self) -> i64 {
        i64::from(self.claim_minutes) * MINUTE_MS
    }
}

/// Whose items to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assignee {
    /// Nobody holds them (never claimed, or the claim lapsed).
    Nobody,
    /// Held by this analyst (an email).
    Analyst(String),
}

/// Which queued items to list, count or decide; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFilter {
    /// Entered the queue at least this long ago.
    pub older_than_ms: Option<i64>,
    /// Entered the queue at most this long ago.
    pub newer_than_ms: Option<i64>,
    /// A rule that fired on the event.
    pub rule: Option<String>,
    pub assignee: Option<Assignee>,
    pub visitor_id: Option<String>,
}

impl ReviewFilter {
    pub fn validate(&self) -> Result<()> {
        if let Some(rule) = &self.rule {
            if rule.is_empty()
                || rule.len() > 64
                || !rule.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(StoreError::Invalid("a rule is a code such as VPN_OR_PROXY".into()));
            }
        }
        if [self.older_than_ms, self.newer_than_ms].into_iter().flatten().any(|ms| ms < 0) {
            return Err(StoreError::Invalid("an age is not negative".into()));
        }
        if self.visitor_id.as_ref().is_some_and(|v| v.len() > 128) {
            return Err(StoreError::Invalid("a visitor id has at most 128 characters".into()));
        }
        Ok(())
    }
}

/// One queued event as the queue lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItem {
    pub event_id: String,
    pub event_type: String,
    /// When the event was scored: its age in the queue counts from here.
    pub created_at: i64,
    pub email: Option<String>,
    pub external_user_id: Option<String>,
    pub ip: Option<String>,
    pub visitor_id: String,
    pub risk_score: i32,
    pub decision: String,
    /// Codes of the fired rules, comma-separated.
    pub triggered_rules: String,
    /// The analyst holding it, while the claim lasts.
    pub assignee: Option<String>,
    pub claimed_until: Option<i64>,
    /// Who sent it to review, when it did not enter by its decision.
    pub sent_by: Option<String>,
}

/// How many items wait, by age, and how many are held.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ReviewCounts {
    pub total: i64,
    pub under_hour: i64,
    pub under_day: i64,
    pub under_week: i64,
    pub older: i64,
    /// Held by someone now.
    pub claimed: i64,
}

/// What an item's claim looks like after an attempt to take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Claim {
    /// Yours until then.
    Held { until: i64 },
    /// A colleague's until then.
    HeldBy { analyst: String, until: i64 },
}

/// A decision recorded from the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub event_id: String,
    pub label: Label,
}

/// What a bulk decision did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkDecided {
    pub decided: Vec<String>,
    /// Held by a colleague, or decided by someone else meanwhile.
    pub skipped: usize,
}

/// The queue's state of one event, read before changing it.
#[derive(sqlx::FromRow)]
struct ItemState {
    label: Option<String>,
    decision: String,
    risk_score: i32,
    created_at: i64,
    user_key: String,
    sent_at: Option<i64>,
    assignee: Option<String>,
    claimed_until: Option<i64>,
}

impl ItemState {
    fn queued(&self, settings: &ReviewSettings, now: i64) -> bool {
        let near_miss = settings.near_miss_score.is_some_and(|min| {
            self.decision == "ALLOW" && self.risk_score >= min && self.created_at >= now - NEAR_MISS_WINDOW_MS
        });
        self.label.is_none() && (self.decision == "CHALLENGE" || self.sent_at.is_some() || near_miss)
    }

    /// A colleague's live claim, if there is one.
    fn held_by_other(&self, analyst: &str, now: i64) -> Option<(String, i64)> {
        match (&self.assignee, self.claimed_until) {
            (Some(holder), Some(until)) if until > now && holder != analyst => Some((holder.clone(), until)),
            _ => None,
        }
    }
}

/// A value bound to a query built from a filter.
enum Bind {
    Text(String),
    Int(i64),
}

/// The ids of the tenant's queued events (`$1` is the tenant), as a subquery.
fn queue_ids(settings: &ReviewSettings, now: i64) -> String {
    let mut arms = vec![
        "SELECT id FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND decision = 'CHALLENGE' AND label IS NULL".to_string(),
        "SELECT r.event_id FROM review_items r JOIN events s ON s.tenant_number = (SELECT number FROM tenants WHERE id = $1) AND s.id = r.event_id \
         WHERE r.tenant_id = $1 AND r.sent_at IS NOT NULL AND s.label IS NULL"
            .to_string(),
    ];
    if let Some(min) = settings.near_miss_score {
        arms.push(format!(
            "SELECT id FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND created_at >= {} AND decision = 'ALLOW' \
             AND risk_score >= {min} AND label IS NULL",
            now - NEAR_MISS_WINDOW_MS
        ));
    }
    arms.join(" UNION ")
}

/// `FROM … WHERE …` of the queue under `filter`, with its binds after `$1` (the tenant) and
/// `$2` (now).
fn queue_from(settings: &ReviewSettings, filter: &ReviewFilter, now: i64) -> (String, Vec<Bind>) {
    let mut sql = format!(
        "FROM events e LEFT JOIN review_items r ON r.tenant_id = $1 AND r.event_id = e.id \
         WHERE e.tenant_number = (SELECT number FROM tenants WHERE id = $1) AND e.id IN ({}) AND $2 = $2",
        queue_ids(settings, now)
    );
    let mut binds = Vec::new();
    let mut next = |sql: &mut String, clause: &str, bind: Bind| {
        binds.push(bind);
        *sql += &clause.replace('?', &format!("${}", binds.len() + 2));
    };
    if let Some(ms) = filter.older_than_ms {
        next(&mut sql, " AND e.created_at <= ?", Bind::Int(now - ms));
    }
    if let Some(ms) = filter.newer_than_ms {
        next(&mut sql, " AND e.created_at >= ?", Bind::Int(now - ms));
    }
    if let Some(rule) = &filter.rule {
        next(&mut sql, " AND (',' || e.triggered_rules || ',') LIKE ?", Bind::Text(format!("%,{rule},%")));
    }
    if let Some(visitor) = &filter.visitor_id {
        next(&mut sql, " AND e.visitor_id = ?", Bind::Text(visitor.clone()));
    }
    match &filter.assignee {
        None => {}
        Some(Assignee::Nobody) => sql += " AND (r.claimed_until IS NULL OR r.claimed_until <= $2)",
        Some(Assignee::Analyst(email)) => {
            next(&mut sql, " AND r.claimed_until > $2 AND r.assignee = ?", Bind::Text(email.clone()))
        }
    }
    (sql, binds)
}

/// Gives an item to an analyst (`$3`) until `$4`; a claim adds a condition.
const TAKE: &str = "INSERT INTO review_items (tenant_id, event_id, assignee, claimed_until) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (tenant_id, event_id) DO UPDATE SET assignee = excluded.assignee, claimed_until = excluded.claimed_until";

/// One decision as analysts and the API make it, applied to one item or many.
#[derive(Clone, Copy)]
struct Decision<'a> {
    label: Label,
    comment: &'a str,
    by: &'a str,
    respect_claims: bool,
    now: i64,
}

const ITEM_COLUMNS: &str =
    "e.id AS event_id, e.event_type, e.created_at, COALESCE(e.email, e.email_normalized) AS email, e.external_user_id, e.ip, \
    e.visitor_id, e.risk_score, e.decision, e.triggered_rules, \
    CASE WHEN r.claimed_until > $2 THEN r.assignee END AS assignee, \
    CASE WHEN r.claimed_until > $2 THEN r.claimed_until END AS claimed_until, r.sent_by";

macro_rules! bound {
    ($query:expr, $tenant_id:expr, $now:expr, $binds:expr) => {{
        let mut query = $query.bind($tenant_id).bind($now);
        for bind in $binds {
            query = match bind {
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Int(n) => query.bind(*n),
            };
        }
        query
    }};
}

impl Store {
    pub async fn review_settings(&self, tenant_id: &str) -> Result<ReviewSettings> {
        let sql = "SELECT near_miss_score, claim_minutes FROM review_settings WHERE tenant_id = $1";
        let row: Option<(Option<i32>, i32)> =
            with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).fetch_optional(pool).await)?;
        Ok(row
            .map(|(near_miss_score, claim_minutes)| ReviewSettings { near_miss_score, claim_minutes })
            .unwrap_or_default())
    }

    pub async fn set_review_settings(
        &self,
        tenant_id: &str,
        settings: &ReviewSettings,
        now: i64,
    ) -> Result<()> {
        settings.validate()?;
        let sql = "INSERT INTO review_settings (tenant_id, near_miss_score, claim_minutes, updated_at) \
            VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE SET near_miss_score = excluded.near_miss_score, \
            claim_minutes = excluded.claim_minutes, updated_at = excluded.updated_at";
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(settings.near_miss_score)
            .bind(settings.claim_minutes).bind(now).execute(pool).await)?;
        Ok(())
    }

    /// Queued items under `filter`, oldest first; `after` is the last item of the previous
    /// page (`created_at`, `event_id`).
    pub async fn review_queue(
        &self,
        tenant_id: &str,
        filter: &ReviewFilter,
        after: Option<(i64, String)>,
        limit: i64,
        now: i64,
    ) -> Result<Vec<ReviewItem>> {
        filter.validate()?;
        let settings = self.review_settings(tenant_id).await?;
        let (from, mut binds) = queue_from(&settings, filter, now);
        let mut page = String::new();
        if let Some((at, id)) = after {
            let n = binds.len() + 3;
            page = format!(" AND (e.created_at > ${n} OR (e.created_at = ${n} AND e.id > ${}))", n + 1);
            binds.push(Bind::Int(at));
            binds.push(Bind::Text(id));
        }
        let sql = format!(
            "SELECT {ITEM_COLUMNS} {from}{page} ORDER BY e.created_at, e.id LIMIT {}",
            limit.clamp(1, MAX_PAGE)
        );
        Ok(with_pool!(self, pool => bound!(sqlx::query_as::<_, ReviewItem>(&sql), tenant_id, now, &binds)
            .fetch_all(pool).await)?)
    }

    /// How many items wait under `filter`, by age.
    pub async fn review_counts(
        &self,
        tenant_id: &str,
        filter: &ReviewFilter,
        now: i64,
    ) -> Result<ReviewCounts> {
        filter.validate()?;
        let settings = self.review_settings(tenant_id).await?;
        let (from, binds) = queue_from(&settings, filter, now);
        let since =
            |ms: i64| format!("COALESCE(SUM(CASE WHEN e.created_at >= {} THEN 1 ELSE 0 END), 0)", now - ms);
        let sql = format!(
            "SELECT COUNT(*) AS total, {} AS under_hour, {} AS under_day, {} AS under_week, \
             COALESCE(SUM(CASE WHEN e.created_at < {} THEN 1 ELSE 0 END), 0) AS older, \
             COALESCE(SUM(CASE WHEN r.claimed_until > $2 THEN 1 ELSE 0 END), 0) AS claimed {from}",
            since(HOUR_MS),
            since(DAY_MS),
            since(7 * DAY_MS),
            now - 7 * DAY_MS,
        );
        Ok(with_pool!(self, pool => bound!(sqlx::query_as::<_, ReviewCounts>(&sql), tenant_id, now, &binds)
            .fetch_one(pool).await)?)
    }

    /// One event's queue state; `NotFound` when the tenant has no such event.
    async fn review_state(&self, tenant_id: &str, event_id: &str) -> Result<ItemState> {
        let sql = "SELECT e.label, e.decision, e.risk_score, e.created_at, e.user_key, r.sent_at, r.assignee, r.claimed_until \
            FROM events e LEFT JOIN review_items r ON r.tenant_id = $1 AND r.event_id = e.id \
            WHERE e.tenant_number = (SELECT number FROM tenants WHERE id = $1) AND e.id = $2";
        with_pool!(self, pool => sqlx::query_as::<_, ItemState>(sql).bind(tenant_id).bind(event_id)
            .fetch_optional(pool).await)?
        .ok_or(StoreError::NotFound("event"))
    }

    /// The tenant's queue settings and one event's state, when the event is queued; a
    /// conflict when it is not (labeled already, or never entered).
    async fn queued_item(
        &self,
        tenant_id: &str,
        event_id: &str,
        now: i64,
    ) -> Result<(ReviewSettings, ItemState)> {
        let settings = self.review_settings(tenant_id).await?;
        let state = self.review_state(tenant_id, event_id).await?;
        if !state.queued(&settings, now) {
            return Err(not_queued(&state));
        }
        Ok((settings, state))
    }

    /// The item as `analyst` finds it: queued (else a conflict) and, when nobody else holds
    /// it, claimed for the tenant's claim time.
    pub async fn claim_review(
        &self,
        tenant_id: &str,
        event_id: &str,
        analyst: &str,
        now: i64,
    ) -> Result<Claim> {
        let (settings, _) = self.queued_item(tenant_id, event_id, now).await?;
        let until = now + settings.claim_ms();
        let sql = format!(
            "{TAKE} WHERE review_items.claimed_until IS NULL OR review_items.claimed_until <= $5 \
             OR review_items.assignee = $3"
        );
        let won = execute!(self, pool => sqlx::query(&sql).bind(tenant_id).bind(event_id).bind(analyst)
            .bind(until).bind(now).execute(pool).await)?;
        if won == 1 {
            return Ok(Claim::Held { until });
        }
        let state = self.review_state(tenant_id, event_id).await?;
        match state.held_by_other(analyst, now) {
            Some((analyst, until)) => Ok(Claim::HeldBy { analyst, until }),
            None => Err(StoreError::Conflict("the item changed meanwhile; open it again".into())),
        }
    }

    /// Claims the next item for `analyst`: one it already holds, else the oldest nobody
    /// holds. `None` when the queue has nothing left for it.
    pub async fn next_review(&self, tenant_id: &str, analyst: &str, now: i64) -> Result<Option<String>> {
        for _ in 0..5 {
            let mine =
                ReviewFilter { assignee: Some(Assignee::Analyst(analyst.into())), ..Default::default() };
            let free = ReviewFilter { assignee: Some(Assignee::Nobody), ..Default::default() };
            let mut candidate = self.review_queue(tenant_id, &mine, None, 1, now).await?;
            if candidate.is_empty() {
                candidate = self.review_queue(tenant_id, &free, None, 1, now).await?;
            }
            let Some(item) = candidate.pop() else { return Ok(None) };
            match self.claim_review(tenant_id, &item.event_id, analyst, now).await {
                Ok(Claim::Held { .. }) => return Ok(Some(item.event_id)),
                // A colleague took it, or it was decided, between the read and the claim.
                Ok(Claim::HeldBy { .. }) | Err(StoreError::Conflict(_)) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(StoreError::Conflict("the queue is busy; try again".into()))
    }

    /// Gives a queued item to a client admin of the tenant, for the tenant's claim time.
    pub async fn assign_review(
        &self,
        tenant_id: &str,
        event_id: &str,
        analyst: &str,
        now: i64,
    ) -> Result<Claim> {
        let colleagues = self.list_tenant_admins(tenant_id).await?;
        if !colleagues.iter().any(|a| a.email == analyst && !a.disabled) {
            return Err(StoreError::Invalid(format!(
                "{analyst} is not an active client admin of this tenant"
            )));
        }
        let (settings, _) = self.queued_item(tenant_id, event_id, now).await?;
        let until = now + settings.claim_ms();
        execute!(self, pool => sqlx::query(TAKE).bind(tenant_id).bind(event_id).bind(analyst).bind(until)
            .execute(pool).await)?;
        Ok(Claim::Held { until })
    }

    /// Lets go of an item `analyst` holds; `false` when it held none.
    pub async fn release_review(&self, tenant_id: &str, event_id: &str, analyst: &str) -> Result<bool> {
        let sql = "UPDATE review_items SET assignee = NULL, claimed_until = NULL \
            WHERE tenant_id = $1 AND event_id = $2 AND assignee = $3";
        let done = execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(event_id).bind(analyst)
            .execute(pool).await)?;
        Ok(done == 1)
    }

    /// Puts an event that did not enter by its decision (a BLOCK, say) in the queue.
    pub async fn send_to_review(&self, tenant_id: &str, event_id: &str, by: &str, now: i64) -> Result<()> {
        let state = self.review_state(tenant_id, event_id).await?;
        if state.label.is_some() {
            return Err(StoreError::Conflict("the event is already labeled".into()));
        }
        let sql = "INSERT INTO review_items (tenant_id, event_id, sent_by, sent_at) VALUES ($1, $2, $3, $4) \
            ON CONFLICT (tenant_id, event_id) DO UPDATE SET sent_by = excluded.sent_by, sent_at = excluded.sent_at";
        execute!(self, pool => sqlx::query(sql).bind(tenant_id).bind(event_id).bind(by).bind(now)
            .execute(pool).await)?;
        Ok(())
    }

    /// Closes a queued item with `label`: the event's feedback label, the comment kept with
    /// the item, and a `review.decided` delivery to each of the tenant's webhooks, in one
    /// transaction. With `respect_claims`, an item a colleague holds is a conflict (the API
    /// decides as the tenant's back office, over any claim).
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_review(
        &self,
        tenant_id: &str,
        event_id: &str,
        label: Label,
        comment: &str,
        by: &str,
        respect_claims: bool,
        now: i64,
    ) -> Result<Decided> {
        let settings = self.review_settings(tenant_id).await?;
        let decision = Decision { label, comment, by, respect_claims, now };
        self.decide_queued(tenant_id, event_id, &settings, &decision).await
    }

    /// [`Store::decide_review`] with the tenant's settings already read.
    async fn decide_queued(
        &self,
        tenant_id: &str,
        event_id: &str,
        settings: &ReviewSettings,
        decision: &Decision<'_>,
    ) -> Result<Decided> {
        let Decision { label, comment, by, respect_claims, now } = *decision;
        let comment = comment.trim();
        if comment.chars().count() > MAX_COMMENT {
            return Err(StoreError::Invalid(format!("a comment has at most {MAX_COMMENT} characters")));
        }
        let state = self.review_state(tenant_id, event_id).await?;
        if !state.queued(settings, now) {
            return Err(not_queued(&state));
        }
        if let Some((holder, until)) = state.held_by_other(by, now).filter(|_| respect_claims) {
            return Err(StoreError::Conflict(format!(
                "{holder} holds this item for {} more minutes",
                (until - now + MINUTE_MS - 1) / MINUTE_MS
            )));
        }
        let label_sql = "UPDATE events SET label = $3, feedback_at = $4 WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND id = $2 AND label IS NULL";
        let item_sql = "INSERT INTO review_items (tenant_id, event_id, decided_by, decided_at, comment) VALUES ($1, $2, $3, $4, $5) \
            ON CONFLICT (tenant_id, event_id) DO UPDATE SET decided_by = excluded.decided_by, decided_at = excluded.decided_at, \
            comment = excluded.comment, assignee = NULL, claimed_until = NULL";
        let payload = serde_json::json!({
            "type": "review.decided",
            "eventId": event_id,
            "label": label.as_str(),
            "comment": (!comment.is_empty()).then_some(comment),
            "decidedBy": by,
            "decidedAt": now,
        })
        .to_string();
        let delivery_id = format!("{event_id}.review.{}", ids::random_hex(4));
        let comment = (!comment.is_empty()).then_some(comment);
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let labeled = sqlx::query(label_sql).bind(tenant_id).bind(event_id).bind(label.as_str()).bind(now)
                .execute(&mut *tx).await?.rows_affected();
            if labeled == 0 {
                return Err(StoreError::Conflict("the item was decided meanwhile".into()));
            }
            sqlx::query(item_sql).bind(tenant_id).bind(event_id).bind(by).bind(now).bind(comment)
                .execute(&mut *tx).await?;
            sqlx::query(ENQUEUE_TO_EVERY_WEBHOOK).bind(tenant_id).bind(&delivery_id).bind(event_id).bind(&state.user_key)
                .bind(&payload).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(Decided { event_id: event_id.to_string(), label })
    }

    /// Decides every item under `filter` (at most [`MAX_BULK`], oldest first) that nobody
    /// else holds.
    pub async fn decide_review_bulk(
        &self,
        tenant_id: &str,
        filter: &ReviewFilter,
        label: Label,
        comment: &str,
        by: &str,
        now: i64,
    ) -> Result<BulkDecided> {
        let items = self.review_queue(tenant_id, filter, None, MAX_BULK, now).await?;
        let settings = self.review_settings(tenant_id).await?;
        let decision = Decision { label, comment, by, respect_claims: true, now };
        let mut outcome = BulkDecided::default();
        for item in items {
            match self.decide_queued(tenant_id, &item.event_id, &settings, &decision).await {
                Ok(decided) => outcome.decided.push(decided.event_id),
                Err(StoreError::Conflict(_)) => outcome.skipped += 1,
                Err(err) => return Err(err),
            }
        }
        Ok(outcome)
    }

    /// What an analyst wrote when deciding an item, and who decided it.
    pub async fn review_decision(
        &self,
        tenant_id: &str,
        event_id: &str,
    ) -> Result<Option<(String, i64, Option<String>)>> {
        let sql = "SELECT decided_by, decided_at, comment FROM review_items \
            WHERE tenant_id = $1 AND event_id = $2 AND decided_by IS NOT NULL";
        let row: Option<(String, i64, Option<String>)> = with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).bind(event_id).fetch_optional(pool).await)?;
        Ok(row)
    }
}

fn not_queued(state: &ItemState) -> StoreError {
    match &state.label {
        Some(label) => StoreError::Conflict(format!("the event is already labeled {label}")),
        None => StoreError::Conflict(format!(
            "the event is not in the review queue (its decision was {})",
            state.decision
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_numbered_clauses_after_the_tenant_and_the_time() {
        let filter = ReviewFilter {
            older_than_ms: Some(HOUR_MS),
            rule: Some("VPN_OR_PROXY".into()),
            assignee: Some(Assignee::Analyst("a@x.test".into())),
            ..Default::default()
        };
        let (sql, binds) = queue_from(&ReviewSettings::default(), &filter, 10 * DAY_MS);
        assert!(sql.contains("e.created_at <= $3"), "{sql}");
        assert!(sql.contains("LIKE $4"), "{sql}");
        assert!(sql.contains("r.assignee = $5"), "{sql}");
        assert_eq!(binds.len(), 3);
        assert!(!sql.contains("'ALLOW'"), "near misses only when asked for: {sql}");
        let near = ReviewSettings { near_miss_score: Some(40), ..Default::default() };
        assert!(queue_from(&near, &ReviewFilter::default(), 0).0.contains("risk_score >= 40"));
    }

    #[test]
    fn a_rule_filter_is_a_rule_code() {
        let bad = ReviewFilter { rule: Some("x%' OR 1=1".into()), ..Default::default() };
        assert!(matches!(bad.validate(), Err(StoreError::Invalid(_))));
        assert!(ReviewSettings { claim_minutes: 0, ..Default::default() }.validate().is_err());
    }
}
