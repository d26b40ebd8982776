#!/usr/bin/env bash
# Load benchmark of the ingest API: a release `doorman serve` on loopback and the
# `doorman-loadgen` process beside it, on SQLite and on PostgreSQL, with 10 thousand and then
# LARGE (default 1 million) events stored. Prints one result line per measurement.
#
#   scripts/load-bench.sh [sqlite|postgres|both]
#
# Settings (environment): SECONDS_PER_RUN (20), CONCURRENCY (16), TENANTS (20), LARGE
# (1000000; 0 skips it), IDLE_PAGES (50: at 10 thousand, the run is repeated with this many
# dashboard pages following the live feed and reading nothing, then once more without; 0
# skips it), DOORMAN_TEST_POSTGRES_URL (as for the tests; default the local server),
# DOORMAN_BIN and LOADGEN_BIN (binaries to measure instead of building this checkout's: to
# alternate runs of two builds, e.g. one built from an earlier commit's worktree).
set -euo pipefail
cd "$(dirname "$0")/.."

which_backends="${1:-both}"
seconds="${SECONDS_PER_RUN:-20}"
concurrency="${CONCURRENCY:-16}"
tenants="${TENANTS:-20}"
large="${LARGE:-1000000}"
idle_pages="${IDLE_PAGES:-50}"
port=3390

doorman="${DOORMAN_BIN:-target/release/doorman}"
loadgen="${LOADGEN_BIN:-target/release/doorman-loadgen}"
if [[ -z "${DOORMAN_BIN:-}" || -z "${LOADGEN_BIN:-}" ]]; then
  printf '==> building doorman and doorman-loadgen (release)\n'
  cargo build --release -q -p doorman -p doorman-loadgen
fi
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL plans from table statistics. The server gathers them again within 30 s of a
# table growing by a tenth (autovacuum, where it is on, about a minute after); the script
# gathers them at once, so that a measurement does not depend on when that happened.
analyze() {
  if [[ "$1" == postgres ]]; then psql -q "$2" -c "ANALYZE"; fi
}

# The server's CPU time (user and system, from /proc) and events stored, to give the CPU time
# per event of a measured run: steadier than events/s on a machine whose speed varies.
server_cpu_and_events() {
  local ticks events
  ticks=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  events=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^doorman_ingest_duration_seconds_count/ {print $2}')
  echo "$ticks ${events:-0}"
}

# Runs the load generator with "$@" and prints the server's CPU time per event of the run.
measured() {
  local before after
  before=($(server_cpu_and_events))
  "$loadgen" "$@"
  after=($(server_cpu_and_events))
  awk -v t="$(( after[0] - before[0] ))" -v n="$(( after[1] - before[1] ))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { if (n > 0) printf "    server CPU %.0f µs per event\n", t / hz * 1e6 / n }'
}

bench() {
  local backend="$1" url="$2"
  export DATABASE_URL="$url"
  "$doorman" migrate >/dev/null
  local keys=()
  for i in $(seq 1 "$tenants"); do
    "$doorman" tenant create --slug "bench-$i" --name "Bench $i" >/dev/null
    keys+=("$("$doorman" key create --tenant "bench-$i" --name load)")
  done
  local key_list
  key_list="$(IFS=,; echo "${keys[*]}")"
  # A super admin's live page is sent every tenant's events: the most work a page can make.
  echo "bench-admin-password" | "$doorman" admin create --email bench@doorman.test >/dev/null
  DOORMAN_ADDR="127.0.0.1:$port" DOORMAN_DEMO=false DOORMAN_RATE_LIMIT=0 DOORMAN_LOG=warn \
    "$doorman" serve >"$work/server-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.2
  done
  local common=(--url "http://127.0.0.1:$port" --keys "$key_list")
  "$loadgen" "${common[@]}" --concurrency "$concurrency" --events 10000 --run 1 --label "$backend fill to 10k" >/dev/null
  analyze "$backend" "$url"
  measured "${common[@]}" --concurrency "$concurrency" --seconds "$seconds" --run 2 --label "$backend at 10k events"
  if (( idle_pages > 0 )); then
    "$loadgen" "${common[@]}" --concurrency "$concurrency" --seconds "$seconds" --run 5 \
      --idle-pages "$idle_pages" --admin bench@doorman.test:bench-admin-password \
      --label "$backend at 10k events, $idle_pages idle live pages"
    "$loadgen" "${common[@]}" --concurrency "$concurrency" --seconds "$seconds" --run 6 --label "$backend at 10k events, again without"
  fi
  if (( large == 0 )); then
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    return
  fi
  local stored
  stored=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^doorman_ingest_duration_seconds_count/ {print $2}')
  if (( large > stored )); then
    printf '    filling to %s events…\n' "$large"
    "$loadgen" "${common[@]}" --concurrency 32 --events $((large - stored)) --run 3 --label "$backend fill" >/dev/null
    analyze "$backend" "$url"
  fi
  measured "${common[@]}" --concurrency "$concurrency" --seconds "$seconds" --run 4 --label "$backend at ${large} events"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

if [[ "$which_backends" == sqlite || "$which_backends" == both ]]; then
  printf '==> SQLite\n'
  bench sqlite "sqlite:$work/bench.db"
fi
if [[ "$which_backends" == postgres || "$which_backends" == both ]]; then
  printf '==> PostgreSQL\n'
  source scripts/test-postgres.sh
  admin="$DOORMAN_TEST_POSTGRES_URL"
  name="doorman_bench_$$"
  psql -q "$admin" -c "CREATE DATABASE $name"
  bench postgres "${admin%/*}/$name"
  psql -q "$admin" -c "DROP DATABASE $name WITH (FORCE)"
fi
