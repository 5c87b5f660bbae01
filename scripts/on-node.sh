#!/usr/bin/env bash
# Runs the tests or the benchmarks on another Node.js than this machine's: by default the container image's
# (node-package.sh), taken from the npm registry. The working tree (tracked and untracked files, not what git
# ignores) is copied to a directory kept per Node version, its dependencies are installed there with that Node
# (better-sqlite3 compiled against its headers: about 3 minutes, then kept while package-lock.json is the same),
# then the tests or the benchmarks run with that Node.
#   scripts/on-node.sh test                          the whole suite (npm run test:node)
#   scripts/on-node.sh test 24.22.3 test/tls-groups.test.ts
#   scripts/on-node.sh bench                         npm run bench (npm run bench:node)
#   scripts/on-node.sh bench 26.12.1 bench/fleet-https.mjs
# CI=true (fail on a missing peer, run the slow tier) and the benchmarks' variables are passed through as set. Node
# and the copies are kept in ~/.cache/polysim.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-package.sh
mode="${1:-}"
case "$mode" in test | bench) shift ;; *) echo "usage: on-node.sh test|bench [VERSION] [files...]" >&2; exit 2 ;; esac
version="$NODE_PACKAGE_VERSION"
if [[ $# -gt 0 && "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then version="$1"; shift; fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/polysim"
node_dir="$cache/node-$version"
fetch_node "$version" "$node_dir"
work="$cache/tree-node-$version"
mkdir -p "$work"
# one run at a time in a copy: a second waits
exec 9> "$work.lock"
flock 9
# The tree anew, node_modules kept: everything else is removed, then copied.
find "$work" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -c | tar -x -C "$work"
cd "$work"
export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
echo "on-node: node $(node -v), OpenSSL $(node -p process.versions.openssl), in $work"
lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
installed=no
if [ "$(cat node_modules/.installed-from 2>/dev/null)" != "$lock" ]; then
  npm ci --no-audit --no-fund # builds dist/ too (prepare)
  echo "$lock" > node_modules/.installed-from
  installed=yes
fi
if [ "$mode" = test ]; then
  # the test runner builds dist/ itself
  if [ $# -gt 0 ]; then node scripts/run-tests.mjs "$@"; else npm test; fi
else
  [ "$installed" = yes ] || npm run build
  if [ $# -gt 0 ]; then for f in "$@"; do node "$f"; done; else node bench/all.mjs; fi
fi
