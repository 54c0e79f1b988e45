// End-to-end benchmark: the built Worker in workerd (wrangler dev on a free
// port of 127.0.0.1, fresh state of its own), driven over loopback with the
// JSON protocol.
// Measures the latency of warm GetCredentialsForIdentity, GetOpenIdToken and
// GetId calls one at a time, then throughput with 16 in flight. Bounded:
// a fixed number of requests. Run: npm run bench:e2e
import { startWorker } from '../tests/e2e/worker.mjs';
import { signedCall } from './lib/admin.mjs';
import { anyAddress } from './lib/client-address.mjs';
import { freePort } from './lib/free-port.mjs';

const SEQUENTIAL = 400;
const WARMUP = 50;
const CONCURRENT = 2000;
const IN_FLIGHT = 16;

const worker = await startWorker({ port: await freePort(), name: `bench-e2e-${process.pid}`, build: 'release' });
const admin = { accessKeyId: worker.vars.ADMIN_ACCESS_KEY_ID, secretAccessKey: worker.vars.ADMIN_SECRET_ACCESS_KEY };

async function call(op, body) {
  const r = await fetch(`${worker.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityService.${op}`,
      // Each call from an address of its own, as many visitors' would be:
      // from one, the 450 new guests would meet the abuse limit of 60 a
      // minute (wrangler.toml's NEW_IDENTITY_LIMIT, which wrangler dev
      // counts). The local runtime passes the header through.
      'cf-connecting-ip': anyAddress(),
    },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  if (r.status !== 200) throw new Error(`${op}: ${JSON.stringify(json)}`);
  return json;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, mean: mean.toFixed(2), p50: at(0.5).toFixed(2), p90: at(0.9).toFixed(2), p99: at(0.99).toFixed(2) };
}

async function latency(op, body) {
  const once = op === 'jwks' ? async () => (await fetch(`${worker.endpoint}/.well-known/jwks.json`)).json() : () => call(op, body);
  for (let i = 0; i < WARMUP; i++) await once();
  const samples = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = performance.now();
    await once();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

try {
  const pool = await signedCall(worker.endpoint, admin, 'CreateIdentityPool', { IdentityPoolName: 'bench', AllowUnauthenticatedIdentities: true });
  const IdentityPoolId = pool.body.IdentityPoolId;
  await signedCall(worker.endpoint, admin, 'SetIdentityPoolRoles', {
    IdentityPoolId, Roles: { unauthenticated: 'arn:aws:iam::000000000000:role/bench' },
  });
  const { IdentityId } = await call('GetId', { IdentityPoolId });

  const rows = {
    'GET /.well-known/jwks.json (no storage: the floor, ms)': await latency('jwks'),
    'GetCredentialsForIdentity (warm, ms)': await latency('GetCredentialsForIdentity', { IdentityId }),
    'GetOpenIdToken (warm, ms)': await latency('GetOpenIdToken', { IdentityId }),
    'GetId, new guest (ms)': await latency('GetId', { IdentityPoolId }),
  };
  console.table(rows);

  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < CONCURRENT) await call('GetCredentialsForIdentity', { IdentityId });
  }));
  const seconds = (performance.now() - t) / 1000;
  console.log(`GetCredentialsForIdentity throughput: ${(CONCURRENT / seconds).toFixed(0)} req/s (${IN_FLIGHT} in flight, ${CONCURRENT} requests, through wrangler dev's local proxy)`);
} finally {
  worker.stop();
}
