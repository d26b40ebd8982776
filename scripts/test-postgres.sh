# Sourced by test.sh: points DOORMAN_TEST_POSTGRES_URL at a PostgreSQL server for the store
# tests. A given URL wins; else the local server on 127.0.0.1:5432; else a throwaway cluster
# started here with initdb/pg_ctl (as a non-root user) and stopped on exit.
if [[ -z "${DOORMAN_TEST_POSTGRES_URL:-}" ]]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export DOORMAN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres"
  elif command -v initdb >/dev/null && [[ $(id -u) -ne 0 ]]; then
    pg_dir="$(mktemp -d)"
    initdb -D "$pg_dir/data" -U postgres -A trust >/dev/null
    pg_ctl -D "$pg_dir/data" -l "$pg_dir/log" -o "-p 55432 -k $pg_dir -c listen_addresses=127.0.0.1" -w start >/dev/null
    trap 'pg_ctl -D "$pg_dir/data" -m fast stop >/dev/null; rm -rf "$pg_dir"' EXIT
    export DOORMAN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:55432/postgres"
  else
    echo "no PostgreSQL for the store tests: set DOORMAN_TEST_POSTGRES_URL" >&2
    exit 1
  fi
fi
