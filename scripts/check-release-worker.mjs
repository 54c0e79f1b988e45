// Checks that the release Worker (build/, as `bash scripts/build-worker.sh`
// writes it and `wrangler deploy` ships it) has no test-only route, two ways:
// - its wasm does not hold the route's path: the route is matched by
//   comparing the request's path with the constant VERIFY_PATH
//   (src/core/service/insecure.rs), a literal in the wasm's data section, so
//   a Worker that could serve the route holds those bytes (the test build,
//   target/worker-test, when present, must hold them: the check can fail);
// - started in workerd (Miniflare), it answers a well-formed verification
//   request on that path with 404, while it answers its JWKS with 200.
// Run: node scripts/check-release-worker.mjs (scripts/test.sh does).
import { existsSync, readFileSync } from 'node:fs';
import { generateVars } from './dev-vars.mjs';
import { cognateWorker, start } from './lib/bench-workers.mjs';

const root = new URL('..', import.meta.url).pathname;
const VERIFY_PATH = '/.cognate/insecure/verify';
const holds = (file) => readFileSync(file).includes(Buffer.from(VERIFY_PATH));

const release = `${root}/build/index_bg.wasm`;
if (holds(release)) throw new Error(`${release} holds ${VERIFY_PATH}: the release Worker was built with insecure-test-routes`);
const test = `${root}/target/worker-test/index_bg.wasm`;
if (existsSync(test) && !holds(test)) throw new Error(`${test} lacks ${VERIFY_PATH}: this check could not tell`);

const { mf, endpoint } = await start(cognateWorker(await generateVars()));
try {
  const jwks = await fetch(`${endpoint}/.well-known/jwks.json`);
  if (jwks.status !== 200) throw new Error(`the release Worker answers its JWKS with ${jwks.status}`);
  await jwks.arrayBuffer();
  const r = await fetch(`${endpoint}${VERIFY_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, message: 'aGVsbG8', signature: 'AA' }),
  });
  await r.arrayBuffer();
  if (r.status !== 404) throw new Error(`the release Worker answers ${VERIFY_PATH} with ${r.status}, not 404`);
  console.log(`release Worker: no ${VERIFY_PATH} in its wasm, and it answers 404 there in workerd`);
} finally {
  await mf.dispose();
}
