#!/usr/bin/env bash
# Runs the tests on another Node.js than this machine's: by default the container image's (node-package.sh), taken
# from the npm registry. The working tree (tracked and untracked files, not what git ignores) is copied to a scratch
# directory, its dependencies are installed there with that Node (better-sqlite3 compiled against its headers, about
# 3 minutes), then `npm test` runs, or scripts/run-tests.mjs with the test files given.
#   scripts/test-on-node.sh                      the whole suite on the container's Node (npm run test:node)
#   scripts/test-on-node.sh 24.22.3 test/tls-groups.test.ts
# CI=true (fail on a missing peer, run the slow tier) is passed through as set. Node is kept in ~/.cache/polysim.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-package.sh
version="${1:-$NODE_PACKAGE_VERSION}"
[ $# -gt 0 ] && shift
node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/polysim/node-$version"
fetch_node "$version" "$node_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -c | tar -x -C "$work"
cd "$work"
export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
echo "test-on-node: node $(node -v), OpenSSL $(node -p process.versions.openssl), in $work"
npm ci --no-audit --no-fund
if [ $# -gt 0 ]; then node scripts/run-tests.mjs "$@"; else npm test; fi
