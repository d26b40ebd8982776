//! Writing scored events. One writer task per server commits events in batches: every
//! event touches the same last pages of the events table and its time indexes, and one
//! commit for many events writes those pages (and, on PostgreSQL, flushes the log) once
//! instead of once per event, in a handful of statements instead of a handful per event.
//! A request is answered only after its batch committed, so no acknowledged event is lost.
//!
//! Several servers may write to one PostgreSQL at once. Each batch writes the rows of a
//! table in key order, so that two batches lock the rows they share in the same order and
//! never wait for each other in a cycle.

use std::collections::BTreeMap;

use sqlx::{Postgres, QueryBuilder, Sqlite};
use tokio::sync::{mpsc, oneshot};

use crate::db::Pool;
use crate::{Result, StoreError};

/// Most events committed together. More waiting requests wait for the next batch, which
/// starts as soon as this one committed.
const MAX_BATCH: usize = 64;
/// Requests that may wait for the writer; more wait to be queued.
const QUEUE: usize = 1024;

/// One event's rows, owned so that it can wait for its batch.
#[derive(Debug)]
pub(crate) struct EventWrite {
    pub tenant_id: String,
    pub id: String,
    pub visitor_id: String,
    pub visitor_is_new: bool,
    /// Keys seen for the first time, to link to the visitor.
    pub key_links: Vec<(&'static str, String)>,
    pub event_type: &'static str,
    pub now: i64,
    pub external_user_id: Option<String>,
    pub email: Option<String>,
    pub user_key: String,
    pub ip: Option<String>,
    pub payload_id: Option<String>,
    pub risk_score: i32,
    pub risk_band: &'static str,
    pub decision: &'static str,
    pub triggered: String,
    pub device_json: String,
    pub checks_json: String,
    pub signals_json: String,
    pub email_normalized: Option<String>,
    pub ip_country: Option<String>,
    pub phone: Option<String>,
    pub phone_range: Option<String>,
    pub referrer_user_id: Option<String>,
    pub promo_code: Option<String>,
    /// The API key whose last use to record.
    pub touch_key: Option<String>,
    /// A webhook payload and the decision pattern of the webhooks to queue it for.
    pub notify: Option<(String, String)>,
}

/// The start of an event insert, shared by the one-row and the many-row forms.
macro_rules! insert_event_columns {
    () => {
        "INSERT INTO events (tenant_id, id, event_type, created_at, external_user_id, email, user_key, \
        ip, visitor_id, payload_id, risk_score, risk_band, decision, triggered_rules, device_json, checks_json, signals_json, \
        email_normalized, ip_country, phone, phone_range, referrer_user_id, promo_code) "
    };
}
const EVENT_COLUMNS: &str = insert_event_columns!();
pub(crate) const INSERT_EVENT: &str = concat!(
    insert_event_columns!(),
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
);
/// What linking a user to a device does when they are linked: as for visitors (see
/// `visitor_seen_again!`), records that they were seen together again, once a minute.
macro_rules! user_seen_again {
    () => {
        " ON CONFLICT (tenant_id, visitor_id, user_key) DO UPDATE SET last_seen_at = excluded.last_seen_at \
        WHERE device_users.last_seen_at <= excluded.last_seen_at - 60000"
    };
}
pub(crate) const LINK_USER: &str = concat!(
    "INSERT INTO device_users (tenant_id, visitor_id, user_key, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
    user_seen_again!()
);
pub(crate) const TOUCH_KEY: &str = "UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2";

/// The owner of a key, read after linking: when two requests of a new device race, both
/// name a new visitor, one link wins, and the other event joins the winner's visitor.
pub(crate) const KEY_OWNER: &str =
    "SELECT visitor_id FROM visitor_keys WHERE tenant_id = $1 AND kind = $2 AND value = $3";

/// Runs the statements of one event on `$conn` (a transaction of either backend); gives
/// the visitor the event was stored under.
macro_rules! write_event {
    ($conn:expr, $w:expr) => {{
        let w: &$crate::event_writer::EventWrite = $w;
        for (kind, value) in &w.key_links {
            sqlx::query($crate::visitors::LINK_KEY)
                .bind(&w.tenant_id)
                .bind(*kind)
                .bind(value)
                .bind(&w.visitor_id)
                .bind(w.now)
                .execute(&mut *$conn)
                .await?;
        }
        let mut visitor_id = w.visitor_id.clone();
        if let (true, Some((kind, value))) = (w.visitor_is_new, w.key_links.first()) {
            let owner: Option<String> = sqlx::query_scalar($crate::event_writer::KEY_OWNER)
                .bind(&w.tenant_id)
                .bind(*kind)
                .bind(value)
                .fetch_optional(&mut *$conn)
                .await?;
            visitor_id = owner.unwrap_or(visitor_id);
        }
        sqlx::query($crate::visitors::UPSERT_VISITOR)
            .bind(&w.tenant_id)
            .bind(&visitor_id)
            .bind(w.now)
            .execute(&mut *$conn)
            .await?;
        sqlx::query($crate::event_writer::INSERT_EVENT)
            .bind(&w.tenant_id)
            .bind(&w.id)
            .bind(w.event_type)
            .bind(w.now)
            .bind(w.external_user_id.as_deref())
            .bind(w.email.as_deref())
            .bind(&w.user_key)
            .bind(w.ip.as_deref())
            .bind(&visitor_id)
            .bind(w.payload_id.as_deref())
            .bind(w.risk_score)
            .bind(w.risk_band)
            .bind(w.decision)
            .bind(&w.triggered)
            .bind(&w.device_json)
            .bind(&w.checks_json)
            .bind(&w.signals_json)
            .bind(w.email_normalized.as_deref())
            .bind(w.ip_country.as_deref())
            .bind(w.phone.as_deref())
            .bind(w.phone_range.as_deref())
            .bind(w.referrer_user_id.as_deref())
            .bind(w.promo_code.as_deref())
            .execute(&mut *$conn)
            .await?;
        if !w.user_key.is_empty() {
            sqlx::query($crate::event_writer::LINK_USER)
                .bind(&w.tenant_id)
                .bind(&visitor_id)
                .bind(&w.user_key)
                .bind(w.now)
                .execute(&mut *$conn)
                .await?;
        }
        $crate::event_writer::write_rare!($conn, w);
        visitor_id
    }};
}

/// The statements few events need: a key's last use is recorded once a minute, webhooks
/// only for decisions other than ALLOW.
macro_rules! write_rare {
    ($conn:expr, $w:expr) => {{
        let w: &$crate::event_writer::EventWrite = $w;
        if let Some(key_id) = &w.touch_key {
            sqlx::query($crate::event_writer::TOUCH_KEY)
                .bind(&w.tenant_id)
                .bind(key_id)
                .bind(w.now)
                .execute(&mut *$conn)
                .await?;
        }
        if let Some((payload, pattern)) = &w.notify {
            sqlx::query($crate::webhooks::ENQUEUE_DELIVERIES)
                .bind(&w.tenant_id)
                .bind(&w.id)
                .bind(&w.user_key)
                .bind(payload)
                .bind(w.now)
                .bind(pattern)
                .execute(&mut *$conn)
                .await?;
        }
    }};
}
pub(crate) use write_rare;

/// An event to write, and where to say under which visitor it was stored.
type Job = (EventWrite, oneshot::Sender<Result<String>>);

/// The writer task's queue.
#[derive(Clone)]
pub(crate) struct BatchWriter {
    jobs: mpsc::Sender<Job>,
}

/// Runs `$body` with `$p` bound to the concrete pool of a [`Pool`] and the type `$db` to its
/// driver, so that a batch's statements are written once for both.
macro_rules! with_pool_of {
    ($pool:expr, $p:ident, $db:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => {
                #[allow(dead_code)]
                type $db = Sqlite;
                $body
            }
            Pool::Postgres($p) => {
                #[allow(dead_code)]
                type $db = Postgres;
                $body
            }
        }
    };
}

async fn commit_one(pool: &Pool, write: &EventWrite) -> Result<String> {
    with_pool_of!(pool, p, Db => {
        let mut tx = p.begin().await?;
        let visitor = write_event!(tx, write);
        tx.commit().await?;
        Ok(visitor)
    })
}

/// A batch's key links in key order, once per key: `(tenant, kind, value) → (visitor,
/// time)`. The first event to name a key links it.
fn key_links<'a>(writes: &[&'a EventWrite]) -> BTreeMap<(&'a str, &'a str, &'a str), (&'a str, i64)> {
    let mut keys = BTreeMap::new();
    for w in writes {
        for (kind, value) in &w.key_links {
            keys.entry((w.tenant_id.as_str(), *kind, value.as_str()))
                .or_insert((w.visitor_id.as_str(), w.now));
        }
    }
    keys
}

/// The visitor and device-user rows of a batch, in key order and once per key.
struct BatchRows<'a> {
    /// `(tenant, visitor) → (first, last)` time in the batch.
    visitors: BTreeMap<(&'a str, &'a str), (i64, i64)>,
    /// `(tenant, visitor, user) → (first, last)` time in the batch.
    users: BTreeMap<(&'a str, &'a str, &'a str), (i64, i64)>,
}

fn widen(span: &mut (i64, i64), at: i64) {
    span.0 = span.0.min(at);
    span.1 = span.1.max(at);
}

impl<'a> BatchRows<'a> {
    fn of(writes: &[&'a EventWrite], visitors: &'a [String]) -> Self {
        let mut rows = BatchRows { visitors: BTreeMap::new(), users: BTreeMap::new() };
        for (w, visitor) in writes.iter().zip(visitors) {
            widen(rows.visitors.entry((&w.tenant_id, visitor)).or_insert((w.now, w.now)), w.now);
            if !w.user_key.is_empty() {
                widen(
                    rows.users.entry((&w.tenant_id, visitor, &w.user_key)).or_insert((w.now, w.now)),
                    w.now,
                );
            }
        }
        rows
    }
}

/// The batch's rows, one multi-row statement per table: every statement is a round trip to
/// the database, so a batch costs a handful of them instead of a handful per event. Gives
/// the visitor each event was stored under.
async fn commit_batch(pool: &Pool, batch: &[Job]) -> Result<Vec<String>> {
    let writes: Vec<&EventWrite> = batch.iter().map(|(w, _)| w).collect();
    with_pool_of!(pool, p, Db => {
        let mut tx = p.begin().await?;

        let links = key_links(&writes);
        if !links.is_empty() {
            let mut keys = QueryBuilder::<Db>::new(
                "INSERT INTO visitor_keys (tenant_id, kind, value, visitor_id, created_at) ",
            );
            keys.push_values(&links, |mut row, ((tenant, kind, value), (visitor, at))| {
                row.push_bind(*tenant).push_bind(*kind).push_bind(*value).push_bind(*visitor).push_bind(*at);
            });
            keys.push(" ON CONFLICT (tenant_id, kind, value) DO NOTHING");
            keys.build().execute(&mut *tx).await?;
        }

        // New devices join the visitor that owns their most certain key after linking: another
        // event of the batch, or of an earlier one, may have linked it first.
        let new: Vec<(&EventWrite, &(&str, String))> = writes
            .iter()
            .filter(|w| w.visitor_is_new)
            .filter_map(|w| w.key_links.first().map(|link| (*w, link)))
            .collect();
        let mut owners: Vec<(String, String, String, String)> = Vec::new();
        if !new.is_empty() {
            let mut query = QueryBuilder::<Db>::new("");
            for (i, (w, (kind, value))) in new.iter().enumerate() {
                if i > 0 {
                    query.push(" UNION ALL ");
                }
                query.push("SELECT tenant_id, kind, value, visitor_id FROM visitor_keys WHERE tenant_id = ");
                query
                    .push_bind(&w.tenant_id)
                    .push(" AND kind = ")
                    .push_bind(*kind)
                    .push(" AND value = ")
                    .push_bind(value);
            }
            owners = query.build_query_as().fetch_all(&mut *tx).await?;
        }
        let visitors: Vec<String> = writes
            .iter()
            .map(|w| {
                let owner = match (w.visitor_is_new, w.key_links.first()) {
                    (true, Some((kind, value))) => owners
                        .iter()
                        .find(|(t, k, v, _)| *t == w.tenant_id && k == kind && v == value)
                        .map(|(_, _, _, owner)| owner.clone()),
                    _ => None,
                };
                owner.unwrap_or_else(|| w.visitor_id.clone())
            })
            .collect();
        let rows = BatchRows::of(&writes, &visitors);

        let mut upsert =
            QueryBuilder::<Db>::new("INSERT INTO visitors (tenant_id, id, first_seen_at, last_seen_at) ");
        upsert.push_values(&rows.visitors, |mut row, ((tenant, visitor), (first, last))| {
            row.push_bind(*tenant).push_bind(*visitor).push_bind(*first).push_bind(*last);
        });
        upsert.push(crate::visitors::visitor_seen_again!());
        upsert.build().execute(&mut *tx).await?;

        let mut events = QueryBuilder::<Db>::new(EVENT_COLUMNS);
        events.push_values(writes.iter().zip(&visitors), |mut row, (w, visitor)| {
            row.push_bind(&w.tenant_id)
                .push_bind(&w.id)
                .push_bind(w.event_type)
                .push_bind(w.now)
                .push_bind(w.external_user_id.as_deref())
                .push_bind(w.email.as_deref())
                .push_bind(&w.user_key)
                .push_bind(w.ip.as_deref())
                .push_bind(visitor)
                .push_bind(w.payload_id.as_deref())
                .push_bind(w.risk_score)
                .push_bind(w.risk_band)
                .push_bind(w.decision)
                .push_bind(&w.triggered)
                .push_bind(&w.device_json)
                .push_bind(&w.checks_json)
                .push_bind(&w.signals_json)
                .push_bind(w.email_normalized.as_deref())
                .push_bind(w.ip_country.as_deref())
                .push_bind(w.phone.as_deref())
                .push_bind(w.phone_range.as_deref())
                .push_bind(w.referrer_user_id.as_deref())
                .push_bind(w.promo_code.as_deref());
        });
        events.build().execute(&mut *tx).await?;

        if !rows.users.is_empty() {
            let mut links = QueryBuilder::<Db>::new(
                "INSERT INTO device_users (tenant_id, visitor_id, user_key, first_seen_at, last_seen_at) ",
            );
            links.push_values(&rows.users, |mut row, ((tenant, visitor, user), (first, last))| {
                row.push_bind(*tenant).push_bind(*visitor).push_bind(*user).push_bind(*first).push_bind(*last);
            });
            links.push(user_seen_again!());
            links.build().execute(&mut *tx).await?;
        }

        // Keys' last uses in key order, like the rows above.
        let mut rare = writes.clone();
        rare.sort_by(|a, b| (&a.tenant_id, &a.touch_key).cmp(&(&b.tenant_id, &b.touch_key)));
        for w in rare {
            write_rare!(tx, w);
        }
        tx.commit().await?;
        Ok(visitors)
    })
}

impl BatchWriter {
    /// Starts the writer task on `pool`: SQLite's one writer connection, or the PostgreSQL
    /// pool.
    pub(crate) fn spawn(pool: Pool) -> Self {
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE);
        tokio::spawn(async move {
            while let Some(first) = queue.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                match commit_batch(&pool, &batch).await {
                    Ok(visitors) => batch.into_iter().zip(visitors).for_each(|((_, reply), visitor)| {
                        let _ = reply.send(Ok(visitor));
                    }),
                    // The batch was rolled back: each event is written alone, so that only
                    // the one that fails is refused.
                    Err(_) if batch.len() > 1 => {
                        for (write, reply) in batch {
                            let _ = reply.send(commit_one(&pool, &write).await);
                        }
                    }
                    Err(err) => {
                        if let Some((_, reply)) = batch.pop() {
                            let _ = reply.send(Err(err));
                        }
                    }
                }
            }
        });
        Self { jobs }
    }

    /// Writes one event with the next batch; returns, when that batch committed, the
    /// visitor the event was stored under.
    pub(crate) async fn write(&self, write: EventWrite) -> Result<String> {
        let (reply, done) = oneshot::channel();
        // The task ends only with the pool, when the server shuts down.
        let stopped = || StoreError::Database(sqlx::Error::PoolClosed);
        self.jobs.send((write, reply)).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }
}
