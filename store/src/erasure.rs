//! Erasure of one end user of a tenant, for deletion requests: their events, their device
//! links, the visitors left with nobody, and their name where they referred someone.

use serde::{Deserialize, Serialize};

use crate::db::with_writer;
use crate::packed_json::StoredJson;
use crate::{Result, Store, StoreError};

/// What an erasure removed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erased {
    pub events: u64,
    pub device_links: u64,
    pub visitors: u64,
}

/// What stands where an erased user was named in another user's event.
pub const ERASED: &str = "[erased]";

/// How the audit log names an erased user: an opaque reference, the same for the same user
/// of the same tenant (so that a second request can be matched to the first), from which the
/// identifier cannot be read back.
pub fn erasure_reference(tenant_id: &str, user: &str) -> String {
    let digest = crate::ids::sha256_hex(&format!("{tenant_id}\u{0}{}", user.trim()));
    format!("user#{}", &digest[..16])
}

/// Checks a user id taken from a URL or a form: the same bounds as `externalUserId`.
pub fn validate_user(user: &str) -> Result<&str> {
    let user = user.trim();
    if user.is_empty() || user.chars().count() > doorman_engine::input::limits::USER_ID {
        return Err(StoreError::Invalid(format!(
            "a user id has 1 to {} characters",
            doorman_engine::input::limits::USER_ID
        )));
    }
    Ok(user)
}

impl Store {
    /// Removes everything stored about `user` (an `externalUserId`, or the normalised email of
    /// events sent without one) in the tenant, in one transaction. A visitor left without
    /// events or users is removed with its device keys, so no identifier of the device stays
    /// behind; counts that rules read afterwards no longer include the user.
    pub async fn erase_user(&self, tenant_id: &str, user: &str) -> Result<Erased> {
        let user = validate_user(user)?;
        let events = "DELETE FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND (user_key = $2 OR external_user_id = $2) RETURNING visitor_id";
        let links = "DELETE FROM device_users WHERE tenant_id = $1 AND user_key = $2 RETURNING visitor_id";
        let orphan = "NOT EXISTS (SELECT 1 FROM events e WHERE e.tenant_number = (SELECT number FROM tenants WHERE id = $1) AND e.visitor_id = $2) \
            AND NOT EXISTS (SELECT 1 FROM device_users d WHERE d.tenant_id = $1 AND d.visitor_id = $2)";
        let visitor = format!("DELETE FROM visitors WHERE tenant_id = $1 AND id = $2 AND {orphan}");
        let keys = "DELETE FROM visitor_keys WHERE tenant_id = $1 AND visitor_id = $2";
        let deliveries = "DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND user_key = $2";
        let reviews = "DELETE FROM review_items WHERE tenant_id = $1 AND NOT EXISTS \
            (SELECT 1 FROM events e WHERE e.tenant_number = (SELECT number FROM tenants WHERE id = $1) AND e.id = review_items.event_id)";
        // Where the user referred someone else, that event stays (it is the referee's), but
        // not who referred: its column, and its checks' details that name the referrer (in
        // Rust: a SQLite row's checks are packed).
        let referring = "SELECT id, checks_json FROM events WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND referrer_user_id = $2";
        let referred =
            "UPDATE events SET referrer_user_id = NULL, checks_json = $3 WHERE tenant_number = (SELECT number FROM tenants WHERE id = $1) AND id = $2";
        let erased = with_writer!(self, pool => {
            // Deletes come first: a SQLite transaction that starts by writing never has to
            // upgrade a read lock, which concurrent ingest could refuse.
            let mut tx = pool.begin().await?;
            let mut touched: Vec<String> = sqlx::query_scalar(events).bind(tenant_id).bind(user).fetch_all(&mut *tx).await?;
            let events = touched.len() as u64;
            let linked: Vec<String> = sqlx::query_scalar(links).bind(tenant_id).bind(user).fetch_all(&mut *tx).await?;
            let device_links = linked.len() as u64;
            sqlx::query(deliveries).bind(tenant_id).bind(user).execute(&mut *tx).await?;
            sqlx::query(reviews).bind(tenant_id).execute(&mut *tx).await?;
            let referrals: Vec<(String, StoredJson)> =
                sqlx::query_as(referring).bind(tenant_id).bind(user).fetch_all(&mut *tx).await?;
            for (id, checks) in referrals {
                let checks = checks.replaced(user, ERASED)?;
                sqlx::query(referred).bind(tenant_id).bind(&id).bind(checks).execute(&mut *tx).await?;
            }
            touched.extend(linked);
            touched.sort();
            touched.dedup();
            let mut visitors = 0;
            for visitor_id in &touched {
                let gone = sqlx::query(&visitor).bind(tenant_id).bind(visitor_id).execute(&mut *tx).await?.rows_affected();
                if gone > 0 {
                    sqlx::query(keys).bind(tenant_id).bind(visitor_id).execute(&mut *tx).await?;
                    visitors += gone;
                }
            }
            tx.commit().await?;
            Erased { events, device_links, visitors }
        });
        Ok(erased)
    }
}
