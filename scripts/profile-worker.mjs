// Where the Worker's time goes: `npm run profile [-- --call C] [--requests N]
// [--top K] [--out FILE]`. Starts the built Worker in workerd through
// Miniflare 4 with V8's inspector on, with its function names (the named
// copy build-worker.sh keeps, build/index_bg.wasm.names), drives one call
// of `npm run bench` with 16 clients, and samples the isolate's CPU while it
// runs. Prints the functions by their own time and by their inclusive time
// (what they and their callees took), as shares of the samples; `(idle)` is
// the isolate waiting. `--out` also writes the profile for Chrome DevTools
// (`.cpuprofile`). The calls:
//   warm-signed-in  GetCredentialsForIdentity with a token the isolate has seen
//   warm-guest      GetCredentialsForIdentity of a guest
//   new-guest       GetId without logins (pool `listed`)
//   link            GetId with a new login (the pool's Durable Object)
// Needs `bash scripts/build-worker.sh` first. The Worker, its Durable Object
// and Miniflare's local KV binding run in one isolate here, so a write's
// profile includes KV's JS.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';
import WebSocket from 'ws';
import { generateVars } from './dev-vars.mjs';
import { adminCaller } from './lib/admin.mjs';
import { call, inBatches, interleaved } from './lib/bench-load.mjs';
import { COMPATIBILITY_DATE, cognateWorker, freePort, signInPool } from './lib/bench-workers.mjs';
import { startIdp } from '../tests/e2e/idp.mjs';

const CALLS = ['warm-signed-in', 'warm-guest', 'new-guest', 'link'];
const { values: args } = parseArgs({
  options: {
    call: { type: 'string', default: 'warm-signed-in' },
    requests: { type: 'string', default: '3000' },
    top: { type: 'string', default: '40' },
    out: { type: 'string' },
  },
});
if (!CALLS.includes(args.call)) throw new Error(`--call is one of ${CALLS.join(', ')}`);
const requests = Number(args.requests);
const top = Number(args.top);
if (!(requests >= 1) || !(top >= 1)) throw new Error('--requests and --top must be ≥ 1');
const root = new URL('..', import.meta.url).pathname;
if (!existsSync(`${root}/build/index_bg.wasm.names`)) {
  throw new Error('no build/index_bg.wasm.names: run `bash scripts/build-worker.sh` first');
}

// The built Worker, with the wasm that still has its names section.
const dir = mkdtempSync(`${tmpdir()}/cognate-profile-`);
cpSync(`${root}/build`, dir, { recursive: true });
cpSync(`${root}/build/index_bg.wasm.names`, `${dir}/index_bg.wasm`);

const CLIENT_ID = 'cognate-profile';
const idp = await startIdp();
const provider = idp.providerName;
const port = await freePort();
const inspectorPort = await freePort();
const vars = await generateVars({ issuer: `http://127.0.0.1:${port}` });
const mf = new Miniflare({
  host: '127.0.0.1', port, inspectorPort,
  workers: [{ compatibilityDate: COMPATIBILITY_DATE, ...cognateWorker(vars, dir) }],
});
let socket;
try {
  const endpoint = (await mf.ready).origin;
  const must = adminCaller(endpoint, vars);
  const IdentityPoolId = await signInPool(must, { provider, clientId: CLIENT_ID, storage: 'listed' });
  const api = async (op, body) => JSON.parse(await call(endpoint, op, body));
  const token = (sub) => idp.idToken({ sub, aud: CLIENT_ID });
  const warmup = Math.min(200, requests);
  const request = await (async () => {
    switch (args.call) {
      case 'warm-signed-in': {
        const t = await token('warm-user');
        const { IdentityId } = await api('GetId', { IdentityPoolId, Logins: { [provider]: t } });
        const body = JSON.stringify({ IdentityId, Logins: { [provider]: t } });
        return () => ['GetCredentialsForIdentity', body];
      }
      case 'warm-guest': {
        const { IdentityId } = await api('GetId', { IdentityPoolId });
        const body = JSON.stringify({ IdentityId });
        return () => ['GetCredentialsForIdentity', body];
      }
      case 'new-guest': {
        const body = JSON.stringify({ IdentityPoolId });
        return () => ['GetId', body];
      }
      default: {
        // A token per request, warmup's first: each signs in a new login.
        const tokens = await inBatches(Array.from({ length: warmup + requests }, (_, i) => () => token(`new-user-${i}`)), 4);
        let next = 0;
        return () => ['GetId', { IdentityPoolId, Logins: { [provider]: tokens[next++] } }];
      }
    }
  })();
  await inBatches(Array.from({ length: warmup }, () => () => call(endpoint, ...request())), 16);

  // The isolate's inspector: sample its CPU every 100 µs while the load runs.
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error('workerd offered no inspector target');
  socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const waiting = new Map();
  socket.on('message', (data) => {
    const m = JSON.parse(data);
    if (!waiting.has(m.id)) return;
    const { resolve, reject } = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) reject(new Error(`${m.error.message} (${m.error.code})`));
    else resolve(m.result);
  });
  const send = (method, params = {}) => new Promise((resolve, reject) => {
    id += 1;
    waiting.set(id, { resolve, reject });
    socket.send(JSON.stringify({ id, method, params }));
  });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 100 });
  await send('Profiler.start');
  const measured = await interleaved({ cognate: [endpoint, request] }, { warmup: 0, total: requests, clients: 16, rounds: 1 });
  const { profile } = await send('Profiler.stop');
  if (args.out) writeFileSync(args.out, JSON.stringify(profile));

  const { own, inclusive, samples, busyMicros } = shares(profile);
  const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, n]) => `${((100 * n) / samples).toFixed(1).padStart(5)}%  ${name.length > 140 ? `${name.slice(0, 137)}...` : name}`);
  console.log(`${args.call}: ${requests} requests, ${Math.round(measured.cognate.rate)} req/s while sampled (the profiler slows it), ${samples} samples`);
  console.log(`isolate busy (not idle) ${Math.round(busyMicros / requests)} µs per request, profiler's cost included`);
  console.log(`\nown time (top ${top}):\n${rows(own).join('\n')}`);
  console.log(`\ninclusive time (top ${top}):\n${rows(inclusive).join('\n')}`);
  if (args.out) console.log(`\nprofile written to ${args.out} (open it in Chrome DevTools' Performance panel)`);
} finally {
  socket?.close();
  await mf.dispose();
  await idp.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Samples per function name of a V8 CPU profile: own (the sampled frame)
 * and inclusive (anywhere on the sampled stack, counted once per sample);
 * and the time (µs) the isolate was not idle, each sample counted until the
 * next one.
 */
function shares(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const name = (n) => n.callFrame.functionName || `(anonymous ${n.callFrame.url}:${n.callFrame.lineNumber})`;
  const own = new Map();
  const inclusive = new Map();
  let busyMicros = 0;
  for (const [i, sample] of profile.samples.entries()) {
    const leaf = nodes.get(sample);
    if (name(leaf) !== '(idle)') busyMicros += profile.timeDeltas[i + 1] ?? 0;
    own.set(name(leaf), (own.get(name(leaf)) ?? 0) + 1);
    const seen = new Set();
    for (let at = sample; at !== undefined; at = parent.get(at)) {
      const n = name(nodes.get(at));
      if (!seen.has(n)) {
        seen.add(n);
        inclusive.set(n, (inclusive.get(n) ?? 0) + 1);
      }
    }
  }
  inclusive.delete('(root)');
  return { own, inclusive, samples: profile.samples.length, busyMicros };
}
