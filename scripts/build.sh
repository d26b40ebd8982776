#!/usr/bin/env bash
# Builds the collector bundle (public/collector/) and the server with its hydrated dashboard
# (target/site/, target/debug/doorman). Pass --release for an optimised build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-collector.sh
cargo leptos build "$@"
