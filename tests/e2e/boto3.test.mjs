// boto3, the unmodified Python SDK, against cognate: every one of Cognito
// Identity's 23 operations (tests/e2e/boto3_all_operations.py) with the admin
// key pair and, for the public ones, unsigned; sign-in with ID tokens of a
// real OpenID provider (idp.mjs) that this file starts and mints for.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { COGNATE_ACCOUNT, endpoint, region, vars } from './lib.mjs';
import { startIdp } from './idp.mjs';
import { root } from './worker.mjs';

const OPERATIONS = [
  'CreateIdentityPool', 'DeleteIdentities', 'DeleteIdentityPool', 'DescribeIdentity', 'DescribeIdentityPool',
  'GetCredentialsForIdentity', 'GetId', 'GetIdentityPoolRoles', 'GetOpenIdToken', 'GetOpenIdTokenForDeveloperIdentity',
  'GetPrincipalTagAttributeMap', 'ListIdentities', 'ListIdentityPools', 'ListTagsForResource', 'LookupDeveloperIdentity',
  'MergeDeveloperIdentities', 'SetIdentityPoolRoles', 'SetPrincipalTagAttributeMap', 'TagResource',
  'UnlinkDeveloperIdentity', 'UnlinkIdentity', 'UntagResource', 'UpdateIdentityPool',
];

let idp;
after(async () => {
  await idp?.close();
});

/** Runs the script with the boto3 venv's python, `input` on stdin; resolves to {code, stdout, stderr}. */
function python(script, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(`${root}/target/boto3/bin/python`, [script], {
      // No profile, region or keys from the machine: the script names all it uses.
      env: { PATH: process.env.PATH, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(JSON.stringify(input));
  });
}

test('boto3 calls all 23 operations and gets Cognito answers', async () => {
  idp = await startIdp();
  const person = (name) => `${name}-${randomBytes(4).toString('hex')}`;
  const input = {
    endpoint,
    region,
    accessKeyId: vars.ADMIN_ACCESS_KEY_ID,
    secretAccessKey: vars.ADMIN_SECRET_ACCESS_KEY,
    account: COGNATE_ACCOUNT,
    provider: idp.providerName,
    clientId: 'cognate-e2e',
    tokens: {
      alice: await idp.idToken({ sub: person('alice'), team: 'blue' }),
      bob: await idp.idToken({ sub: person('bob') }),
    },
  };
  const { code, stdout, stderr } = await python(`${root}/tests/e2e/boto3_all_operations.py`, input);
  assert.equal(code, 0, `the script failed:\n${stderr}\n${stdout}`);
  const summary = JSON.parse(stdout);
  assert.equal(summary.ok, true);
  assert.equal(summary.boto3, '1.44.5');
  assert.deepEqual(summary.operations, OPERATIONS, 'every operation answered 200 to boto3');
  const codes = new Set(summary.errors.map((e) => e.code));
  for (const name of ['ResourceNotFoundException', 'DeveloperUserAlreadyRegisteredException', 'NotAuthorizedException',
    'InvalidParameterException', 'ValidationException', 'InvalidSignatureException', 'MissingAuthenticationTokenException']) {
    assert.ok(codes.has(name), `the script saw ${name}`);
  }
});
