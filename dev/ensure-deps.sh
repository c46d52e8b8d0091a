#!/usr/bin/env bash
# Installs what the tests and the stack need when it is missing, then runs the command it was given
# (`bash dev/ensure-deps.sh <command> [args…]`): the locked npm dependencies (when node_modules is
# missing or older than the lockfile), and Debian's packages: prometheus
# (promtool checks and tests the alert rules; a suite scrapes a running stack with it),
# chromium (the browser suite drives it through playwright-core), haproxy and openssl (the
# cluster suite puts HAProxy in front of two Temporal nodes, with certificates from openssl).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
missing=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (apt-get)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: not installed: ${missing[*]} (apt-get install ${missing[*]}); the tests that need them will fail" >&2
  fi
fi
exec "$@"
