#!/usr/bin/env bash
# Installs what the tests and the stack need when it is missing: the locked npm dependencies
# (when node_modules is missing or older than the lockfile), and Debian's prometheus (promtool
# checks and tests the alert rules; the observability suite scrapes a running stack with it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing prometheus (apt-get)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
  else
    echo "warning: prometheus is not installed (apt-get install prometheus); the observability tests need it" >&2
  fi
fi
