#!/usr/bin/env bash
# The delivery, publish, auth and claim-cost benchmarks on SQLite, PostgreSQL and MariaDB in one run (the two
# servers are the test script's throwaway ones, started if they are not running), then one
# table with the three side by side, and the figures as JSON under benchmarks/results/.
# Usage: benchmarks/all-databases.sh   (also run by make bench)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
eval "$("$repo/scripts/test-databases.sh" start)"
for url in "sqlite://" "$TEST_POSTGRES_URL" "$TEST_MYSQL_URL"; do
    DATABASE_URL=$url "$repo/benchmarks/delivery/run.sh" 2>&1 | tee -a "$log"
    DATABASE_URL=$url "$repo/benchmarks/publish/run.sh" 2>&1 | tee -a "$log"
    DATABASE_URL=$url "$repo/benchmarks/auth/run.sh" 2>&1 | tee -a "$log"
    DATABASE_URL=$url "$repo/benchmarks/claim/run.sh" 2>&1 | tee -a "$log"
done
python3 "$repo/benchmarks/record.py" "$log"
python3 "$repo/benchmarks/table.py" "$log"
