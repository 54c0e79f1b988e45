// Verification speed inside workerd: cognate's verifier (Rust in wasm,
// calling WebCrypto) against `jose` in workerd, in the same run, timed from
// outside the Worker (workerd's clock does not advance during CPU work).
// Each side verifies the same token REPEAT times per request; a repeat=1
// request is subtracted as the per-request overhead. Run: npm run bench:verify
import { spawn } from 'node:child_process';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { root, startWorker } from '../tests/e2e/worker.mjs';
import { freePort } from './lib/free-port.mjs';

const REPEAT = 2000;
const ROUNDS = 3;

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

async function rate(url, body) {
  const once = await time(url, { ...body, repeat: 1 });
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) best = Math.min(best, await time(url, { ...body, repeat: REPEAT }));
  return REPEAT / ((best - once) / 1000);
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
    const ours = await rate(`${cognate.endpoint}/.cognate/insecure/verify`, { jwk, message: Buffer.from(`${header}.${payload}`).toString('base64url'), signature });
    const theirs = await rate(`${jose.endpoint}/`, { jwk: { ...jwk, alg }, alg, token });
    rows[alg] = { 'cognate (verifications/s)': Math.round(ours), 'jose (verifications/s)': Math.round(theirs), 'ratio cognate/jose': (ours / theirs).toFixed(2) };
  }
  console.table(rows);
} finally {
  cognate.stop();
  jose.stop();
}
