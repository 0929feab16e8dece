#!/usr/bin/env bash
# `npm run quickstart`: from a fresh clone to a running app on the embedded defaults —
# SQLite in ./data, the built-in analysis engine, the worker in-process — on http://127.0.0.1:3000.
# No Shopify account and no internet beyond the npm registry are needed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "== building"
npm run --silent build >/dev/null
echo "== demo catalogue for the local storefront preview"
node server.mjs --seed-demo
echo "== starting (Ctrl-C to stop)"
# The local storefront preview (scripts/preview/server.mjs): a store page with the widget's real Liquid,
# forwarding /apps/skin-scan/* to this app signed as Shopify's app proxy signs it. It stops with the app.
PREVIEW_APP_URL="http://127.0.0.1:${PORT:-3000}" node scripts/preview/server.mjs &
preview_pid=$!
trap 'kill "$preview_pid" 2>/dev/null' EXIT INT TERM
echo "== storefront preview: http://127.0.0.1:${PREVIEW_PORT:-3001} (the app: http://127.0.0.1:${PORT:-3000})"
node server.mjs
