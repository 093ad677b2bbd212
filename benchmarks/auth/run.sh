#!/usr/bin/env bash
# Authentication overhead: wrk against authenticated `GET /api/webhooks`, the forward-auth
# `/auth/verify` and unauthenticated `GET /health` of the same release server in one run, and
# the ratios (goal >= 0.8); then wrk paced to about 1,000 requests/s (pace.lua) on /auth/verify
# for its p99 (goal < 2 ms), with /health's p99 at the same rate beside it: the floor this
# machine and the HTTP stack set. Last, gateway mode: wrk straight at a CRM stand-in (nginx
# answering a fixed JSON body) and through Switchboard's gateway to it, and the ratio.
# Usage: benchmarks/auth/run.sh (also run by make bench); CONNECTIONS and SECONDS_PER_RUN knobs.
set -euo pipefail
CONNECTIONS=${CONNECTIONS:-32}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}

repo=$(cd "$(dirname "$0")/../.." && pwd)
for tool in wrk nginx; do
    command -v "$tool" >/dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq "$tool" >/dev/null || { echo "install $tool" >&2; exit 1; }; }
done
(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release 2>&1 | grep -E "error|Build" | tail -1)
bin=$(cd "$repo" && swift build -c release -j 2 --scratch-path .build-release --show-bin-path)

work=$(mktemp -d)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$work/auth.sqlite" MIGRATIONS_DIR="$repo/migrations" LOG_LEVEL=error
export WEBHOOK_SECRET_KEY="bench-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" API_RATE_LIMIT=1000000/1 WEBHOOK_CONCURRENCY=0
# The CRM stand-in for gateway mode: one nginx worker answering every request with a small JSON body.
crm_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$crm_port;
        location / { default_type application/json; return 200 '{"data":[{"id":1,"name":"Ada Lovelace"}]}'; }
    }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"
export GATEWAY_UPSTREAM="http://127.0.0.1:$crm_port"
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
verify_headers=(-H "Authorization: Bearer $key" -H "X-Original-Method: GET" -H "X-Original-URI: /api/contacts/42")
health=$(rps "http://127.0.0.1:$port/health")
authenticated=$(rps -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/webhooks")
verify=$(rps "${verify_headers[@]}" "http://127.0.0.1:$port/auth/verify")
# 10 connections x one request per 10 ms for 10 s; wrk --latency prints the distribution.
p99() { wrk -t2 -c10 -d10s --latency -s "$repo/benchmarks/auth/pace.lua" "$@" | awk '$1 == "99%" {print $2}'; }
verify_p99=$(p99 "${verify_headers[@]}" "http://127.0.0.1:$port/auth/verify")
health_p99=$(p99 "http://127.0.0.1:$port/health")
reader=$(curl -fs -X POST "http://127.0.0.1:$port/api/api-keys" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d '{"name":"bench reader","permissions":["read:contacts"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["key"])')
crm=$(rps "http://127.0.0.1:$crm_port/api/contacts")
gateway=$(rps -H "Authorization: Bearer $reader" "http://127.0.0.1:$port/api/contacts")
gateway_p99=$(p99 -H "Authorization: Bearer $reader" "http://127.0.0.1:$port/api/contacts")
crm_p99=$(p99 "http://127.0.0.1:$crm_port/api/contacts")
echo
echo "Switchboard auth benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, SQLite, $CONNECTIONS connections)"
printf '  %-46s %s\n' "GET /health (no key), req/s" "$health"
printf '  %-46s %s\n' "GET /api/webhooks (Bearer key), req/s" "$authenticated"
printf '  %-46s %s\n' "ratio (goal >= 0.8)" "$(python3 -c "print(f'{$authenticated / $health:.2f}')")"
printf '  %-46s %s\n' "GET /auth/verify (Bearer key), req/s" "$verify"
printf '  %-46s %s\n' "verify ratio to /health (goal >= 0.8)" "$(python3 -c "print(f'{$verify / $health:.2f}')")"
printf '  %-46s %s\n' "verify p99 at ~1,000 req/s (goal < 2 ms)" "$verify_p99"
printf '  %-46s %s\n' "/health p99 at ~1,000 req/s (the floor)" "$health_p99"
printf '  %-46s %s\n' "CRM stand-in direct, GET /api/contacts, req/s" "$crm"
printf '  %-46s %s\n' "through the gateway (Bearer key), req/s" "$gateway"
printf '  %-46s %s\n' "gateway ratio to the CRM direct" "$(python3 -c "print(f'{$gateway / $crm:.2f}')")"
printf '  %-46s %s\n' "gateway p99 at ~1,000 req/s" "$gateway_p99"
printf '  %-46s %s\n' "CRM direct p99 at ~1,000 req/s" "$crm_p99"
