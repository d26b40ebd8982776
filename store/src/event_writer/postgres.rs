//! PostgreSQL's event writer: a task that sends each batch in one many-row statement per
//! table, since every statement is a round trip to the server.
//!
//! Several servers may write to one PostgreSQL at once. Each batch writes the rows of a
//! table in key order, so that two batches lock the rows they share in the same order and
//! never wait for each other in a cycle.

use std::collections::BTreeMap;

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use tokio::sync::mpsc;

use super::{EventWrite, Job, EVENT_COLUMNS, INSERT_EVENT, KEY_OWNER, LINK_USER, MAX_BATCH, TOUCH_KEY};
use crate::visitors::{LINK_KEY, UPSERT_VISITOR};
use crate::webhooks::ENQUEUE_DELIVERIES;
use crate::Result;

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

/// Commits the queue's events in batches until every sender is gone.
pub(super) async fn run(pool: PgPool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = batch_after(first, &mut queue);
        match commit_batch(&pool, &batch).await {
            Ok(visitors) => batch.into_iter().zip(visitors).for_each(|((_, reply), visitor)| {
                let _ = reply.send(Ok(visitor));
            }),
            // The batch was rolled back: each event is written alone, so that only the one
            // that fails is refused.
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
    if let Some(key_id) = &w.touch_key {
        sqlx::query(TOUCH_KEY).bind(&w.tenant_id).bind(key_id).bind(w.now).execute(&mut *conn).await?;
    }
    if let Some((payload, pattern)) = &w.notify {
        sqlx::query(ENQUEUE_DELIVERIES)
            .bind(&w.tenant_id)
            .bind(&w.id)
            .bind(&w.user_key)
            .bind(payload)
            .bind(w.now)
            .bind(pattern)
            .execute(&mut *conn)
            .await?;
    }
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

/// The batch's rows, one multi-row statement per table: every statement is a round trip to
/// the database, so a batch costs a handful of them instead of a handful per event. Gives
/// the visitor each event was stored under.
async fn commit_batch(pool: &PgPool, batch: &[Job]) -> Result<Vec<String>> {
    let writes: Vec<&EventWrite> = batch.iter().map(|(w, _)| w).collect();
    let mut tx = pool.begin().await?;

    let links = key_links(&writes);
    if !links.is_empty() {
        let mut keys = QueryBuilder::<Postgres>::new(
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
        let mut query = QueryBuilder::<Postgres>::new("");
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
        QueryBuilder::<Postgres>::new("INSERT INTO visitors (tenant_id, id, first_seen_at, last_seen_at) ");
    upsert.push_values(&rows.visitors, |mut row, ((tenant, visitor), (first, last))| {
        row.push_bind(*tenant).push_bind(*visitor).push_bind(*first).push_bind(*last);
    });
    upsert.push(crate::visitors::visitor_seen_again!());
    upsert.build().execute(&mut *tx).await?;

    let mut events = QueryBuilder::<Postgres>::new(EVENT_COLUMNS);
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
        let mut links = QueryBuilder::<Postgres>::new(
            "INSERT INTO device_users (tenant_id, visitor_id, user_key, first_seen_at, last_seen_at) ",
        );
        links.push_values(&rows.users, |mut row, ((tenant, visitor, user), (first, last))| {
            row.push_bind(*tenant).push_bind(*visitor).push_bind(*user).push_bind(*first).push_bind(*last);
        });
        links.push(super::user_seen_again!());
        links.build().execute(&mut *tx).await?;
    }

    // Keys' last uses in key order, like the rows above.
    let mut rare = writes.clone();
    rare.sort_by(|a, b| (&a.tenant_id, &a.touch_key).cmp(&(&b.tenant_id, &b.touch_key)));
    for w in rare {
        write_rare(&mut tx, w).await?;
    }
    tx.commit().await?;
    Ok(visitors)
}
