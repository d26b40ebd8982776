#!/usr/bin/env bash
# Fuzzes the ingest body parser and the engine behind it (fuzz/fuzz_targets/ingest.rs) for a
# bounded time: FUZZ_SECONDS, 60 by default. Starts from the committed seeds; what the run
# learns stays in a scratch corpus, and a crash leaves its input under fuzz/artifacts/.
# Without a sanitizer, which needs a nightly compiler; Rust's own checks catch the panics.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
if [[ "$(cargo fuzz --version 2>/dev/null || true)" != *"$CARGO_FUZZ_VERSION"* ]]; then
  printf '\n==> installing cargo-fuzz %s\n' "$CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp fuzz/seeds/ingest/* "$corpus/"
cargo fuzz run --sanitizer none ingest "$corpus" -- \
  -max_total_time="${FUZZ_SECONDS:-60}" -max_len=65536 -dict=fuzz/ingest.dict -print_final_stats=1
