#!/usr/bin/env bash
# Deploys cognate to Cloudflare with wrangler (logged in, or with
# CLOUDFLARE_API_TOKEN set). First run: creates the KV namespace and the R2
# buckets, and puts freshly generated secrets (scripts/production-secrets.mjs,
# piped straight into `wrangler secret bulk`, never written to disk); later
# runs only deploy. ISSUER must name the Worker's public https URL.
#
#   ISSUER=https://id.example.com scripts/deploy.sh
#
# The KV namespace id goes into wrangler.toml (under [[kv_namespaces]]); the
# script prints it and stops if wrangler.toml still has the placeholder.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ISSUER:?set ISSUER to the public https URL of the Worker, e.g. https://id.example.com}"
case "$ISSUER" in https://*) ;; *) echo "ISSUER must be an https URL" >&2; exit 1 ;; esac
export WRANGLER_SEND_METRICS=false

if grep -q 'id = "cognate-identities"' wrangler.toml; then
  echo "==> creating the KV namespace IDENTITIES"
  npx wrangler kv namespace create IDENTITIES
  echo "Put the id printed above into wrangler.toml's [[kv_namespaces]] (replacing \"cognate-identities\"), then run this again." >&2
  exit 2
fi

for bucket in $(sed -n 's/^bucket_name *= *"\(.*\)"/\1/p' wrangler.toml); do
  echo "==> R2 bucket $bucket"
  npx wrangler r2 bucket create "$bucket" 2>/dev/null || echo "    (exists)"
done

if ! npx wrangler secret list 2>/dev/null | grep -q '"HASH_KEY"'; then
  echo "==> putting fresh secrets (the admin key pair is printed once, below)"
  secrets=$(node scripts/production-secrets.mjs)
  printf '%s' "$secrets" | npx wrangler secret bulk
  printf '%s' "$secrets" | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(`ADMIN_ACCESS_KEY_ID=${s.ADMIN_ACCESS_KEY_ID}\nADMIN_SECRET_ACCESS_KEY=${s.ADMIN_SECRET_ACCESS_KEY}`)'
fi

echo "==> building the release Worker, and checking it has no test-only route"
export COGNATE_WORKER=release
bash scripts/build-worker.sh
node scripts/check-release-worker.mjs

echo "==> deploying"
npx wrangler deploy --var "ISSUER:$ISSUER"
