// Runs the end-to-end suite against the built Worker in workerd: one
// `wrangler dev` on 127.0.0.1:8790 with fresh secrets and fresh local KV and
// Durable Object state, shared by every test file; then stops it.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateVars, formatVars } from '../../scripts/dev-vars.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const port = Number(process.env.COGNATE_E2E_PORT ?? 8790);
const endpoint = `http://127.0.0.1:${port}`;
const work = `${root}/target/e2e`;
const envFile = `${work}/test.env`;
const state = `${work}/state`;

rmSync(state, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
writeFileSync(envFile, formatVars(await generateVars({ issuer: endpoint })), { mode: 0o600 });

const wrangler = spawn(
  'npx',
  ['wrangler', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--env-file', envFile,
    '--persist-to', state, '--show-interactive-dev-session=false', '--log-level', 'warn'],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } },
);
const stop = () => {
  try { process.kill(-wrangler.pid, 'SIGTERM'); } catch { /* already gone */ }
};
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));

const deadline = Date.now() + 600_000;
for (;;) {
  if (wrangler.exitCode !== null) throw new Error('wrangler dev exited before it was ready');
  try {
    const r = await fetch(`${endpoint}/.well-known/openid-configuration`);
    if (r.ok) break;
  } catch { /* not listening yet */ }
  if (Date.now() > deadline) throw new Error('wrangler dev was not ready within 10 minutes');
  await new Promise((r) => setTimeout(r, 500));
}

const files = readdirSync(`${root}/tests/e2e`).filter((f) => f.endsWith('.test.mjs')).map((f) => `tests/e2e/${f}`);
const only = process.argv.slice(2);
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...(only.length ? only : files)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, COGNATE_ENDPOINT: endpoint, COGNATE_ENV_FILE: envFile },
});
const code = await new Promise((resolve) => tests.on('exit', (c) => resolve(c ?? 1)));
stop();
process.exit(code);
