//! Signals derived from one event, without any stored data.

mod behavior;
mod device;
mod driving;
mod email;
mod ip;
mod phone;
mod user_agent;

use serde::{Deserialize, Serialize};

pub use behavior::{thresholds as behavior_thresholds, BehaviorDerived};
pub use device::{hardware_key, DeviceDerived};
pub use email::{normalize_email, EmailDerived};
pub use ip::IpSignals;
pub use phone::{normalize_phone, PhoneDerived};

use crate::geo::Geo;
use crate::input::IngestRequest;
use crate::reputation::Reputation;

/// Stored with each event (`derivedSignals`) and read back to score it again under other
/// settings, so every part reads with defaults for what an older version did not store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Signals {
    pub ip: IpSignals,
    pub device: DeviceDerived,
    pub behavior: BehaviorDerived,
    pub email: EmailDerived,
    pub phone: PhoneDerived,
}

/// Derives every signal of the event.
pub fn derive(req: &IngestRequest, reputation: &Reputation, geo: &Geo) -> Signals {
    let timezone = req.device.as_ref().and_then(|d| d.timezone.as_deref());
    let device = device::derive(req.device.as_ref());
    // The platform's input is judged by the operating system the device's user agent names.
    let behavior = behavior::derive(req.behavior.as_ref(), device.os.as_deref());
    Signals {
        ip: ip::derive(req.ip.as_deref(), timezone, reputation, geo),
        device,
        behavior,
        email: email::derive(req.email.as_deref(), reputation),
        phone: phone::derive(req.phone.as_deref(), reputation),
    }
}
