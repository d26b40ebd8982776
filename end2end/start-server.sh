#!/usr/bin/env bash
# Starts the built doorman for the browser tests: a fresh SQLite database in a temporary
# folder, the demo tenant, and client admins whose credentials the tests know.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/target/debug/doorman"
[[ -x "$bin" ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }

cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DATABASE_URL="sqlite:$work/e2e.db"
export DOORMAN_ADDR="127.0.0.1:${DOORMAN_E2E_PORT:-3199}"
export DOORMAN_SITE_ROOT="$root/target/site"
export DOORMAN_DATA_DIR="$root/data"
export DOORMAN_DEMO=true
# The tests stand in for the proxy in front of the demo shop: they say which address each
# browser comes from.
export DOORMAN_TRUSTED_PROXIES=127.0.0.1

"$bin" tenant create --slug demo --name "Demo shop"
echo "client-admin-password" | "$bin" admin create --email client@demo.test --tenant demo
echo "super-admin-password" | "$bin" admin create --email root@doorman.test
# A second tenant whose two analysts work its review queue.
"$bin" tenant create --slug desk --name "Fraud desk"
echo "analyst-password" | "$bin" admin create --email ana@desk.test --tenant desk
echo "analyst-password" | "$bin" admin create --email bo@desk.test --tenant desk
"$bin" serve
