#!/usr/bin/env bash
# Installs the Debian packages Switchboard needs to build and test, if any are missing.
# As root it runs apt-get itself; otherwise it prints the command to run.
set -euo pipefail

# libmariadb-dev + pkg-config: the MySQL/MariaDB driver links Connector/C.
# python3-venv: the API fuzz run installs schemathesis into .venv.
packages=(libsqlite3-dev libmariadb-dev pkg-config curl python3 python3-venv)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# node runs the Node original's receiver snippet in the smoke test; any node will do.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if ! command -v swift >/dev/null 2>&1; then
    echo "error: the Swift toolchain (6.2 or newer) is not on PATH; install it first (see swift.org)." >&2
    exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi
