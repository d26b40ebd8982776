//! The collector as client pages use it:
//! `const dm = await Doorman.load(); dm.attach(form); const signals = await dm.collect();`

mod automation;
mod behavior;
mod device;
mod identity;
mod js;

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;

use js::{now_ms, set};

#[wasm_bindgen]
pub struct Collector {
    device: Object,
    behavior: behavior::Shared,
    loaded_at: f64,
}

#[wasm_bindgen]
impl Collector {
    /// Gathers the device signals at once, so that `collect()` at submit time only adds the
    /// behaviour data.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Collector {
        Collector {
            device: device::collect(automation::collect()),
            behavior: Default::default(),
            loaded_at: now_ms(),
        }
    }

    /// Starts the behaviour listeners on `form`.
    pub fn attach(&self, form: JsValue) {
        behavior::attach(&self.behavior, &form);
    }

    /// `{ device, behavior }` for the page to send to its own backend; each call has a new
    /// `payloadId`.
    pub fn collect(&self) -> Promise {
        let device = Object::assign(&Object::new(), &self.device);
        set(&device, "payloadId", identity::random_id());
        set(&device, "collectedAt", now_ms().round());
        let signals = Object::new();
        set(&signals, "device", device);
        set(&signals, "behavior", behavior::snapshot(&self.behavior, self.loaded_at));
        Promise::resolve(&JsValue::from(signals)).unchecked_into()
    }
}

impl Default for Collector {
    fn default() -> Self {
        Self::new()
    }
}
