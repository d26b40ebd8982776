//! The collector as client pages use it:
//! `const dm = await Doorman.load(); dm.attach(form); const signals = await dm.collect();`

mod automation;
mod behavior;
mod deferred;
mod device;
mod identity;
mod js;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use js::{call, call_global, function, now_ms, once, set};

// The page has one thread, so the allocator needs no lock.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32 without the atomics feature runs on a single thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// A panic traps, as `panic = "abort"` did with std, but without formatting its message:
/// the call that panicked throws a `RuntimeError` in the page, which the loader's caller sees.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The collector for the page: `{ attach(form), collect(resolve) }`, which collector/js/loader.js
/// hands over with `collect` as `() => new Promise(collect)`. A plain object of two closures
/// rather than an exported struct, whose glue class, ownership checks and their messages cost
/// the download more; the JS GC frees it and the closures like any other object.
#[wasm_bindgen]
pub fn collector() -> Object {
    let collector = Collector::new();
    let api = Object::new();
    let behavior = collector.behavior.clone();
    set(&api, "attach", function(move |form| behavior::attach(&behavior, &form)));
    set(&api, "collect", function(move |resolve| collector.collect(resolve)));
    api
}

struct Collector {
    device: Object,
    /// Settles once the signals that come by promise are in `device`, at most a second on.
    ready: JsValue,
    behavior: behavior::Shared,
    loaded_at: f64,
}

impl Collector {
    /// Gathers the device signals at once, so that `collect()` at submit time only adds the
    /// behaviour data.
    fn new() -> Collector {
        let device = device::collect(automation::collect());
        let ready = deferred::start(&device);
        Collector { device, ready, behavior: Default::default(), loaded_at: now_ms() }
    }

    /// Resolves with `{ device, behavior }` for the page to send to its own backend; each call
    /// has a new `payloadId`.
    fn collect(&self, resolve: JsValue) {
        let behavior = behavior::snapshot(&self.behavior, self.loaded_at);
        let (payload_id, collected_at) = (identity::random_id(), crate::sampling::round(now_ms()));
        let device = self.device.clone();
        // The copy is made once the deferred signals are in, so that it carries them.
        let finish = once(move |_| {
            let device: Object =
                call_global("Object.assign", &[Object::new().into(), device.into()]).unchecked_into();
            set(&device, "payloadId", payload_id);
            set(&device, "collectedAt", collected_at);
            let signals = Object::new();
            set(&signals, "device", device);
            set(&signals, "behavior", behavior);
            call(&resolve, "call", &[JsValue::UNDEFINED, signals.into()]);
        });
        call(&self.ready, "then", &[finish]);
    }
}
