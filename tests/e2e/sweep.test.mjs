// The guest sweep through the Worker in workerd: wrangler's `--test-scheduled`
// route runs the Cron Trigger's handler, which (with GUEST_RETENTION_DAYS=90,
// set by run.mjs) sweeps; guests made and used moments ago are all kept, and
// the Worker's log gets one line of counts. A guest's use is noted in its
// list entry (`u`). That idle guests go after 90 days is proven natively
// (src/core/service/tests/sweep.rs): the product has no way to move time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetCredentialsForIdentityCommand,
  ListIdentitiesCommand,
} from '@aws-sdk/client-cognito-identity';
import { client, endpoint, guestOf, guestPool, publicClient, vars } from './lib.mjs';

const app = publicClient();
const admin = client();
const workerLog = join(dirname(process.env.COGNATE_ENV_FILE ?? 'target/e2e/test.env'), 'wrangler.log');
const sweepLines = () => readFileSync(workerLog, 'utf8').split('\n').filter((l) => l.includes('guest sweep:'));

test('the scheduled handler sweeps and keeps guests used moments ago', async () => {
  assert.equal(vars.GUEST_RETENTION_DAYS, '90', 'run.mjs turns retention on');
  const pool = await guestPool({ name: 'e2e sweep' });
  const guests = [];
  for (let i = 0; i < 3; i++) guests.push((await guestOf(pool)).identityId);
  await app.send(new GetCredentialsForIdentityCommand({ IdentityId: guests[0] }));

  const before = sweepLines().length;
  const answer = await fetch(`${endpoint}/__scheduled?cron=${encodeURIComponent('*/30 * * * *')}`);
  assert.equal(answer.status, 200, await answer.text());
  let lines = [];
  for (let i = 0; i < 50 && lines.length === 0; i++) {
    await sleep(100);
    lines = sweepLines().slice(before);
  }
  assert.equal(lines.length, 1, 'one line per run');
  const m = lines[0].match(/guest sweep: pools (\d+), entries read (\d+), guests removed (\d+), kept (\d+), operations (\d+)/);
  assert.ok(m, lines[0]);
  const [pools, read, removed, kept, operations] = m.slice(1).map(Number);
  assert.ok(pools >= 1 && read >= guests.length, lines[0]);
  assert.equal(removed, 0, 'nothing is 90 days old');
  assert.equal(kept, 0);
  assert.ok(operations <= 40, lines[0]);
  assert.doesNotMatch(lines[0], /stopped/);
  for (const id of guests) assert.ok(!lines[0].includes(id), 'counts only');

  for (const IdentityId of guests) {
    const { Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    assert.match(Credentials.AccessKeyId, /^ASIA/);
  }
  const { Identities } = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 60 }));
  assert.deepEqual(Identities.map((i) => i.IdentityId).sort(), [...guests].sort());
});
