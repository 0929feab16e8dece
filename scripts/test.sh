#!/usr/bin/env bash
# `npm test`: sets up what the tests need and runs every check. Works on a fresh clone.
#   lint → format check → typecheck → build → Shopify CLI offline validation → all vitest suites
# The data-layer, job and webhook suites run against SQLite and, when a PostgreSQL can be started
# here (scripts/postgres.sh), PostgreSQL too. REQUIRE_POSTGRES=1 (set by .ci/run) makes that mandatory.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node 22 (.nvmrc) even where the system's node is older, then node_modules built for it.
source scripts/use-node.sh
bash scripts/install-deps.sh

pg_dir=""
cleanup() { [ -n "$pg_dir" ] && bash scripts/postgres.sh stop "$pg_dir" && rm -rf "$pg_dir"; return 0; }
trap cleanup EXIT
if [ -z "${TEST_POSTGRES_URL:-}" ] && [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  pg_dir=$(mktemp -d /tmp/scanshield-pg-XXXXXX)
  pg_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  if url=$(bash scripts/postgres.sh start "$pg_dir" "$pg_port"); then
    export TEST_POSTGRES_URL="$url"
    echo "== PostgreSQL for tests at 127.0.0.1:$pg_port"
  elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "PostgreSQL could not be started and REQUIRE_POSTGRES=1" >&2
    exit 1
  else
    echo "== PostgreSQL unavailable: running the SQLite variants only" >&2
    pg_dir=""
  fi
fi

echo "== lint" && npm run --silent lint
echo "== format" && npm run --silent format:check
echo "== typecheck" && npm run --silent typecheck
echo "== build" && npm run --silent build >/dev/null
echo "== shopify app build (offline validation)" && npm run --silent app:build >/dev/null
echo "== theme check (storefront widget)" &&
  SHOPIFY_CLI_NO_ANALYTICS=1 npx --no-install shopify theme check --path extensions/skin-scan --fail-level error

echo "== tests"
report=$(mktemp --suffix=.json)
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?
# One plain closing line any CI can read.
node -e 'const r=require(process.argv[1]);console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests+r.numTodoTests} skipped`)' "$report" || true
rm -f "$report"
exit $status
