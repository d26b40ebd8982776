//! Resolving an event's device to a tenant-scoped visitor: by the collector's device token,
//! else by the exact fingerprint, else by the hardware key (fuzzy), else a new visitor.

use serde::Serialize;

use crate::db::with_pool;
use crate::{ids, Result, Store};

/// The identifiers of a device that an event carries; any of them may be missing.
#[derive(Debug, Clone, Default)]
pub struct DeviceKeys<'a> {
    pub token: Option<&'a str>,
    pub fingerprint: Option<&'a str>,
    pub hardware: Option<&'a str>,
}

impl<'a> DeviceKeys<'a> {
    /// The keys in the order they are trusted, with the kind stored for each.
    fn ranked(&self) -> impl Iterator<Item = (MatchMethod, &'a str)> {
        [
            (MatchMethod::DeviceToken, self.token),
            (MatchMethod::Fingerprint, self.fingerprint),
            (MatchMethod::Hardware, self.hardware),
        ]
        .into_iter()
        .filter_map(|(m, v)| v.filter(|v| !v.is_empty()).map(|v| (m, v)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MatchMethod {
    DeviceToken,
    Fingerprint,
    Hardware,
    New,
}

impl MatchMethod {
    fn kind(self) -> &'static str {
        match self {
            MatchMethod::DeviceToken => "token",
            MatchMethod::Fingerprint => "fingerprint",
            MatchMethod::Hardware => "hardware",
            MatchMethod::New => "new",
        }
    }

    /// How sure the match is that this is the same device.
    fn confidence(self) -> f32 {
        match self {
            MatchMethod::DeviceToken => 1.0,
            MatchMethod::Fingerprint => 0.95,
            MatchMethod::Hardware => 0.7,
            MatchMethod::New => 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorMatch {
    pub visitor_id: String,
    pub method: MatchMethod,
    pub confidence: f32,
    #[serde(skip)]
    pub is_new: bool,
    /// Kinds of this event's keys already linked to a visitor, which need no new link.
    #[serde(skip)]
    pub linked: Vec<&'static str>,
}

/// A visitor as stored: when the device was first and last seen.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Visitor {
    pub id: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

impl Store {
    /// One visitor of the tenant.
    pub async fn visitor(&self, tenant_id: &str, visitor_id: &str) -> Result<Option<Visitor>> {
        let sql = "SELECT id, first_seen_at, last_seen_at FROM visitors WHERE tenant_id = $1 AND id = $2";
        Ok(with_pool!(self, pool => sqlx::query_as::<_, Visitor>(sql).bind(tenant_id).bind(visitor_id)
            .fetch_optional(pool).await)?)
    }

    /// Finds the visitor for these keys, or names a new one (created when the event is
    /// recorded, so a failed request leaves nothing behind).
    pub(crate) async fn resolve_visitor(
        &self,
        tenant_id: &str,
        keys: &DeviceKeys<'_>,
    ) -> Result<VisitorMatch> {
        let rows: Vec<(String, String)> = if keys.ranked().next().is_none() {
            Vec::new()
        } else {
            with_pool!(self, pool => sqlx::query_as(RESOLVE_SQL)
                .bind(tenant_id)
                .bind(keys.token.unwrap_or(""))
                .bind(keys.fingerprint.unwrap_or(""))
                .bind(keys.hardware.unwrap_or(""))
                .fetch_all(pool)
                .await)?
        };
        // Each key kind that has a visitor, the most certain first: the first names the
        // visitor, and all of them need no new link.
        let matched: Vec<(MatchMethod, &str)> =
            [MatchMethod::DeviceToken, MatchMethod::Fingerprint, MatchMethod::Hardware]
                .into_iter()
                .filter_map(|m| {
                    rows.iter().find(|(kind, _)| kind == m.kind()).map(|(_, id)| (m, id.as_str()))
                })
                .collect();
        let linked: Vec<&'static str> = matched.iter().map(|(m, _)| m.kind()).collect();
        let found = matched.first().map(|&(method, id)| (method, id.to_string()));
        Ok(match found {
            Some((method, visitor_id)) => {
                VisitorMatch { visitor_id, method, confidence: method.confidence(), is_new: false, linked }
            }
            None => VisitorMatch {
                visitor_id: ids::new_id("vis"),
                method: MatchMethod::New,
                confidence: MatchMethod::New.confidence(),
                is_new: true,
                linked,
            },
        })
    }
}

/// The visitor of each key, one exact primary-key lookup per kind: an OR of the three lets
/// SQLite walk every key of the tenant instead.
pub(crate) const RESOLVE_SQL: &str = "\
    SELECT kind, visitor_id FROM visitor_keys WHERE tenant_id = $1 AND kind = 'token' AND value = $2 \
    UNION ALL SELECT kind, visitor_id FROM visitor_keys WHERE tenant_id = $1 AND kind = 'fingerprint' AND value = $3 \
    UNION ALL SELECT kind, visitor_id FROM visitor_keys WHERE tenant_id = $1 AND kind = 'hardware' AND value = $4";
/// Inserts a new visitor (or touches it if a concurrent request inserted it first).
pub(crate) const INSERT_VISITOR: &str =
    "INSERT INTO visitors (tenant_id, id, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3) \
     ON CONFLICT (tenant_id, id) DO UPDATE SET last_seen_at = excluded.last_seen_at";
pub(crate) const TOUCH_VISITOR: &str =
    "UPDATE visitors SET last_seen_at = $3 WHERE tenant_id = $1 AND id = $2";
/// Links a key to a visitor. A key already linked keeps its first owner.
pub(crate) const LINK_KEY: &str =
    "INSERT INTO visitor_keys (tenant_id, kind, value, visitor_id, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, kind, value) DO NOTHING";

impl DeviceKeys<'_> {
    /// `(kind, value)` of every key present, for [`LINK_KEY`].
    pub(crate) fn kinds_and_values(&self) -> Vec<(&'static str, &str)> {
        self.ranked().map(|(m, v)| (m.kind(), v)).collect()
    }
}
