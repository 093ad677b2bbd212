#!/usr/bin/env bash
# Prints the path of the project's Python virtualenv (.venv), creating it and installing the
# pinned test tools on first use: schemathesis (API fuzzing), standardwebhooks (an
# independent receiver-side signature check), pytest for the system and browser tests (Tests/),
# and for the console's browser tests Playwright (driving Debian's chromium; its own browser
# download is never used) and axe-core through axe-playwright-python; psycopg and PyMySQL for
# the system tests' databases (the outbox crash test writes to the outbox as a CRM would).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv="$repo/.venv"
requirements=("schemathesis==4.32.5" "standardwebhooks==1.1.0" "pytest==9.2.0" "playwright==1.65.2" "axe-playwright-python==0.1.8" "psycopg[binary]==3.2.13" "PyMySQL==1.2.4")
stamp="$venv/.requirements"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${requirements[*]}" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q "${requirements[@]}" >&2
    echo "${requirements[*]}" > "$stamp"
fi
echo "$venv"
