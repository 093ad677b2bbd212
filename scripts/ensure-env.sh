#!/usr/bin/env bash
# Makes sure ./.env holds a WEBHOOK_SECRET_KEY, generating a random one on first run so a
# local server starts without any setup. An existing value is never replaced.
set -euo pipefail

env_file=${1:-.env}
if [ -f "$env_file" ] && grep -qE '^[[:space:]]*(export[[:space:]]+)?WEBHOOK_SECRET_KEY=.+' "$env_file"; then
    exit 0
fi
secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
{
    echo "# Written by 'make run' on $(date -u +%Y-%m-%dT%H:%M:%SZ). Keep it secret and keep it stable:"
    echo "# API keys are hashed with a key derived from it, so changing it invalidates every key."
    echo "WEBHOOK_SECRET_KEY=$secret"
} >> "$env_file"
chmod 600 "$env_file"
echo "wrote a new WEBHOOK_SECRET_KEY to $env_file"
