// Login with Amazon and Facebook access tokens end to end, through the
// unmodified AWS SDK, against the fakes of ./social-fakes.mjs that
// ./run.mjs starts (SOCIAL_FAKES_URL): GetId and GetCredentialsForIdentity
// with each provider's token (Facebook both with the app's secret, through
// debug_token, and without, through /app and /me), the same user twice is
// one identity, another app's token and an expired one are refused
// (NotAuthorizedException), a provider that is down or answers garbage is
// ExternalServiceException, one that never answers is given up on after
// the token check's 5 s, and a vouched token is not checked twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { decodeJwt } from 'jose';
import { GUEST_ROLE, client, publicClient, rejectsWith } from './lib.mjs';

const control = process.env.SOCIAL_FAKES_URL;
const SECRET_APP = process.env.SOCIAL_SECRET_APP;
const skip = control ? false : 'needs the social fakes of tests/e2e/run.mjs';
const app = publicClient();
const admin = client();
const AUTH_ROLE = 'arn:aws:iam::000000000000:role/e2e-authenticated';
const AMAZON = 'www.amazon.com';
const FACEBOOK = 'graph.facebook.com';
const AMAZON_APP = 'amzn1.application.e2e0000000000000000000000000001';
const FACEBOOK_APP = '1111';

async function controlCall(path, body) {
  const response = await fetch(`${control}/${path}`, body && { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `control ${path}`);
  return response.json();
}

/** A token the fake vouches for: of `app`, for `user`, for `expiresIn` seconds. */
async function token(prefix, app, user, expiresIn = 3600) {
  const t = `${prefix}${randomUUID().replaceAll('-', '')}`;
  await controlCall('tokens', { token: t, app, user, expiresIn });
  return t;
}
const amazonToken = (user, options = {}) => token('Atza|IwE', options.app ?? AMAZON_APP, user, options.expiresIn);
const facebookToken = (user, options = {}) => token('EAAB', options.app ?? FACEBOOK_APP, user, options.expiresIn);
const calls = async () => (await controlCall('calls')).calls;
const user = (kind) => `${kind}.${randomUUID()}`;

async function socialPool(providers) {
  const { IdentityPoolId } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'e2e social', AllowUnauthenticatedIdentities: true, SupportedLoginProviders: providers,
  }));
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { unauthenticated: GUEST_ROLE, authenticated: AUTH_ROLE } }));
  return IdentityPoolId;
}

const getId = async (pool, Logins) => (await app.send(new GetIdCommand({ IdentityPoolId: pool, Logins }))).IdentityId;

async function signIn(pool, Logins) {
  const id = await getId(pool, Logins);
  const { IdentityId, Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: id, Logins }));
  assert.equal(IdentityId, id);
  assert.match(Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  const { Token } = await app.send(new GetOpenIdTokenCommand({ IdentityId: id, Logins }));
  return { id, amr: decodeJwt(Token).amr };
}

test('Login with Amazon: an access token of the configured app signs its user in, once per user', { skip }, async () => {
  const pool = await socialPool({ [AMAZON]: AMAZON_APP });
  const person = user('amzn1.account');
  const { id, amr } = await signIn(pool, { [AMAZON]: await amazonToken(person) });
  assert.deepEqual(amr.slice(0, 2), ['authenticated', AMAZON]);
  assert.ok(amr[2].startsWith(`${AMAZON}:`) && !amr[2].includes(person), 'the amr names the provider, not the user');
  assert.equal(await getId(pool, { [AMAZON]: await amazonToken(person) }), id, 'a new token of the same user: same identity');
  assert.notEqual(await getId(pool, { [AMAZON]: await amazonToken(user('amzn1.account')) }), id, 'another user: another identity');
});

for (const [how, facebookApp] of [['/app and /me', FACEBOOK_APP], ['debug_token with the app secret', SECRET_APP]]) {
  test(`Facebook (${how}): an access token of the configured app signs its user in, once per user`, { skip }, async () => {
    const pool = await socialPool({ [FACEBOOK]: facebookApp });
    const person = String(Math.floor(Math.random() * 1e15));
    const { id, amr } = await signIn(pool, { [FACEBOOK]: await facebookToken(person, { app: facebookApp }) });
    assert.deepEqual(amr.slice(0, 2), ['authenticated', FACEBOOK]);
    assert.equal(await getId(pool, { [FACEBOOK]: await facebookToken(person, { app: facebookApp }) }), id);
    const other = await facebookToken(person, { app: '9999' });
    await rejectsWith(getId(pool, { [FACEBOOK]: other }), 'NotAuthorizedException', { message: /^Invalid login token\./ });
    const expired = await facebookToken(person, { app: facebookApp, expiresIn: -60 });
    await rejectsWith(getId(pool, { [FACEBOOK]: expired }), 'NotAuthorizedException', { message: /^Invalid login token\./ });
  });
}

test("another app's token, an expired one and an unknown one are refused", { skip }, async () => {
  const pool = await socialPool({ [AMAZON]: AMAZON_APP, [FACEBOOK]: FACEBOOK_APP });
  const refused = [
    { [AMAZON]: await amazonToken(user('amzn1.account'), { app: 'amzn1.application.someone-else' }) },
    { [AMAZON]: await amazonToken(user('amzn1.account'), { expiresIn: -10 }) },
    { [AMAZON]: 'Atza|never-issued' },
    { [FACEBOOK]: await facebookToken('12345', { app: '2222' }) },
    { [FACEBOOK]: 'EAABnever-issued' },
  ];
  for (const Logins of refused) {
    await rejectsWith(getId(pool, Logins), 'NotAuthorizedException', { message: /^Invalid login token\./ });
  }
  const unconfigured = await socialPool({ [AMAZON]: AMAZON_APP });
  await rejectsWith(getId(unconfigured, { [FACEBOOK]: await facebookToken('12345') }), 'NotAuthorizedException',
    { message: 'Token is not from a supported provider of this identity pool.' });
});

// The JSON API's fast entry polls a call once before it hands it to a task;
// the timeout of the token check, set in that first poll, must still wake it.
test('a provider that never answers is given up on after the token check timeout, not waited for', { skip, timeout: 60_000 }, async () => {
  const pool = await socialPool({ [AMAZON]: AMAZON_APP, [FACEBOOK]: FACEBOOK_APP });
  const fresh = { [AMAZON]: await amazonToken(user('amzn1.account')), [FACEBOOK]: await facebookToken('778') };
  try {
    await controlCall('mode', { mode: 'silent' });
    for (const [name, t] of Object.entries(fresh)) {
      const started = Date.now();
      await rejectsWith(getId(pool, { [name]: t }), 'ExternalServiceException');
      const took = Date.now() - started;
      assert.ok(took >= 4_000 && took < 15_000, `${name}: answered after ${took} ms`);
    }
  } finally {
    await controlCall('mode', { mode: 'up' });
  }
});

test('a provider that is down or answers garbage is ExternalServiceException; a vouched token needs no second call', { skip }, async () => {
  const pool = await socialPool({ [AMAZON]: AMAZON_APP, [FACEBOOK]: FACEBOOK_APP });
  const person = user('amzn1.account');
  const known = await amazonToken(person);
  const id = await getId(pool, { [AMAZON]: known });
  const fresh = { [AMAZON]: await amazonToken(person), [FACEBOOK]: await facebookToken('777') };
  try {
    for (const mode of ['down', 'garbage']) {
      await controlCall('mode', { mode });
      const before = await calls();
      // The token Amazon vouched for is kept: no call, same identity.
      assert.equal(await getId(pool, { [AMAZON]: known }), id);
      assert.equal(await calls(), before, 'a vouched token is not checked again');
      for (const [name, t] of Object.entries(fresh)) {
        await rejectsWith(getId(pool, { [name]: t }), 'ExternalServiceException');
      }
      assert.ok(await calls() > before);
    }
  } finally {
    await controlCall('mode', { mode: 'up' });
  }
  assert.equal(await getId(pool, { [AMAZON]: fresh[AMAZON] }), id, 'back up: the same user');
});
