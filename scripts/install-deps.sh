#!/usr/bin/env bash
# Runs `npm ci` when node_modules is missing, older than package-lock.json, or was installed by a Node with
# another native-module ABI: better-sqlite3 is compiled for one Node version, so node_modules installed on the
# system's Node 20 does not load on Node 22 (docs/decisions/0009-node-22-runtime.md). Run it on the project's
# Node (after `source scripts/use-node.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=$(node -p 'process.platform + "-" + process.arch + " abi " + process.versions.modules')
installed=$(cat node_modules/.scanshield-runtime 2>/dev/null || true)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ "$installed" != "$runtime" ]; then
  echo "== installing dependencies (npm ci) for Node $(node -v)"
  if [ -d node_modules ] && [ "$installed" != "$runtime" ]; then
    echo "   node_modules was installed by another Node (${installed:-before this check existed}); from now on run" \
      "commands on Node $(node -v | cut -d. -f1 | tr -d v): source scripts/use-node.sh"
  fi
  npm ci --no-audit --no-fund
  echo "$runtime" >node_modules/.scanshield-runtime
fi
