#!/usr/bin/env bash
# Claim cost against queue size: does a delivery claim cost the same with 10,000 and with
# 1,000,000 deliveries pending? On the database DATABASE_URL names (SQLite when unset; see
# ../lib.sh), for each size: a fresh database, WEBHOOKS webhooks, events published through
# POST /api/events/batch with the worker off until SIZE deliveries are pending, statistics
# refreshed (VACUUM ANALYZE on PostgreSQL, ANALYZE TABLE on MariaDB: what autovacuum or an
# operator does after a bulk load), the claim's query plans printed by
# `switchboard explain-claim` (and kept under benchmarks/results/ for the largest size), then
# the server restarted with its worker on against an nginx receiver and, over a window of
# WINDOW seconds after a second's warm-up, the claims' mean duration from /metrics
# (switchboard_delivery_claim_duration_seconds), deliveries per claim and per second, and the
# server's peak RSS. Last, the ratio of the largest size's mean claim to the smallest's
# (the issue's goal: within 1.5).
# Usage: benchmarks/claim/run.sh   SIZES="10000 1000000" WEBHOOKS=10 WINDOW=4
set -euo pipefail
SIZES=${SIZES:-10000 1000000}
WEBHOOKS=${WEBHOOKS:-10}
WINDOW=${WINDOW:-4}
CONCURRENCY=${CONCURRENCY:-64}

repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/benchmarks/delivery"
# shellcheck source=../lib.sh
. "$repo/benchmarks/lib.sh"

start_receiver

export WEBHOOK_SECRET_KEY="bench-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export WEBHOOK_ALLOWED_TARGETS=127.0.0.1 LOG_LEVEL=error MIGRATIONS_DIR="$repo/migrations" API_RATE_LIMIT=1000000/1
python3 - "$here" > "$work/batch.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import load
event = json.loads(load.EVENT)
print(json.dumps({"events": [event] * 1000}, separators=(",", ":")))
PY
metric() { # $1 metrics text file, $2 metric name with labels; prints its value (0 when absent)
    awk -v name="$2" '$1 == name {value = $2} END {print value + 0}' "$1"
}
scrape() { curl -fs "$BASE/metrics" > "$1"; }
analyze() {
    case "$engine" in
        # VACUUM too: after a million inserts autovacuum would otherwise start on the table
        # during the measured window and take one of the two cores.
        postgres|postgresql) sql "$1" "VACUUM ANALYZE" >/dev/null ;;
        mysql|mariadb) sql "$1" "ANALYZE TABLE webhook_deliveries, events, webhooks" >/dev/null ;;
        *) ;;  # Switchboard never runs ANALYZE on SQLite: its plans are the ones users get.
    esac
}
commit=$(cd "$repo" && git rev-parse --short HEAD)
date=$(date -u +%Y-%m-%d)
results=()
for size in $SIZES; do
    requests=$(( (size / WEBHOOKS + 999) / 1000 ))
    db=$(new_database "claim$size")
    start_server "$db" 0
    python3 "$here/load.py" webhooks "$BASE" "$KEY" "http://127.0.0.1:$nginx_port/hook" "$WEBHOOKS"
    began=$SECONDS
    for _ in $(seq 1 "$requests"); do
        curl -fs -o /dev/null -X POST "$BASE/api/events/batch" -H "Authorization: Bearer $KEY" \
            -H "Content-Type: application/json" --data-binary "@$work/batch.json"
    done
    pending=$(sql "$db" "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
    echo "  $pending deliveries pending after $((SECONDS - began)) s of publishing" >&2
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    analyze "$db"
    (cd "$work" && DATABASE_URL="$db" WEBHOOK_CONCURRENCY=$CONCURRENCY "$bin/switchboard" explain-claim) > "$work/plans-$size.txt"
    start_server "$db" "$CONCURRENCY"
    sleep 1
    scrape "$work/before.txt"
    sleep "$WINDOW"
    scrape "$work/after.txt"
    rss=$(peak_rss_mb "$server_pid")
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    read -r claims mean_ms per_claim per_second < <(python3 - "$work/before.txt" "$work/after.txt" "$WINDOW" <<'PY'
import re, sys
def read(path):
    values = {}
    for line in open(path):
        match = re.match(r'(switchboard_delivery_claim_duration_seconds_(?:sum|count)|switchboard_deliveries_total\{outcome="succeeded"\}) (\S+)', line)
        if match: values[match.group(1)] = float(match.group(2))
    return values
before, after = read(sys.argv[1]), read(sys.argv[2])
delta = lambda name: after.get(name, 0) - before.get(name, 0)
claims = delta("switchboard_delivery_claim_duration_seconds_count")
seconds = delta("switchboard_delivery_claim_duration_seconds_sum")
delivered = delta('switchboard_deliveries_total{outcome="succeeded"}')
window = float(sys.argv[3])
print(int(claims), f"{seconds / claims * 1000:.2f}" if claims else "nan", f"{delivered / claims:.1f}" if claims else "nan", round(delivered / window))
PY
)
    results+=("$size $pending $claims $mean_ms $per_claim $per_second $rss")
done
largest=${SIZES##* }
mkdir -p "$repo/benchmarks/results"
cp "$work/plans-$largest.txt" "$repo/benchmarks/results/$date-claim-plans-$engine-$commit.txt"

echo
echo "Switchboard claim benchmark ($date, $(nproc) cores, $engine, $WEBHOOKS webhooks, concurrency $CONCURRENCY, ${WINDOW} s window)"
first_mean=""
last_mean=""
for result in "${results[@]}"; do
    read -r size pending claims mean_ms per_claim per_second rss <<<"$result"
    printf '  %-52s %s\n' "$size pending: claims in the window" "$claims"
    printf '  %-52s %s\n' "$size pending: mean claim, ms" "$mean_ms"
    printf '  %-52s %s\n' "$size pending: deliveries per claim" "$per_claim"
    printf '  %-52s %s\n' "$size pending: deliveries/s" "$per_second"
    printf '  %-52s %s MB\n' "$size pending: peak RSS" "$rss"
    [ -z "$first_mean" ] && first_mean=$mean_ms
    last_mean=$mean_ms
done
printf '  %-52s %s\n' "mean claim ratio, largest to smallest (goal <= 1.5)" "$(python3 -c "print(f'{$last_mean / $first_mean:.2f}')")"
echo
echo "Query plans with $largest pending (benchmarks/results/$date-claim-plans-$engine-$commit.txt):"
sed 's/^/    /' "$work/plans-$largest.txt"
