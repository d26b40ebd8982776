#!/usr/bin/env bash
# Builds the browser collector into public/collector/: Rust → wasm32 → wasm-bindgen (ES module
# glue) → wasm-opt -Oz (binaryen from npm), then prints the gzipped sizes.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [[ "$have" != "$want" ]]; then
  echo "wasm-bindgen CLI ${have:-missing}, but Cargo.toml pins $want: run scripts/setup.sh" >&2
  exit 1
fi

target_dir="${CARGO_TARGET_DIR:-target}"
cargo build -p doorman-collector --lib --target wasm32-unknown-unknown --profile collector
wasm-bindgen --target web --no-typescript --out-dir public/collector --out-name doorman_collector \
  "$target_dir/wasm32-unknown-unknown/collector/doorman_collector.wasm"

wasm="public/collector/doorman_collector_bg.wasm"
if [[ -x node_modules/.bin/wasm-opt ]]; then
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue "$wasm" -o "$wasm"
else
  echo "node_modules/.bin/wasm-opt missing (npm install): the collector is left unoptimised" >&2
fi

gz() { gzip -9 -c "$1" | wc -c; }
printf 'collector: wasm %s B gz, glue %s B gz, loader %s B gz\n' \
  "$(gz "$wasm")" "$(gz public/collector/doorman_collector.js)" "$(gz public/collector/doorman.js)"
