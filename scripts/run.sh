#!/usr/bin/env bash
# Installs what is missing, builds, and serves Doorman with the demo on
# http://127.0.0.1:3000 (settings from the environment: see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh
export DOORMAN_SITE_ROOT="${DOORMAN_SITE_ROOT:-target/site}"
# The newcomer's path shows the demo shop; `doorman serve` alone serves none.
export DOORMAN_DEMO="${DOORMAN_DEMO:-true}"
exec target/debug/doorman serve
