#!/usr/bin/env bash
# Publish benchmark: wrk posting events to a release server whose worker is off (nothing is
# delivered, so only accepting is measured), on the database DATABASE_URL names (SQLite when
# unset; see ../lib.sh). Each event fans out to WEBHOOKS webhooks. Prints, from one run:
#   - GET /health req/s (the HTTP stack's own ceiling, for scale);
#   - POST /api/events events/s with CONNECTIONS connections (goal >= 10,000);
#   - POST /api/events/batch events/s, BATCH events per request (goal >= 50,000 on SQLite);
#   - the events stored afterwards (every answered event must be there).
# Usage: benchmarks/publish/run.sh (also run by make bench).
set -euo pipefail
WEBHOOKS=${WEBHOOKS:-10}
CONNECTIONS=${CONNECTIONS:-16}
BATCH=${BATCH:-1000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}

repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/benchmarks/publish"
# shellcheck source=../lib.sh
. "$repo/benchmarks/lib.sh"

export WEBHOOK_SECRET_KEY="bench-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export WEBHOOK_ALLOWED_TARGETS=127.0.0.1 LOG_LEVEL=error MIGRATIONS_DIR="$repo/migrations" API_RATE_LIMIT=1000000/1

db=$(new_database publish)
start_server "$db" 0
export KEY BATCH  # read by the Lua scripts
python3 "$repo/benchmarks/delivery/load.py" webhooks "$BASE" "$KEY" "http://127.0.0.1:9/hook" "$WEBHOOKS"

# wrk prints "Non-2xx or 3xx responses: N" when any answer was not a success: then the run
# measured errors, not publishing, and fails.
measure() { # prints requests/s; fails when any answer was not 2xx
    local out
    out=$(wrk -t2 "$@")
    if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; echo "non-2xx answers: the figures would be wrong" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}
health=$(measure -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" "$BASE/health")
single=$(measure -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s "$here/publish.lua" "$BASE/api/events")
batch_rps=$(measure -c4 -d"${SECONDS_PER_RUN}s" -s "$here/batch.lua" "$BASE/api/events/batch")
stored=$(sql "$db" "SELECT COUNT(*) FROM events")
deliveries=$(sql "$db" "SELECT COUNT(*) FROM webhook_deliveries")
rss=$(peak_rss_mb "$server_pid")

echo
echo "Switchboard publish benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $engine, $WEBHOOKS webhooks per event)"
printf '  %-52s %s\n' "GET /health (no key), req/s" "$health"
printf '  %-52s %s\n' "POST /api/events, $CONNECTIONS connections, events/s" "$single"
printf '  %-52s %s\n' "POST /api/events/batch ($BATCH per request), events/s" "$(python3 -c "print(round($batch_rps * $BATCH))")"
printf '  %-52s %s\n' "events stored / deliveries created" "$stored / $deliveries"
printf '  %-52s %s MB\n' "peak RSS" "$rss"
