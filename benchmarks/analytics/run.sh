#!/usr/bin/env bash
# Analytics at scale: fills a database with LOGS delivery logs (one attempt each) spread over
# 30 days and WEBHOOKS webhooks — SQLite of its own, or a fresh schema (postgres://…) or
# database (mysql://…) on the server DATABASE_URL names —, rebuilds the hourly statistics with
# `switchboard update-stats`, then measures GET /api/webhooks/analytics and /api/webhooks/:id/stats with wrk
# against GET /health of the same release server, and times the same totals computed straight
# from the delivery logs for comparison. Prints figures and ratios from one run.
# Usage: benchmarks/analytics/run.sh (also run by make bench); knobs LOGS, WEBHOOKS,
# CONNECTIONS, SECONDS_PER_RUN.
set -euo pipefail
LOGS=${LOGS:-1000000}
WEBHOOKS=${WEBHOOKS:-10}
CONNECTIONS=${CONNECTIONS:-8}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}

repo=$(cd "$(dirname "$0")/../.." && pwd)
for tool in wrk sqlite3; do
    command -v $tool >/dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq $tool >/dev/null || { echo "install $tool" >&2; exit 1; }; }
done
(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release 2>&1 | grep -E "error|Build" | tail -1)
bin=$(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release --show-bin-path)

work=$(mktemp -d)
server_pid=""
trap 'rm -rf "$work"' EXIT
BENCH_URL=${DATABASE_URL:-sqlite://}
engine=${BENCH_URL%%://*}
read -r db_user db_password db_host db_port db_name < <(python3 - "$BENCH_URL" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
print(u.username or "-", u.password or "-", u.hostname or "-", u.port or 0, (u.path or "/-").lstrip("/") or "-")
PY
)
fresh="bench_analytics_$(date +%s)"
case "$engine" in
    postgres|postgresql)
        sep="?"; [[ "$BENCH_URL" == *"?"* ]] && sep="&"
        export DATABASE_URL="$BENCH_URL${sep}schema=$fresh"
        sql() { PGPASSWORD="$db_password" PGOPTIONS="-c search_path=$fresh" psql -qtA -v ON_ERROR_STOP=1 -h "$db_host" -p "$db_port" -U "$db_user" -d "$db_name" "$@"; }
        query() { sql -c "$1"; }
        drop_database() { PGPASSWORD="$db_password" psql -q -h "$db_host" -p "$db_port" -U "$db_user" -d "$db_name" -c "DROP SCHEMA IF EXISTS $fresh CASCADE" >/dev/null 2>&1 || true; } ;;
    mysql|mariadb)
        mariadb --no-defaults -h "$db_host" -P "$db_port" -u "$db_user" -p"$db_password" -e "CREATE DATABASE $fresh CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        export DATABASE_URL="$engine://$db_user:$db_password@$db_host:$db_port/$fresh"
        sql() { mariadb --no-defaults -N -B -h "$db_host" -P "$db_port" -u "$db_user" -p"$db_password" "$fresh" "$@"; }
        query() { sql -e "$1"; }
        drop_database() { mariadb --no-defaults -h "$db_host" -P "$db_port" -u "$db_user" -p"$db_password" -e "DROP DATABASE IF EXISTS $fresh" >/dev/null 2>&1 || true; } ;;
    *)
        engine=sqlite
        export DATABASE_URL="sqlite://$work/analytics.sqlite"
        sql() { sqlite3 "$work/analytics.sqlite" "$@"; }
        query() { sql "$1"; }
        drop_database() { :; } ;;
esac
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; drop_database; rm -rf "$work"; }
trap cleanup EXIT
export MIGRATIONS_DIR="$repo/migrations" LOG_LEVEL=error
export WEBHOOK_SECRET_KEY="bench-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" API_RATE_LIMIT=1000000/1 WEBHOOK_CONCURRENCY=0
"$bin/switchboard-migrate" up >/dev/null

# Events of WEBHOOKS deliveries each; every delivery has one attempt: 97 % answered 200, the
# rest 500 or refused; durations 5–1,204 ms; times spread over the last 30 days.
events=$(( (LOGS + WEBHOOKS - 1) / WEBHOOKS ))
started=$(date +%s.%N)
case "$engine" in
sqlite) sql <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $WEBHOOKS)
INSERT INTO webhooks (id, name, url, events, is_active, consecutive_failures, created_at, updated_at)
SELECT printf('00000000-0000-4000-8000-%012x', i), 'bench ' || i, 'https://hooks.example/' || i, '["*"]', 1, 0,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-31 days'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-31 days') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $events)
INSERT INTO events (id, type, payload, created_at)
SELECT printf('%08x-0000-4000-8000-000000000000', i), 'contact.created', '{"id":' || i || '}',
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (2592000 - i * 2592000 / $events) || ' seconds') FROM n;
INSERT INTO webhook_deliveries (id, event_id, webhook_id, event_type, status, attempt_count, created_at, updated_at, completed_at)
SELECT printf('%08x-%04x-4000-8000-000000000000', e.rowid, w.rowid), e.id, w.id, e.type,
       'succeeded', 1, e.created_at, e.created_at, e.created_at
FROM events e CROSS JOIN webhooks w LIMIT $LOGS;
INSERT INTO webhook_attempts (id, delivery_id, attempt_number, request_headers, response_status, duration_ms, created_at)
SELECT printf('%08x-%04x-4000-9000-000000000000', d.rowid, 1), d.id, 1, '{}',
       CASE WHEN d.rowid % 100 < 97 THEN 200 WHEN d.rowid % 100 < 99 THEN 500 ELSE NULL END,
       5 + (d.rowid * 7919) % 1200, d.created_at
FROM webhook_deliveries d;
COMMIT;
SQL
;;
postgres|postgresql) sql >/dev/null <<SQL
INSERT INTO webhooks (id, name, url, events, is_active, consecutive_failures, created_at, updated_at)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'bench ' || i, 'https://hooks.example/' || i, '["*"]', true, 0,
       now() - interval '31 days', now() - interval '31 days' FROM generate_series(1, $WEBHOOKS) i;
INSERT INTO events (id, type, payload, created_at)
SELECT (lpad(to_hex(i), 8, '0') || '-0000-4000-8000-000000000000')::uuid, 'contact.created', '{"id":' || i || '}',
       date_trunc('milliseconds', now() - make_interval(secs => 2592000 - i * 2592000.0 / $events)) FROM generate_series(1, $events) i;
INSERT INTO webhook_deliveries (id, event_id, webhook_id, event_type, status, attempt_count, created_at, updated_at, completed_at)
SELECT gen_random_uuid(), e.id, w.id, e.type, 'succeeded', 1, e.created_at, e.created_at, e.created_at
FROM events e CROSS JOIN webhooks w LIMIT $LOGS;
INSERT INTO webhook_attempts (id, delivery_id, attempt_number, request_headers, response_status, duration_ms, created_at)
SELECT gen_random_uuid(), d.id, 1, '{}',
       CASE WHEN r < 0.97 THEN 200 WHEN r < 0.99 THEN 500 ELSE NULL END, 5 + floor(random() * 1200)::int, d.created_at
FROM (SELECT id, created_at, random() AS r FROM webhook_deliveries) d;
ANALYZE;
SQL
;;
*) sql <<SQL
SET SESSION time_zone = '+00:00';
INSERT INTO webhooks (id, name, url, events, is_active, consecutive_failures, created_at, updated_at)
SELECT CONCAT('00000000-0000-4000-8000-', LPAD(HEX(seq), 12, '0')), CONCAT('bench ', seq), CONCAT('https://hooks.example/', seq), '["*"]', TRUE, 0,
       UTC_TIMESTAMP(3) - INTERVAL 31 DAY, UTC_TIMESTAMP(3) - INTERVAL 31 DAY FROM seq_1_to_$WEBHOOKS;
INSERT INTO events (id, type, payload, created_at)
SELECT LOWER(CONCAT(LPAD(HEX(seq), 8, '0'), '-0000-4000-8000-000000000000')), 'contact.created', CONCAT('{"id":', seq, '}'),
       UTC_TIMESTAMP(3) - INTERVAL (2592000 - seq * 2592000 DIV $events) SECOND FROM seq_1_to_$events;
INSERT INTO webhook_deliveries (id, event_id, webhook_id, event_type, status, attempt_count, created_at, updated_at, completed_at)
SELECT UUID(), e.id, w.id, e.type, 'succeeded', 1, e.created_at, e.created_at, e.created_at
FROM events e CROSS JOIN webhooks w LIMIT $LOGS;
INSERT INTO webhook_attempts (id, delivery_id, attempt_number, request_headers, response_status, duration_ms, created_at)
SELECT UUID(), d.id, 1, '{}', CASE WHEN r < 0.97 THEN 200 WHEN r < 0.99 THEN 500 ELSE NULL END, 5 + FLOOR(RAND() * 1200), d.created_at
FROM (SELECT id, created_at, RAND() AS r FROM webhook_deliveries) d;
ANALYZE TABLE webhook_deliveries, webhook_attempts;
SQL
;;
esac
filled=$(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')")
logs=$(query "SELECT COUNT(*) FROM webhook_attempts")

rebuild_output=$("$bin/switchboard" update-stats)
rebuild_seconds=$(grep -oE 'in [0-9.]+ s' <<<"$rebuild_output" | grep -oE '[0-9.]+')
rollup_rows=$(query "SELECT COUNT(*) FROM webhook_stats_hourly")

# The same all-time totals the analytics answer gives, straight from the logs.
raw_started=$(date +%s.%N)
query "SELECT COUNT(*), SUM(CASE WHEN a.response_status BETWEEN 200 AND 299 THEN 1 ELSE 0 END), AVG(a.duration_ms)
       FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id" >/dev/null
raw_ms=$(python3 -c "print(f'{($(date +%s.%N) - $raw_started) * 1000:.0f}')")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work" && PORT=$port exec "$bin/switchboard" serve >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.05; done
key=$(grep -oE 'sbk_[A-Za-z0-9_-]{43}' "$work/server.log" | head -n 1)
base="http://127.0.0.1:$port"
total=$(curl -fs "$base/api/webhooks/analytics" -H "Authorization: Bearer $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["total_deliveries"])')

measure() { # prints "req/s p50 p99"
    wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" | awk '
        /Requests\/sec/ {rps = $2}
        $1 == "50%" {p50 = $2}
        $1 == "99%" {p99 = $2}
        END {print rps, p50, p99}'
}
read -r health_rps health_p50 health_p99 < <(measure "$base/health")
read -r _ single_p50 single_p99 < <(CONNECTIONS=1 measure -H "Authorization: Bearer $key" "$base/api/webhooks/analytics")
read -r all_rps all_p50 all_p99 < <(measure -H "Authorization: Bearer $key" "$base/api/webhooks/analytics")
since=$(date -u -d '-7 days' +%Y-%m-%dT%H:00:00Z)
read -r week_rps week_p50 week_p99 < <(measure -H "Authorization: Bearer $key" "$base/api/webhooks/analytics?since=$since")
read -r stats_rps stats_p50 stats_p99 < <(measure -H "Authorization: Bearer $key" "$base/api/webhooks/00000000-0000-4000-8000-000000000001/stats")

echo
echo "Switchboard analytics benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $engine, $CONNECTIONS connections)"
printf '  %-58s %s\n' "delivery logs (attempts), webhooks" "$logs, $WEBHOOKS (filled in $filled s)"
printf '  %-58s %s\n' "analytics total_deliveries" "$total"
printf '  %-58s %s\n' "update-stats rebuild of all logs" "$rebuild_seconds s -> $rollup_rows hourly rows"
printf '  %-58s %s\n' "same totals straight from the logs (one SQL query)" "$raw_ms ms"
printf '  %-58s %s\n' "GET /health: req/s, p50, p99" "$health_rps, $health_p50, $health_p99"
printf '  %-58s %s\n' "GET /api/webhooks/analytics, one client: p50, p99" "$single_p50, $single_p99"
printf '  %-58s %s\n' "GET /api/webhooks/analytics (all time): req/s, p50, p99" "$all_rps, $all_p50, $all_p99"
printf '  %-58s %s\n' "GET /api/webhooks/analytics?since=7 days: req/s, p50, p99" "$week_rps, $week_p50, $week_p99"
printf '  %-58s %s\n' "GET /api/webhooks/:id/stats: req/s, p50, p99" "$stats_rps, $stats_p50, $stats_p99"
printf '  %-58s %s\n' "ratio analytics / health (req/s)" "$(python3 -c "print(f'{$all_rps / $health_rps:.3f}')")"
