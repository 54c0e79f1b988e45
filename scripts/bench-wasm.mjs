// The Worker's wasm in workerd (Miniflare 4): cold start and the CPU of its
// hot paths, for comparing builds (opt-levels, size cuts). For each build
// folder given (default `build`, as scripts/build-worker.sh writes it):
// - cold start, COLD times (default 3; COLD_ONLY=1 measures nothing else): `new Miniflare()` to `ready`, then the first
//   request's latency (the discovery document: module instantiated, no
//   storage) and the second's;
// - rates (requests/s, 8 in flight, and workerd's CPU ms per request, which
//   other load on the machine disturbs less) of GetId (a new guest each time, through
//   the pool's Durable Object), GetCredentialsForIdentity (one guest), and a
//   1 KiB S3 GetObject (SigV4 + policy + R2; signed once, replayed).
// Run on Node 22: node_modules/.bin/node scripts/bench-wasm.mjs [dir...]
import { readFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Miniflare } from 'miniflare';
import { AwsClient } from 'aws4fetch';
import { generateVars } from './dev-vars.mjs';
import { adminCaller } from './lib/admin.mjs';
import { COMPATIBILITY_DATE, benchGuestPool, freePort, wranglerConfig } from './lib/bench-workers.mjs';

const root = new URL('..', import.meta.url).pathname;
const RUNS = { cold: Number(process.env.COLD ?? 3), getId: 300, credentials: 1500, getObject: 1500, inFlight: 8, warmup: 50 };
const COLD_ONLY = process.env.COLD_ONLY === '1';
const modulesRules = [{ type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }];


const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function start(dir) {
  const { r2, vars: tomlVars } = wranglerConfig();
  const port = await freePort();
  const vars = await generateVars({ issuer: `http://127.0.0.1:${port}` });
  const t0 = performance.now();
  const mf = new Miniflare({
    host: '127.0.0.1', port,
    workers: [{
      name: 'cognate', compatibilityDate: COMPATIBILITY_DATE, modules: true,
      scriptPath: `${dir}/worker/shim.mjs`, modulesRoot: dir, modulesRules,
      bindings: { ...tomlVars, ...vars },
      kvNamespaces: ['IDENTITIES'], durableObjects: { POOL: { className: 'PoolObject', useSQLite: true } }, r2Buckets: r2,
    }],
  });
  const endpoint = (await mf.ready).origin;
  const ready = performance.now() - t0;
  const doc = `${endpoint}/.well-known/openid-configuration`;
  let t = performance.now();
  let r = await fetch(doc);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`discovery document: ${r.status}`);
  const first = performance.now() - t;
  t = performance.now();
  await (await fetch(doc)).arrayBuffer();
  const second = performance.now() - t;
  return { mf, endpoint, vars, bucket: Object.values(r2)[0], cold: { ready, first, second } };
}

/** CPU time (ms) used so far by this process's workerd children (Linux /proc). */
function workerdCpuMs() {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [comm, rest] = [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), stat.slice(stat.lastIndexOf(')') + 2).split(' ')];
    if (comm.includes('workerd') && Number(rest[1]) === process.pid) ticks += Number(rest[11]) + Number(rest[12]);
  }
  return ticks * 10; // USER_HZ = 100
}

/** Requests/s (`inFlight` at once) and workerd's CPU ms per request. */
async function rate(once, total) {
  for (let i = 0; i < RUNS.warmup; i++) await once();
  let next = 0;
  const cpu = workerdCpuMs();
  const t = performance.now();
  await Promise.all(Array.from({ length: RUNS.inFlight }, async () => {
    while (next++ < total) await once();
  }));
  const perSecond = Math.round(total / ((performance.now() - t) / 1000));
  return `${perSecond}/s ${((workerdCpuMs() - cpu) / total).toFixed(2)}ms`;
}

async function bench(dir) {
  const colds = [];
  for (let i = 1; i < RUNS.cold; i++) {
    const s = await start(dir);
    colds.push(s.cold);
    await s.mf.dispose();
  }
  const s = await start(dir);
  colds.push(s.cold);
  const cold = {
    'ready ms': median(colds.map((x) => x.ready)).toFixed(0),
    'first req ms': median(colds.map((x) => x.first)).toFixed(1),
    'second req ms': median(colds.map((x) => x.second)).toFixed(1),
  };
  if (COLD_ONLY) {
    await s.mf.dispose();
    return cold;
  }
  const { endpoint, vars, bucket } = s;
  try {
    const must = adminCaller(endpoint, vars);
    const { IdentityPoolId } = await benchGuestPool(must, [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${bucket}/bench/*` },
    ]);
    const call = async (op, input) => {
      const r = await fetch(`${endpoint}/`, {
        method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}` }, body: JSON.stringify(input),
      });
      const body = await r.json();
      if (r.status !== 200) throw new Error(`${op}: ${JSON.stringify(body)}`);
      return body;
    };
    const { IdentityId } = await call('GetId', { IdentityPoolId });
    const { Credentials: c } = await call('GetCredentialsForIdentity', { IdentityId });
    const s3 = new AwsClient({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken, service: 's3', region: 'us-east-1' });
    const url = `${endpoint}/s3/${bucket}/bench/1kib.bin`;
    const put = await s3.fetch(url, { method: 'PUT', body: randomBytes(1024) });
    if (put.status !== 200) throw new Error(`PutObject: ${put.status} ${await put.text()}`);
    const signed = await s3.sign(url);
    const getObject = async () => {
      const r = await fetch(signed.url, { headers: signed.headers });
      const b = await r.arrayBuffer();
      if (r.status !== 200 || b.byteLength !== 1024) throw new Error(`GetObject: ${r.status}`);
    };
    return {
      ...cold,
      'GetId': await rate(() => call('GetId', { IdentityPoolId }), RUNS.getId),
      'GetCredentials': await rate(() => call('GetCredentialsForIdentity', { IdentityId }), RUNS.credentials),
      'GetObject 1KiB': await rate(getObject, RUNS.getObject),
    };
  } finally {
    await s.mf.dispose();
  }
}

const dirs = process.argv.slice(2);
const results = {};
for (const [i, dir] of (dirs.length ? dirs : ['build']).entries()) results[`${i + 1}. ${dir}`] = await bench(resolve(dir));
console.table(results);
