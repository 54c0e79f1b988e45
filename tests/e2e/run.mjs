// Runs the end-to-end suite against the built Worker in workerd: one
// `wrangler dev` on 127.0.0.1:8790, shared by every test file; then stops it.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { root, startWorker } from './worker.mjs';

const worker = await startWorker({ port: Number(process.env.COGNATE_E2E_PORT ?? 8790) });
process.on('SIGINT', () => process.exit(130));

const files = readdirSync(`${root}/tests/e2e`).filter((f) => f.endsWith('.test.mjs')).map((f) => `tests/e2e/${f}`);
const only = process.argv.slice(2);
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...(only.length ? only : files)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, COGNATE_ENDPOINT: worker.endpoint, COGNATE_ENV_FILE: worker.envFile },
});
const code = await new Promise((resolve) => tests.on('exit', (c) => resolve(c ?? 1)));
worker.stop();
process.exit(code);
