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
# Tools, the release build, the work folder and the database DATABASE_URL names (SQLite of its
# own when unset; a fresh schema or database on a PostgreSQL or MySQL server otherwise).
# shellcheck source=../lib.sh
. "$repo/benchmarks/lib.sh"
export WEBHOOK_SECRET_KEY="bench-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" API_RATE_LIMIT=1000000/1 WEBHOOK_CONCURRENCY=0
export MIGRATIONS_DIR="$repo/migrations" LOG_LEVEL=error
# The CRM stand-in for gateway mode: one nginx worker answering every request with a small JSON body.
crm_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
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
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
export GATEWAY_UPSTREAM="http://127.0.0.1:$crm_port"
start_server "$(new_database auth)" 0
port=${BASE##*:}
key=$KEY
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
echo "Switchboard auth benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $engine, $CONNECTIONS connections)"
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
