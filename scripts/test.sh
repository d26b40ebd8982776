#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (cargo-nextest), then the browser tests
# in Debian's Chromium (Playwright). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# A clean clone builds everything once: incremental caches would only add gigabytes to target/.
if [[ "${CI:-}" == "true" ]]; then export CARGO_INCREMENTAL=0; fi

printf '\n==> Rust tests (SQLite, and PostgreSQL for the store)\n'
source scripts/test-postgres.sh
cargo nextest run --workspace --no-fail-fast

printf '\n==> fuzzing the ingest parser and engine\n'
scripts/fuzz.sh

# Built after the Rust tests: their build of the doorman binary is not cargo-leptos's, and
# its server-rendered pages would not match the dashboard's wasm.
printf '\n==> build\n'
scripts/build.sh

printf '\n==> browser tests\n'
# A person's browser is headful: Xvfb gives it a display.
xvfb-run --auto-servernum npx playwright test --config end2end/playwright.config.ts
