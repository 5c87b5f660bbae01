#!/usr/bin/env bash
# Makes a local stand-in for the Dockerfile's base image (node:26-slim), for machines that reach Debian's packages
# and the npm registry but no container registry: Debian bookworm (debootstrap, minimal), Node.js 26 in /usr/local as
# the official image has it (from the npm registry: node-package.sh), this machine's npm,
# the `node` user (uid 1000), and python3, make and g++ so that better-sqlite3 can be compiled without a network.
# Tag: localhost/polysim-node-base:26 (build with --build-arg NODE_IMAGE=<tag>).
# Needs root, podman and debootstrap; does nothing when the image exists. npm run setup calls it; test/container.test.ts
# uses the image.
set -euo pipefail
tag="${1:-localhost/polysim-node-base:26}"
if podman image exists "$tag"; then exit 0; fi
source "$(dirname "$0")/node-package.sh"
npm_dir="$(npm root -g)/npm"
root="$(mktemp -d)"
dl="$(mktemp -d)"
trap 'rm -rf "$root" "$dl"' EXIT
fetch_node "$NODE_PACKAGE_VERSION" "$dl/node"
node_bin="$dl/node/bin/node"
node_headers="$dl/node/include/node"
debootstrap --variant=minbase --include=python3,make,g++ bookworm "$root" http://deb.debian.org/debian >/dev/null
install -D "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include" "$root/usr/local/etc"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/"
cp -a "$node_headers" "$root/usr/local/include/"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# node-gyp compiles against these headers instead of downloading them.
printf 'nodedir=/usr/local\nfund=false\naudit=false\nupdate-notifier=false\n' >"$root/usr/local/etc/npmrc"
chroot "$root" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
tar -C "$root" -c . | podman import --quiet --change 'CMD ["node"]' - "$tag" >/dev/null
echo "container-base: $tag"
