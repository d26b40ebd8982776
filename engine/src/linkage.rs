//! Counts that link this event to stored ones. The store reads them (before the event itself
//! is stored, so none of them includes it); the engine only compares them with limits.
//!
//! The store reads only what the event's type needs: the counts of other types stay zero
//! and are left out of `derivedSignals`.

use serde::{Deserialize, Serialize};

use crate::geo::CountryPlaces;
use crate::velocity::Velocity;

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Linkage {
    /// Rules the tenant snoozed for this event's user, device or address, each with the end
    /// of its snooze (epoch ms).
    #[serde(skip)]
    pub snoozes: Vec<(String, i64)>,
    /// Reported on its own as `derivedSignals.velocity`.
    #[serde(skip)]
    pub velocity: Velocity,
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

    /// LOGIN: devices other than this one the user was seen on.
    #[serde(skip_serializing_if = "is_zero")]
    pub other_devices_of_user: u32,
    /// LOGIN: the user was seen on this device before.
    #[serde(skip_serializing_if = "is_false")]
    pub device_known_for_user: bool,
    /// LOGIN: distinct other users who logged in on this device in the last hour.
    #[serde(skip_serializing_if = "is_zero")]
    pub other_login_users_on_device_1h: u32,
    /// LOGIN: distinct other users who logged in from this IP in the last hour.
    #[serde(skip_serializing_if = "is_zero")]
    pub other_login_users_on_ip_1h: u32,
    /// LOGIN: logins reported failed (feedback) on this device in the last hour.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed_logins_on_device_1h: u32,
    /// LOGIN: logins reported failed (feedback) from this IP in the last hour.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed_logins_on_ip_1h: u32,
    /// LOGIN: the user's latest earlier login with a known IP country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_login: Option<PreviousLogin>,
    /// SMS_OTP: codes requested on this device in 24 hours.
    #[serde(skip_serializing_if = "is_zero")]
    pub sms_on_device_24h: u32,
    /// SMS_OTP: codes sent to numbers of this number's range in the last hour.
    #[serde(skip_serializing_if = "is_zero")]
    pub sms_on_range_1h: u32,
    /// TRIAL_START: distinct other users who started a trial on this device.
    #[serde(skip_serializing_if = "is_zero")]
    pub other_trial_users_on_device: u32,
    /// REFERRAL: the referrer was seen on this device.
    #[serde(skip_serializing_if = "is_false")]
    pub referrer_seen_on_device: bool,
    /// REFERRAL: distinct other users referred on this device.
    #[serde(skip_serializing_if = "is_zero")]
    pub other_referrals_on_device: u32,
    /// PROMO_REDEEM: distinct other users who redeemed this code on this device.
    #[serde(skip_serializing_if = "is_zero")]
    pub other_promo_users_on_device: u32,
    /// PASSWORD_RESET: resets requested on this device in the last hour.
    #[serde(skip_serializing_if = "is_zero")]
    pub resets_on_device_1h: u32,
    /// PASSWORD_RESET: resets requested for this user in the last hour.
    #[serde(skip_serializing_if = "is_zero")]
    pub resets_for_user_1h: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousLogin {
    pub country: String,
    pub elapsed_ms: i64,
    /// The shortest distance between the two logins' countries, from
    /// [`Linkage::measure_travel`]; unknown when either country is not on the map.
    pub min_distance_km: Option<f64>,
}

impl Linkage {
    /// Fills in how far the previous login's country is from this event's.
    pub fn measure_travel(&mut self, places: &CountryPlaces, country: Option<&str>) {
        if let (Some(previous), Some(country)) = (self.previous_login.as_mut(), country) {
            previous.min_distance_km = places.min_distance_km(&previous.country, country);
        }
    }
}
