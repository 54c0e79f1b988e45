// Abuse limits end to end: the Workers Rate Limiting bindings of
// wrangler.toml, simulated by `wrangler dev`, through the unmodified AWS SDK.
// Each test speaks from its own client address (CF-Connecting-IP, which
// Cloudflare sets and the local runtime passes through), so the counts of
// one test, or of the other files, never meet.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { startIdp } from './idp.mjs';
import { GUEST_ROLE, client, guestPool, publicClient, rejectsWith, speakingFrom } from './lib.mjs';

/** The limits wrangler.toml declares. */
const NEW_IDENTITIES_PER_MINUTE = 60;
const FAILED_SIGN_INS_PER_MINUTE = 30;

/** A public client whose every call comes from one fresh documentation address (RFC 5737). */
function clientAt() {
  const address = `198.51.${randomInt(256)}.${randomInt(1, 255)}`;
  const app = publicClient();
  app.middlewareStack.remove('clientAddress');
  return speakingFrom(app, () => address);
}

let idp;
before(async () => { idp = await startIdp(); });
after(() => idp.close());

test('a client makes at most the limit of new guests per pool and minute', async () => {
  const [pool, other] = [await guestPool(), await guestPool()];
  const app = clientAt();
  const ids = [];
  for (let i = 0; i < NEW_IDENTITIES_PER_MINUTE; i++) {
    ids.push((await app.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
  }
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool })), 'TooManyRequestsException', { message: 'Rate exceeded' });
  // Its guests still work; another pool and another client have their own counts.
  const creds = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: ids[0] }));
  assert.ok(creds.Credentials.SessionToken);
  assert.ok((await app.send(new GetIdCommand({ IdentityPoolId: other }))).IdentityId);
  assert.ok((await clientAt().send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
});

test('failed sign-ins block a client, even with a good token, for a minute', async () => {
  const admin = client();
  const { IdentityPoolId: pool } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'e2e limits', AllowUnauthenticatedIdentities: true,
    SupportedLoginProviders: { [idp.providerName]: 'cognate-e2e' },
  }));
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { unauthenticated: GUEST_ROLE } }));
  const app = clientAt();
  const forged = { [idp.providerName]: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' };
  for (let i = 0; i < FAILED_SIGN_INS_PER_MINUTE; i++) {
    await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: forged })), 'NotAuthorizedException');
  }
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: forged })), 'TooManyRequestsException');
  const good = { [idp.providerName]: await idp.idToken({ sub: 'limits-person' }) };
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: good })), 'TooManyRequestsException');
  // Another client signs in with it; the blocked one may still be a guest.
  assert.ok((await clientAt().send(new GetIdCommand({ IdentityPoolId: pool, Logins: good }))).IdentityId);
  assert.ok((await app.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
});
