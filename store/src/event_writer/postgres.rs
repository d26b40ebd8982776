//! PostgreSQL's event writer: a task that sends each batch in one call of a function on the
//! server, each column bound as an array, since every statement is a round trip.
//!
//! Several servers may write to one PostgreSQL at once. Each batch writes the rows of a
//! table in key order, so that two batches lock the rows they share in the same order and
//! never wait for each other in a cycle.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use tokio::sync::mpsc;

use super::{EventWrite, Job, MAX_BATCH};
use crate::error::connection_broke;
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

/// One event alone, after its batch failed; gives the visitor it was stored under.
async fn commit_one(pool: &PgPool, w: &EventWrite) -> Result<String> {
    let mut conn = pool.acquire().await?;
    let mut visitors = write_events(&mut conn, &[w]).await?;
    visitors.pop().ok_or_else(super::stopped)
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

/// The batch in one call of `doorman_write_events` (migrations 0013 to 0022), which runs its
/// statements in order on the server: one round trip instead of one per statement. Its
/// arguments are one array per column, so that the call has one text whatever the size of
/// the batch.
const WRITE_EVENTS: &str = "SELECT doorman_write_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
    $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, \
    $36, $37, $38, $39)";

/// The key whose owner a new device joins: its most certain one.
fn owner_key(w: &EventWrite) -> Option<&(&'static str, String)> {
    w.key_links.first().filter(|_| w.visitor_is_new)
}

/// One column of the call: what an array argument is bound to.
fn column<T, R>(rows: impl IntoIterator<Item = R>, field: impl Fn(R) -> T) -> Vec<T> {
    rows.into_iter().map(field).collect()
}

/// Commits `batch` and gives the visitor each event was stored under.
async fn commit_batch(conn: &mut PgConnection, batch: &[Job]) -> Result<Vec<String>> {
    let writes: Vec<&EventWrite> = batch.iter().map(|(w, _)| w).collect();
    write_events(conn, &writes).await
}

/// Writes `writes` in one transaction, in order.
async fn write_events(conn: &mut PgConnection, writes: &[&EventWrite]) -> Result<Vec<String>> {
    let links = key_links(writes);
    // Keys' last uses in key order, like the rows the function orders itself.
    let mut touches: Vec<(&str, &str, i64)> = writes
        .iter()
        .filter_map(|w| w.touch_key.as_deref().map(|key| (w.tenant_id.as_str(), key, w.now)))
        .collect();
    touches.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.cmp(&a.2)));
    touches.dedup_by(|later, kept| (later.0, later.1) == (kept.0, kept.1));
    let notify: Vec<(&EventWrite, &(String, String))> =
        writes.iter().filter_map(|w| w.notify.as_ref().map(|n| (*w, n))).collect();
    let ws = || writes.iter().copied();

    let visitors: Vec<String> = sqlx::query_scalar(WRITE_EVENTS)
        .bind(column(&links, |((t, _, _), _)| *t))
        .bind(column(&links, |((_, k, _), _)| *k))
        .bind(column(&links, |((_, _, v), _)| *v))
        .bind(column(&links, |(_, (visitor, _))| *visitor))
        .bind(column(&links, |(_, (_, at))| *at))
        .bind(column(ws(), |w| w.tenant_id.as_str()))
        .bind(column(ws(), |w| w.id.as_str()))
        .bind(column(ws(), |w| w.event_type))
        .bind(column(ws(), |w| w.now))
        .bind(column(ws(), |w| w.external_user_id.as_deref()))
        .bind(column(ws(), |w| w.email.as_deref()))
        .bind(column(ws(), |w| w.user_key.as_str()))
        .bind(column(ws(), |w| w.ip.as_deref()))
        .bind(column(ws(), |w| w.visitor_id.as_str()))
        .bind(column(ws(), |w| w.payload_id.as_deref()))
        .bind(column(ws(), |w| w.risk_score))
        .bind(column(ws(), |w| w.risk_band))
        .bind(column(ws(), |w| w.decision))
        .bind(column(ws(), |w| w.triggered.as_str()))
        .bind(column(ws(), |w| w.device_json.as_bytes()))
        .bind(column(ws(), |w| w.checks_json.as_bytes()))
        .bind(column(ws(), |w| w.signals_json.as_bytes()))
        .bind(column(ws(), |w| w.email_normalized.as_deref()))
        .bind(column(ws(), |w| w.ip_country.as_deref()))
        .bind(column(ws(), |w| w.phone.as_deref()))
        .bind(column(ws(), |w| w.phone_range.as_deref()))
        .bind(column(ws(), |w| w.referrer_user_id.as_deref()))
        .bind(column(ws(), |w| w.promo_code.as_deref()))
        .bind(column(ws(), |w| owner_key(w).map(|(kind, _)| *kind)))
        .bind(column(ws(), |w| owner_key(w).map(|(_, value)| value.as_str())))
        .bind(column(&touches, |(t, _, _)| *t))
        .bind(column(&touches, |(_, key, _)| *key))
        .bind(column(&touches, |(_, _, at)| *at))
        .bind(column(&notify, |(w, _)| w.tenant_id.as_str()))
        .bind(column(&notify, |(w, _)| w.id.as_str()))
        .bind(column(&notify, |(w, _)| w.user_key.as_str()))
        .bind(column(&notify, |(_, (payload, _))| payload.as_str()))
        .bind(column(&notify, |(w, _)| w.now))
        .bind(column(&notify, |(_, (_, pattern))| pattern.as_str()))
        .fetch_one(&mut *conn)
        .await?;
    if visitors.len() != writes.len() {
        return Err(StoreError::Corrupt(format!(
            "doorman_write_events gave {} visitors for {} events",
            visitors.len(),
            writes.len()
        )));
    }
    Ok(visitors)
}
