#!/usr/bin/env bash
# The database fails under the built server while clients publish (PostgreSQL and MariaDB):
# a restart, thirty seconds down, and SIGTERM with the database up and down; every accepted
# event must still be delivered. See scripts/restart-test.py for the steps and bounds.
# Usage: scripts/restart-test.sh BIN_DIR [postgres|mysql ...]
set -euo pipefail
exec python3 "$(dirname "$0")/restart-test.py" "$@"
