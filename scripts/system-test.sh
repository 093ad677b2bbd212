#!/usr/bin/env bash
# The system tests (Tests/System): pytest against the built binaries in $1, every module in
# the order `make test` has always run them: the database failing under load (PostgreSQL and
# MariaDB servers of the test's own), hardening, CRM authentication behind nginx and Caddy,
# the outbox under kill -9, receivers that go away (about 6 minutes). Name test files to run
# only those; pytest options go in PYTEST_ADDOPTS (say "-k postgres").
# PostgreSQL and MariaDB otherwise come from TEST_POSTGRES_URL / TEST_MYSQL_URL (`make test`
# sources .build/test-databases.env): without them their tests are skipped, under CI=true they fail.
# Usage: scripts/system-test.sh BIN_DIR [Tests/System/test_….py ...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:?usage: scripts/system-test.sh BIN_DIR [TEST_FILE ...]}" && pwd)
venv=$("$repo/scripts/python-venv.sh")
tests=("${@:2}")
if [ ${#tests[@]} -eq 0 ]; then
    tests=("$repo"/Tests/System/test_{restart,hardening,crm_auth,outbox_crash,receiver_outage}.py)
fi
export SWITCHBOARD_BIN="$bin"
# -v: one line per test, named as it starts (some take minutes).
exec "$venv/bin/python" -m pytest -v "${tests[@]}"
