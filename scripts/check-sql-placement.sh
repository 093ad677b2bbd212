#!/usr/bin/env bash
# Fails when SQL appears in Swift code outside the places it belongs: the stores (a file
# named *Store.swift in Core's feature folders, or *Store+Topic.swift for a part of one), the SQL building blocks
# (Sources/Core/Storage), the migrations (Sources/Core/Migrations, migrations/) and the
# drivers (Sources/Drivers). Comments are not code; tests may use SQL to set up and inspect
# databases.
set -euo pipefail
cd "$(dirname "$0")/.."

statement='\b(SELECT\s.*\bFROM\b|INSERT\s+INTO\b|UPDATE\s+[a-z_]+\s+SET\b|DELETE\s+FROM\b|(CREATE|DROP|ALTER)\s+(TABLE|INDEX|SCHEMA)\b)'
found=$(find Sources -name '*.swift' \
        ! -path 'Sources/Core/*Store.swift' ! -path 'Sources/Core/*Store+*.swift' ! -path 'Sources/Core/Storage/*' ! -path 'Sources/Core/Migrations/*' ! -path 'Sources/Drivers/*' \
        -print0 | xargs -0 grep -nP "$statement" | grep -vP '^[^:]+:\d+:\s*//' || true)
if [ -n "$found" ]; then
    echo "SQL outside the stores, migrations and drivers (move it into the table's store):"
    echo "$found"
    exit 1
fi
echo "SQL placement: only in stores, migrations and drivers"
