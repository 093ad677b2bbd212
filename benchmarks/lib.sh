# Shared by the benchmark scripts (sourced, not run): tools, the release build, a work folder
# cleaned up on exit, free ports, and the database DATABASE_URL names: SQLite files of its own
# when unset or sqlite://, else a fresh schema (postgres://…) or database (mysql://…) per
# phase on that server; a server start, and an nginx receiver. Callers set `repo` first and
# append server pids to `pids`.
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
        *) echo "sqlite://$work/$name.sqlite${SQLITE_QUERY:-}" ;;
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
start_receiver() { # nginx on nginx_port answering 200 "ok": /hook silently, /timed logging each
    # request's arrival time and X-Webhook-Delivery to $work/access.log (for latency)
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
}
