#!/usr/bin/env bash
# Fuzzes the running API against its own OpenAPI document with schemathesis: thousands of
# generated requests, valid and invalid, with a fixed seed so a failure reproduces. Fails on
# any 5xx, any response that breaks the documented schema or status codes, and any invalid
# request that is accepted. (Schema-valid requests that the server rejects for rules the
# schema cannot express, such as "expiresAt in the future", are not counted.)
# Usage: scripts/fuzz-api.sh BIN_DIR
set -euo pipefail

bin=${1:?usage: fuzz-api.sh BIN_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$repo/scripts/python-venv.sh")

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The fuzzer sends thousands of requests from one address; the failed-auth brake (tested on
# its own) would turn its later requests into 429s. Each call of the event stream lasts its
# full STREAM_MAX_SECONDS: one second, not five minutes.
export MIGRATIONS_DIR="$repo/migrations" DATABASE_URL="sqlite://$work/fuzz.sqlite" LOG_LEVEL=error AUTH_FAILURE_LIMIT=1000000/60 STREAM_MAX_SECONDS=1
export WEBHOOK_SECRET_KEY="fuzz-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
"$bin/switchboard-migrate" up >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work" && PORT=$port exec "$bin/switchboard" serve >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
key=$(grep -oE 'sbk_[A-Za-z0-9_-]{43}' "$work/server.log" | head -n 1)

# The examples the document lists (boundary values among them), each sent on its own first.
python3 "$repo/scripts/boundary-examples.py" "http://127.0.0.1:$port" "$key"

cd "$work"
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
    -H "Authorization: Bearer $key" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples 60 --seed 20261129 --no-color
