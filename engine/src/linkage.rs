//! Counts that link this event to stored ones. The store reads them (before the event itself
//! is stored, so none of them includes it); the engine only compares them with limits.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Linkage {
    /// Distinct users other than this event's user ever seen on this device.
    pub other_users_on_device: u32,
    /// Distinct users other than this event's user with a SIGNUP on this device in 30 days.
    pub other_signup_users_on_device_30d: u32,
    /// Distinct users other than this event's user with a SIGNUP from this IP in 30 days.
    pub other_signup_users_on_ip_30d: u32,
    /// SIGNUP events from this IP in the last hour.
    pub signups_on_ip_1h: u32,
    /// SIGNUP events on this device in the last hour.
    pub signups_on_device_1h: u32,
    /// Distinct users other than this event's user who signed up with the same normalised
    /// email (an alias of this one).
    pub other_users_with_email: u32,
    /// The collector's `payloadId` was already stored with an earlier event.
    pub payload_seen_before: bool,
}
