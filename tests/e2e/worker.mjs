// Starts the built Worker under `wrangler dev` (workerd) on 127.0.0.1 with
// fresh secrets and fresh local KV and Durable Object state, and stops it.
// wrangler builds it first (wrangler.toml's build command): the test Worker
// (COGNATE_WORKER=test, into target/worker-test: it has the test-only
// routes) unless `build` is 'release' (build/, what deploys).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatVars, generateVars, parseVars } from '../../scripts/dev-vars.mjs';
import { DEMO_CONFIG_FILE, demoConfig } from '../../scripts/dev-idp.mjs';

export const root = fileURLToPath(new URL('../..', import.meta.url));

const BUILDS = { test: 'target/worker-test/worker/shim.mjs', release: 'build/worker/shim.mjs' };

/**
 * Starts a Worker on `port`; resolves to {endpoint, envFile, vars, stop}.
 * With `demoIssuer`, the demo page it serves signs in at that OpenID
 * provider: its assets are a copy of www/ with its own demo-config.json,
 * so runs side by side each have theirs. `restart`: keep the state and the
 * env file of the last start of `name` (a restart with the secrets as the
 * file now says).
 */
export async function startWorker({
  port, name = 'e2e', readyTimeoutMs = 600_000, extraVars = {}, build = 'test', demoIssuer, restart = false,
}) {
  if (!BUILDS[build]) throw new Error(`build is test or release, not ${build}`);
  const endpoint = `http://127.0.0.1:${port}`;
  const work = `${root}/target/${name}`;
  const envFile = `${work}/test.env`;
  const state = `${work}/state`;
  mkdirSync(work, { recursive: true });
  const assets = [];
  if (demoIssuer) {
    const www = `${work}/www`;
    rmSync(www, { recursive: true, force: true });
    cpSync(`${root}/www`, www, { recursive: true, filter: (src) => !src.endsWith(`/${DEMO_CONFIG_FILE}`) });
    writeFileSync(`${www}/${DEMO_CONFIG_FILE}`, demoConfig(demoIssuer));
    assets.push('--assets', www);
  }
  let vars;
  if (restart) {
    vars = parseVars(readFileSync(envFile, 'utf8'));
  } else {
    rmSync(state, { recursive: true, force: true });
    vars = await generateVars({ issuer: endpoint });
    // A short gateway timeout, so the test of a silent upstream ends quickly.
    vars.GATEWAY_TIMEOUT_SECONDS = '2';
    Object.assign(vars, extraVars);
    writeFileSync(envFile, formatVars(vars), { mode: 0o600 });
  }
  // Ready when this Worker's current signing key is published.
  const slot = vars.SIGNING_KEY_CURRENT ?? '1';
  const kid = JSON.parse(vars[`SIGNING_KEY_${slot}`]).kid;

  // wrangler's own output goes to a log file (shown if it fails to start),
  // so the test runner's summary is the last thing a run prints.
  const logFile = `${work}/wrangler.log`;
  const log = openSync(logFile, 'w');
  const child = spawn(
    'npx',
    ['wrangler', 'dev', BUILDS[build], '--local', '--ip', '127.0.0.1', '--port', String(port), '--env-file', envFile,
      '--persist-to', state, ...assets, '--show-interactive-dev-session=false', '--log-level', 'log',
      // Serves /__scheduled, which runs the Worker's Cron Trigger handler (the guest sweep).
      '--test-scheduled'],
    { cwd: root, stdio: ['ignore', log, log], detached: true,
      env: { ...process.env, COGNATE_WORKER: build, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } },
  );
  const stop = () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  };
  process.on('exit', stop);

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited before it was ready:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
    }
    try {
      // Ready when it is this Worker that answers (another run may hold the port).
      const jwks = await (await fetch(`${endpoint}/.well-known/jwks.json`)).json();
      if (jwks.keys?.some((k) => k.kid === kid)) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`wrangler dev was not ready in time:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { endpoint, envFile, vars, stop, logFile };
}
