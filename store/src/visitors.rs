//! Resolving an event's device to a tenant-scoped visitor: by the collector's device token,
//! else by the exact fingerprint, else by the hardware key (fuzzy), else a new visitor. The
//! keys are looked up within the linkage query (`linkage.rs`); this decides from what it found.

use serde::Serialize;

use crate::db::with_pool;
use crate::{Result, Store};

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
    pub(crate) fn kind(self) -> &'static str {
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
}

impl VisitorMatch {
    /// The visitor an event resolves to from the visitor of each of its keys (as the linkage
    /// query looked them up): the most certain key's, else `new_id`, created when the event
    /// is recorded so that a failed request leaves nothing behind.
    pub(crate) fn from_found(found: [(MatchMethod, Option<String>); 3], new_id: String) -> Self {
        let matched: Vec<(MatchMethod, String)> =
            found.into_iter().filter_map(|(method, visitor)| visitor.map(|v| (method, v))).collect();
        // Every kind that has a visitor needs no new link, the first names the visitor.
        let linked: Vec<&'static str> = matched.iter().map(|(m, _)| m.kind()).collect();
        match matched.into_iter().next() {
            Some((method, visitor_id)) => {
                VisitorMatch { visitor_id, method, confidence: method.confidence(), is_new: false, linked }
            }
            None => VisitorMatch {
                visitor_id: new_id,
                method: MatchMethod::New,
                confidence: MatchMethod::New.confidence(),
                is_new: true,
                linked,
            },
        }
    }
}

/// Inserts a new visitor, or records that a known one was seen again, at most once a minute.
/// Every event of a device would otherwise rewrite its row, and on PostgreSQL leave a dead
/// row version behind each time.
pub(crate) const UPSERT_VISITOR: &str = "INSERT INTO visitors (tenant_id, id, first_seen_at, last_seen_at) \
    VALUES ($1, $2, $3, $3) ON CONFLICT (tenant_id, id) DO UPDATE SET last_seen_at = excluded.last_seen_at \
    WHERE visitors.last_seen_at <= excluded.last_seen_at - 60000";
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_certain_key_names_the_visitor() {
        let found = |t: Option<&str>, f: Option<&str>, h: Option<&str>| {
            let s = |v: Option<&str>| v.map(str::to_string);
            VisitorMatch::from_found(
                [
                    (MatchMethod::DeviceToken, s(t)),
                    (MatchMethod::Fingerprint, s(f)),
                    (MatchMethod::Hardware, s(h)),
                ],
                "vis_new".into(),
            )
        };
        let m = found(None, Some("vis_f"), Some("vis_h"));
        assert_eq!((m.visitor_id.as_str(), m.method, m.is_new), ("vis_f", MatchMethod::Fingerprint, false));
        assert_eq!(m.linked, vec!["fingerprint", "hardware"]);
        let m = found(Some("vis_t"), None, Some("vis_h"));
        assert_eq!((m.visitor_id.as_str(), m.confidence), ("vis_t", 1.0));
        let m = found(None, None, None);
        assert_eq!((m.visitor_id.as_str(), m.method, m.is_new), ("vis_new", MatchMethod::New, true));
        assert!(m.linked.is_empty());
    }
}
