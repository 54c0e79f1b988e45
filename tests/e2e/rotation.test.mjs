// Keys rotate without loss, end to end: a Worker of its own, its secrets
// changed by scripts/rotate.mjs (on the Worker's env file, as it does with
// `wrangler secret` in production) and the Worker restarted on the same
// state after each step. Tokens signed before a signing-key rotation verify
// by discovery until their key is dropped; credentials sealed before a
// credential-key rotation keep working; a second admin pair takes over with
// no moment without one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { freePort } from '../../scripts/lib/free-port.mjs';
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  ListIdentityPoolsCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { parseVars } from '../../scripts/dev-vars.mjs';
import { signedCall } from '../../scripts/lib/admin.mjs';
import { readFileSync } from 'node:fs';
import { root, startWorker } from './worker.mjs';

const NAME = `rotation-${process.pid}`;
let worker;
let port;


/** Applies a rotate.mjs step to the Worker's env file, then restarts it. */
async function rotate(step, slot) {
  execFileSync(process.execPath, [`${root}/scripts/rotate.mjs`, step, String(slot), '--env-file', worker.envFile],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  worker.stop();
  // The old Worker must be gone before the new one is asked if it is ready
  // (it would answer for it with the keys it had).
  for (let i = 0; ; i++) {
    try {
      await fetch(`${worker.endpoint}/.well-known/jwks.json`);
    } catch {
      break;
    }
    if (i > 100) throw new Error('the stopped Worker still answers');
    await new Promise((r) => setTimeout(r, 100));
  }
  worker = await startWorker({ port, name: NAME, restart: true });
}

const vars = () => parseVars(readFileSync(worker.envFile, 'utf8'));
const sdk = (credentials) => new CognitoIdentityClient({
  endpoint: worker.endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: credentials ?? (() => Promise.reject(new Error('public call'))),
});
const admin = (n = 1) => {
  const v = vars();
  const suffix = n === 1 ? '' : '_2';
  return sdk({ accessKeyId: v[`ADMIN_ACCESS_KEY_ID${suffix}`], secretAccessKey: v[`ADMIN_SECRET_ACCESS_KEY${suffix}`] });
};
/** Whether `token` verifies against the JWKS the Worker publishes now. */
async function verifies(token) {
  const jwks = await (await fetch(`${worker.endpoint}/.well-known/jwks.json`)).json();
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), { issuer: worker.endpoint });
    return true;
  } catch {
    return false;
  }
}
/** What a call signed with vended `credentials` is told: opened credentials are refused admin rights by name. */
async function credentialsOpen(credentials) {
  const answer = await signedCall(worker.endpoint, {
    accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretKey, sessionToken: credentials.SessionToken,
  }, 'ListIdentityPools', { MaxResults: 1 });
  if (answer.status === 200) throw new Error('vended credentials called an admin operation');
  return /vended by an identity pool/.test(answer.body.message ?? '');
}

before(async () => {
  port = await freePort();
  worker = await startWorker({ port, name: NAME });
});
after(() => worker?.stop());

test('signing, credential and admin keys rotate step by step, and nothing issued before is lost', async () => {
  const { IdentityPoolId } = await admin().send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'rotation', AllowUnauthenticatedIdentities: true,
  }));
  await admin().send(new SetIdentityPoolRolesCommand({
    IdentityPoolId, Roles: { unauthenticated: 'arn:aws:iam::000000000000:role/rotation-guest' },
  }));
  const { IdentityId } = await sdk().send(new GetIdCommand({ IdentityPoolId }));
  const issue = async () => ({
    token: (await sdk().send(new GetOpenIdTokenCommand({ IdentityId }))).Token,
    credentials: (await sdk().send(new GetCredentialsForIdentityCommand({ IdentityId }))).Credentials,
  });
  const kidOf = (token) => decodeProtectedHeader(token).kid;
  const first = await issue();
  const kid1 = JSON.parse(vars().SIGNING_KEY_1).kid;
  assert.equal(kidOf(first.token), kid1);
  assert.ok(await verifies(first.token));
  assert.ok(await credentialsOpen(first.credentials));

  // Stage: the new keys are published / set, nothing signs or seals with them yet.
  await rotate('signing-stage', 2);
  await rotate('credential-stage', 2);
  const kid2 = JSON.parse(vars().SIGNING_KEY_2).kid;
  const jwks = await (await fetch(`${worker.endpoint}/.well-known/jwks.json`)).json();
  assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [kid1, kid2].sort());
  assert.equal(kidOf((await issue()).token), kid1, 'a staged key signs nothing');

  // Use: slot 2 signs and seals; what slot 1 issued still works.
  await rotate('signing-use', 2);
  await rotate('credential-use', 2);
  const second = await issue();
  assert.equal(kidOf(second.token), kid2);
  assert.ok(await verifies(second.token));
  assert.ok(await verifies(first.token), 'a token of the previous key verifies by discovery');
  assert.ok(await credentialsOpen(first.credentials), 'credentials of the previous key keep working');
  assert.ok(await credentialsOpen(second.credentials));
  assert.notEqual(second.credentials.SessionToken, first.credentials.SessionToken);

  // The current slot cannot be staged over or dropped.
  assert.throws(() => execFileSync(process.execPath,
    [`${root}/scripts/rotate.mjs`, 'signing-drop', '2', '--env-file', worker.envFile], { stdio: 'pipe' }));

  // Drop: the previous keys go, and with them what only they verified.
  await rotate('signing-drop', 1);
  assert.equal(await verifies(first.token), false, 'a dropped key verifies nothing');
  assert.ok(await verifies(second.token));
  await rotate('credential-drop', 1);
  assert.equal(await credentialsOpen(first.credentials), false, 'a dropped credential key opens nothing');
  assert.ok(await credentialsOpen(second.credentials));

  // Admin: a second pair works beside the first; the first is dropped.
  await rotate('admin-stage', 2);
  assert.ok((await admin(1).send(new ListIdentityPoolsCommand({ MaxResults: 5 }))).IdentityPools);
  assert.ok((await admin(2).send(new ListIdentityPoolsCommand({ MaxResults: 5 }))).IdentityPools);
  const old = vars();
  await rotate('admin-drop', 1);
  const gone = sdk({ accessKeyId: old.ADMIN_ACCESS_KEY_ID, secretAccessKey: old.ADMIN_SECRET_ACCESS_KEY });
  await assert.rejects(gone.send(new ListIdentityPoolsCommand({ MaxResults: 5 })));
  const pools = (await admin(2).send(new ListIdentityPoolsCommand({ MaxResults: 60 }))).IdentityPools;
  assert.ok(pools.some((p) => p.IdentityPoolId === IdentityPoolId), 'the pool outlived every rotation');
  // Dropping the last admin pair is refused.
  assert.throws(() => execFileSync(process.execPath,
    [`${root}/scripts/rotate.mjs`, 'admin-drop', '2', '--env-file', worker.envFile], { stdio: 'pipe' }));
});
