// The unmodified AWS CLI against cognate: admin commands signed with the
// admin key pair, the public ones with --no-sign-request, errors as the CLI
// reports them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { endpoint, vars } from './lib.mjs';
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

test('the AWS CLI manages a pool and a guest gets credentials', async () => {
  const pool = await aws('create-identity-pool', '--identity-pool-name', 'cli pool', '--allow-unauthenticated-identities');
  assert.match(pool.IdentityPoolId, /^us-east-1:/);
  await aws('set-identity-pool-roles', '--identity-pool-id', pool.IdentityPoolId,
    '--roles', 'unauthenticated=arn:aws:iam::123456789012:role/cli-guest');
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
