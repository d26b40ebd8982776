#!/usr/bin/env bash
# Load benchmark of the ingest API: release `doorman serve` processes on loopback and the
# `doorman-loadgen` process beside them, on SQLite and on PostgreSQL, with 10 thousand and
# LARGE (default 1 million) events stored. Prints one result line per measurement and, per
# backend, the rate at each size over all rounds and their ratio.
#
#   scripts/load-bench.sh [sqlite|postgres|both]
#
# The two sizes are two servers with a database each, measured in turn, ROUNDS times: this
# machine's speed moves by more than the difference between the sizes within the minutes a
# fill to a million takes, and alternating puts each drift on both. The large server runs
# on between rounds, as a deployment does; the small database is put back to its 10
# thousand events before each of its rounds (its server restarted, then warmed for 2 s),
# so that it does not grow by a round's events each time.
#
# Settings (environment): SECONDS_PER_RUN (20), ROUNDS (3), CONCURRENCY (16), TENANTS (20),
# LARGE (1000000; 0 measures 10 thousand only), IDLE_PAGES (50: a server of its own at 10
# thousand measures with this many dashboard pages following the live feed and reading
# nothing, then once more without; 0 skips it), DOORMAN_TEST_POSTGRES_URL (as for the tests;
# default the local server), DOORMAN_BIN and LOADGEN_BIN (binaries to measure instead of
# building this checkout's: to alternate runs of two builds, e.g. one built from an earlier
# commit's worktree).
set -euo pipefail
cd "$(dirname "$0")/.."

which_backends="${1:-both}"
seconds="${SECONDS_PER_RUN:-20}"
rounds="${ROUNDS:-3}"
concurrency="${CONCURRENCY:-16}"
tenants="${TENANTS:-20}"
large="${LARGE:-1000000}"
idle_pages="${IDLE_PAGES:-50}"
doorman="${DOORMAN_BIN:-target/release/doorman}"
export DOORMAN_LOG=warn
loadgen="${LOADGEN_BIN:-target/release/doorman-loadgen}"

if [[ -z "${DOORMAN_BIN:-}" || -z "${LOADGEN_BIN:-}" ]]; then
  printf '==> building doorman and doorman-loadgen (release)\n'
  cargo build --release -q -p doorman -p doorman-loadgen
fi

admin=""
if [[ "$which_backends" == postgres || "$which_backends" == both ]]; then
  source scripts/test-postgres.sh
  admin="$DOORMAN_TEST_POSTGRES_URL"
fi
work="$(mktemp -d)"
declare -A pids urls ports
cleanup() {
  local name
  for name in "${!pids[@]}"; do stop "$name"; done
  if [[ -n "$admin" ]]; then
    for name in idle small small_saved large; do
      PGOPTIONS="-c client_min_messages=warning" psql -q "$admin" \
        -c "DROP DATABASE IF EXISTS doorman_bench_$$_$name WITH (FORCE)"
    done
  fi
  rm -rf "$work"
  # A throwaway cluster of test-postgres.sh, whose own exit trap this one replaced.
  if [[ -n "${pg_dir:-}" ]]; then
    pg_ctl -D "$pg_dir/data" -m fast stop >/dev/null
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT

# PostgreSQL plans from table statistics. The server gathers them again within 30 s of a
# table growing by a tenth (autovacuum, where it is on, about a minute after); the script
# gathers them at once, so that a measurement does not depend on when that happened.
analyze() {
  if [[ "${urls[$1]}" == postgres* ]]; then psql -q "${urls[$1]}" -c "ANALYZE"; fi
}

# Creates server NAME's database at URL with the tenants, their keys and an admin.
create() {
  local name="$1" url="$2" keys=()
  urls[$name]="$url"
  export DATABASE_URL="$url"
  "$doorman" migrate >/dev/null
  for i in $(seq 1 "$tenants"); do
    "$doorman" tenant create --slug "bench-$i" --name "Bench $i" >/dev/null
    keys+=("$("$doorman" key create --tenant "bench-$i" --name load)")
  done
  (IFS=,; echo "${keys[*]}") >"$work/$name.keys"
  # A super admin's live page is sent every tenant's events: the most work a page can make.
  echo "bench-admin-password" | "$doorman" admin create --email bench@doorman.test >/dev/null
}

# Serves server NAME's database on PORT.
start() {
  local name="$1" port="$2"
  ports[$name]="$port"
  DATABASE_URL="${urls[$name]}" DOORMAN_ADDR="127.0.0.1:$port" DOORMAN_DEMO=false DOORMAN_RATE_LIMIT=0 \
    "$doorman" serve >>"$work/server-$name.log" 2>&1 &
  pids[$name]=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && return
    sleep 0.2
  done
  echo "server $name did not start; its log:" >&2
  cat "$work/server-$name.log" >&2
  exit 1
}

stop() {
  kill "${pids[$1]}" 2>/dev/null && wait "${pids[$1]}" 2>/dev/null || true
  unset "pids[$1]"
}

# Keeps server NAME's database as it is now, to `restore` it later (the server stopped).
save() {
  local url="${urls[$1]}"
  if [[ "$url" == postgres* ]]; then
    psql -q "$admin" -c "CREATE DATABASE ${url##*/}_saved TEMPLATE ${url##*/}"
  else
    DATABASE_URL="$url" "$doorman" backup "$work/$1.saved.db" >/dev/null
  fi
}

restore() {
  local url="${urls[$1]}"
  if [[ "$url" == postgres* ]]; then
    psql -q "$admin" -c "DROP DATABASE ${url##*/} WITH (FORCE)" \
      -c "CREATE DATABASE ${url##*/} TEMPLATE ${url##*/}_saved"
  else
    DATABASE_URL="$url" "$doorman" restore "$work/$1.saved.db" >/dev/null
  fi
}

# Runs the load generator against server NAME with the rest of the arguments, prints its
# result and the server's CPU time per event (user and system, from /proc: steadier than
# events/s on a machine whose speed varies), and adds the run's events and seconds to NAME's
# tally.
measured() {
  local name="$1" before after line
  shift
  before=($(cpu_and_events "$name"))
  line=$(drive "$name" "$@")
  after=($(cpu_and_events "$name"))
  echo "$line"
  sed -E 's/.*: ([0-9]+) events in ([0-9.]+) s = .*/\1 \2/' <<<"$line" >>"$work/$name.tally"
  awk -v t="$(( after[0] - before[0] ))" -v n="$(( after[1] - before[1] ))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { if (n > 0) printf "    server CPU %.0f µs per event\n", t / hz * 1e6 / n }'
}

cpu_and_events() {
  local ticks events
  ticks=$(awk '{print $14 + $15}' "/proc/${pids[$1]}/stat")
  events=$(curl -fs "http://127.0.0.1:${ports[$1]}/metrics" | awk '/^doorman_ingest_duration_seconds_count/ {print $2}')
  echo "$ticks ${events:-0}"
}

# Events a second over all of NAME's measured runs.
rate() {
  awk '{ n += $1; s += $2 } END { printf "%.0f", n / s }' "$work/$1.tally"
}

# Runs the load generator against server NAME with the rest of the arguments.
drive() {
  local name="$1"
  shift
  "$loadgen" --url "http://127.0.0.1:${ports[$name]}" --keys "$(cat "$work/$name.keys")" "$@"
}

# Sends NAME's server COUNT events with load generator run RUN, unmeasured.
fill() {
  drive "$1" --concurrency "$4" --events "$2" --run "$3" --label "fill" >/dev/null
}

bench() {
  local backend="$1" url_of="$2"
  local small="$backend-10k" big="$backend-large"
  if (( idle_pages > 0 )); then
    create "$backend-idle" "$($url_of idle)"
    start "$backend-idle" 3389
    fill "$backend-idle" 10000 1 "$concurrency"
    analyze "$backend-idle"
    local idle=(--concurrency "$concurrency" --seconds "$seconds")
    measured "$backend-idle" "${idle[@]}" --run 5 --idle-pages "$idle_pages" \
      --admin bench@doorman.test:bench-admin-password --label "$backend at 10k events, $idle_pages idle live pages"
    measured "$backend-idle" "${idle[@]}" --run 6 --label "$backend at 10k events, without"
    stop "$backend-idle"
  fi

  create "$small" "$($url_of small)"
  start "$small" 3390
  fill "$small" 10000 1 "$concurrency"
  analyze "$small"
  stop "$small"
  save "$small"
  if (( large > 0 )); then
    create "$big" "$($url_of large)"
    start "$big" 3391
    printf '    filling to %s events…\n' "$large"
    fill "$big" "$large" 3 32
    analyze "$big"
  fi

  for round in $(seq 1 "$rounds"); do
    restore "$small"
    start "$small" 3390
    drive "$small" --concurrency "$concurrency" --seconds 2 --run "$((100 + round))" --label warm >/dev/null
    measured "$small" --concurrency "$concurrency" --seconds "$seconds" --run "$((10 + round))" \
      --label "$backend at 10k events, round $round"
    stop "$small"
    if (( large > 0 )); then
      measured "$big" --concurrency "$concurrency" --seconds "$seconds" --run "$((10 + round))" \
        --label "$backend at $large events, round $round"
    fi
  done
  if (( large > 0 )); then stop "$big"; fi

  local r_small r_big
  r_small=$(rate "$small")
  if (( large > 0 )); then
    r_big=$(rate "$big")
    printf '%s: %s events/s at 10k, %s at %s, %s × slower (rounds: %s)\n' "$backend" "$r_small" "$r_big" \
      "$large" "$(awk -v a="$r_small" -v b="$r_big" 'BEGIN { printf "%.2f", a / b }')" "$rounds"
  else
    printf '%s: %s events/s at 10k (rounds: %s)\n' "$backend" "$r_small" "$rounds"
  fi
}

sqlite_url() { echo "sqlite:$work/$1.db"; }
postgres_url() { echo "${admin%/*}/doorman_bench_$$_$1"; }

if [[ "$which_backends" == sqlite || "$which_backends" == both ]]; then
  printf '==> SQLite\n'
  bench sqlite sqlite_url
fi

if [[ "$which_backends" == postgres || "$which_backends" == both ]]; then
  printf '==> PostgreSQL\n'
  for part in idle small large; do psql -q "$admin" -c "CREATE DATABASE doorman_bench_$$_$part"; done
  bench postgres postgres_url
fi
