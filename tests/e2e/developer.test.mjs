// Developer-authenticated identities end to end: an app's backend (the
// admin SDK) mints cognate tokens for its own users, which sign in as
// `cognito-identity.amazonaws.com` through the unmodified SDK
// (fromCognitoIdentityPool) and through the browser package in Chromium;
// lookups, merges and unlinks; and the races Cognito users meet.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateIdentityPoolCommand,
  DescribeIdentityCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  LookupDeveloperIdentityCommand,
  MergeDeveloperIdentitiesCommand,
  SetIdentityPoolRolesCommand,
  UnlinkDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { chromium } from 'playwright-core';
import { GUEST_ROLE, client, endpoint, publicClient, region, rejectsWith, stateDir, storageDump } from './lib.mjs';

const admin = client();
const app = publicClient();
const DEV = 'login.e2e-app';
const COGNITO = 'cognito-identity.amazonaws.com';
const USER_ROLE = 'arn:aws:iam::000000000000:role/e2e-dev-user';
let browser;

after(async () => {
  await browser?.close();
});

async function developerPool() {
  const { IdentityPoolId } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'e2e developer', AllowUnauthenticatedIdentities: true, DeveloperProviderName: DEV,
  }));
  await admin.send(new SetIdentityPoolRolesCommand({
    IdentityPoolId, Roles: { unauthenticated: GUEST_ROLE, authenticated: USER_ROLE },
  }));
  return IdentityPoolId;
}

const minted = new Set();
const user = (name) => {
  const id = `${name}-${randomBytes(4).toString('hex')}@example.com`;
  minted.add(id);
  return id;
};
/** What the app's backend does: a token for its user, optionally linked to the client's identity. */
const mint = (IdentityPoolId, userId, more = {}) =>
  admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId, Logins: { [DEV]: userId }, ...more }));

test('the backend mints a token that jose verifies and that signs in through the SDK', async () => {
  const pool = await developerPool();
  const alice = user('alice');
  const { IdentityId, Token } = await mint(pool, alice, { TokenDuration: 3600, PrincipalTags: { plan: 'pro' } });
  const jwks = createRemoteJWKSet(new URL(`${endpoint}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(Token, jwks, { issuer: endpoint, audience: pool, algorithms: ['ES256'] });
  assert.equal(payload.sub, IdentityId);
  assert.equal(payload.exp - payload.iat, 3600);
  assert.deepEqual(payload.amr.slice(0, 2), ['authenticated', DEV]);
  assert.deepEqual(payload['https://aws.amazon.com/tags'], { principal_tags: { plan: ['pro'] } });

  const provider = fromCognitoIdentityPool({
    identityPoolId: pool, logins: { [COGNITO]: Token }, clientConfig: { endpoint, region },
  });
  const creds = await provider();
  assert.equal(creds.identityId, IdentityId);
  assert.match(creds.accessKeyId, /^ASIA/);
  const { Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [COGNITO]: Token } }));
  assert.ok(Credentials.SessionToken);
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId })), 'NotAuthorizedException');
  const other = (await mint(pool, user('bob'))).IdentityId;
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: other, Logins: { [COGNITO]: Token } })),
    'NotAuthorizedException');
});

test('twenty concurrent first tokens for one new user make one identity', async () => {
  const pool = await developerPool();
  const carol = user('carol');
  const ids = await Promise.all(Array.from({ length: 20 }, () => mint(pool, carol).then((r) => r.IdentityId)));
  assert.equal(new Set(ids).size, 1, `identities: ${[...new Set(ids)].join(', ')}`);
  const described = await admin.send(new DescribeIdentityCommand({ IdentityId: ids[0] }));
  assert.deepEqual(described.Logins, [DEV]);
});

test('lookup, merge (racing lookups) and unlink', async () => {
  const pool = await developerPool();
  const [a, b] = [user('a'), user('b')];
  const idA = (await mint(pool, a)).IdentityId;
  const idB = (await mint(pool, b)).IdentityId;
  const lookup = (input) => admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId: pool, ...input }));
  assert.deepEqual((await lookup({ DeveloperUserIdentifier: a })).DeveloperUserIdentifierList, [a]);
  await rejectsWith(lookup({ IdentityId: idB, DeveloperUserIdentifier: a }), 'ResourceConflictException');
  await rejectsWith(lookup({ DeveloperUserIdentifier: user('nobody') }), 'ResourceNotFoundException');

  const merge = admin.send(new MergeDeveloperIdentitiesCommand({
    IdentityPoolId: pool, DeveloperProviderName: DEV, SourceUserIdentifier: b, DestinationUserIdentifier: a,
  }));
  const racing = Array.from({ length: 10 }, () => lookup({ DeveloperUserIdentifier: b }).then((r) => r.IdentityId));
  const [merged, ...seen] = await Promise.all([merge, ...racing]);
  assert.equal(merged.IdentityId, idA);
  for (const id of seen) assert.ok(id === idA || id === idB, `a racing lookup saw ${id}`);
  assert.equal((await lookup({ DeveloperUserIdentifier: b })).IdentityId, idA, 'after the merge: the destination');
  assert.deepEqual((await lookup({ IdentityId: idA })).DeveloperUserIdentifierList.sort(), [a, b].sort());
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: idB })), 'NotAuthorizedException',
    { message: `Identity '${idB}' is disabled.` });

  await admin.send(new UnlinkDeveloperIdentityCommand({
    IdentityPoolId: pool, IdentityId: idA, DeveloperProviderName: DEV, DeveloperUserIdentifier: a,
  }));
  assert.deepEqual((await lookup({ IdentityId: idA })).DeveloperUserIdentifierList, [b]);
  await rejectsWith(admin.send(new UnlinkDeveloperIdentityCommand({
    IdentityPoolId: pool, IdentityId: idA, DeveloperProviderName: 'login.someone-else', DeveloperUserIdentifier: b,
  })), 'NotAuthorizedException');
  await rejectsWith(mint(pool, b, { IdentityId: (await app.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId }),
    'DeveloperUserAlreadyRegisteredException');
});

test("the browser package signs in with the backend's token and keeps its guest id", async () => {
  const pool = await developerPool();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${endpoint}/style.css`);
  // The page is a guest first; the backend links its user to that guest's id.
  const guest = await p.evaluate(async (poolId) => {
    const { IdentityPool } = await import('/pkg/index.js');
    window.pool = new IdentityPool({ endpoint: location.origin, identityPoolId: poolId });
    return window.pool.identityId();
  }, pool);
  const dana = user('dana');
  const { IdentityId, Token } = await mint(pool, dana, { IdentityId: guest });
  assert.equal(IdentityId, guest, 'the backend linked its user to the guest');
  await p.exposeFunction('fetchTokenFromMyBackend', async () => (await mint(pool, dana, { IdentityId: guest })).Token);
  const signedIn = await p.evaluate(async (provider) => {
    const id = await window.pool.signIn(provider, () => window.fetchTokenFromMyBackend());
    const creds = await window.pool.credentials();
    return { id, identityId: creds.identityId, hasKey: creds.accessKeyId.startsWith('ASIA') };
  }, COGNITO);
  assert.deepEqual(signedIn, { id: guest, identityId: guest, hasKey: true });
  assert.ok(Token);
  // A fresh page with no cached identity finds the user's identity from the token alone.
  const fresh = await p.evaluate(async ({ poolId, provider, token }) => {
    const { IdentityPool } = await import('/pkg/index.js');
    const other = new IdentityPool({ endpoint: location.origin, identityPoolId: poolId, storage: 'memory' });
    return other.signIn(provider, token);
  }, { poolId: pool, provider: COGNITO, token: Token });
  assert.equal(fresh, guest);
  await context.close();
});

test('local KV and Durable Object storage hold no developer user id in the clear', async () => {
  // Control: what this file wrote is in the dump (an identity's record).
  const pool = await developerPool();
  const { IdentityId } = await mint(pool, user('control'));
  await new Promise((r) => setTimeout(r, 500));
  const { files, found } = storageDump();
  assert.ok(files.length > 0, `no storage files under ${stateDir}`);
  assert.ok(found(IdentityId).length > 0, 'the dump is readable');
  assert.ok(minted.size >= 8);
  const leaks = [...minted].flatMap((id) => found(id).map((file) => `${id} in ${file}`));
  assert.deepEqual(leaks, []);
});
