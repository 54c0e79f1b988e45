// Runs the end-to-end suite against the test Worker in workerd: one
// `wrangler dev` on a free port of 127.0.0.1 (COGNATE_E2E_PORT to choose
// one) with its own state folder, and the development OpenID provider on
// another free port (the demo page the Worker serves signs in there),
// shared by every test file; beside them moto (AWS STS and S3) and fakes of
// Login with Amazon and Facebook's Graph API (./social-fakes.mjs), all on
// free ports of 127.0.0.1; then stops them. So a run works beside
// ./scripts/dev.sh and beside another run.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { checkLog } from './log-scan.mjs';
import { root, startWorker } from './worker.mjs';
import { startSocialFakes } from './social-fakes.mjs';
import { startDevIdp } from '../../scripts/dev-idp.mjs';


/**
 * moto (installed by scripts/setup.sh) as AWS STS and S3 on a free port of
 * 127.0.0.1. A port found free may be taken before moto binds it (by another
 * run's moto, which would then answer for it): a moto that exits before it
 * answers, or answers only after exiting, is started again on another port.
 */
async function startMoto() {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const motoPort = await freePort();
    const child = spawn(`${root}/target/moto/bin/moto_server`, ['-H', '127.0.0.1', '-p', String(motoPort)],
      { stdio: 'ignore', detached: true });
    const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
    process.on('exit', stop);
    const endpoint = `http://127.0.0.1:${motoPort}`;
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      try {
        await fetch(`${endpoint}/moto-api/`);
        // Answered: ours only if it is still running (it exits when the port is taken).
        await new Promise((r) => setTimeout(r, 100));
        if (child.exitCode === null) return { endpoint, stop };
        break;
      } catch { await new Promise((r) => setTimeout(r, 200)); }
    }
    stop();
    if (child.exitCode === null) throw new Error('moto_server did not start');
    console.error(`moto_server exited (port ${motoPort} taken?); starting it again on another port`);
  }
  throw new Error('moto_server did not start on three ports');
}

const moto = await startMoto();
/** The Facebook app whose secret the Worker holds (its tokens are checked with debug_token). */
const FACEBOOK_SECRET_APP = '4242';
const social = await startSocialFakes({ secrets: { [FACEBOOK_SECRET_APP]: 'e2e-app-secret' } });
/**
 * The development OpenID provider (on a port the system gives it) and the
 * Worker (on COGNATE_E2E_PORT or a free port), whose demo signs in there. A
 * port found free may be taken before wrangler binds it (by another run's
 * provider, say): then both start again on new ports, up to three times.
 */
async function startWorkerAndIdp() {
  for (let attempt = 1; ; attempt++) {
    const port = Number(process.env.COGNATE_E2E_PORT ?? (await freePort()));
    // ID tokens that need renewing within seconds, so a reload in the
    // browser tests exercises the refresh token.
    const idp = await startDevIdp({ port: 0, redirectUris: [`http://127.0.0.1:${port}/`], idTokenTtl: 65 });
    try {
      const worker = await startWorker({
        port, name: `e2e-${port}`, extraVars: {
          AWS_STS_ENDPOINT: moto.endpoint,
          AMAZON_API_URL: social.amazonUrl,
          FACEBOOK_GRAPH_URL: social.graphUrl,
          FACEBOOK_APP_SECRET: `${FACEBOOK_SECRET_APP}|e2e-app-secret`,
          // Guest retention on (Cognito's 90 days), so every guest call notes
          // its use and tests/e2e/sweep.test.mjs can run the scheduled sweep.
          GUEST_RETENTION_DAYS: '90',
        },
        demoIssuer: idp.issuer,
      });
      return { idp, worker };
    } catch (e) {
      await idp.close();
      if (attempt === 3 || process.env.COGNATE_E2E_PORT || !/Address already in use/.test(e.message)) throw e;
      console.error(`port ${port} was taken before wrangler bound it; starting again on another`);
    }
  }
}

const { idp, worker } = await startWorkerAndIdp();
process.on('SIGINT', () => process.exit(130));

const files = readdirSync(`${root}/tests/e2e`).filter((f) => f.endsWith('.test.mjs')).map((f) => `tests/e2e/${f}`);
const only = process.argv.slice(2);
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...(only.length ? only : files)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    COGNATE_ENDPOINT: worker.endpoint,
    COGNATE_ENV_FILE: worker.envFile,
    MOTO_ENDPOINT: moto.endpoint,
    SOCIAL_FAKES_URL: social.controlUrl,
    SOCIAL_SECRET_APP: FACEBOOK_SECRET_APP,
    COGNATE_IDP_ISSUER: idp.issuer,
  },
});
const testsCode = await new Promise((resolve) => tests.on('exit', (c) => resolve(c ?? 1)));
worker.stop();
moto.stop();
await social.close();
await idp.close();
let code = testsCode;
try {
  checkLog(worker.logFile, worker.vars);
  console.log(`# the Worker's log (${worker.logFile}) holds no secret, token or identity id`);
} catch (e) {
  console.error(e.message);
  code = 1;
}
// A green run leaves nothing behind; a red one keeps its state and log.
if (code === 0) rmSync(dirname(worker.envFile), { recursive: true, force: true });
process.exit(code);
