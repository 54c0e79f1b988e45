// `npx cognate-admin` (the workspace bin that `npm ci` links) against the
// Worker: cognate's own operations and a plain Cognito one, file:// and JSON
// values, the admin key pair from the environment or from ./.dev.vars, and
// errors as JSON on stderr with exit code 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatVars } from '../../scripts/dev-vars.mjs';
import { endpoint, vars } from './lib.mjs';
import { root } from './worker.mjs';

const exec = promisify(execFile);
const bin = `${root}/node_modules/.bin/cognate-admin`;
const dir = mkdtempSync(join(tmpdir(), 'cognate-admin-'));
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
const withKeys = { ...baseEnv, ADMIN_ACCESS_KEY_ID: vars.ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY: vars.ADMIN_SECRET_ACCESS_KEY, COGNATE_ENDPOINT: endpoint };

/** Runs the command; resolves to {code, out, err} (out parsed as JSON when there is any). */
async function admin(args, { env = withKeys, cwd = dir } = {}) {
  try {
    const { stdout, stderr } = await exec(bin, args, { env, cwd });
    let out = null;
    try { out = JSON.parse(stdout); } catch { out = stdout; /* the usage text */ }
    return { code: 0, out, err: stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    let err = e.stderr;
    try { err = JSON.parse(e.stderr); } catch { /* a usage text */ }
    return { code: e.code, out: e.stdout, err };
  }
}

test('cognate-admin imports and describes a pool with the key pair from the environment', async () => {
  const id = `us-east-1:${randomUUID()}`;
  const made = await admin(['ImportIdentityPool', '--identity-pool-id', id, '--identity-pool-name', 'cli admin',
    '--allow-unauthenticated-identities', '--supported-login-providers', '{"login.example.com":"client-1"}']);
  assert.equal(made.code, 0, JSON.stringify(made.err));
  assert.equal(made.out.IdentityPoolId, id);
  assert.deepEqual(made.out.SupportedLoginProviders, { 'login.example.com': 'client-1' });
  const described = await admin(['describe-identity-pool', '--identity-pool-id', id]);
  assert.equal(described.out.AllowUnauthenticatedIdentities, true);

  const again = await admin(['ImportIdentityPool', '--identity-pool-id', id, '--identity-pool-name', 'cli admin', '--allow-unauthenticated-identities']);
  assert.equal(again.code, 1);
  assert.equal(again.err.__type, 'ResourceConflictException');
  assert.equal(again.out, '', 'nothing on stdout on failure');
});

test('cognate-admin reads .dev.vars in the current directory when the environment has no key pair', async () => {
  const here = mkdtempSync(join(tmpdir(), 'cognate-admin-vars-'));
  writeFileSync(join(here, '.dev.vars'), `# generated\n${formatVars(vars)}`);
  const listed = await admin(['ListIdentityPools', '--max-results', '1', '--endpoint', endpoint], { env: baseEnv, cwd: here });
  assert.equal(listed.code, 0, JSON.stringify(listed.err));
  assert.ok(Array.isArray(listed.out.IdentityPools));

  const none = await admin(['ListIdentityPools', '--max-results', '1', '--endpoint', endpoint], { env: baseEnv, cwd: dir });
  assert.equal(none.code, 1);
  assert.equal(none.err.__type, 'MissingCredentials');
});

test('cognate-admin manages role policies, with the document read from a file', async () => {
  const role = `arn:aws:iam::000000000000:role/cli-${randomUUID().slice(0, 8)}`;
  const document = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::user-data/public/*' }],
  }, null, 2);
  writeFileSync(join(dir, 'policy.json'), document);
  const put = await admin(['PutRolePolicy', '--role-arn', role, '--policy-name', 'read-public', '--policy-document', 'file://policy.json']);
  assert.equal(put.code, 0, JSON.stringify(put.err));
  assert.deepEqual(put.out, {});
  const got = await admin(['get-role-policy', '--role-arn', role, '--policy-name', 'read-public']);
  assert.deepEqual(got.out, { RoleArn: role, PolicyName: 'read-public', PolicyDocument: document });
  const listed = await admin(['ListRolePolicies', '--role-arn', role]);
  assert.deepEqual(listed.out.PolicyNames, ['read-public']);
  assert.equal((await admin(['DeleteRolePolicy', '--role-arn', role, '--policy-name', 'read-public'])).code, 0);

  const gone = await admin(['GetRolePolicy', '--role-arn', role, '--policy-name', 'read-public']);
  assert.equal(gone.code, 1);
  assert.equal(gone.err.__type, 'NoSuchEntityException');
  const bad = await admin(['PutRolePolicy', '--role-arn', role, '--policy-name', 'bad', '--policy-document', '{"Version":"2012-10-17"}']);
  assert.equal(bad.code, 1);
  assert.equal(bad.err.__type, 'MalformedPolicyDocumentException');
});

test('cognate-admin manages API routes', async () => {
  const name = `cli-${randomUUID().slice(0, 8)}`;
  const put = await admin(['PutApiRoute', '--name', name, '--upstream', 'http://127.0.0.1:9/']);
  assert.equal(put.code, 0, JSON.stringify(put.err));
  assert.equal(put.out.Name, name);
  assert.equal((await admin(['GetApiRoute', '--name', name])).out.Upstream, put.out.Upstream);
  const all = [];
  let token;
  do {
    const page = await admin(['ListApiRoutes', '--max-results', '50', ...(token ? ['--next-token', token] : [])]);
    assert.equal(page.code, 0, JSON.stringify(page.err));
    all.push(...page.out.ApiRoutes.map((r) => r.Name));
    token = page.out.NextToken;
  } while (token);
  assert.ok(all.includes(name));
  assert.equal((await admin(['DeleteApiRoute', '--name', name])).code, 0);
  const gone = await admin(['GetApiRoute', '--name', name]);
  assert.equal(gone.err.__type, 'NoSuchEntityException');
});

test('cognate-admin reports usage mistakes (exit 2), unknown operations and unreachable endpoints (exit 1)', async () => {
  const help = await admin(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: cognate-admin <Operation>/);
  const usageMistake = await admin(['ListRolePolicies', '--max-results', 'ten']);
  assert.equal(usageMistake.code, 2);
  assert.match(usageMistake.err, /--max-results takes an integer/);
  const unknown = await admin(['FlyToTheMoon']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.err.__type, 'UnknownOperationException');
  const down = await admin(['ListApiRoutes', '--endpoint', 'http://127.0.0.1:9']);
  assert.equal(down.code, 1);
  assert.equal(down.err.__type, 'NetworkError');
});
