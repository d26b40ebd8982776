// Doorman collector loader: `const dm = await Doorman.load(); dm.attach(form);
// const signals = await dm.collect();` The collector itself is Rust compiled to WebAssembly.
// scripts/build-collector.sh bundles this file with wasm-bindgen's glue into
// public/collector/doorman.js.
import init, { Collector } from './doorman_collector.js';

let ready;

export function load() {
  ready ??= init({ module_or_path: new URL('doorman_collector_bg.wasm', import.meta.url) });
  return ready.then(() => new Collector());
}
