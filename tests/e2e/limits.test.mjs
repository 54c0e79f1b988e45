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
  // The binding counts in fixed windows: a burst of twice the limit and one
  // more spans at most two windows, so it must meet the limit at least once.
  const ids = [];
  const refused = [];
  for (let i = 0; i < 2 * NEW_IDENTITIES_PER_MINUTE + 1; i++) {
    try {
      ids.push((await app.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
    } catch (e) {
      refused.push(`${e.name}: ${e.message} (${e.$metadata?.httpStatusCode})`);
    }
  }
  assert.ok(refused.length > 0, 'the burst never met the limit');
  assert.deepEqual([...new Set(refused)], ['TooManyRequestsException: Rate exceeded (400)']);
  assert.ok(ids.length >= NEW_IDENTITIES_PER_MINUTE && ids.length <= 2 * NEW_IDENTITIES_PER_MINUTE, `${ids.length} allowed`);
  // Its guests still work; another pool and another client have their own counts.
  const creds = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: ids[0] }));
  assert.ok(creds.Credentials.SessionToken);
  assert.ok((await app.send(new GetIdCommand({ IdentityPoolId: other }))).IdentityId);
  assert.ok((await clientAt().send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
});

test('an IPv6 client meets the limit from any address of its /64', async () => {
  const pool = await guestPool();
  // A fresh documentation network (RFC 3849), a new address in it each call.
  const network = `2001:db8:${randomInt(65536).toString(16)}:${randomInt(65536).toString(16)}`;
  const host = () => [0, 0, 0, 0].map(() => randomInt(65536).toString(16)).join(':');
  const app = publicClient();
  app.middlewareStack.remove('clientAddress');
  speakingFrom(app, () => `${network}:${host()}`);
  let allowed = 0;
  let refused = 0;
  for (let i = 0; i < 2 * NEW_IDENTITIES_PER_MINUTE + 1; i++) {
    try {
      await app.send(new GetIdCommand({ IdentityPoolId: pool }));
      allowed++;
    } catch (e) {
      assert.equal(e.name, 'TooManyRequestsException');
      refused++;
    }
  }
  assert.ok(refused > 0 && allowed <= 2 * NEW_IDENTITIES_PER_MINUTE, `${allowed} allowed, ${refused} refused`);
  // Another network is another client.
  const neighbour = publicClient();
  neighbour.middlewareStack.remove('clientAddress');
  speakingFrom(neighbour, () => `2001:db8:${randomInt(65536).toString(16)}:ffff::1`);
  assert.ok((await neighbour.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
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
  // Refused tokens until the limit is met (within two fixed windows, as above).
  let refusals = 0;
  for (;;) {
    const err = await app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: forged })).then(() => null, (e) => e);
    assert.ok(err, 'a forged token was taken');
    if (err.name === 'TooManyRequestsException') break;
    assert.equal(err.name, 'NotAuthorizedException');
    refusals += 1;
    assert.ok(refusals <= 2 * FAILED_SIGN_INS_PER_MINUTE, 'the limit was never met');
  }
  assert.ok(refusals >= FAILED_SIGN_INS_PER_MINUTE, `blocked after ${refusals} refusals`);
  const good = { [idp.providerName]: await idp.idToken({ sub: 'limits-person' }) };
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: good })), 'TooManyRequestsException');
  // Another client signs in with it; the blocked one may still be a guest.
  assert.ok((await clientAt().send(new GetIdCommand({ IdentityPoolId: pool, Logins: good }))).IdentityId);
  assert.ok((await app.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
});
