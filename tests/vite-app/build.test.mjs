// The package in a Vite app: `vite build` bundles it (ESM, wasm and all)
// and `tsc` checks the app against the package's declarations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

test('a Vite app importing the package builds, wasm included', async () => {
  await run(process.execPath, [`${root}/node_modules/vite/bin/vite.js`, 'build', '--config', 'tests/vite-app/vite.config.mjs'], { cwd: root });
  const assets = readdirSync(`${root}/target/vite-app/assets`);
  assert.ok(assets.some((f) => f.endsWith('.js')), assets.join(', '));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the wasm is emitted: ${assets.join(', ')}`);
});

test("the app type-checks against the package's declarations", async () => {
  await run(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', 'tests/vite-app/tsconfig.json'], { cwd: root });
});
