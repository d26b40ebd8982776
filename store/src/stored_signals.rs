//! An event's device and derived signals as its row keeps them: without what the row's own
//! columns hold or the device gives again, and with behaviour measures to 4 significant
//! digits. The visitor id, normalised email, address and payload id were each written twice
//! per event, in a column and in the JSON, and being random (or nearly) they were most of
//! what the packed JSON could not compress; the hardware key is a hash of the device.
//!
//! A field is left out only where [`restore`] gives back the same value, and filled in only
//! where it is missing, so rows written before are read as they are.

use doorman_engine::derive::{behavior_thresholds as limits, hardware_key};
use doorman_engine::input::DeviceSignals;
use serde_json::{Map, Value};

/// The columns of the event's row that its JSON repeated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns<'a> {
    pub visitor_id: &'a str,
    pub email_normalized: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub payload_id: Option<&'a str>,
}

/// Significant digits kept of a behaviour measure: the checks' own messages show two.
const DIGITS: usize = 4;

/// The thresholds the behaviour rules compare measures with: a measure is kept as it was
/// where rounding would move it across one, so that scoring a stored event again decides
/// as its first scoring did.
const THRESHOLDS: [f64; 3] =
    [limits::ROBOTIC_STRAIGHTNESS, limits::ROBOTIC_TIMING_CV, limits::UNIFORM_TYPING_CV];

fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |v| Value::String(v.to_string()))
}

fn object<'v>(value: &'v mut Value, key: &str) -> Option<&'v mut Map<String, Value>> {
    value.get_mut(key).and_then(Value::as_object_mut)
}

/// Removes `key` from `map` where it holds `expected`.
fn drop_if(map: Option<&mut Map<String, Value>>, key: &str, expected: &Value) {
    if let Some(map) = map {
        if map.get(key) == Some(expected) {
            map.remove(key);
        }
    }
}

/// Sets `key` in `map` where it is missing.
fn fill(map: Option<&mut Map<String, Value>>, key: &str, value: impl FnOnce() -> Value) {
    if let Some(map) = map {
        if !map.contains_key(key) {
            map.insert(key.to_string(), value());
        }
    }
}

fn domain(email_normalized: Option<&str>) -> Value {
    text(email_normalized.and_then(|e| e.rsplit_once('@')).map(|(_, domain)| domain))
}

fn rounded(value: f64) -> f64 {
    let Ok(short) = format!("{value:.*e}", DIGITS - 1).parse::<f64>() else {
        return value;
    };
    let same_side = THRESHOLDS.iter().all(|&t| (value < t) == (short < t) && (value <= t) == (short <= t));
    if same_side {
        short
    } else {
        value
    }
}

/// The device JSON to store: without the payload id, which the row keeps in a column.
pub(crate) fn slim_device(device: Option<&DeviceSignals>) -> Option<DeviceSignals> {
    device.map(|d| DeviceSignals { payload_id: None, ..d.clone() })
}

/// The derived signals to store. `row.visitor_id` is the prepared visitor's; where the
/// writer stores the event under another (a concurrent first request of the same device
/// linked it first), the id read back is that one, as the ingest answer's `visitorId` is.
/// `hardware_key` is the one derived from the event's device, by the function [`restore`]
/// calls again.
pub(crate) fn slim(signals: &Value, row: Columns, hardware_key: Option<&str>) -> Value {
    let mut signals = signals.clone();
    drop_if(object(&mut signals, "identification"), "visitorId", &Value::String(row.visitor_id.to_string()));
    // The domain first: it is compared with the normalised email that is still there.
    drop_if(object(&mut signals, "email"), "domain", &domain(row.email_normalized));
    drop_if(object(&mut signals, "email"), "normalized", &text(row.email_normalized));
    drop_if(object(&mut signals, "ip"), "address", &text(row.ip));
    drop_if(object(&mut signals, "device"), "hardwareKey", &text(hardware_key));
    if let Some(behavior) = object(&mut signals, "behavior") {
        for value in behavior.values_mut() {
            let measure = value.as_number().filter(|n| n.is_f64()).and_then(serde_json::Number::as_f64);
            if let Some(short) = measure.and_then(|n| serde_json::Number::from_f64(rounded(n))) {
                *value = Value::Number(short);
            }
        }
    }
    signals
}

/// The device as it was sent and the derived signals as they were scored (behaviour
/// measures rounded), from their stored JSON.
pub(crate) fn restore(device: &mut Value, signals: &mut Value, row: Columns) {
    if let Some(map) = device.as_object_mut() {
        if map.get("payloadId").is_none_or(Value::is_null) {
            map.insert("payloadId".to_string(), text(row.payload_id));
        }
    }
    fill(object(signals, "identification"), "visitorId", || Value::String(row.visitor_id.to_string()));
    fill(object(signals, "email"), "normalized", || text(row.email_normalized));
    fill(object(signals, "email"), "domain", || domain(row.email_normalized));
    fill(object(signals, "ip"), "address", || text(row.ip));
    fill(object(signals, "device"), "hardwareKey", || {
        let device = serde_json::from_value::<DeviceSignals>(device.clone()).ok();
        text(device.as_ref().and_then(hardware_key).as_deref())
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn device() -> DeviceSignals {
        serde_json::from_value(json!({
            "userAgent": "Mozilla/5.0", "screen": {"width": 1440, "height": 900, "pixelRatio": 2.0,
            "colorDepth": 24}, "timezone": "Europe/Paris", "language": "fr-FR", "webglVendor": "Apple",
            "webglRenderer": "Apple M1", "hardwareConcurrency": 8, "platform": "MacIntel",
            "canvasHash": "cv1", "payloadId": "p-7f3a"
        }))
        .expect("device")
    }

    const PINNED_KEY: &str = "8e8227266296ea14e15b9b273c346388";

    fn columns() -> Columns<'static> {
        Columns {
            visitor_id: "vis_01",
            email_normalized: Some("ann@example.com"),
            ip: Some("81.0.1.2"),
            payload_id: Some("p-7f3a"),
        }
    }

    fn signals(key: Option<String>) -> Value {
        json!({
            "identification": {"visitorId": "vis_01", "method": "new"},
            "email": {"normalized": "ann@example.com", "domain": "example.com", "disposable": false},
            "ip": {"address": "81.0.1.2", "country": "FR"},
            "device": {"hardwareKey": key, "browser": "Safari 17"},
            "behavior": {"pointerStraightness": 0.22020042122912553, "keyIntervalCv": 0.09999996,
                "pointerPoints": 57, "present": true},
        })
    }

    #[test]
    fn what_the_row_holds_is_left_out_and_read_back() {
        let device = device();
        let key = hardware_key(&device);
        assert!(key.is_some());
        let stored = slim(&signals(key.clone()), columns(), key.as_deref());
        assert_eq!(stored["identification"], json!({"method": "new"}));
        assert_eq!(stored["email"], json!({"disposable": false}));
        assert_eq!(stored["ip"], json!({"country": "FR"}));
        assert_eq!(stored["device"], json!({"browser": "Safari 17"}));

        let mut stored_device = serde_json::to_value(slim_device(Some(&device))).expect("json");
        assert_eq!(stored_device["payloadId"], Value::Null);
        let mut read = stored;
        restore(&mut stored_device, &mut read, columns());
        assert_eq!(stored_device, serde_json::to_value(&device).expect("json"));
        let mut expected = signals(key);
        expected["behavior"]["pointerStraightness"] = json!(0.2202);
        assert_eq!(read, expected);
    }

    #[test]
    fn values_the_row_does_not_give_again_stay() {
        let device = device();
        let other = Columns { visitor_id: "vis_02", email_normalized: None, ip: None, payload_id: None };
        let stored = slim(&signals(Some("not the device's".into())), other, hardware_key(&device).as_deref());
        assert_eq!(stored["identification"]["visitorId"], "vis_01");
        assert_eq!(stored["email"]["normalized"], "ann@example.com");
        assert_eq!(stored["email"]["domain"], "example.com");
        assert_eq!(stored["ip"]["address"], "81.0.1.2");
        assert_eq!(stored["device"]["hardwareKey"], "not the device's");
    }

    #[test]
    fn rows_stored_whole_are_read_as_they_are() {
        let whole_device = serde_json::to_value(device()).expect("json");
        let whole = signals(Some("k".into()));
        let (mut device, mut read) = (whole_device.clone(), whole.clone());
        restore(&mut device, &mut read, columns());
        assert_eq!((device, read), (whole_device, whole));
    }

    /// Rows stored without their hardware key read it back from today's formula: a change
    /// to the formula must keep this one for them (by a version in the stored signals), or
    /// every such row would show a key it was never linked under.
    #[test]
    fn the_hardware_key_formula_rows_rely_on_is_unchanged() {
        assert_eq!(hardware_key(&device()).as_deref(), Some(PINNED_KEY));
    }

    #[test]
    fn rounding_never_crosses_a_rule_threshold() {
        assert_eq!(rounded(0.22020042122912553), 0.2202);
        assert_eq!(rounded(1827.6739929353546), 1828.0);
        // 0.09999996 rounds to 0.1, the typing rule's threshold: kept as it was.
        assert_eq!(rounded(0.09999996), 0.09999996);
        assert_eq!(rounded(0.98996), 0.98996);
        assert_eq!(rounded(0.019999), 0.019999);
        assert_eq!(rounded(0.5), 0.5);
    }
}
