// Federated sign-in end to end: ID tokens from a real OpenID provider on
// 127.0.0.1 (./idp.mjs) through the unmodified AWS SDK — identities per
// person and pool, linking and merging, Cognito's errors for bad tokens, key
// rotation, and that neither subjects nor tokens reach local KV or Durable
// Object storage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateIdentityPoolCommand,
  DescribeIdentityCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  ListIdentitiesCommand,
  SetIdentityPoolRolesCommand,
  UnlinkIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, jwtVerify } from 'jose';
import { startIdp } from './idp.mjs';
import { GUEST_ROLE, client, endpoint, publicClient, rejectsWith, stateDir, storageDump } from './lib.mjs';

const app = publicClient();
const admin = client();
const AUTH_ROLE = 'arn:aws:iam::000000000000:role/e2e-authenticated';
const NOT_MATCHING = 'Logins don\'t match. Please include at least one valid login for this identity or identity pool.';
const UNSUPPORTED = 'Token is not from a supported provider of this identity pool.';

/** Every subject and token this file minted, for the storage dump at the end. */
const minted = { subs: new Set(), tokens: new Set(), pools: new Set() };
let idp;

before(async () => { idp = await startIdp(); });
after(() => idp.close());

/** A distinctive subject, so that finding it in a byte dump means something. */
const person = (name) => `${name}-${randomUUID()}`;

/** An ID token from `provider` (recorded for the dump). */
async function idToken(provider, claims, options) {
  const token = await provider.idToken(claims, options);
  record(token);
  return token;
}

function record(token) {
  minted.tokens.add(token);
  try {
    const { sub } = decodeJwt(token);
    if (typeof sub === 'string' && sub) minted.subs.add(sub);
  } catch { /* not a JWT at all */ }
}

/** A token of `sub` from the file's provider. */
const tokenOf = (sub, claims = {}, options) => idToken(idp, { sub, ...claims }, options);
const logins = (token, provider = idp) => ({ [provider.providerName]: token });

/** A pool that accepts the file's provider (and `more` providers) and guests, with both roles. */
async function signInPool({ more = [], name = 'e2e sign-in' } = {}) {
  const providers = Object.fromEntries([idp, ...more].map((p) => [p.providerName, 'cognate-e2e,other-client']));
  const { IdentityPoolId } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: name, AllowUnauthenticatedIdentities: true, SupportedLoginProviders: providers,
  }));
  await admin.send(new SetIdentityPoolRolesCommand({
    IdentityPoolId, Roles: { unauthenticated: GUEST_ROLE, authenticated: AUTH_ROLE },
  }));
  minted.pools.add(IdentityPoolId);
  return IdentityPoolId;
}

const getId = async (pool, Logins) => (await app.send(new GetIdCommand({ IdentityPoolId: pool, Logins }))).IdentityId;
const describe = (IdentityId) => admin.send(new DescribeIdentityCommand({ IdentityId }));

test('sign-in: one identity per person, credentials, and a token whose amr hides the subject', async () => {
  const pool = await signInPool();
  const sub = person('user');
  const id = await getId(pool, logins(await tokenOf(sub)));
  assert.match(id, /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(await getId(pool, logins(await tokenOf(sub))), id, 'a new token of the same person is the same identity');

  const token = await tokenOf(sub);
  const { IdentityId, Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: id, Logins: logins(token) }));
  assert.equal(IdentityId, id);
  assert.match(Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.ok(Credentials.SecretKey.length >= 40);
  assert.ok(Credentials.SessionToken.length > 100);
  const lifetime = (Credentials.Expiration - Date.now()) / 1000;
  assert.ok(lifetime > 3500 && lifetime <= 3600, `lifetime ${lifetime}`);

  const opened = await app.send(new GetOpenIdTokenCommand({ IdentityId: id, Logins: logins(token) }));
  assert.equal(opened.IdentityId, id);
  const jwks = createRemoteJWKSet(new URL(`${endpoint}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(opened.Token, jwks, { issuer: endpoint, audience: pool, algorithms: ['ES256'] });
  assert.deepEqual(decodeJwt(opened.Token), payload);
  assert.equal(payload.sub, id);
  assert.equal(payload.amr.length, 3, JSON.stringify(payload.amr));
  assert.deepEqual(payload.amr.slice(0, 2), ['authenticated', idp.providerName]);
  assert.ok(payload.amr[2].startsWith(`${idp.providerName}:`), payload.amr[2]);
  const opaque = payload.amr[2].slice(idp.providerName.length + 1);
  assert.ok(opaque.length >= 16, `opaque id ${opaque}`);
  assert.notEqual(opaque, sub);
  assert.ok(!sub.includes(opaque), 'the opaque id is not part of the subject');
  assert.ok(!opaque.includes(sub) && !opaque.includes(sub.split('-').at(-1)), 'the opaque id does not carry the subject');
  assert.ok(!opened.Token.includes(sub));

  const again = await app.send(new GetOpenIdTokenCommand({ IdentityId: id, Logins: logins(await tokenOf(sub)) }));
  assert.equal(decodeJwt(again.Token).amr[2], payload.amr[2], 'the opaque id is stable for one person');
});

test('an ES256 token from the provider signs in the same person', async () => {
  const pool = await signInPool();
  const sub = person('es');
  const id = await getId(pool, logins(await tokenOf(sub)));
  assert.equal(await getId(pool, logins(await tokenOf(sub, {}, { alg: 'ES256' }))), id);
});

test("an authenticated identity without Logins: Logins don't match", async () => {
  const pool = await signInPool();
  const id = await getId(pool, logins(await tokenOf(person('user'))));
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: id })), 'NotAuthorizedException', { message: NOT_MATCHING });
  await rejectsWith(app.send(new GetOpenIdTokenCommand({ IdentityId: id })), 'NotAuthorizedException', { message: NOT_MATCHING });
});

test('the same person in two pools has two identities', async () => {
  const [one, two] = [await signInPool(), await signInPool()];
  const sub = person('user');
  const a = await getId(one, logins(await tokenOf(sub)));
  const b = await getId(two, logins(await tokenOf(sub)));
  assert.notEqual(a, b);
  assert.equal((await describe(a)).IdentityId, a);
  assert.equal((await describe(b)).IdentityId, b);
});

test('linking a login to a guest keeps the guest id', async () => {
  const pool = await signInPool();
  const guest = await getId(pool);
  assert.equal((await describe(guest)).Logins?.length ?? 0, 0);
  const sub = person('linked');
  const linked = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: guest, Logins: logins(await tokenOf(sub)) }));
  assert.equal(linked.IdentityId, guest);
  assert.match(linked.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.equal(await getId(pool, logins(await tokenOf(sub))), guest);
  assert.deepEqual((await describe(guest)).Logins, [idp.providerName]);
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: guest })), 'NotAuthorizedException', { message: NOT_MATCHING });
});

test('merging: the identity that owns the login wins, the other is disabled', async () => {
  const pool = await signInPool();
  const alice = person('alice');
  const a = await getId(pool);
  const linked = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: a, Logins: logins(await tokenOf(alice)) }));
  assert.equal(linked.IdentityId, a);
  const b = await getId(pool);
  assert.notEqual(b, a);
  const merged = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: b, Logins: logins(await tokenOf(alice)) }));
  assert.equal(merged.IdentityId, a, 'the owner of the login wins');
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: b })), 'NotAuthorizedException');
  await rejectsWith(app.send(new GetOpenIdTokenCommand({ IdentityId: b })), 'NotAuthorizedException');
  assert.deepEqual((await describe(a)).Logins, [idp.providerName]);
  assert.equal(await getId(pool, logins(await tokenOf(alice))), a);
});

test("a stranger cannot attach a login to someone else's identity", async () => {
  const pool = await signInPool();
  const alice = person('alice');
  const mallory = person('mallory');
  const a = await getId(pool, logins(await tokenOf(alice)));
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: a, Logins: logins(await tokenOf(mallory)) })),
    'NotAuthorizedException');
  await rejectsWith(app.send(new GetOpenIdTokenCommand({ IdentityId: a, Logins: logins(await tokenOf(mallory)) })),
    'NotAuthorizedException');
  const m = await getId(pool, logins(await tokenOf(mallory)));
  assert.notEqual(m, a, "mallory's login was not attached to alice's identity");
  assert.equal(await getId(pool, logins(await tokenOf(alice))), a);
  assert.deepEqual((await describe(a)).Logins, [idp.providerName]);
});

test('twenty concurrent first logins of one person are one identity', async () => {
  const pool = await signInPool();
  const token = await tokenOf(person('racer'));
  const ids = await Promise.all(Array.from({ length: 20 }, () => getId(pool, logins(token))));
  assert.equal(new Set(ids).size, 1, JSON.stringify(ids));
  const listed = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 60 }));
  assert.deepEqual(listed.Identities.map((i) => i.IdentityId), [ids[0]]);
});

test('after unlinking, signing in again is a new identity', async () => {
  const pool = await signInPool();
  const sub = person('leaver');
  const token = await tokenOf(sub);
  const id = await getId(pool, logins(token));
  await app.send(new UnlinkIdentityCommand({ IdentityId: id, Logins: logins(token), LoginsToRemove: [idp.providerName] }));
  assert.equal((await describe(id)).Logins?.length ?? 0, 0);
  const again = await getId(pool, logins(await tokenOf(sub)));
  assert.notEqual(again, id);
});

test('bad tokens are NotAuthorizedException (400), never a 500', async (t) => {
  const pool = await signInPool();
  const sub = person('target');
  const id = await getId(pool, logins(await tokenOf(sub)));
  assert.equal(await getId(pool, logins(await tokenOf(sub))), id, 'control: a good token signs in');

  const evil = await startIdp();
  t.after(() => evil.close());
  const rsa = idp.keys().find((k) => k.alg === 'RS256');
  const es = idp.keys().find((k) => k.alg === 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: idp.issuer, aud: 'cognate-e2e', sub, iat: now, exp: now + 600 };
  const flip = (token) => {
    const [h, p, s] = token.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 0x01;
    return `${h}.${p}.${sig.toString('base64url')}`;
  };
  const { privateKey: strangerKey } = await generateKeyPair('RS256', { modulusLength: 2048 });

  const cases = {
    'expired beyond the 5-minute skew': () => tokenOf(sub, { iat: now - 1200, exp: now - 600 }),
    'wrong audience': () => tokenOf(sub, { aud: 'someone-else' }),
    'audience list without a configured client': () => tokenOf(sub, { aud: ['someone-else', 'third'] }),
    'azp of a client the pool does not know': () => tokenOf(sub, { azp: 'someone-else' }),
    'wrong issuer': () => tokenOf(sub, { iss: 'http://127.0.0.1:1' }),
    'issuer of the provider spelled with https': () => tokenOf(sub, { iss: `https://${idp.providerName}` }),
    'alg none': async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    'alg none with the provider kid': async () => `${b64({ alg: 'none', kid: rsa.kid })}.${b64(claims)}.`,
    'HS256 with the RSA public key as secret': async () =>
      tokenOf(sub, {}, { alg: 'HS256', kid: rsa.kid, key: new TextEncoder().encode(await exportSPKI(rsa.publicKey)) }),
    'HS256 with the RSA JWK as secret': async () =>
      tokenOf(sub, {}, { alg: 'HS256', kid: rsa.kid, key: new TextEncoder().encode(JSON.stringify(rsa.jwk)) }),
    'ES256 header on the RSA key': () => tokenOf(sub, {}, { alg: 'ES256', kid: rsa.kid }),
    'RS256 header on the EC key': () => tokenOf(sub, {}, { alg: 'RS256', kid: es.kid, key: strangerKey }),
    'unknown kid': () => tokenOf(sub, {}, { kid: 'no-such-key', key: strangerKey }),
    "a stranger's key under the provider's kid": () => tokenOf(sub, {}, { kid: rsa.kid, key: strangerKey }),
    'jku pointing at another JWKS': () => idToken(evil, { iss: idp.issuer, sub }, { header: { jku: `${evil.issuer}/jwks` } }),
    'jwk header carrying its own key': () => idToken(evil, { iss: idp.issuer, sub }, { header: { jwk: evil.keys()[0].jwk } }),
    'x5u pointing elsewhere': () => idToken(evil, { iss: idp.issuer, sub }, { header: { x5u: `${evil.issuer}/cert.pem` } }),
    'jku header on a token signed by the right key': () => tokenOf(sub, {}, { header: { jku: `${evil.issuer}/jwks` } }),
    'jwk header on a token signed by the right key': () => tokenOf(sub, {}, { header: { jwk: rsa.jwk } }),
    'crit header': () => tokenOf(sub, {}, { header: { crit: ['urn:cognate-e2e:critical'], 'urn:cognate-e2e:critical': true } }),
    'missing sub': () => tokenOf(undefined),
    'empty sub': () => tokenOf(''),
    'missing exp': () => tokenOf(sub, { exp: undefined }),
    'missing iat': () => tokenOf(sub, { iat: undefined }),
    'missing aud': () => tokenOf(sub, { aud: undefined }),
    'exp as a string': () => tokenOf(sub, { exp: String(now + 600) }),
    'nbf in the future beyond the skew': () => tokenOf(sub, { nbf: now + 600, exp: now + 1200 }),
    'iat in the future beyond the skew': () => tokenOf(sub, { iat: now + 600, exp: now + 1200 }),
    'signature bit-flipped': async () => flip(await tokenOf(sub)),
    'ES256 signature bit-flipped': async () => flip(await tokenOf(sub, {}, { alg: 'ES256' })),
    'payload swapped under a valid signature': async () => {
      const [h, , s] = (await tokenOf(sub)).split('.');
      return `${h}.${b64({ ...claims, sub: person('swapped') })}.${s}`;
    },
    'not a JWT': async () => 'not-a-jwt',
    'two parts': async () => (await tokenOf(sub)).split('.').slice(0, 2).join('.'),
  };
  for (const [name, make] of Object.entries(cases)) {
    await t.test(name, async () => {
      const token = await make();
      record(token);
      await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: logins(token) })), 'NotAuthorizedException');
    });
  }

  await t.test('a bad token does not link a guest', async () => {
    const guest = await getId(pool);
    await rejectsWith(app.send(new GetCredentialsForIdentityCommand({
      IdentityId: guest, Logins: logins(await tokenOf(person('late'), { iat: now - 1200, exp: now - 600 })),
    })), 'NotAuthorizedException');
    assert.equal((await describe(guest)).Logins?.length ?? 0, 0);
  });

  await t.test('a provider the pool does not support', async () => {
    const other = await startIdp();
    try {
      const token = await idToken(other, { sub });
      await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: logins(token, other) })),
        'NotAuthorizedException', { message: UNSUPPORTED });
    } finally {
      await other.close();
    }
  });

  await t.test('a token over 50,000 characters is a ValidationException', async () => {
    const token = await tokenOf(sub, { pad: 'x'.repeat(38_000) });
    assert.ok(token.length > 50_000, `length ${token.length}`);
    await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: logins(token) })), 'ValidationException');
  });

  assert.equal(await getId(pool, logins(await tokenOf(sub))), id, 'the person still signs in afterwards');
});

test('tokens within the 5-minute skew are accepted', async () => {
  const pool = await signInPool();
  const sub = person('skewed');
  const now = Math.floor(Date.now() / 1000);
  const id = await getId(pool, logins(await tokenOf(sub, { iat: now - 700, exp: now - 60 })));
  assert.equal(await getId(pool, logins(await tokenOf(sub, { iat: now + 60, nbf: now + 60 }))), id);
});

test('key rotation at the provider between two sign-ins keeps the identity', async () => {
  const own = await startIdp();
  try {
    const pool = await signInPool({ more: [own] });
    const sub = person('rotating');
    const first = await idToken(own, { sub });
    const id = await getId(pool, logins(first, own));
    const fetched = own.requests();
    // cognate refetches a provider's keys for an unknown kid at most once
    // per 10 s (src/core/login/jwks.rs); a real rotation is slower than that.
    await sleep(11_000);
    const kid = await own.rotate();
    const second = await idToken(own, { sub });
    assert.equal(decodeProtectedHeader(second).kid, kid);
    assert.equal(await getId(pool, logins(second, own)), id, 'a token from the new key signs in the same person');
    assert.ok(own.requests() > fetched, 'cognate fetched the JWKS again for the new kid');
  } finally {
    await own.close();
  }
});

test('local KV and Durable Object storage hold no subject and no token', async () => {
  const { files, found } = storageDump();
  assert.ok(files.length > 0, `no storage files under ${stateDir}`);

  // Control: the dump is readable — the pools this file created are there.
  const pools = [...minted.pools];
  assert.ok(pools.length > 0);
  assert.ok(pools.every((pool) => found(pool).length > 0), 'every pool id appears in the dump');

  const needles = [...minted.subs].map((sub) => [`subject ${sub}`, sub]);
  for (const token of minted.tokens) {
    const [, payload, signature] = token.split('.');
    needles.push([`token ${token.slice(0, 24)}…`, token]);
    if (payload?.length >= 16) needles.push([`token payload ${payload.slice(0, 24)}…`, payload]);
    if (signature?.length >= 16) needles.push([`token signature ${signature.slice(0, 24)}…`, signature]);
  }
  assert.ok(minted.subs.size >= 10 && minted.tokens.size >= 20, `${minted.subs.size} subjects, ${minted.tokens.size} tokens`);
  const leaks = needles.flatMap(([what, needle]) => found(needle).map((file) => `${what} in ${file}`));
  assert.deepEqual(leaks, []);
});
