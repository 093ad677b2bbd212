#!/usr/bin/env bash
# Delivery benchmark: release build, nginx from Debian as the receiver (`return 200`), and the
# database DATABASE_URL names: SQLite files of its own when unset or sqlite://, else a fresh
# schema (postgres://…) or database (mysql://…) per phase on that server. Prints, from one run:
#   - deliveries per second for WEBHOOKS × EVENTS queued deliveries at CONCURRENCY;
#   - the receiver's own capacity measured by wrk with the same body and connection count;
#   - their ratio (goal ≥ 0.5);
#   - publish→receive latency p50/p99 while publishing RATE events/s (goal p99 < 20 ms);
#   - the server's peak RSS (goal < 200 MB).
# Usage: make bench   (or benchmarks/delivery/run.sh; knobs below are environment variables)
set -euo pipefail

WEBHOOKS=${WEBHOOKS:-10}
EVENTS=${EVENTS:-2000}
CONCURRENCY=${CONCURRENCY:-64}
RATE=${RATE:-1000}
RATE_SECONDS=${RATE_SECONDS:-5}
# Appended to the SQLite URL, e.g. "?synchronous=normal" to measure without a flush per commit.
SQLITE_QUERY=${SQLITE_QUERY:-}

repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/benchmarks/delivery"
missing=()
for tool in nginx:nginx wrk:wrk sqlite3:sqlite3 psql:postgresql-client mariadb:mariadb-client; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "run as root: apt-get install -y ${missing[*]}" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "building release binaries (first time: several minutes)..."
(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release 2>&1 | grep -E "error|Compiling|Build" | tail -3)
bin=$(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- the receiver -----------------------------------------------------------------------
nginx_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_buffer_size 64k;
    log_format timed '\$msec \$http_x_webhook_delivery';
    server {
        listen 127.0.0.1:$nginx_port;
        location /hook { return 200 "ok"; }
        location /timed { access_log $work/access.log timed; return 200 "ok"; }
    }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
sleep 0.5

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
BENCH_URL=${DATABASE_URL:-sqlite://}
engine=${BENCH_URL%%://*}
# URL parts for the command-line clients: user password host port database.
read -r db_user db_password db_host db_port db_name < <(python3 - "$BENCH_URL" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
print(u.username or "-", u.password or "-", u.hostname or "-", u.port or 0, (u.path or "/-").lstrip("/") or "-")
PY
)
new_database() { # $1 phase name; prints the DATABASE_URL of a fresh, empty database
    local name="bench_$1_$(date +%s)"
    case "$engine" in
        postgres|postgresql)
            local sep="?"; [[ "$BENCH_URL" == *"?"* ]] && sep="&"
            echo "$BENCH_URL${sep}schema=$name" ;;
        mysql|mariadb)
            mariadb --no-defaults -h "$db_host" -P "$db_port" -u "$db_user" -p"$db_password" \
                -e "CREATE DATABASE $name CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            echo "$engine://$db_user:$db_password@$db_host:$db_port/$name" ;;
        *) echo "sqlite://$work/$name.sqlite$SQLITE_QUERY" ;;
    esac
}
sql() { # $1 DATABASE_URL, $2 query; prints rows tab-separated
    case "$engine" in
        postgres|postgresql)
            local schema=${1##*schema=}
            PGPASSWORD="$db_password" PGOPTIONS="-c search_path=$schema" psql -qtAF $'\t' -h "$db_host" -p "$db_port" -U "$db_user" -d "$db_name" -c "$2" ;;
        mysql|mariadb)
            mariadb --no-defaults -N -B -h "$db_host" -P "$db_port" -u "$db_user" -p"$db_password" "${1##*/}" -e "$2" ;;
        *) local file=${1#sqlite://}; sqlite3 -separator $'\t' "${file%%\?*}" "$2" ;;
    esac
}
start_server() { # $1 DATABASE_URL, $2 concurrency; sets server_pid, BASE, KEY
    local port; port=$(free_port)
    DATABASE_URL="$1" "$bin/switchboard-migrate" up >/dev/null
    (cd "$work" && DATABASE_URL="$1" PORT=$port WEBHOOK_CONCURRENCY=$2 exec "$bin/switchboard" serve >"$work/server-$port.log" 2>&1) &
    server_pid=$!
    pids+=("$server_pid")
    BASE="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 0.05; done
    KEY=$(grep -oE 'sbk_[A-Za-z0-9_-]{43}' "$work/server-$port.log" | head -n 1 || true)
}
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
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
db=$(new_database throughput)
start_server "$db" 0
admin_key=$KEY
python3 "$here/load.py" webhooks "$BASE" "$admin_key" "http://127.0.0.1:$nginx_port/hook" "$WEBHOOKS"
publish_rate=$(python3 "$here/load.py" publish "$BASE" "$admin_key" "$EVENTS" 8)
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
total=$((WEBHOOKS * EVENTS))
start_server "$db" "$CONCURRENCY"
deadline=$((SECONDS + 300))
while [ "$(succeeded "$db")" -lt "$total" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
delivered=$(succeeded "$db")
rss_throughput=$(peak_rss_mb "$server_pid")
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
delivery_rps=$(sql "$db" "$rate_query")

# Latency: one webhook, events published at a fixed rate while the worker runs.
db=$(new_database latency)
start_server "$db" "$CONCURRENCY"
python3 "$here/load.py" webhooks "$BASE" "$KEY" "http://127.0.0.1:$nginx_port/timed" 1
python3 "$here/load.py" paced "$BASE" "$KEY" "$RATE" "$RATE_SECONDS"
expected=$(sql "$db" "SELECT COUNT(*) FROM webhook_deliveries")
deadline=$((SECONDS + 60))
while [ "$(succeeded "$db")" -lt "$expected" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
rss_latency=$(peak_rss_mb "$server_pid")
sql "$db" "$created_query" > "$work/created.tsv"
read -r samples p50 p99 < <(python3 "$here/load.py" latency "$work/access.log" "$work/created.tsv")
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true

ratio=$(python3 -c "print(f'{$delivery_rps / $receiver_rps:.2f}')")
peak=$(( rss_throughput > rss_latency ? rss_throughput : rss_latency ))
echo
echo "Switchboard delivery benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $engine$SQLITE_QUERY, concurrency $CONCURRENCY)"
printf '  %-48s %s\n' "deliveries/s ($WEBHOOKS webhooks x $EVENTS events, $delivered/$total ok)" "$delivery_rps"
printf '  %-48s %s\n' "receiver capacity (wrk, same body, $CONCURRENCY conns)" "$receiver_rps"
printf '  %-48s %s\n' "ratio (goal >= 0.5)" "$ratio"
printf '  %-48s %s / %s ms\n' "publish->receive p50 / p99 at $RATE ev/s ($samples)" "$p50" "$p99"
printf '  %-48s %s MB\n' "peak RSS (goal < 200 MB)" "$peak"
printf '  %-48s %s\n' "publish rate, 8 HTTP clients (events/s)" "$publish_rate"
