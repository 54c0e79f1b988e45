// Guests whose ids prove themselves, through the Worker in workerd: a pool
// tagged `cognate:guest-storage: none` writes nothing for a guest until it
// changes (checked in the local KV and Durable Object files), a `listed`
// pool records each guest after the response, links and deletions hold in
// both, and ids that were not issued are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateIdentityPoolCommand,
  DeleteIdentitiesCommand,
  DescribeIdentityCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  ListIdentitiesCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { GUEST_ROLE, client, publicClient, rejectsWith, storageDump } from './lib.mjs';
import { startIdp } from './idp.mjs';

const app = publicClient();
const admin = client();
const USER_ROLE = 'arn:aws:iam::000000000000:role/e2e-user';

async function poolStoring(mode, idp) {
  const { IdentityPoolId } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: `e2e guests ${mode}`,
    AllowUnauthenticatedIdentities: true,
    SupportedLoginProviders: idp ? { [idp.providerName]: 'cognate-e2e' } : undefined,
    IdentityPoolTags: { 'cognate:guest-storage': mode },
  }));
  await admin.send(new SetIdentityPoolRolesCommand({
    IdentityPoolId, Roles: { unauthenticated: GUEST_ROLE, authenticated: USER_ROLE },
  }));
  return IdentityPoolId;
}

const newGuest = async (pool) => (await app.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId;
const listed = async (pool) =>
  (await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 60 }))).Identities;

const stored = (id) => storageDump().found(id).length > 0;

test('a zero-write guest is served and listed nowhere until it changes', async () => {
  const pool = await poolStoring('none');
  const guests = [];
  for (let i = 0; i < 5; i++) guests.push(await newGuest(pool));
  for (const IdentityId of guests) {
    const { Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    assert.match(Credentials.AccessKeyId, /^ASIA/);
    await app.send(new GetOpenIdTokenCommand({ IdentityId }));
  }
  assert.deepEqual(await listed(pool), [], 'a zero-write pool lists only identities that changed');
  const described = await admin.send(new DescribeIdentityCommand({ IdentityId: guests[0] }));
  assert.equal(described.IdentityId, guests[0]);
  assert.deepEqual(described.Logins ?? [], []);
  // A listed pool's guest is written after its response: the control that the files are readable.
  const control = await poolStoring('listed');
  const recorded = await newGuest(control);
  await sleep(300);
  assert.ok(stored(recorded), 'a listed guest is in the local store');
  for (const id of guests) assert.ok(!stored(id), `${id} was written`);
});

test('a listed pool records each guest after the response', async () => {
  const pool = await poolStoring('listed');
  const guests = [await newGuest(pool), await newGuest(pool), await newGuest(pool)];
  let seen = [];
  for (let i = 0; i < 20 && seen.length < 3; i++) {
    seen = (await listed(pool)).map((d) => d.IdentityId);
    if (seen.length < 3) await sleep(100);
  }
  assert.deepEqual(seen.sort(), [...guests].sort());
  const described = await admin.send(new DescribeIdentityCommand({ IdentityId: guests[0] }));
  assert.ok(described.CreationDate instanceof Date && Math.abs(described.CreationDate - Date.now()) < 120_000);
});

for (const mode of ['none', 'listed']) {
  test(`a ${mode} guest that signs in keeps its id and loses guest access`, async () => {
    const idp = await startIdp();
    try {
      const pool = await poolStoring(mode, idp);
      const IdentityId = await newGuest(pool);
      const Logins = { [idp.providerName]: await idp.idToken({ sub: `linked-${mode}-${Date.now()}` }) };
      const signedIn = await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins }));
      assert.equal(signedIn.IdentityId, IdentityId);
      await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId })), 'NotAuthorizedException');
      const again = await app.send(new GetIdCommand({ IdentityPoolId: pool, Logins }));
      assert.equal(again.IdentityId, IdentityId);
      const [only] = (await listed(pool)).filter((d) => d.IdentityId === IdentityId);
      assert.deepEqual(only?.Logins, [idp.providerName]);
    } finally {
      await idp.close();
    }
  });

  test(`a deleted ${mode} guest stays deleted`, async () => {
    const pool = await poolStoring(mode);
    const IdentityId = await newGuest(pool);
    await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    const out = await admin.send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [IdentityId] }));
    assert.deepEqual(out.UnprocessedIdentityIds, []);
    await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId })), 'ResourceNotFoundException');
    await rejectsWith(app.send(new GetOpenIdTokenCommand({ IdentityId })), 'ResourceNotFoundException');
    await rejectsWith(admin.send(new DescribeIdentityCommand({ IdentityId })), 'ResourceNotFoundException');
    assert.ok(!(await listed(pool)).some((d) => d.IdentityId === IdentityId));
  });
}

test('an id that was not issued for the pool is refused', async () => {
  const pool = await poolStoring('none');
  const guest = await newGuest(pool);
  const last = guest.at(-1);
  const forged = guest.slice(0, -1) + (last === '0' ? '1' : '0');
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: forged })), 'ResourceNotFoundException',
    { message: `Identity '${forged}' not found.` });
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })),
    'ResourceNotFoundException');
  await rejectsWith(admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'bad mode', AllowUnauthenticatedIdentities: true,
    IdentityPoolTags: { 'cognate:guest-storage': 'never' },
  })), 'InvalidParameterException');
});
