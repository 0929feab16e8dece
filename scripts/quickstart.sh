#!/usr/bin/env bash
# `npm run quickstart`: from a fresh clone to a running app on the embedded defaults —
# SQLite in ./data, the built-in analysis engine, the worker in-process — on http://127.0.0.1:3000.
# No Shopify account and no internet beyond the npm registry are needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node 22 (.nvmrc) even where the system's node is older, then node_modules built for it.
source scripts/use-node.sh
bash scripts/install-deps.sh
echo "== building"
npm run --silent build >/dev/null
# The local admin (development only; refused in production): the merchant admin of the preview shop
# on this machine, signed in by /dev/admin with session tokens the app signs as Shopify does.
export LOCAL_ADMIN=true
export SHOPIFY_APP_URL="${SHOPIFY_APP_URL:-http://127.0.0.1:${PORT:-3000}}"
echo "== demo data for the local storefront preview and the local admin"
node server.mjs --seed-demo
echo "== starting (Ctrl-C to stop)"
# The local storefront preview (scripts/preview/server.mjs): a store page with the widget's real Liquid,
# forwarding /apps/skin-scan/* to this app signed as Shopify's app proxy signs it. It stops with the app.
PREVIEW_APP_URL="http://127.0.0.1:${PORT:-3000}" node scripts/preview/server.mjs &
preview_pid=$!
trap 'kill "$preview_pid" 2>/dev/null' EXIT INT TERM
app="http://127.0.0.1:${PORT:-3000}"
cat <<URLS
== what each address shows
   $app
       the merchant admin of the preview shop, as a merchant sees it inside Shopify (Polaris), with
       four weeks of demo data: dashboard (setup checklist, insights), rights requests, proof of
       consent, consent notice, recommendations, plan and usage, incidents, settings
   http://127.0.0.1:${PREVIEW_PORT:-3001}
       a product page of the preview store with the Skin scan widget: consent, camera or upload, result
   $app/healthz
       liveness ({"ok":true})
URLS
node server.mjs
