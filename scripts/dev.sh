#!/usr/bin/env bash
# The run command: installs what is missing, writes .dev.vars when missing,
# builds the Worker and serves it at http://127.0.0.1:8787 with `wrangler dev`
# (workerd; KV, Durable Objects and R2 persisted under .wrangler/state), then
# seeds the development identity pool (roles, their policies, the API route
# `demo`) and prints its id. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
npx node scripts/dev-vars.mjs
bash scripts/build-browser.sh
bash scripts/build-worker.sh

# The development OpenID provider for the demo's "Sign in" (dev only), on
# 127.0.0.1:8788; the demo page learns it from www/demo-config.json.
npx node scripts/dev-idp.mjs --demo-config www/demo-config.json http://127.0.0.1:8787/ &
idp_pid=$!
# The development upstream behind /api/demo/ (answers who called; dev only).
npx node scripts/dev-upstream.mjs &
upstream_pid=$!

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
npx wrangler dev --local --ip 127.0.0.1 --port 8787 --show-interactive-dev-session=false &
wrangler_pid=$!
trap 'kill $wrangler_pid $idp_pid $upstream_pid 2>/dev/null; wait $wrangler_pid 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 120); do
  curl -sf -o /dev/null http://127.0.0.1:8787/.well-known/openid-configuration && break
  kill -0 $wrangler_pid 2>/dev/null || { echo "wrangler dev exited" >&2; exit 1; }
  sleep 1
done
pool=$(npx node scripts/seed-dev-pool.mjs http://127.0.0.1:8787)
cat <<MSG

  cognate is running at http://127.0.0.1:8787 (open it for the demo)
  dev identity pool: ${pool}
  admin key pair:    ADMIN_ACCESS_KEY_ID / ADMIN_SECRET_ACCESS_KEY in .dev.vars
  dev OpenID provider: http://127.0.0.1:8788 (any user name signs in)
  dev API upstream:    http://127.0.0.1:8789, behind http://127.0.0.1:8787/api/demo/ (signed-in users)
  S3 (path-style):     http://127.0.0.1:8787/s3, bucket user-data (each identity owns user-data/<identity id>/)

MSG
wait $wrangler_pid
