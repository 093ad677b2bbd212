#!/usr/bin/env bash
# Authentication overhead: wrk against authenticated `GET /api/webhooks`, the forward-auth
# `/auth/verify` and unauthenticated `GET /health` of the same release server in one run, and
# the ratios (goal >= 0.8); then hey at a fixed 1,000 requests/s on /auth/verify for its p99
# (goal < 2 ms).
# Usage: benchmarks/auth/run.sh (also run by make bench); CONNECTIONS and SECONDS_PER_RUN knobs.
set -euo pipefail
CONNECTIONS=${CONNECTIONS:-32}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}

repo=$(cd "$(dirname "$0")/../.." && pwd)
for tool in wrk hey; do
    command -v "$tool" >/dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq "$tool" >/dev/null || { echo "install $tool" >&2; exit 1; }; }
done
(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release 2>&1 | grep -E "error|Build" | tail -1)
bin=$(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release --show-bin-path)

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$work/auth.sqlite" MIGRATIONS_DIR="$repo/migrations" LOG_LEVEL=error
export WEBHOOK_SECRET_KEY="bench-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" API_RATE_LIMIT=1000000/1 WEBHOOK_CONCURRENCY=0
"$bin/switchboard-migrate" up >/dev/null
(cd "$work" && PORT=$port exec "$bin/switchboard" serve >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.05; done
key=$(grep -oE 'sbk_[A-Za-z0-9_-]{43}' "$work/server.log" | head -n 1)
for index in 1 2 3; do
    curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/api/webhooks" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
        -d "{\"name\":\"bench $index\",\"url\":\"https://hooks.example/$index\",\"events\":[\"*\"]}"
done
rps() { wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
health=$(rps "http://127.0.0.1:$port/health")
authenticated=$(rps -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/webhooks")
verify=$(rps -H "Authorization: Bearer $key" -H "X-Original-Method: GET" -H "X-Original-URI: /api/contacts/42" "http://127.0.0.1:$port/auth/verify")
# 10 workers x 100 requests/s for 10 s; hey prints the latency distribution.
p99=$(hey -z 10s -c 10 -q 100 -H "Authorization: Bearer $key" -H "X-Original-Method: GET" -H "X-Original-URI: /api/contacts/42" \
    "http://127.0.0.1:$port/auth/verify" | awk '/ 99% in / {printf "%.2f ms", $3 * 1000}')
echo
echo "Switchboard auth benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, SQLite, $CONNECTIONS connections)"
printf '  %-46s %s\n' "GET /health (no key), req/s" "$health"
printf '  %-46s %s\n' "GET /api/webhooks (Bearer key), req/s" "$authenticated"
printf '  %-46s %s\n' "ratio (goal >= 0.8)" "$(python3 -c "print(f'{$authenticated / $health:.2f}')")"
printf '  %-46s %s\n' "GET /auth/verify (Bearer key), req/s" "$verify"
printf '  %-46s %s\n' "verify ratio to /health (goal >= 0.8)" "$(python3 -c "print(f'{$verify / $health:.2f}')")"
printf '  %-46s %s\n' "verify p99 at 1,000 req/s (goal < 2 ms)" "$p99"
