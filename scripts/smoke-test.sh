#!/usr/bin/env bash
# End-to-end check of the built binaries, the way an operator uses them: the migrate tool on a
# fresh SQLite file, the server's refusal of an unmigrated database, the first-start admin key,
# every curl example of the documentation (README.md's tour, then docs/api.md, in that order),
# the api-keys and cleanup-logs CLIs, and a graceful shutdown.
# Usage: scripts/smoke-test.sh BIN_DIR
set -uo pipefail

bin=${1:?usage: smoke-test.sh BIN_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server_pid=""
tour_receiver_pid=""
passed=0
failed=0

cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    [ -n "$tour_receiver_pid" ] && kill "$tour_receiver_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "  ok    $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $1"; [ $# -gt 1 ] && echo "        $2"; }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }

cd "$work"
export MIGRATIONS_DIR="$repo/migrations"
export DATABASE_URL="sqlite://$work/smoke.sqlite"
export WEBHOOK_SECRET_KEY="smoke-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export LOG_LEVEL=warning
# Deliveries in this test go to a receiver on loopback, which is refused by default.
export WEBHOOK_ALLOWED_TARGETS=127.0.0.1

echo "smoke test of $bin"

# The server refuses a database whose migrations are behind, naming the command to run.
output=$("$bin/switchboard" serve 2>&1); status=$?
if [ $status -ne 0 ] && grep -q "switchboard-migrate up" <<<"$output"; then pass "server refuses an unmigrated database"; else fail "server refuses an unmigrated database" "$output"; fi

# A database that cannot be reached, or a URL that cannot be used, stops start-up with a clear
# message that does not print the password.
output=$(DATABASE_URL="postgres://u:secret@127.0.0.1:1/x?connect_timeout=1" "$bin/switchboard" serve 2>&1); status=$?
if [ $status -ne 0 ] && grep -q "database unavailable" <<<"$output" && ! grep -q secret <<<"$output"; then pass "unreachable database refused"; else fail "unreachable database refused" "$output"; fi
output=$(DATABASE_URL="mysql://u:secret@127.0.0.1:1/x?pool=3" "$bin/switchboard" serve 2>&1); status=$?
if [ $status -ne 0 ] && grep -q "unknown mysql option 'pool'" <<<"$output" && ! grep -q secret <<<"$output"; then pass "misspelt DATABASE_URL option refused"; else fail "misspelt DATABASE_URL option refused" "$output"; fi

# Migrate: status → up → status → down → up.
check "migrate status lists pending versions" bash -c "'$bin/switchboard-migrate' status | grep -q pending"
check "migrate up" "$bin/switchboard-migrate" up
check "migrate status is up to date" bash -c "'$bin/switchboard-migrate' status | grep -q 'schema is up to date'"
check "migrate down --steps 1" "$bin/switchboard-migrate" down --steps 1
check "migrate status pending again" bash -c "'$bin/switchboard-migrate' status | grep -q pending"
check "migrate up again" "$bin/switchboard-migrate" up

# An applied migration that was edited afterwards is refused.
cp -r "$repo/migrations" "$work/migrations-copy"
(
    export MIGRATIONS_DIR="$work/migrations-copy" DATABASE_URL="sqlite://$work/checksum.sqlite"
    "$bin/switchboard-migrate" up >/dev/null
    echo "-- edited after being applied" >> "$work"/migrations-copy/sqlite/0001_*.up.sql
    ! output=$("$bin/switchboard-migrate" up 2>&1) && grep -q "changed or disappeared" <<<"$output"
) && pass "edited applied migration refused" || fail "edited applied migration refused"

# Start the server on a free port and read the admin key it prints on first start.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# DEBUG as the Node `debug` module reads it: delivery debug lines although LOG_LEVEL is warning.
DEBUG='webhook:*' PORT=$port "$bin/switchboard" serve >"$work/server.log" 2>&1 &
server_pid=$!
export BASE="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    command curl -fs "$BASE/health" >/dev/null 2>&1 && break
    sleep 0.1
done
check "server answers /health" command curl -fs "$BASE/health"
KEY=$(grep -oE 'sbk_[A-Za-z0-9_-]{43}' "$work/server.log" | head -n 1 || true)
export KEY
if [ -n "$KEY" ]; then pass "first start printed an admin key"; else fail "first start printed an admin key" "$(cat "$work/server.log")"; fi

# Run the documentation's curl examples in order, as written: README.md's tour first, then
# docs/api.md. They use $KEY and $BASE, and the ids the examples before them created
# ($WEBHOOK_ID, $DELIVERY_ID, $API_KEY_ID, taken from the answers below). The tour's receiver,
# http://127.0.0.1:9000 in the README, is a receiver this test starts on a free port: examples
# are run with that address replaced.
response="$work/response.json"
curl() { command curl -sS -o "$response" -w '%{http_code}' "$@"; }
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"][sys.argv[2]])' "$response" "$1"; }
tour_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/tour"
python3 "$repo/scripts/test-receiver.py" "$tour_port" "$work/tour" &
tour_receiver_pid=$!
for _ in $(seq 1 50); do command curl -s -o /dev/null "http://127.0.0.1:$tour_port/" && break; sleep 0.1; done
extract_examples() {
    python3 - "$1" <<'PY'
import sys
lines, block, joined = open(sys.argv[1]).read().splitlines(), False, []
current = ""
for line in lines:
    if line.startswith("```"):
        block = not block
        continue
    if not block:
        continue
    if current or line.startswith("curl "):
        current += line.rstrip("\\").rstrip() + " "
        if not line.endswith("\\"):
            joined.append(current.strip())
            current = ""
print("\n".join(joined))
PY
}
# page and the fewest examples it must have (the counts at the time of writing).
for page_minimum in "README.md 3" "docs/api.md 40"; do
    read -r page minimum <<<"$page_minimum"
    mapfile -t examples < <(extract_examples "$repo/$page")
    [ ${#examples[@]} -ge "$minimum" ] && pass "$page has ${#examples[@]} curl examples" || fail "$page has at least $minimum curl examples" "found ${#examples[@]}"
    for example in "${examples[@]}"; do
        code=$(eval "${example//127.0.0.1:9000/127.0.0.1:$tour_port}")
        if [[ "$code" =~ ^2 ]] && { [[ "$example" == *openapi.json* ]] || [[ "$example" == *"/metrics"* ]] || python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["success"] is True' "$response"; }; then
            pass "$page: ${example:0:90}"
        else
            fail "$page: ${example:0:90}" "HTTP $code: $(head -c 300 "$response")"
        fi
        case "$example" in
            *"-X POST \$BASE/api/webhooks "*) WEBHOOK_ID=$(json_field id); export WEBHOOK_ID ;;
            *"-X POST \$BASE/api/api-keys "*) API_KEY_ID=$(json_field id); export API_KEY_ID ;;
            *"/test "*) DELIVERY_ID=$(json_field deliveryId); export DELIVERY_ID ;;
        esac
    done
    if [ "$page" = README.md ]; then
        # The tour's event reached its receiver, signed.
        for _ in $(seq 1 100); do [ -f "$work/tour/0.headers.json" ] && break; sleep 0.1; done
        if python3 -c 'import json,sys; h=json.load(open(sys.argv[1])); assert h["x-webhook-event"] == "contact.created" and h["x-webhook-signature"].startswith("sha256=") and h["webhook-signature"].startswith("v1,"), h' "$work/tour/0.headers.json" 2>/dev/null; then
            pass "README tour: the event reached the receiver, signed"
        else
            fail "README tour: the event reached the receiver, signed" "$(ls "$work/tour")"
        fi
    fi
done
unset -f curl

# A delivery to a real receiver verifies with the Node receiver snippet and with the
# standardwebhooks library, neither of which shares code with Switchboard.
venv=$("$repo/scripts/python-venv.sh")
receiver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/received"
python3 "$repo/scripts/test-receiver.py" "$receiver_port" "$work/received" &
receiver_pid=$!
sleep 0.5
created=$(command curl -s -X POST "$BASE/api/webhooks" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
    -d "{\"name\":\"smoke receiver\",\"url\":\"http://127.0.0.1:$receiver_port/hook\",\"events\":[\"contact.updated\"]}")
secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["secret"])' "$created")
command curl -s -o /dev/null -X POST "$BASE/api/events" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
    -d '{"type":"contact.updated","data":{"name":"Zoë / O\u0027Brien","tags":["a","b"],"score":1.50,"big":1e21,"tiny":0.0000001,"nested":{"emoji":"🎉","quote":"\"q\""}}}'
for _ in $(seq 1 100); do [ -f "$work/received/0.headers.json" ] && break; sleep 0.1; done
if [ -f "$work/received/0.headers.json" ]; then pass "event delivered to a real receiver"; else fail "event delivered to a real receiver"; fi
if grep -q "debug switchboard.delivery: attempt=1 delivery=.* status=200 webhook=.*delivery attempt" "$work/server.log"; then pass "DEBUG=webhook:* logs each attempt with its ids"; else fail "DEBUG=webhook:* logs each attempt with its ids" "$(tail -5 "$work/server.log")"; fi
if node "$repo/scripts/verify-node-signature.js" "$work/received/0.body" "$work/received/0.headers.json" "$secret" 2>/dev/null; then
    pass "the Node receiver snippet verifies X-Webhook-Signature"
else
    fail "the Node receiver snippet verifies X-Webhook-Signature" "body: $(cat "$work/received/0.body" 2>/dev/null)"
fi
if "$venv/bin/python" - "$work/received/0.body" "$work/received/0.headers.json" "$secret" <<'PY'
import json, sys
from standardwebhooks.webhooks import Webhook
body = open(sys.argv[1], "rb").read()
headers = json.load(open(sys.argv[2]))
Webhook(sys.argv[3]).verify(body, headers)
PY
then pass "standardwebhooks library verifies webhook-signature"; else fail "standardwebhooks library verifies webhook-signature"; fi
kill "$receiver_pid" 2>/dev/null

# The api-keys CLI makes a key that works with exactly its permission.
cli_key=$("$bin/switchboard" api-keys create --name ci --permissions read:webhooks | grep -oE 'sbk_[A-Za-z0-9_-]{43}')
check "api-keys create key can list webhooks" command curl -fs "$BASE/api/webhooks" -H "Authorization: Bearer $cli_key"
code=$(command curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/api-keys" -H "Authorization: Bearer $cli_key" -d '{}')
[ "$code" = 403 ] && pass "api-keys create key is refused beyond its permission" || fail "api-keys create key is refused beyond its permission" "HTTP $code"

# No plaintext key anywhere in the database files.
if [ -z "$KEY" ] || [ -z "$cli_key" ] || grep -qaF -e "$KEY" -e "$cli_key" "$work"/smoke.sqlite*; then fail "no plaintext key in the database"; else pass "no plaintext key in the database"; fi
if [ -z "$secret" ] || grep -qaF -e "$secret" "$work"/smoke.sqlite*; then fail "no plaintext webhook secret in the database"; else pass "no plaintext webhook secret in the database"; fi

# Maintenance: the clean-up counts, then deletes nothing recent; bad arguments are refused.
output=$("$bin/switchboard" cleanup-logs --dry-run 2>&1)
if grep -q "would delete 0 delivery log(s) older than 90 days" <<<"$output"; then pass "cleanup-logs --dry-run reports counts"; else fail "cleanup-logs --dry-run reports counts" "$output"; fi
output=$("$bin/switchboard" cleanup-logs --older-than 30 2>&1)
if grep -q "deleted 0 delivery log(s) older than 30 days" <<<"$output"; then pass "cleanup-logs keeps recent logs"; else fail "cleanup-logs keeps recent logs" "$output"; fi
check "cleanup-logs --older-than 0 refused" bash -c "! '$bin/switchboard' cleanup-logs --older-than 0"

# Health: every webhook so far is fine, so health-check exits 0; a webhook whose receiver
# refuses every connection becomes unhealthy after 5 failures in a row: exit 1, the running
# server's health monitor notices it, and the statistics and metrics count the attempts.
output=$("$bin/switchboard" health-check 2>&1); status=$?
if [ $status -eq 0 ] && grep -q "0 active and unhealthy" <<<"$output"; then pass "health-check exits 0 when no webhook is unhealthy"; else fail "health-check exits 0 when no webhook is unhealthy" "exit $status: $output"; fi
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
command curl -s -o /dev/null -X POST "$BASE/api/webhooks" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
    -d "{\"name\":\"refusing receiver\",\"url\":\"http://127.0.0.1:$closed_port/hook\",\"events\":[\"property.deleted\"],\"maxRetries\":0}"
for _ in 1 2 3 4 5; do
    command curl -s -o /dev/null -X POST "$BASE/api/events" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
        -d '{"type":"property.deleted","data":{"id":1}}'
done
status=0
for _ in $(seq 1 100); do
    output=$("$bin/switchboard" health-check 2>&1); status=$?
    [ $status -eq 1 ] && break
    sleep 0.1
done
if [ $status -eq 1 ] && grep -q "unhealthy: refusing receiver" <<<"$output"; then pass "health-check exits 1 when an active webhook is unhealthy"; else fail "health-check exits 1 when an active webhook is unhealthy" "exit $status: $output"; fi
for _ in $(seq 1 50); do grep -q "event=webhook.unhealthy.*to=unhealthy.*webhook health changed" "$work/server.log" && break; sleep 0.1; done
if grep -q "event=webhook.unhealthy.*to=unhealthy.*webhook health changed" "$work/server.log"; then pass "the server's health monitor announced the change"; else fail "the server's health monitor announced the change" "$(tail -5 "$work/server.log")"; fi
output=$("$bin/switchboard" update-stats 2>&1)
if grep -qE "recounted [0-9]+ delivery attempt\(s\)" <<<"$output"; then pass "update-stats rebuilds the hourly statistics"; else fail "update-stats rebuilds the hourly statistics" "$output"; fi
output=$("$bin/switchboard" explain-claim --limit 8 2>&1)
if [ "$(grep -c '^   plan:' <<<"$output")" -eq 6 ] && grep -q "webhook_deliveries_due_idx" <<<"$output"; then pass "explain-claim prints the six statements' plans"; else fail "explain-claim prints the six statements' plans" "$(head -c 600 <<<"$output")"; fi
check "explain-claim --limit 0 refused" bash -c "! '$bin/switchboard' explain-claim --limit 0"
analytics=$(command curl -s "$BASE/api/webhooks/analytics" -H "Authorization: Bearer $KEY")
if python3 -c 'import json,sys; d=json.loads(sys.argv[1])["data"]; assert d["failed_webhooks"] >= 1 and d["total_deliveries"] >= 6, d' "$analytics"; then pass "analytics counts the failing webhook and its deliveries"; else fail "analytics counts the failing webhook and its deliveries" "$analytics"; fi
metrics=$(command curl -s "$BASE/metrics")
if grep -q '^switchboard_deliveries_total{outcome="failed"} [1-9]' <<<"$metrics" && grep -q '^switchboard_http_requests_total' <<<"$metrics" \
    && grep -q '^switchboard_delivery_claim_duration_seconds_count [1-9]' <<<"$metrics" \
    && grep -q '^switchboard_deliveries_handed_over_total [1-9]' <<<"$metrics"; then pass "/metrics counts deliveries, claims, handoffs and requests"; else fail "/metrics counts deliveries, claims, handoffs and requests" "$(grep -E '^switchboard_(deliveries|delivery_claim)' <<<"$metrics" | head -c 600)"; fi

# Graceful shutdown on SIGTERM.
kill -TERM "$server_pid"
for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then fail "server stops on SIGTERM"; else wait "$server_pid"; status=$?; [ $status -eq 0 ] && pass "server stops on SIGTERM" || fail "server stops on SIGTERM" "exit $status"; fi
server_pid=""

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
