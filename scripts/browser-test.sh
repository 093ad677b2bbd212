#!/usr/bin/env bash
# The console's browser tests (Tests/Browser): pytest + Playwright driving Debian's chromium
# against the built binaries in $1, a fresh SQLite database and a recording receiver.
# Chromium is installed from Debian when missing (as root); Playwright's own browser download
# (`playwright install`) is never used. A failing test leaves a screenshot and a trace in
# .build/browser-artifacts/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:?usage: scripts/browser-test.sh BIN_DIR}" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "installing Debian's chromium for the browser tests"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq chromium >/dev/null
    else
        echo "error: $chromium is missing; run as root: apt-get install -y chromium" >&2
        exit 1
    fi
fi
venv=$("$repo/scripts/python-venv.sh")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Chromium writes its profile and caches here, not into the home folder.
export XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
export SWITCHBOARD_BIN="$bin" CHROMIUM="$chromium" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
rm -rf "$repo/.build/browser-artifacts"
cd "$repo/Tests/Browser"
"$venv/bin/python" -m pytest -q -p no:cacheprovider "${@:2}" .
