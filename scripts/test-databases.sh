#!/usr/bin/env bash
# Starts throwaway PostgreSQL 15 and MariaDB servers on loopback ports of their own for the
# test suite, installing the Debian packages first if they are missing.
#
#   scripts/test-databases.sh start   # start both (reuses servers already answering), print env lines
#   scripts/test-databases.sh stop    # stop both
#   scripts/test-databases.sh env     # print the TEST_POSTGRES_URL / TEST_MYSQL_URL lines
#   scripts/test-databases.sh start-postgres|stop-postgres|start-mysql|stop-mysql
#                                     # one server only (the restart tests use these)
#
# Data lives under $TEST_DB_ROOT (default /tmp/switchboard-test-db); fsync is off, so it is
# for tests only. Ports default to 55432 (PostgreSQL) and 53306 (MariaDB) so the image's own
# stopped cluster on 5432 and any system server on 3306 are left alone.
set -euo pipefail

ROOT="${TEST_DB_ROOT:-/tmp/switchboard-test-db}"
PG_PORT="${TEST_PG_PORT:-55432}"
MY_PORT="${TEST_MY_PORT:-53306}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
USER_NAME=switchboard
PASSWORD=switchboard

pg_url="postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PG_PORT/switchboard_test?sslmode=disable"
my_url="mysql://$USER_NAME:$PASSWORD@127.0.0.1:$MY_PORT/switchboard_test"

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_packages() {
    local missing=()
    [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
    command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
    command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing test database servers: ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "run as root: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The packages' own service start is refused in containers (policy-rc.d); we start ours.
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_postgres() {
    local data="$ROOT/postgres" sockets="$ROOT/postgres-socket"
    if as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then return 0; fi
    mkdir -p "$ROOT"
    chmod 755 "$ROOT"
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data" "$sockets"
        mkdir -p "$data" "$sockets"
        printf '%s\n' "$PASSWORD" > "$ROOT/pg-password"
        if [ "$(id -u)" -eq 0 ]; then chown postgres "$data" "$sockets" "$ROOT/pg-password"; fi
        as_pg "$PG_BIN/initdb" -D "$data" -U "$USER_NAME" --pwfile="$ROOT/pg-password" \
            --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$ROOT/postgres-initdb.log" 2>&1
        rm -f "$ROOT/pg-password"
    fi
    touch "$ROOT/postgres.log"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$ROOT/postgres.log"; fi
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$ROOT/postgres.log" -w -t 30 start \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $sockets -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
    PGPASSWORD="$PASSWORD" psql -q -h 127.0.0.1 -p "$PG_PORT" -U "$USER_NAME" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'switchboard_test'" | grep -q 1 \
        || PGPASSWORD="$PASSWORD" psql -q -h 127.0.0.1 -p "$PG_PORT" -U "$USER_NAME" -d postgres -c "CREATE DATABASE switchboard_test"
}

mariadb_ping() {
    mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -u "$USER_NAME" -p"$PASSWORD" ping >/dev/null 2>&1
}

start_mariadb() {
    local data="$ROOT/mariadb" socket="$ROOT/mariadb.sock"
    if mariadb_ping; then return 0; fi
    mkdir -p "$ROOT"
    local fresh=false
    if [ ! -d "$data/mysql" ]; then
        rm -rf "$data"
        mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$data" --auth-root-authentication-method=socket \
            >"$ROOT/mariadb-install.log" 2>&1
        fresh=true
    fi
    # Output goes to a file: an inherited pipe would keep a CI step waiting for the server.
    nohup mariadbd --no-defaults --user="$(id -un)" --datadir="$data" --bind-address=127.0.0.1 --port="$MY_PORT" \
        --socket="$socket" --pid-file="$ROOT/mariadb.pid" --innodb-flush-log-at-trx-commit=0 \
        --max-connections=300 --skip-log-bin >>"$ROOT/mariadb.log" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        if mariadb-admin --no-defaults --socket="$socket" -u root ping >/dev/null 2>&1; then break; fi
        sleep 0.5
    done
    if $fresh || ! mariadb_ping; then
        mariadb --no-defaults --socket="$socket" -u root <<SQL
CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS switchboard_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
SQL
    fi
    mariadb_ping || { echo "MariaDB did not start; see $ROOT/mariadb.log" >&2; exit 1; }
}

stop_postgres() {
    if [ -f "$ROOT/postgres/postmaster.pid" ]; then as_pg "$PG_BIN/pg_ctl" -D "$ROOT/postgres" -m fast -w stop >/dev/null || true; fi
}

stop_mariadb() {
    if [ -f "$ROOT/mariadb.pid" ]; then
        kill "$(cat "$ROOT/mariadb.pid")" 2>/dev/null || true
        for _ in $(seq 1 60); do [ -f "$ROOT/mariadb.pid" ] || break; sleep 0.5; done
    fi
}

print_env() {
    echo "export TEST_POSTGRES_URL='$pg_url'"
    echo "export TEST_MYSQL_URL='$my_url'"
}

case "${1:-start}" in
    start)
        install_packages
        start_postgres
        start_mariadb
        print_env
        ;;
    stop) stop_postgres; stop_mariadb ;;
    start-postgres) install_packages; start_postgres ;;
    stop-postgres) stop_postgres ;;
    start-mysql) install_packages; start_mariadb ;;
    stop-mysql) stop_mariadb ;;
    env) print_env ;;
    *) echo "usage: $0 start|stop|env|start-postgres|stop-postgres|start-mysql|stop-mysql" >&2; exit 2 ;;
esac
