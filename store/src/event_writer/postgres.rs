//! PostgreSQL's event writer: a task that sends each batch in one statement per table, each
//! column bound as an array, since every statement is a round trip to the server.
//!
//! Several servers may write to one PostgreSQL at once. Each batch writes the rows of a
//! table in key order, so that two batches lock the rows they share in the same order and
//! never wait for each other in a cycle.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use tokio::sync::mpsc;

use super::{EventWrite, Job, INSERT_EVENT, KEY_OWNER, LINK_USER, MAX_BATCH, TOUCH_KEY};
use crate::error::connection_broke;
use crate::visitors::{LINK_KEY, UPSERT_VISITOR};
use crate::{Result, StoreError};

/// Takes the jobs already waiting after `first`, up to a batch.
fn batch_after(first: Job, queue: &mut mpsc::Receiver<Job>) -> Vec<Job> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch
}

/// How long the writer keeps its connection while no event waits. Under load it never gives
/// it back, which saves the round trip sqlx makes to test a connection returned to the
/// pool; once idle, the pool gets it back, and can close.
const HOLD: Duration = Duration::from_millis(100);

/// The writer's connection, taken from the pool when it has none.
async fn connection<'c>(
    pool: &PgPool,
    held: &'c mut Option<PoolConnection<Postgres>>,
) -> Result<&'c mut PgConnection> {
    if held.is_none() {
        *held = Some(pool.acquire().await?);
    }
    held.as_deref_mut().ok_or_else(super::stopped)
}

/// Commits the queue's events in batches until every sender is gone.
pub(super) async fn run(pool: PgPool, mut queue: mpsc::Receiver<Job>) {
    let mut held = None;
    loop {
        let next = if held.is_some() {
            match tokio::time::timeout(HOLD, queue.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    held = None;
                    continue;
                }
            }
        } else {
            queue.recv().await
        };
        let Some(first) = next else { break };
        let mut batch = batch_after(first, &mut queue);
        let committed = match connection(&pool, &mut held).await {
            Ok(conn) => commit_batch(conn, &batch).await,
            Err(err) => Err(err),
        };
        match committed {
            Ok(visitors) => batch.into_iter().zip(visitors).for_each(|((_, reply), visitor)| {
                let _ = reply.send(Ok(visitor));
            }),
            // The batch was rolled back: each event is written alone, so that only the one
            // that fails is refused. The connection goes back to the pool, which drops it
            // if it broke; the events then go on new ones.
            Err(err) if batch.len() > 1 || matches!(&err, StoreError::Database(e) if connection_broke(e)) => {
                held = None;
                for (write, reply) in batch {
                    let _ = reply.send(commit_one(&pool, &write).await);
                }
            }
            Err(err) => {
                held = None;
                if let Some((_, reply)) = batch.pop() {
                    let _ = reply.send(Err(err));
                }
            }
        }
    }
}

/// One event in a transaction of its own; gives the visitor it was stored under.
async fn commit_one(pool: &PgPool, w: &EventWrite) -> Result<String> {
    let mut tx = pool.begin().await?;
    for (kind, value) in &w.key_links {
        sqlx::query(LINK_KEY)
            .bind(&w.tenant_id)
            .bind(*kind)
            .bind(value)
            .bind(&w.visitor_id)
            .bind(w.now)
            .execute(&mut *tx)
            .await?;
    }
    let mut visitor_id = w.visitor_id.clone();
    if let (true, Some((kind, value))) = (w.visitor_is_new, w.key_links.first()) {
        let owner: Option<String> = sqlx::query_scalar(KEY_OWNER)
            .bind(&w.tenant_id)
            .bind(*kind)
            .bind(value)
            .fetch_optional(&mut *tx)
            .await?;
        visitor_id = owner.unwrap_or(visitor_id);
    }
    sqlx::query(UPSERT_VISITOR).bind(&w.tenant_id).bind(&visitor_id).bind(w.now).execute(&mut *tx).await?;
    sqlx::query(INSERT_EVENT)
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
        .execute(&mut *tx)
        .await?;
    if !w.user_key.is_empty() {
        sqlx::query(LINK_USER)
            .bind(&w.tenant_id)
            .bind(&visitor_id)
            .bind(&w.user_key)
            .bind(w.now)
            .execute(&mut *tx)
            .await?;
    }
    write_rare(&mut tx, w).await?;
    tx.commit().await?;
    Ok(visitor_id)
}

/// The statements few events need: a key's last use is recorded once a minute, webhooks
/// only for decisions other than ALLOW.
async fn write_rare(conn: &mut PgConnection, w: &EventWrite) -> Result<()> {
    touch_key(conn, w).await?;
    enqueue_deliveries(conn, &[w]).await
}

/// Records the last use of the event's key, when it asks to.
async fn touch_key(conn: &mut PgConnection, w: &EventWrite) -> Result<()> {
    if let Some(key_id) = &w.touch_key {
        sqlx::query(TOUCH_KEY).bind(&w.tenant_id).bind(key_id).bind(w.now).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues the deliveries of the events that notify, in one statement for all of them.
async fn enqueue_deliveries(conn: &mut PgConnection, writes: &[&EventWrite]) -> Result<()> {
    let notify: Vec<(&EventWrite, &(String, String))> =
        writes.iter().filter_map(|w| w.notify.as_ref().map(|n| (*w, n))).collect();
    if notify.is_empty() {
        return Ok(());
    }
    sqlx::query(ENQUEUE_BATCH)
        .bind(column(&notify, |(w, _)| w.tenant_id.as_str()))
        .bind(column(&notify, |(w, _)| w.id.as_str()))
        .bind(column(&notify, |(w, _)| w.user_key.as_str()))
        .bind(column(&notify, |(_, (payload, _))| payload.as_str()))
        .bind(column(&notify, |(w, _)| w.now))
        .bind(column(&notify, |(_, (_, pattern))| pattern.as_str()))
        .execute(&mut *conn)
        .await?;
    Ok(())
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

/// The batch statements take one array per column, so that each has one text whatever the
/// size of the batch: PostgreSQL parses and plans each once per connection instead of once
/// per size, and a connection's statement cache is not flooded with a variant per size.
const LINK_KEYS: &str = "INSERT INTO visitor_keys (tenant_id, kind, value, visitor_id, created_at) \
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[]) \
    ON CONFLICT (tenant_id, kind, value) DO NOTHING";
/// The owners of the given keys; `LATERAL` keeps it one index lookup per key.
const KEY_OWNERS: &str = "SELECT q.tenant_id, q.kind, q.value, k.visitor_id \
    FROM UNNEST($1::text[], $2::text[], $3::text[]) AS q (tenant_id, kind, value) \
    CROSS JOIN LATERAL (SELECT visitor_id FROM visitor_keys \
        WHERE tenant_id = q.tenant_id AND kind = q.kind AND value = q.value) AS k";
const UPSERT_VISITORS: &str = concat!(
    "INSERT INTO visitors (tenant_id, id, first_seen_at, last_seen_at) \
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[])",
    crate::visitors::visitor_seen_again!()
);
const INSERT_EVENTS: &str = concat!(
    super::insert_event_columns!(),
    "SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::text[], \
     $8::text[], $9::text[], $10::text[], $11::int4[], $12::text[], $13::text[], $14::text[], $15::text[], \
     $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[])"
);
const LINK_USERS: &str = concat!(
    "INSERT INTO device_users (tenant_id, visitor_id, user_key, first_seen_at, last_seen_at) \
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[])",
    super::user_seen_again!()
);

/// The deliveries of each event to each of its tenant's webhooks whose decisions match the
/// event's pattern: `crate::webhooks::ENQUEUE_DELIVERIES` for many events at once.
const ENQUEUE_BATCH: &str = concat!(
    crate::webhooks::insert_delivery_columns!(),
    "SELECT w.tenant_id, e.event_id || '.' || w.id, w.id, e.event_id, e.user_key, e.payload, 'PENDING', 0, e.at, e.at \
    FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[]) \
        AS e (tenant_id, event_id, user_key, payload, at, pattern) \
    JOIN webhooks w ON w.tenant_id = e.tenant_id AND (',' || w.decisions || ',') LIKE e.pattern"
);

/// One column of a batch statement: what `$n::type[]` is bound to.
fn column<T, R>(rows: impl IntoIterator<Item = R>, field: impl Fn(R) -> T) -> Vec<T> {
    rows.into_iter().map(field).collect()
}

/// The batch's rows, one statement per table: every statement is a round trip to the
/// database, so a batch costs a handful of them instead of a handful per event. Gives the
/// visitor each event was stored under.
async fn commit_batch(conn: &mut PgConnection, batch: &[Job]) -> Result<Vec<String>> {
    let writes: Vec<&EventWrite> = batch.iter().map(|(w, _)| w).collect();
    let mut tx = conn.begin().await?;

    let links = key_links(&writes);
    if !links.is_empty() {
        sqlx::query(LINK_KEYS)
            .bind(column(&links, |((t, _, _), _)| *t))
            .bind(column(&links, |((_, k, _), _)| *k))
            .bind(column(&links, |((_, _, v), _)| *v))
            .bind(column(&links, |(_, (visitor, _))| *visitor))
            .bind(column(&links, |(_, (_, at))| *at))
            .execute(&mut *tx)
            .await?;
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
        owners = sqlx::query_as(KEY_OWNERS)
            .bind(column(&new, |(w, _)| w.tenant_id.as_str()))
            .bind(column(&new, |(_, (kind, _))| *kind))
            .bind(column(&new, |(_, (_, value))| value.as_str()))
            .fetch_all(&mut *tx)
            .await?;
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

    sqlx::query(UPSERT_VISITORS)
        .bind(column(&rows.visitors, |((t, _), _)| *t))
        .bind(column(&rows.visitors, |((_, v), _)| *v))
        .bind(column(&rows.visitors, |(_, (first, _))| *first))
        .bind(column(&rows.visitors, |(_, (_, last))| *last))
        .execute(&mut *tx)
        .await?;

    let ws = || writes.iter().copied();
    sqlx::query(INSERT_EVENTS)
        .bind(column(ws(), |w| w.tenant_id.as_str()))
        .bind(column(ws(), |w| w.id.as_str()))
        .bind(column(ws(), |w| w.event_type))
        .bind(column(ws(), |w| w.now))
        .bind(column(ws(), |w| w.external_user_id.as_deref()))
        .bind(column(ws(), |w| w.email.as_deref()))
        .bind(column(ws(), |w| w.user_key.as_str()))
        .bind(column(ws(), |w| w.ip.as_deref()))
        .bind(column(&visitors, String::as_str))
        .bind(column(ws(), |w| w.payload_id.as_deref()))
        .bind(column(ws(), |w| w.risk_score))
        .bind(column(ws(), |w| w.risk_band))
        .bind(column(ws(), |w| w.decision))
        .bind(column(ws(), |w| w.triggered.as_str()))
        .bind(column(ws(), |w| w.device_json.as_str()))
        .bind(column(ws(), |w| w.checks_json.as_str()))
        .bind(column(ws(), |w| w.signals_json.as_str()))
        .bind(column(ws(), |w| w.email_normalized.as_deref()))
        .bind(column(ws(), |w| w.ip_country.as_deref()))
        .bind(column(ws(), |w| w.phone.as_deref()))
        .bind(column(ws(), |w| w.phone_range.as_deref()))
        .bind(column(ws(), |w| w.referrer_user_id.as_deref()))
        .bind(column(ws(), |w| w.promo_code.as_deref()))
        .execute(&mut *tx)
        .await?;

    if !rows.users.is_empty() {
        sqlx::query(LINK_USERS)
            .bind(column(&rows.users, |((t, _, _), _)| *t))
            .bind(column(&rows.users, |((_, v, _), _)| *v))
            .bind(column(&rows.users, |((_, _, u), _)| *u))
            .bind(column(&rows.users, |(_, (first, _))| *first))
            .bind(column(&rows.users, |(_, (_, last))| *last))
            .execute(&mut *tx)
            .await?;
    }

    // Keys' last uses in key order, like the rows above.
    let mut rare = writes.clone();
    rare.sort_by(|a, b| (&a.tenant_id, &a.touch_key).cmp(&(&b.tenant_id, &b.touch_key)));
    for w in rare {
        touch_key(&mut tx, w).await?;
    }
    enqueue_deliveries(&mut tx, &writes).await?;
    tx.commit().await?;
    Ok(visitors)
}
