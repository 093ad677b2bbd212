#!/usr/bin/env bash
# Delivery benchmark: release build, nginx from Debian as the receiver (`return 200`), and the
# database DATABASE_URL names: SQLite files of its own when unset or sqlite://, else a fresh
# schema (postgres://…) or database (mysql://…) per phase on that server. Prints, from one run:
#   - deliveries per second for WEBHOOKS × EVENTS queued deliveries at CONCURRENCY;
#   - the receiver's own capacity measured by wrk with the same body and connection count;
#   - their ratio (goal ≥ 0.25);
#   - publish→receive latency p50/p99 while publishing RATE events/s to one webhook (goal
#     p50 ≤ 3 ms, p99 ≤ 10 ms), once as configured and once with WEBHOOK_HANDOFF=false (every
#     delivery claimed), then at HIGH_RATE events/s in batches of HIGH_RATE_BATCH;
#   - the server's peak RSS (goal < 200 MB).
# Usage: make bench   (or benchmarks/delivery/run.sh; knobs below are environment variables)
set -euo pipefail

WEBHOOKS=${WEBHOOKS:-10}
EVENTS=${EVENTS:-2000}
CONCURRENCY=${CONCURRENCY:-64}
RATE=${RATE:-1000}
RATE_SECONDS=${RATE_SECONDS:-5}
HIGH_RATE=${HIGH_RATE:-10000}
HIGH_RATE_BATCH=${HIGH_RATE_BATCH:-100}
# A file name: `perf record -a -g` samples the whole machine into it while the worker drains
# (Switchboard, the database server and nginx share the cores; profile before optimising; read
# it with `perf report -i FILE --no-children --sort comm,dso`).
PROFILE=${PROFILE:-}
if [ -n "$PROFILE" ] && ! command -v perf >/dev/null 2>&1; then
    echo "PROFILE needs perf: apt-get install -y linux-perf" >&2
    exit 1
fi
# Appended to the SQLite URL, e.g. "?synchronous=normal" to measure without a flush per commit.
SQLITE_QUERY=${SQLITE_QUERY:-}

repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/benchmarks/delivery"
# shellcheck source=../lib.sh
. "$repo/benchmarks/lib.sh"

# --- the receiver -----------------------------------------------------------------------
start_receiver

body=$(python3 -c 'import json,sys; sys.path.insert(0, sys.argv[1]); import load; e=json.loads(load.EVENT); print(json.dumps({"id":"00000000-0000-0000-0000-000000000000","type":e["type"],"timestamp":"2026-01-01T00:00:00.000Z","data":e["data"]},separators=(",",":")))' "$here")
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/json"
LUA
receiver_rps=$(wrk -t2 -c"$CONCURRENCY" -d5s -s "$work/post.lua" "http://127.0.0.1:$nginx_port/hook" | awk '/Requests\/sec/ {print $2}')

# --- Switchboard ------------------------------------------------------------------------
export WEBHOOK_SECRET_KEY="bench-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
# The load generator's key must not be throttled by the default per-key quota.
export WEBHOOK_ALLOWED_TARGETS=127.0.0.1 LOG_LEVEL=error MIGRATIONS_DIR="$repo/migrations" API_RATE_LIMIT=1000000/1
succeeded() { sql "$1" "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'succeeded'"; }
case "$engine" in
    postgres|postgresql)
        rate_query="SELECT ROUND(COUNT(*) / EXTRACT(EPOCH FROM MAX(completed_at) - MIN(completed_at))) FROM webhook_deliveries WHERE status = 'succeeded'"
        created_query="SELECT d.id, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') FROM webhook_deliveries d JOIN events e ON e.id = d.event_id" ;;
    mysql|mariadb)
        rate_query="SELECT ROUND(COUNT(*) / (TIMESTAMPDIFF(MICROSECOND, MIN(completed_at), MAX(completed_at)) / 1000000)) FROM webhook_deliveries WHERE status = 'succeeded'"
        created_query="SELECT d.id, DATE_FORMAT(e.created_at, '%Y-%m-%dT%H:%i:%s.%f') FROM webhook_deliveries d JOIN events e ON e.id = d.event_id" ;;
    *)
        rate_query="SELECT ROUND(COUNT(*) / ((julianday(MAX(completed_at)) - julianday(MIN(completed_at))) * 86400.0)) FROM webhook_deliveries WHERE status = 'succeeded'"
        created_query="SELECT d.id, e.created_at FROM webhook_deliveries d JOIN events e ON e.id = d.event_id" ;;
esac

# Throughput: queue every delivery with an API-only server, then let one worker drain them.
# The waits below poll the database once a second: each poll is a client process and a
# database session, which at five a second took a tenth of the shared cores from the drain
# (the rate itself comes from the deliveries' completion times, not from the polls).
db=$(new_database throughput)
start_server "$db" 0
admin_key=$KEY
python3 "$here/load.py" webhooks "$BASE" "$admin_key" "http://127.0.0.1:$nginx_port/hook" "$WEBHOOKS"
publish_rate=$(python3 "$here/load.py" publish "$BASE" "$admin_key" "$EVENTS" 8)
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
total=$((WEBHOOKS * EVENTS))
start_server "$db" "$CONCURRENCY"
if [ -n "$PROFILE" ]; then
    perf record -F 499 -a -g -o "$PROFILE" 2>"$work/perf.log" &
    perf_pid=$!
fi
deadline=$((SECONDS + 300))
while [ "$(succeeded "$db")" -lt "$total" ] && [ $SECONDS -lt $deadline ]; do sleep 1; done
delivered=$(succeeded "$db")
# perf may have stopped by itself (no permission to sample, say: see its log); the run goes on.
if [ -n "$PROFILE" ]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
rss_throughput=$(peak_rss_mb "$server_pid")
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
delivery_rps=$(sql "$db" "$rate_query")

# Latency: one webhook, events published at a fixed rate while the worker runs. $1 events/s,
# $2 events per request, $3 WEBHOOK_HANDOFF; sets samples p50 p99 published rss_latency.
rss_latency=0
measure_latency() {
    local db; db=$(new_database "latency_$1_$3")
    WEBHOOK_HANDOFF=$3 start_server "$db" "$CONCURRENCY"
    : > "$work/access.log"
    python3 "$here/load.py" webhooks "$BASE" "$KEY" "http://127.0.0.1:$nginx_port/timed" 1
    published=$(python3 "$here/load.py" paced "$BASE" "$KEY" "$1" "$RATE_SECONDS" "$2")
    local expected; expected=$(sql "$db" "SELECT COUNT(*) FROM webhook_deliveries")
    local deadline=$((SECONDS + 180))
    while [ "$(succeeded "$db")" -lt "$expected" ] && [ $SECONDS -lt $deadline ]; do sleep 1; done
    local metrics; metrics=$(curl -fs "$BASE/metrics")
    handed_over=$(awk '$1 == "switchboard_deliveries_handed_over_total" {print $2}' <<<"$metrics")
    # The attempts' own mean time (request sent to answer read), to set beside the latency.
    attempt_ms=$(awk '$1 == "switchboard_delivery_attempt_duration_seconds_sum" {s=$2} $1 == "switchboard_delivery_attempt_duration_seconds_count" {c=$2}
        END {if (c > 0) printf "%.1f", s / c * 1000; else print "-"}' <<<"$metrics")
    local rss; rss=$(peak_rss_mb "$server_pid")
    rss_latency=$(( rss > rss_latency ? rss : rss_latency ))
    sql "$db" "$created_query" > "$work/created.tsv"
    read -r samples p50 p99 < <(python3 "$here/load.py" latency "$work/access.log" "$work/created.tsv")
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
}
measure_latency "$RATE" 1 true
latency_on="$p50 / $p99 ms"; samples_on=$samples; handed_on=${handed_over:-0}; attempt_on=$attempt_ms
measure_latency "$RATE" 1 false
latency_off="$p50 / $p99 ms"; samples_off=$samples
measure_latency "$HIGH_RATE" "$HIGH_RATE_BATCH" true
latency_high="$p50 / $p99 ms"; samples_high=$samples; published_high=$published

ratio=$(python3 -c "print(f'{$delivery_rps / $receiver_rps:.2f}')")
peak=$(( rss_throughput > rss_latency ? rss_throughput : rss_latency ))
echo
echo "Switchboard delivery benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $engine$SQLITE_QUERY, concurrency $CONCURRENCY)"
printf '  %-48s %s\n' "deliveries/s ($WEBHOOKS webhooks x $EVENTS events, $delivered/$total ok)" "$delivery_rps"
printf '  %-48s %s\n' "receiver capacity (wrk, same body, $CONCURRENCY conns)" "$receiver_rps"
printf '  %-48s %s\n' "ratio (goal >= 0.25)" "$ratio"
printf '  %-48s %s\n' "publish->receive p50 / p99 at $RATE ev/s" "$latency_on"
printf '  %-48s %s\n' "deliveries handed over (not claimed) there" "$handed_on"
printf '  %-48s %s ms\n' "mean attempt there (sent to answer read)" "$attempt_on"
printf '  %-48s %s\n' "same with WEBHOOK_HANDOFF=false" "$latency_off"
printf '  %-48s %s\n' "publish->receive p50 / p99 at $HIGH_RATE ev/s" "$latency_high"
printf '  %-48s %s\n' "events/s published there (batches of $HIGH_RATE_BATCH)" "$published_high"
printf '  %-48s %s\n' "latency samples (in the three runs above)" "$samples_on / $samples_off / $samples_high"
printf '  %-48s %s MB\n' "peak RSS (goal < 200 MB)" "$peak"
printf '  %-48s %s\n' "publish rate, 8 HTTP clients (events/s)" "$publish_rate"
