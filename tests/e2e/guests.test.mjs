// Guests end to end: identities, credentials and cognate's OpenID tokens
// through the unmodified AWS SDK and `fromCognitoIdentityPool`, tokens
// verified by `jose` through discovery, and what vended credentials may not do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateIdentityPoolCommand,
  DeleteIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  ListIdentitiesCommand,
  UpdateIdentityPoolCommand,
} from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { signedCall } from '../../scripts/lib/admin.mjs';
import { GUEST_ROLE, client, endpoint, guestPool, publicClient, rejectsWith } from './lib.mjs';

const app = publicClient();
const admin = client();

test('a guest gets an identity, credentials and a token that jose verifies through discovery', async () => {
  const pool = await guestPool();
  const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: pool }));
  assert.match(IdentityId, /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const again = await app.send(new GetIdCommand({ IdentityPoolId: pool }));
  assert.notEqual(again.IdentityId, IdentityId, 'each GetId without Logins is a new guest');

  const { Credentials, IdentityId: same } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  assert.equal(same, IdentityId);
  assert.match(Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.ok(Credentials.SecretKey.length >= 40);
  assert.ok(Credentials.SessionToken.length > 100);
  const lifetime = (Credentials.Expiration - Date.now()) / 1000;
  assert.ok(lifetime > 3500 && lifetime <= 3600, `lifetime ${lifetime}`);

  const { Token } = await app.send(new GetOpenIdTokenCommand({ IdentityId }));
  const discovery = await (await fetch(`${endpoint}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.issuer, endpoint);
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(Token, jwks, { issuer: discovery.issuer, audience: pool, algorithms: ['ES256'] });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.ok(protectedHeader.kid);
  assert.equal(payload.sub, IdentityId);
  assert.deepEqual(payload.amr, ['unauthenticated']);
  assert.equal(payload.exp - payload.iat, 600);

  const tampered = Token.slice(0, -4) + (Token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  await assert.rejects(jwtVerify(tampered, jwks, { issuer: discovery.issuer, audience: pool }));
  assert.equal(decodeProtectedHeader(Token).kid, protectedHeader.kid);
});

test('fromCognitoIdentityPool gets guest credentials and caches its identity', async () => {
  const pool = await guestPool();
  const provider = fromCognitoIdentityPool({ identityPoolId: pool, clientConfig: { endpoint, region: 'us-east-1' } });
  const first = await provider();
  assert.match(first.accessKeyId, /^ASIA/);
  assert.ok(first.sessionToken && first.secretAccessKey);
  assert.ok(first.expiration instanceof Date && first.expiration > new Date());
  assert.ok(first.identityId?.startsWith('us-east-1:'));
  const second = await provider();
  assert.equal(second.identityId, first.identityId, 'the provider keeps its identity');
  const listed = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 10 }));
  assert.equal(listed.Identities.length, 1);
});

test("Cognito's errors for guests", async () => {
  const missing = 'us-east-1:00000000-0000-4000-8000-000000000000';
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: missing })), 'ResourceNotFoundException',
    { message: `IdentityPool '${missing}' not found.` });
  const closed = await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'closed', AllowUnauthenticatedIdentities: false }));
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: closed.IdentityPoolId })), 'NotAuthorizedException',
    { message: 'Unauthenticated access is not supported for this identity pool.' });
  const noSuchIdentity = 'us-east-1:00000000-0000-8000-8000-000000000000';
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: noSuchIdentity })), 'ResourceNotFoundException',
    { message: `Identity '${noSuchIdentity}' not found.` });
  await rejectsWith(app.send(new GetOpenIdTokenCommand({ IdentityId: 'bad' })), 'ValidationException');

  const noRoles = await guestPool({ roles: false });
  const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: noRoles }));
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId })), 'InvalidIdentityPoolConfigurationException',
    { message: /^Invalid identity pool configuration\. Check assigned IAM roles for this pool\. .*unauthenticated role/ });
  await app.send(new GetOpenIdTokenCommand({ IdentityId }));

  await admin.send(new UpdateIdentityPoolCommand({ IdentityPoolId: noRoles, IdentityPoolName: 'now closed', AllowUnauthenticatedIdentities: false }));
  await rejectsWith(app.send(new GetOpenIdTokenCommand({ IdentityId })), 'NotAuthorizedException',
    { message: 'Unauthenticated access is not supported for this identity pool.' });

  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: noRoles, Logins: { 'accounts.google.com': 'x'.repeat(50_001) } })),
    'ValidationException');
  const tooMany = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`p${i}.example.com`, 'token']));
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: noRoles, Logins: tooMany })), 'ValidationException');
});

test('a guest cannot use its credentials to call admin operations', async () => {
  const pool = await guestPool();
  const provider = fromCognitoIdentityPool({ identityPoolId: pool, clientConfig: { endpoint, region: 'us-east-1' } });
  const guest = client(provider);
  await rejectsWith(guest.send(new DeleteIdentityPoolCommand({ IdentityPoolId: pool })), 'NotAuthorizedException');
  const still = await admin.send(new DescribeIdentityPoolCommand({ IdentityPoolId: pool }));
  assert.equal(still.IdentityPoolId, pool);
});

test('the access key id and session token seen in a request are not enough to sign', async () => {
  const pool = await guestPool();
  const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: pool }));
  const { Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  const seen = { accessKeyId: Credentials.AccessKeyId, sessionToken: Credentials.SessionToken };
  for (const guess of ['', Credentials.SessionToken, Credentials.AccessKeyId, `${Credentials.SecretKey}x`]) {
    const r = await signedCall(endpoint, { ...seen, secretAccessKey: guess }, 'DescribeIdentityPool', { IdentityPoolId: pool });
    assert.equal(r.body.__type, 'InvalidSignatureException');
  }
  const genuine = await signedCall(endpoint, { ...seen, secretAccessKey: Credentials.SecretKey }, 'DescribeIdentityPool', { IdentityPoolId: pool });
  assert.equal(genuine.body.__type, 'NotAuthorizedException', 'a genuine guest signature is known, and still no admin');
});

test('twenty concurrent guests get twenty identities', async () => {
  const pool = await guestPool();
  const ids = await Promise.all(Array.from({ length: 20 }, () => app.send(new GetIdCommand({ IdentityPoolId: pool }))));
  assert.equal(new Set(ids.map((r) => r.IdentityId)).size, 20);
  const listed = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 60 }));
  assert.equal(listed.Identities.length, 20);
});

test('the guest role is the one credentials carry', async () => {
  // The role is sealed in the session token; the pool's guest role must be set.
  const pool = await guestPool();
  const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: pool }));
  const { Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  assert.ok(!Buffer.from(Credentials.SessionToken, 'base64url').toString('latin1').includes(GUEST_ROLE), 'sealed, not readable');
});
