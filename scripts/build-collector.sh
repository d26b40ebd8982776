#!/usr/bin/env bash
# Builds the browser collector into public/collector/: Rust → wasm32 (no_std) → wasm-bindgen
# (ES module glue) → short import and export names, and the loader bundled with the glue by
# esbuild (scripts/pack-collector.mjs) → wasm-opt -Oz (binaryen from npm); then prints the
# gzipped sizes.
# The result is two files: doorman.js and doorman_collector_bg.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(sed -n 's/^wasm-bindgen = { version = "=\([^"]*\)".*/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [[ "$have" != "$want" ]]; then
  echo "wasm-bindgen CLI ${have:-missing}, but Cargo.toml pins $want: run scripts/setup.sh" >&2
  exit 1
fi
for tool in wasm-opt esbuild; do
  if [[ ! -x node_modules/.bin/$tool ]]; then
    echo "node_modules/.bin/$tool missing: run scripts/setup.sh" >&2
    exit 1
  fi
done

target_dir="${CARGO_TARGET_DIR:-target}"
bindgen="$target_dir/collector-bindgen"
cargo build -p doorman-collector --lib --target wasm32-unknown-unknown --profile collector
rm -rf "$bindgen"
wasm-bindgen --target bundler --no-typescript --out-dir "$bindgen" --out-name doorman_collector \
  "$target_dir/wasm32-unknown-unknown/collector/doorman_collector.wasm"

rm -rf public/collector
node scripts/pack-collector.mjs "$bindgen" public/collector

# After packing, which drops the exports the glue does not use, so that their code goes too.
# `--low-memory-unused`: Rust's data starts at 1 MiB with the stack below it, so nothing lives in
# the first KiB and wasm-opt may fold constant offsets into loads and stores.
wasm=public/collector/doorman_collector_bg.wasm
node_modules/.bin/wasm-opt --low-memory-unused -Oz --converge --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types \
  --enable-multivalue "$wasm" -o "$wasm"

gz() { gzip -9 -c "$1" | wc -c; }
js=$(gz public/collector/doorman.js)
wasm=$(gz public/collector/doorman_collector_bg.wasm)
printf 'collector: %s B gz (doorman.js %s B gz, doorman_collector_bg.wasm %s B gz)\n' "$((js + wasm))" "$js" "$wasm"
