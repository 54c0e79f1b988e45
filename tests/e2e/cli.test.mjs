// The unmodified AWS CLI against cognate: admin commands signed with the
// admin key pair, the public ones with --no-sign-request, errors as the CLI
// reports them; developer identities and pool tags as a backend script
// would drive them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { COGNATE_ACCOUNT, endpoint, region, vars } from './lib.mjs';
import { root } from './worker.mjs';

const run = promisify(execFile);
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: vars.ADMIN_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: vars.ADMIN_SECRET_ACCESS_KEY,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

async function aws(...args) {
  const { stdout } = await run(`${root}/target/awscli/bin/aws`, ['--endpoint-url', endpoint, '--output', 'json', 'cognito-identity', ...args], { env });
  return stdout.trim() ? JSON.parse(stdout) : {};
}

/** Asserts that the command `args` fails with the Cognito error `name` as the CLI prints it. */
async function failsWith(args, name, message = /./) {
  await assert.rejects(aws(...args), (err) => {
    assert.match(err.stderr, new RegExp(`An error occurred \\(${name}\\) when calling the \\w+ operation: `));
    assert.match(err.stderr, message);
    return true;
  });
}

test('the AWS CLI manages a pool and a guest gets credentials', async () => {
  const pool = await aws('create-identity-pool', '--identity-pool-name', 'cli pool', '--allow-unauthenticated-identities');
  assert.match(pool.IdentityPoolId, /^us-east-1:/);
  await aws('set-identity-pool-roles', '--identity-pool-id', pool.IdentityPoolId,
    '--roles', 'unauthenticated=arn:aws:iam::000000000000:role/cli-guest');
  const { IdentityId } = await aws('get-id', '--identity-pool-id', pool.IdentityPoolId, '--no-sign-request');
  const creds = await aws('get-credentials-for-identity', '--identity-id', IdentityId, '--no-sign-request');
  assert.match(creds.Credentials.AccessKeyId, /^ASIA/);
  assert.ok(creds.Credentials.Expiration, 'the CLI parses the epoch-seconds expiration');
  const { Token } = await aws('get-open-id-token', '--identity-id', IdentityId, '--no-sign-request');
  assert.equal(Token.split('.').length, 3);
  const listed = await aws('list-identities', '--identity-pool-id', pool.IdentityPoolId, '--max-results', '10');
  assert.deepEqual(listed.Identities.map((i) => i.IdentityId), [IdentityId]);
  await aws('delete-identity-pool', '--identity-pool-id', pool.IdentityPoolId);
  await assert.rejects(aws('describe-identity-pool', '--identity-pool-id', pool.IdentityPoolId), (err) => {
    assert.match(err.stderr, /\(ResourceNotFoundException\).*IdentityPool '.*' not found\./);
    return true;
  });
});

test('the AWS CLI drives developer identities: mint, sign in, look up, merge, unlink', async () => {
  const DEV = 'login.cli-app';
  const pool = await aws('create-identity-pool', '--identity-pool-name', 'cli developer', '--allow-unauthenticated-identities',
    '--developer-provider-name', DEV);
  const poolId = pool.IdentityPoolId;
  assert.equal(pool.DeveloperProviderName, DEV);
  await aws('set-identity-pool-roles', '--identity-pool-id', poolId, '--roles',
    'unauthenticated=arn:aws:iam::000000000000:role/cli-guest,authenticated=arn:aws:iam::000000000000:role/cli-user');
  const [alice, bob] = ['alice', 'bob'].map((n) => `${n}-${randomBytes(4).toString('hex')}@example.com`);
  const mint = (user, ...more) => aws('get-open-id-token-for-developer-identity', '--identity-pool-id', poolId,
    '--logins', JSON.stringify({ [DEV]: user }), ...more);

  const minted = await mint(alice, '--token-duration', '3600');
  const claims = JSON.parse(Buffer.from(minted.Token.split('.')[1], 'base64url'));
  assert.deepEqual([claims.sub, claims.aud, claims.exp - claims.iat], [minted.IdentityId, poolId, 3600]);
  const creds = await aws('get-credentials-for-identity', '--identity-id', minted.IdentityId, '--no-sign-request',
    '--logins', JSON.stringify({ 'cognito-identity.amazonaws.com': minted.Token }));
  assert.equal(creds.IdentityId, minted.IdentityId);
  assert.match(creds.Credentials.AccessKeyId, /^ASIA/);
  const bobId = (await mint(bob)).IdentityId;
  assert.notEqual(bobId, minted.IdentityId);

  const lookup = (...args) => aws('lookup-developer-identity', '--identity-pool-id', poolId, ...args);
  const found = await lookup('--developer-user-identifier', alice);
  assert.deepEqual([found.IdentityId, found.DeveloperUserIdentifierList], [minted.IdentityId, [alice]]);
  await failsWith(['lookup-developer-identity', '--identity-pool-id', poolId, '--developer-user-identifier', 'nobody@example.com'],
    'ResourceNotFoundException');
  const { IdentityId: guest } = await aws('get-id', '--identity-pool-id', poolId, '--no-sign-request');
  await failsWith(['get-open-id-token-for-developer-identity', '--identity-pool-id', poolId, '--logins', JSON.stringify({ [DEV]: bob }),
    '--identity-id', guest], 'DeveloperUserAlreadyRegisteredException');

  const merged = await aws('merge-developer-identities', '--identity-pool-id', poolId, '--developer-provider-name', DEV,
    '--source-user-identifier', bob, '--destination-user-identifier', alice);
  assert.equal(merged.IdentityId, minted.IdentityId, 'the merge returns the destination identity');
  assert.equal((await lookup('--developer-user-identifier', bob)).IdentityId, minted.IdentityId);
  assert.deepEqual((await lookup('--identity-id', minted.IdentityId, '--max-results', '10')).DeveloperUserIdentifierList.sort(),
    [alice, bob].sort());
  await failsWith(['get-credentials-for-identity', '--identity-id', bobId, '--no-sign-request'], 'NotAuthorizedException',
    new RegExp(`Identity '${bobId}' is disabled\\.`));

  assert.deepEqual(await aws('unlink-developer-identity', '--identity-pool-id', poolId, '--identity-id', minted.IdentityId,
    '--developer-provider-name', DEV, '--developer-user-identifier', alice), {});
  assert.deepEqual((await lookup('--identity-id', minted.IdentityId)).DeveloperUserIdentifierList, [bob]);
  await failsWith(['lookup-developer-identity', '--identity-pool-id', poolId, '--developer-user-identifier', alice],
    'ResourceNotFoundException');
  await aws('delete-identity-pool', '--identity-pool-id', poolId);
});

test('the AWS CLI tags a pool by ARN: tag, list, untag', async () => {
  const { IdentityPoolId } = await aws('create-identity-pool', '--identity-pool-name', 'cli tags', '--no-allow-unauthenticated-identities',
    '--identity-pool-tags', 'team=cli');
  const arn = `arn:aws:cognito-identity:${region}:${COGNATE_ACCOUNT}:identitypool/${IdentityPoolId}`;
  const tags = async () => (await aws('list-tags-for-resource', '--resource-arn', arn)).Tags;
  assert.deepEqual(await tags(), { team: 'cli' });
  assert.deepEqual(await aws('tag-resource', '--resource-arn', arn, '--tags', 'env=dev,team=data'), {});
  assert.deepEqual(await tags(), { team: 'data', env: 'dev' }, 'tag-resource merges, overwriting a key');
  assert.deepEqual(await aws('untag-resource', '--resource-arn', arn, '--tag-keys', 'team', 'never-there'), {});
  assert.deepEqual(await tags(), { env: 'dev' });
  assert.deepEqual((await aws('describe-identity-pool', '--identity-pool-id', IdentityPoolId)).IdentityPoolTags, { env: 'dev' });
  await failsWith(['tag-resource', '--resource-arn', arn, '--tags', 'aws:owner=x'], 'InvalidParameterException');
  await aws('delete-identity-pool', '--identity-pool-id', IdentityPoolId);
  await failsWith(['list-tags-for-resource', '--resource-arn', arn], 'ResourceNotFoundException');
});
