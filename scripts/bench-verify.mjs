// Verification speed inside workerd: cognate's verifier (Rust in wasm,
// calling WebCrypto) against `jose` in workerd, in the same run, timed from
// outside the Worker (workerd's clock does not advance during CPU work).
// Each side verifies the same token REPEAT times per request; a repeat=1
// request is subtracted as the per-request overhead. The two sides take
// turns, round by round, so that a spell of load on this shared machine
// falls on both; each side's best round and best overhead count (a single
// overhead sample moved the ratio from 0.6 to 1.3). Run: npm run bench:verify
// [-- --repeat N] [--rounds R] (2000 and 5 unless told).
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { root, startWorker } from '../tests/e2e/worker.mjs';
import { freePort } from './lib/free-port.mjs';

const { values: args } = parseArgs({
  options: { repeat: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' } },
});
const REPEAT = Number(args.repeat);
const ROUNDS = Number(args.rounds);
if (!(REPEAT >= 1) || !(ROUNDS >= 1)) throw new Error('--repeat and --rounds must be ≥ 1');
const OVERHEAD_SAMPLES = 20;

async function startJose(port) {
  const child = spawn('npx', ['wrangler', 'dev', '--config', 'benches/workerd/wrangler.toml', '--local', '--ip', '127.0.0.1',
    '--port', String(port), '--show-interactive-dev-session=false', '--log-level', 'warn'],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } });
  const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
  process.on('exit', stop);
  for (let i = 0; i < 240; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return { endpoint: `http://127.0.0.1:${port}`, stop };
    } catch { await new Promise((r) => setTimeout(r, 500)); }
  }
  stop();
  throw new Error('the jose Worker did not start');
}

async function time(url, body) {
  const t = performance.now();
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await r.json();
  if (!json.valid) throw new Error(`${url}: not valid: ${JSON.stringify(json)}`);
  return performance.now() - t;
}

/** The fastest of `n` timings of `url` with `body`, in ms. */
async function best(url, body, n) {
  let fastest = Infinity;
  for (let i = 0; i < n; i++) fastest = Math.min(fastest, await time(url, body));
  return fastest;
}

/** Verifications per second of each side ({url, body}), taking turns. */
async function rates(sides) {
  const fastest = sides.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first, so that neither always follows the other.
    const order = round % 2 ? [...sides.keys()].reverse() : [...sides.keys()];
    for (const i of order) {
      fastest[i] = Math.min(fastest[i], await time(sides[i].url, { ...sides[i].body, repeat: REPEAT }));
    }
  }
  const overheads = [];
  for (const { url, body } of sides) overheads.push(await best(url, { ...body, repeat: 1 }, OVERHEAD_SAMPLES));
  return fastest.map((ms, i) => REPEAT / ((ms - overheads[i]) / 1000));
}

// Free ports and a state folder of this run's own, so that it runs beside
// `npm run dev`, the tests and another run.
const cognate = await startWorker({ port: await freePort(), name: `bench-verify-${process.pid}` });
const jose = await startJose(await freePort());
try {
  const rows = {};
  for (const alg of ['ES256', 'RS256']) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { modulusLength: 2048 });
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT({ sub: 'bench' }).setProtectedHeader({ alg }).setIssuedAt().sign(privateKey);
    const [header, payload, signature] = token.split('.');
    const [ours, theirs] = await rates([
      { url: `${cognate.endpoint}/.cognate/insecure/verify`, body: { jwk, message: Buffer.from(`${header}.${payload}`).toString('base64url'), signature } },
      { url: `${jose.endpoint}/`, body: { jwk: { ...jwk, alg }, alg, token } },
    ]);
    rows[alg] = { 'cognate (verifications/s)': Math.round(ours), 'jose (verifications/s)': Math.round(theirs), 'ratio cognate/jose': (ours / theirs).toFixed(2) };
  }
  console.table(rows);
} finally {
  cognate.stop();
  jose.stop();
}
