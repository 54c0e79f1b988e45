// DeleteIdentityPool in workerd: the pool is gone for every read at once,
// and the pool object's alarm then removes every key of it from local KV —
// the identities it holds and the guests only the Worker listed — as read
// back with `wrangler kv key list` on the run's own state folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateIdentityPoolCommand,
  DeleteIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { startIdp } from './idp.mjs';
import { GUEST_ROLE, client, publicClient, rejectsWith } from './lib.mjs';

const state = join(dirname(process.env.COGNATE_ENV_FILE ?? 'target/e2e/test.env'), 'state');
const admin = client();
const app = publicClient();
let idp;
before(async () => { idp = await startIdp(); });
after(() => idp.close());

/**
 * The names of local KV's keys under `prefix`. The running Worker writes the
 * same SQLite files, so a read may meet its lock (wrangler answers "KV GET
 * failed: 500"): it is tried again.
 */
function kvKeys(prefix) {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = execFileSync('npx', ['wrangler', 'kv', 'key', 'list', '--binding', 'IDENTITIES', '--local',
        '--persist-to', state, '--prefix', prefix],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
      return JSON.parse(out).map((k) => k.name);
    } catch (e) {
      if (attempt === 5 || !/KV GET failed/.test(String(e.stderr))) throw e;
      execFileSync('sleep', ['0.5']);
    }
  }
}

async function until(what, check, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

test('a deleted pool is gone at once and its keys leave KV in the background', async () => {
  const { IdentityPoolId: pool } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'e2e purge', AllowUnauthenticatedIdentities: true,
    SupportedLoginProviders: { [idp.providerName]: 'cognate-e2e' },
  }));
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { unauthenticated: GUEST_ROLE } }));
  const guests = [];
  for (let i = 0; i < 15; i++) {
    const batch = await Promise.all(Array.from({ length: 10 }, () => app.send(new GetIdCommand({ IdentityPoolId: pool }))));
    guests.push(...batch.map((r) => r.IdentityId));
  }
  const people = [];
  for (let i = 0; i < 40; i++) {
    const Logins = { [idp.providerName]: await idp.idToken({ sub: `purge-${i}-${Date.now()}` }) };
    people.push((await app.send(new GetIdCommand({ IdentityPoolId: pool, Logins }))).IdentityId);
  }
  const members = `member/${pool}/`;
  await until('every identity listed in KV', () => kvKeys(members).length === guests.length + people.length);
  assert.equal(kvKeys(`login/${pool}/`).length, people.length);

  await admin.send(new DeleteIdentityPoolCommand({ IdentityPoolId: pool }));
  await rejectsWith(admin.send(new DescribeIdentityPoolCommand({ IdentityPoolId: pool })), 'ResourceNotFoundException');
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: guests[0] })), 'ResourceNotFoundException');
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool })), 'ResourceNotFoundException');

  await until('the pool\'s keys to leave KV', () => kvKeys(members).length === 0 && kvKeys(`login/${pool}/`).length === 0);
  const identities = new Set(kvKeys('identity/'));
  assert.ok(people.every((id) => !identities.has(`identity/${id}`)), 'identity records left in KV');
  assert.deepEqual(kvKeys(`pool/${pool}`), []);
});
