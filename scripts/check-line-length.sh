#!/usr/bin/env bash
# The console's files (web/) have no formatter without npm, so their lines are kept to 140
# columns, like the Swift sources (.swift-format). First steps of `make test`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
long=$(cd "$repo" && awk 'length > 140 { printf "%s:%d: %d columns\n", FILENAME, FNR, length }' $(git ls-files web))
if [ -n "$long" ]; then
    echo "$long"
    echo "check-line-length: wrap these lines of web/ to 140 columns" >&2
    exit 1
fi
