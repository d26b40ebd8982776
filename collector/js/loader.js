// Doorman collector loader: `const dm = await Doorman.load(); dm.attach(form);
// const signals = await dm.collect();` The collector itself is Rust compiled to WebAssembly.
// scripts/build-collector.sh bundles this file with wasm-bindgen's glue into
// public/collector/doorman.js.
//
// The glue is wasm-bindgen's `--target bundler` output; scripts/pack-collector.mjs gathers the
// functions the wasm imports into its `imports`, under short names, for the module name `w`.
// The wasm is instantiated here rather than by the `--target web` glue's init, whose fallbacks
// and warnings were a fifth of this file; from bytes, not `instantiateStreaming`, so that a
// server that sends the wasm without its `application/wasm` type still works.
import { collector, __wbg_set_wasm, imports } from './doorman_collector_bg.js';

let ready;

export function load() {
  ready ??= fetch(new URL('doorman_collector_bg.wasm', import.meta.url))
    .then((response) => {
      if (!response.ok) throw new Error(`${response.status} fetching ${response.url}`);
      return response.arrayBuffer();
    })
    .then((bytes) => WebAssembly.instantiate(bytes, { w: imports }))
    .then(({ instance }) => {
      __wbg_set_wasm(instance.exports);
      instance.exports.__wbindgen_start();
    });
  // The wasm's `collector()` gives `collect(resolve)`; the page's `collect()` gives a promise.
  return ready.then(() => {
    const { attach, collect } = collector();
    return { attach, collect: () => new Promise(collect) };
  });
}
