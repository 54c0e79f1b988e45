// The doors for vended credentials, measured in workerd through Miniflare 4
// (wrangler dev's local proxy caps throughput well below workerd's): a
// 1 MiB GetObject through cognate's S3 door against a bare JS Worker doing
// `env.BUCKET.get()` on the same kind of R2 binding, and a small call through
// cognate's SigV4 gateway against the same upstream fetched by a bare JS
// Worker and fetched directly — all in the same run, as rates and ratios.
// Requests are signed once and replayed (SigV4 allows it for 15 minutes), so
// the client's cost is the same on every side. Bounded: fixed request counts.
// Run: npm run bench:doors (Node 22; needs `bash scripts/build-worker.sh`).
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { generateVars } from './dev-vars.mjs';
import { adminCaller } from './lib/admin.mjs';
import { ACCOUNT, benchGuestPool, cognateWorker, freePort, start, wranglerConfig } from './lib/bench-workers.mjs';

const OBJECT_BYTES = 1024 * 1024;
const GET = { warmup: 20, sequential: 100, total: 400, inFlight: 8 };
const CALL = { warmup: 50, sequential: 300, total: 2000, inFlight: 16 };

const BARE_WORKER = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/proxy') return fetch(env.UPSTREAM + '/ping' + url.search);
    if (url.pathname === '/document') return Response.json({ issuer: 'bench', jwks_uri: 'bench' });
    const key = decodeURIComponent(url.pathname.slice(1));
    if (request.method === 'PUT') {
      await env.BUCKET.put(key, await request.arrayBuffer());
      return new Response('stored');
    }
    const object = await env.BUCKET.get(key);
    if (!object) return new Response('not found', { status: 404 });
    return new Response(object.body, { headers: { etag: object.httpEtag, 'content-length': String(object.size) } });
  },
};`;

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

/** Latency (ms, one at a time) and rate (requests/s, `inFlight` at once) of `once`. */
async function measure(once, { warmup, sequential, total, inFlight }) {
  for (let i = 0; i < warmup; i++) await once();
  const samples = [];
  for (let i = 0; i < sequential; i++) {
    const t = performance.now();
    await once();
    samples.push(performance.now() - t);
  }
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < total) await once();
  }));
  return { rate: total / ((performance.now() - t) / 1000), ...stats(samples) };
}

/** A request that must answer `status` with a body of `bytes` bytes (when given). */
function replay(url, headers, { status = 200, bytes } = {}) {
  return async () => {
    const r = await fetch(url, { headers });
    const body = await r.arrayBuffer();
    if (r.status !== status || (bytes !== undefined && body.byteLength !== bytes)) {
      throw new Error(`${url}: ${r.status}, ${body.byteLength} bytes: ${Buffer.from(body).toString().slice(0, 300)}`);
    }
  };
}

const row = (m) => ({ 'req/s': Math.round(m.rate), 'p50 ms': m.p50.toFixed(2), 'p90 ms': m.p90.toFixed(2), 'p99 ms': m.p99.toFixed(2) });

const { r2 } = wranglerConfig();
const [binding, bucket] = Object.entries(r2)[0] ?? [];
if (!binding) throw new Error('wrangler.toml has no [[r2_buckets]]: nothing for the S3 door to serve');

// The upstream behind the gateway: a small JSON answer.
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, identity: req.headers['x-cognate-identity-id'] ?? null }));
  });
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

const bare = await start({
  name: 'bare', modules: true, script: BARE_WORKER, r2Buckets: { BUCKET: bucket }, bindings: { UPSTREAM: upstreamUrl },
});
const port = await freePort();
const issuer = `http://127.0.0.1:${port}`;
const vars = await generateVars({ issuer });
const cognate = await start(cognateWorker(vars), port);

try {
  const endpoint = cognate.endpoint;
  const must = adminCaller(endpoint, vars);
  const { IdentityPoolId } = await benchGuestPool(must, [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${bucket}/bench/*` },
    { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `arn:aws:execute-api:us-east-1:${ACCOUNT}:bench/$default/*` },
  ]);
  await must('PutApiRoute', { Name: 'bench', Upstream: upstreamUrl });
  const call = async (op, input) => (await fetch(`${endpoint}/`, {
    method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}` }, body: JSON.stringify(input),
  })).json();
  const { IdentityId } = await call('GetId', { IdentityPoolId });
  const { Credentials: c } = await call('GetCredentialsForIdentity', { IdentityId });
  const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken };

  const data = randomBytes(OBJECT_BYTES);
  const key = 'bench/1mib.bin';
  const s3 = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });
  const put = await s3.fetch(`${endpoint}/s3/${bucket}/${key}`, { method: 'PUT', body: data });
  if (put.status !== 200) throw new Error(`PutObject through cognate: ${put.status} ${await put.text()}`);
  const barePut = await fetch(`${bare.endpoint}/${key}`, { method: 'PUT', body: data });
  if (barePut.status !== 200) throw new Error(`put through the bare Worker: ${barePut.status}`);

  const signedGet = await s3.sign(`${endpoint}/s3/${bucket}/${key}`);
  const viaCognate = await measure(replay(signedGet.url, signedGet.headers, { bytes: OBJECT_BYTES }), GET);
  const viaBare = await measure(replay(`${bare.endpoint}/${key}`, {}, { bytes: OBJECT_BYTES }), GET);

  const api = new AwsClient({ ...credentials, service: 'execute-api', region: 'us-east-1' });
  const signedCallReq = await api.sign(`${endpoint}/api/bench/ping?n=1`);
  const gateway = await measure(replay(signedCallReq.url, signedCallReq.headers), CALL);
  const bareProxy = await measure(replay(`${bare.endpoint}/proxy?n=1`, {}), CALL);
  const direct = await measure(replay(`${upstreamUrl}/ping?n=1`, {}), CALL);
  // The fixed cost of a request to the Rust Worker: its cheapest answer
  // (the discovery document) against a bare Worker's constant JSON.
  const cognateDocument = await measure(replay(`${endpoint}/.well-known/openid-configuration`, {}), CALL);
  const bareDocument = await measure(replay(`${bare.endpoint}/document`, {}), CALL);
  const who = await new AwsClient({ ...credentials, service: 'cognate', region: 'us-east-1' }).sign(`${endpoint}/whoami`);
  const whoami = await measure(replay(who.url, who.headers), CALL);

  console.log(`\n1 MiB GetObject (${GET.total} requests, ${GET.inFlight} in flight; latency one at a time):`);
  console.table({
    'cognate S3 door (SigV4 + policy + R2 get)': row(viaCognate),
    'bare JS Worker (env.BUCKET.get)': row(viaBare),
  });
  console.log(`ratio cognate / bare: ${(viaCognate.rate / viaBare.rate).toFixed(2)} (rate), ${(viaCognate.p50 / viaBare.p50).toFixed(2)} (p50 latency)`);

  console.log(`\nsmall gateway call (${CALL.total} requests, ${CALL.inFlight} in flight):`);
  console.table({
    'cognate gateway (SigV4 + policy + fetch upstream)': row(gateway),
    'bare JS Worker (fetch upstream)': row(bareProxy),
    'upstream fetched directly': row(direct),
  });
  console.log(`ratio cognate / bare Worker: ${(gateway.rate / bareProxy.rate).toFixed(2)} (rate); cognate / direct: ${(gateway.rate / direct.rate).toFixed(2)} (rate)`);

  console.log(`\nthe fixed cost of a request (${CALL.total} requests, ${CALL.inFlight} in flight):`);
  console.table({
    'cognate: the discovery document': row(cognateDocument),
    'bare JS Worker: a constant JSON answer': row(bareDocument),
    'cognate: /whoami (vended credentials verified, no storage)': row(whoami),
  });
  console.log(`ratio cognate / bare: ${(cognateDocument.rate / bareDocument.rate).toFixed(2)} (rate)`);
  console.log('(the upstream and the client share this Node process; workerd runs beside them on the same two cores)');
} finally {
  await cognate.mf.dispose();
  await bare.mf.dispose();
  upstream.close();
}
