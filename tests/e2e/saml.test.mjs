// SAML 2.0 sign-in end to end: an IdP in the test run (./saml_idp.py, which
// signs real responses with signxml from target/saml, installed by
// scripts/setup.sh) and the unmodified AWS SDK. The SAML provider is made
// with cognate's IAM-shaped admin operations (signed calls), a pool lists
// its ARN, and GetId + GetCredentialsForIdentity take the base64
// SAMLResponse under that ARN: the same person twice is one identity, the
// Role attribute's role is taken and CustomRoleArn chooses among two (checked
// through /whoami), a tampered or wrapped (XSW) response is refused, and
// Get/List/Update/Delete behave as IAM's do. The Worker's ISSUER (its own
// endpoint) is the audience and the recipient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { Sha256, signedCall } from '../../scripts/lib/admin.mjs';
import { adminCall, adminCredentials, client, cognateRole, endpoint, publicClient, rejectsWith } from './lib.mjs';
import { root } from './worker.mjs';

const PYTHON = join(root, 'target/saml/bin/python');
const IDP_SCRIPT = join(root, 'tests/e2e/saml_idp.py');
const ENTITY = `https://idp.e2e.example/${randomUUID().slice(0, 8)}`;
const folder = mkdtempSync(join(tmpdir(), 'cognate-saml-'));
const app = publicClient();
const admin = client();

function idp(...args) {
  return execFileSync(PYTHON, [IDP_SCRIPT, ...args], { encoding: 'utf8' }).trim();
}
idp('keygen', folder, ENTITY);
const METADATA = readFileSync(join(folder, 'metadata.xml'), 'utf8');
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

/** A signed SAMLResponse for `nameId` with `attributes` ([[name, value], ...]). */
function response(nameId, attributes = [], { tamper, audience = endpoint, recipient = endpoint } = {}) {
  const args = ['sign', '--dir', folder, '--issuer', ENTITY, '--audience', audience, '--recipient', recipient, '--name-id', nameId];
  for (const [name, value] of attributes) args.push('--attr', `${name}=${value}`);
  if (tamper) args.push('--tamper', tamper);
  return idp(...args);
}

const ROLE_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/Role';

/** Who cognate says these credentials are (`/whoami`, signed for service `cognate`). */
async function whoami({ AccessKeyId, SecretKey, SessionToken }) {
  const url = new URL('/whoami', endpoint);
  const credentials = { accessKeyId: AccessKeyId, secretAccessKey: SecretKey, sessionToken: SessionToken };
  const signer = new SignatureV4({ service: 'cognate', region: 'us-east-1', credentials, sha256: Sha256 });
  const request = await signer.sign({
    method: 'GET', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/whoami',
    headers: { host: url.host },
  });
  const r = await fetch(url, { headers: request.headers });
  assert.equal(r.status, 200, 'whoami');
  return r.json();
}

async function createProvider() {
  const Name = `e2e-${randomUUID().slice(0, 8)}`;
  const { SAMLProviderArn } = await adminCall('CreateSAMLProvider', { Name, SAMLMetadataDocument: METADATA });
  assert.equal(SAMLProviderArn, `arn:aws:iam::000000000000:saml-provider/${Name}`);
  return SAMLProviderArn;
}

async function samlPool(arns, authRole) {
  const { IdentityPoolId } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'e2e saml', AllowUnauthenticatedIdentities: false, SamlProviderARNs: arns,
  }));
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: authRole } }));
  return IdentityPoolId;
}

const getId = async (pool, Logins) => (await app.send(new GetIdCommand({ IdentityPoolId: pool, Logins }))).IdentityId;

async function signIn(pool, Logins, CustomRoleArn) {
  const id = await getId(pool, Logins);
  const { IdentityId, Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: id, Logins, CustomRoleArn }));
  assert.equal(IdentityId, id);
  return { id, who: await whoami(Credentials) };
}

test('a SAML response signs its person in through the SDK, with the role the assertion grants', async () => {
  const arn = await createProvider();
  const auth = cognateRole('saml-auth');
  const [roleA, roleB] = [cognateRole('saml-a'), cognateRole('saml-b')];
  const pool = await samlPool([arn], auth);
  const person = `user-${randomUUID()}`;

  // One role granted: it is taken; GetId then GetCredentialsForIdentity with one response.
  const one = response(person, [[ROLE_ATTRIBUTE, `${roleA},${arn}`], ['dept', 'eng']]);
  const first = await signIn(pool, { [arn]: one });
  assert.equal(first.who.RoleArn, roleA);
  assert.equal(first.who.IdentityPoolId, pool);
  // The same person in a new response: the same identity; no role granted: the authenticated role.
  const again = await signIn(pool, { [arn]: response(person) });
  assert.equal(again.id, first.id);
  assert.equal(again.who.RoleArn, auth);
  assert.notEqual(await getId(pool, { [arn]: response(`user-${randomUUID()}`) }), first.id, 'another person');

  // Two roles granted (either order in the pair): CustomRoleArn chooses; without it, refused.
  const two = response(person, [[ROLE_ATTRIBUTE, `${roleA},${arn}`], [ROLE_ATTRIBUTE, `${arn},${roleB}`]]);
  assert.equal((await signIn(pool, { [arn]: two }, roleB)).who.RoleArn, roleB);
  assert.equal((await signIn(pool, { [arn]: two }, roleA)).who.RoleArn, roleA);
  const id = await getId(pool, { [arn]: two });
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: id, Logins: { [arn]: two } })),
    'InvalidParameterException');
  await rejectsWith(app.send(new GetCredentialsForIdentityCommand({ IdentityId: id, Logins: { [arn]: two }, CustomRoleArn: auth })),
    'NotAuthorizedException');
});

test('tampered, wrapped, misaddressed or unlisted responses are refused', async () => {
  const arn = await createProvider();
  const pool = await samlPool([arn], cognateRole('saml-auth'));
  const refused = [
    response('victim', [], { tamper: 'nameid' }),
    response('victim', [], { tamper: 'xsw' }),
    response('victim', [], { audience: 'https://someone-else.example' }),
    response('victim', [], { recipient: 'https://someone-else.example/acs' }),
    Buffer.from('<samlp:Response/>').toString('base64'),
  ];
  for (const token of refused) {
    await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: { [arn]: token } })), 'NotAuthorizedException',
      { message: /^Invalid login token\. / });
  }
  // AWS's own audience and recipient are accepted too (IdPs set up for AWS send them).
  const aws = response('aws-shaped', [], { audience: 'urn:amazon:webservices', recipient: 'https://signin.aws.amazon.com/saml' });
  assert.ok(await getId(pool, { [arn]: aws }));
  // A pool that does not list the provider does not take its responses.
  const other = await samlPool([`${arn}-other`], cognateRole('saml-auth'));
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: other, Logins: { [arn]: response('someone') } })),
    'NotAuthorizedException', { message: 'Token is not from a supported provider of this identity pool.' });
});

test('SAML providers are read, listed, updated and deleted as IAM does it', async () => {
  const arn = await createProvider();
  const name = arn.split('/').pop();
  const dup = await signedCall(endpoint, adminCredentials, 'CreateSAMLProvider', { Name: name, SAMLMetadataDocument: METADATA });
  assert.equal(dup.body.__type, 'ResourceConflictException');
  const bad = await signedCall(endpoint, adminCredentials, 'CreateSAMLProvider', { Name: `${name}x`, SAMLMetadataDocument: `<x>${' '.repeat(1000)}</x>` });
  assert.deepEqual([bad.body.__type, bad.body.message], ['InvalidParameterException', 'Could not parse metadata.']);

  const got = await adminCall('GetSAMLProvider', { SAMLProviderArn: arn });
  assert.equal(got.SAMLMetadataDocument, METADATA);
  assert.ok(Math.abs(got.CreateDate - Date.now() / 1000) < 600, 'CreateDate in epoch seconds');
  assert.equal(got.ValidUntil, undefined);
  const listed = (await adminCall('ListSAMLProviders', {})).SAMLProviderList.find((p) => p.Arn === arn);
  assert.equal(listed.CreateDate, got.CreateDate);

  const until = METADATA.replace('entityID=', 'validUntil="2099-01-01T00:00:00Z" entityID=');
  assert.deepEqual(await adminCall('UpdateSAMLProvider', { SAMLProviderArn: arn, SAMLMetadataDocument: until }), { SAMLProviderArn: arn });
  const updated = await adminCall('GetSAMLProvider', { SAMLProviderArn: arn });
  assert.deepEqual([updated.ValidUntil, updated.CreateDate], [4070908800, got.CreateDate]);

  // Signed in before the deletion; refused after it (the ARN names nothing).
  const pool = await samlPool([arn], cognateRole('saml-auth'));
  assert.ok(await getId(pool, { [arn]: response('before') }));
  assert.deepEqual(await adminCall('DeleteSAMLProvider', { SAMLProviderArn: arn }), {});
  for (const op of ['GetSAMLProvider', 'DeleteSAMLProvider']) {
    const r = await signedCall(endpoint, adminCredentials, op, { SAMLProviderArn: arn });
    assert.equal(r.body.__type, 'NoSuchEntityException', op);
  }
  assert.equal((await adminCall('ListSAMLProviders', {})).SAMLProviderList.find((p) => p.Arn === arn), undefined);
  await rejectsWith(app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: { [arn]: response('after') } })),
    'NotAuthorizedException', { message: 'Token is not from a supported provider of this identity pool.' });
});
