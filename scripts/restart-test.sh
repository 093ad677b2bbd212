#!/usr/bin/env bash
# The database restarts under a running server: for PostgreSQL and MariaDB, start a server of
# this test's own (own data folder and port, so the shared test servers are untouched), run
# the built `switchboard serve` against it with a real receiver, publish, stop the database,
# expect 503 `database_unavailable` answers (and a live server process), start the database
# again, and check that the server recovers by itself and every accepted event is delivered.
# Usage: scripts/restart-test.sh BIN_DIR
set -uo pipefail

bin=${1:?usage: restart-test.sh BIN_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server_pid=""
receiver_pid=""
failed=0

cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null
    for engine in postgres mysql; do TEST_DB_ROOT="/tmp/switchboard-restart-$engine" "$repo/scripts/test-databases.sh" "stop-$engine" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT

pass() { echo "  ok    $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $1"; [ $# -gt 1 ] && echo "        $2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export MIGRATIONS_DIR="$repo/migrations"
export WEBHOOK_SECRET_KEY="restart-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export WEBHOOK_ALLOWED_TARGETS=127.0.0.1
export WEBHOOK_POLL_INTERVAL_MS=50
export LOG_LEVEL=warning

# publish → prints "STATUS EVENT_ID_OR_CODE"
publish() {
    local out="$work/publish.json" status
    status=$(curl -sS -o "$out" -w '%{http_code}' -X POST "$BASE/api/events" -H "Authorization: Bearer $KEY" \
        -H 'Content-Type: application/json' -d '{"type":"contact.created","data":{"name":"restart"}}' 2>/dev/null)
    python3 - "$out" "$status" <<'PY'
import json, sys
status = sys.argv[2]
try:
    body = json.load(open(sys.argv[1]))
    detail = body["data"]["eventId"] if body.get("success") else body["error"]["code"]
except Exception:
    detail = "-"
print(status, detail)
PY
}

run_engine() {
    local engine=$1 port url control
    export TEST_DB_ROOT="/tmp/switchboard-restart-$engine"
    if [ "$engine" = postgres ]; then
        port=55433; export TEST_PG_PORT=$port
        url="postgres://switchboard:switchboard@127.0.0.1:$port/switchboard_test?sslmode=disable&connect_timeout=2&schema=restart_$(date +%s)"
    else
        port=53307; export TEST_MY_PORT=$port
        url="mysql://switchboard:switchboard@127.0.0.1:$port/restart_test?connect_timeout=2"
    fi
    echo "restart test on $engine (port $port)"
    if ! "$repo/scripts/test-databases.sh" "start-$engine" >"$work/db.log" 2>&1; then
        fail "$engine: start the database" "$(cat "$work/db.log")"; return
    fi
    if [ "$engine" = mysql ]; then
        mariadb --no-defaults -h 127.0.0.1 -P "$port" -u switchboard -pswitchboard \
            -e "DROP DATABASE IF EXISTS restart_test; CREATE DATABASE restart_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    fi
    export DATABASE_URL="$url"
    if ! "$bin/switchboard-migrate" up >"$work/migrate.log" 2>&1; then
        fail "$engine: migrate up" "$(cat "$work/migrate.log")"; return
    fi

    local received="$work/received-$engine"
    mkdir -p "$received"
    local receiver_port; receiver_port=$(free_port)
    python3 "$repo/scripts/test-receiver.py" "$receiver_port" "$received" &
    receiver_pid=$!

    local server_port; server_port=$(free_port)
    PORT=$server_port "$bin/switchboard" serve >"$work/server-$engine.log" 2>&1 &
    server_pid=$!
    export BASE="http://127.0.0.1:$server_port"
    for _ in $(seq 1 100); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done
    KEY=$(grep -oE 'sbk_[A-Za-z0-9_-]{43}' "$work/server-$engine.log" | head -n 1 || true)
    if [ -z "$KEY" ]; then fail "$engine: server started and printed an admin key" "$(cat "$work/server-$engine.log")"; return; fi
    curl -fsS -o /dev/null -X POST "$BASE/api/webhooks" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d "{\"name\":\"restart\",\"url\":\"http://127.0.0.1:$receiver_port/hook\",\"events\":[\"*\"]}" \
        || { fail "$engine: create webhook"; return; }

    local accepted="$work/accepted-$engine" answer
    : > "$accepted"
    local ok=0
    for _ in $(seq 1 20); do
        answer=$(publish)
        [ "${answer%% *}" = 202 ] && { echo "${answer#* }" >> "$accepted"; ok=$((ok + 1)); }
    done
    [ $ok -eq 20 ] && pass "$engine: 20 events accepted before the restart" || fail "$engine: 20 events accepted before the restart" "$ok accepted"

    "$repo/scripts/test-databases.sh" "stop-$engine" >/dev/null 2>&1
    local unavailable=0
    for _ in 1 2 3; do
        answer=$(publish)
        [ "$answer" = "503 database_unavailable" ] && unavailable=$((unavailable + 1))
    done
    [ $unavailable -eq 3 ] && pass "$engine: 503 database_unavailable while the database is down" \
        || fail "$engine: 503 database_unavailable while the database is down" "last answer: $answer"
    kill -0 "$server_pid" 2>/dev/null && pass "$engine: server still running" || fail "$engine: server still running"

    "$repo/scripts/test-databases.sh" "start-$engine" >/dev/null 2>&1 || fail "$engine: restart the database"
    local recovered=false
    for _ in $(seq 1 60); do
        answer=$(publish)
        if [ "${answer%% *}" = 202 ]; then echo "${answer#* }" >> "$accepted"; recovered=true; break; fi
        sleep 0.5
    done
    $recovered && pass "$engine: server recovered by itself" || { fail "$engine: server recovered by itself" "last answer: $answer"; return; }
    ok=0
    for _ in $(seq 1 20); do
        answer=$(publish)
        [ "${answer%% *}" = 202 ] && { echo "${answer#* }" >> "$accepted"; ok=$((ok + 1)); }
    done
    [ $ok -eq 20 ] && pass "$engine: 20 events accepted after the restart" || fail "$engine: 20 events accepted after the restart" "$ok accepted"

    local missing=""
    for _ in $(seq 1 120); do
        missing=$(python3 - "$received" "$accepted" <<'PY'
import glob, json, sys
seen = {json.load(open(p)).get("webhook-id", "").lower() for p in glob.glob(sys.argv[1] + "/*.headers.json")}
wanted = {line.strip().lower() for line in open(sys.argv[2]) if line.strip()}
print(len(wanted - seen))
PY
)
        [ "$missing" = 0 ] && break
        sleep 0.5
    done
    [ "$missing" = 0 ] && pass "$engine: every accepted event ($(wc -l < "$accepted")) delivered" \
        || fail "$engine: every accepted event delivered" "$missing not delivered; see $work/server-$engine.log"

    kill -TERM "$server_pid"; wait "$server_pid"; local status=$?
    server_pid=""
    [ $status -eq 0 ] && pass "$engine: graceful shutdown" || fail "$engine: graceful shutdown" "exit status $status"
    kill "$receiver_pid" 2>/dev/null; receiver_pid=""
    "$repo/scripts/test-databases.sh" "stop-$engine" >/dev/null 2>&1
}

run_engine postgres
run_engine mysql

if [ $failed -gt 0 ]; then
    echo "restart test: $failed check(s) failed"
    exit 1
fi
echo "restart test: all checks passed"
