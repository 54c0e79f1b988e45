// cognate's admin operations on roles' policies and the gateway's routes,
// end to end: round trips, paging, IAM's refusals of malformed documents
// and of documents over 10,240 non-whitespace characters (alone, or a role's
// together), NoSuchEntity, and vended credentials that never pass as admin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { signedCall } from '../../scripts/lib/admin.mjs';
import { adminCall, cognateRole, endpoint, guestOf, policy, policyPool } from './lib.mjs';

const READ_PUBLIC = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::user-data/public/*' };

/** Asserts that an admin call fails with the error `type` (status 400). */
async function refused(operation, input, type) {
  await assert.rejects(adminCall(operation, input), (err) => {
    assert.equal(err.name, type, err.message);
    assert.equal(err.status, 400);
    return true;
  });
}

/** The error answer ({__type, message}) of an admin call that must fail. */
async function errorOf(operation, input) {
  try {
    await adminCall(operation, input);
  } catch (err) {
    return err.body;
  }
  assert.fail(`${operation} succeeded`);
}

test('role policies: put, get (the document as given), list sorted and by page, replace, delete', async () => {
  const RoleArn = cognateRole('roundtrip');
  const spaced = `{\n  "Version": "2012-10-17",\n  "Statement": [ ${JSON.stringify(READ_PUBLIC)} ]\n}\n`;
  assert.deepEqual(await adminCall('PutRolePolicy', { RoleArn, PolicyName: 'zeta', PolicyDocument: spaced }), {});
  await adminCall('PutRolePolicy', { RoleArn, PolicyName: 'alpha', PolicyDocument: policy(READ_PUBLIC) });
  await adminCall('PutRolePolicy', { RoleArn, PolicyName: 'Mid.dle_1+=,@-', PolicyDocument: policy(READ_PUBLIC) });

  assert.deepEqual(await adminCall('GetRolePolicy', { RoleArn, PolicyName: 'zeta' }), { RoleArn, PolicyName: 'zeta', PolicyDocument: spaced });
  const all = await adminCall('ListRolePolicies', { RoleArn });
  assert.deepEqual(all.PolicyNames, ['Mid.dle_1+=,@-', 'alpha', 'zeta']);
  assert.equal(all.NextToken, undefined);

  const paged = [];
  let NextToken;
  let pages = 0;
  do {
    const page = await adminCall('ListRolePolicies', { RoleArn, MaxResults: 1, ...(NextToken ? { NextToken } : {}) });
    assert.ok(page.PolicyNames.length <= 1);
    paged.push(...page.PolicyNames);
    NextToken = page.NextToken;
    pages += 1;
  } while (NextToken && pages < 10);
  assert.deepEqual(paged, all.PolicyNames);

  const replaced = policy({ ...READ_PUBLIC, Effect: 'Deny' });
  await adminCall('PutRolePolicy', { RoleArn, PolicyName: 'alpha', PolicyDocument: replaced });
  assert.equal((await adminCall('GetRolePolicy', { RoleArn, PolicyName: 'alpha' })).PolicyDocument, replaced);

  assert.deepEqual(await adminCall('DeleteRolePolicy', { RoleArn, PolicyName: 'alpha' }), {});
  assert.deepEqual((await adminCall('ListRolePolicies', { RoleArn })).PolicyNames, ['Mid.dle_1+=,@-', 'zeta']);
  await refused('GetRolePolicy', { RoleArn, PolicyName: 'alpha' }, 'NoSuchEntityException');
  await refused('DeleteRolePolicy', { RoleArn, PolicyName: 'alpha' }, 'NoSuchEntityException');
  assert.deepEqual((await adminCall('ListRolePolicies', { RoleArn: cognateRole('none') })).PolicyNames, [], 'a role without policies lists none');
});

test('malformed policy documents are refused with a message naming what is wrong', async () => {
  const RoleArn = cognateRole('malformed');
  const rows = [
    ['not JSON', '{"Version": "2012-10-17", "Statement": [', /JSON|syntax|parse/i],
    ['a JSON array', '[]', /object|JSON|syntax/i],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' }), /Statement/],
    ['an unknown Version', JSON.stringify({ Version: '2020-01-01', Statement: [READ_PUBLIC] }), /Version|legacy parsing/i],
    ['an Effect that is neither Allow nor Deny', policy({ ...READ_PUBLIC, Effect: 'Maybe' }), /effect/i],
    ['no Effect', policy({ Action: 's3:GetObject', Resource: '*' }), /Effect/],
    ['no Action', policy({ Effect: 'Allow', Resource: '*' }), /action/i],
    ['Action and NotAction', policy({ ...READ_PUBLIC, NotAction: 's3:PutObject' }), /Action/],
    ['no Resource', policy({ Effect: 'Allow', Action: 's3:GetObject' }), /resource/i],
    ['a Principal (not in an identity policy)', policy({ ...READ_PUBLIC, Principal: '*' }), /principal/i],
    ['an action without a service prefix', policy({ ...READ_PUBLIC, Action: 'GetObject' }), /Action|GetObject/],
    ['an unknown condition operator', policy({ ...READ_PUBLIC, Condition: { Sometimes: { 's3:prefix': 'a' } } }), /Sometimes|Condition/],
  ];
  const wrong = [];
  for (const [what, PolicyDocument, mentions] of rows) {
    const err = await errorOf('PutRolePolicy', { RoleArn, PolicyName: 'bad', PolicyDocument });
    if (err.__type !== 'MalformedPolicyDocumentException' || !mentions.test(err.message)) wrong.push(`${what}: ${JSON.stringify(err)}`);
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual((await adminCall('ListRolePolicies', { RoleArn })).PolicyNames, [], 'nothing was stored');
});

test('a document over 10,240 characters without whitespace is refused; whitespace does not count', async () => {
  const RoleArn = cognateRole('size');
  const statement = (i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::user-data/public/${'x'.repeat(40)}${i}/*` });
  // Grow a compact document statement by statement until it passes 10,240 characters.
  const statements = [];
  while (policy(...statements).length <= 10_240) statements.push(statement(statements.length));
  const over = policy(...statements);
  assert.ok(over.length > 10_240 && !/\s/.test(over));
  const err = await errorOf('PutRolePolicy', { RoleArn, PolicyName: 'big', PolicyDocument: over });
  assert.equal(err.__type, 'MalformedPolicyDocumentException', JSON.stringify(err));

  const under = policy(...statements.slice(0, -1));
  assert.ok(under.length <= 10_240);
  // The same document spread out with whitespace (pretty-printed: well over 10,240 characters in all).
  const pretty = JSON.stringify(JSON.parse(under), null, 8);
  assert.ok(pretty.length > 10_240, `pretty ${pretty.length}`);
  assert.deepEqual(await adminCall('PutRolePolicy', { RoleArn, PolicyName: 'pretty', PolicyDocument: pretty }), {});
  assert.equal((await adminCall('GetRolePolicy', { RoleArn, PolicyName: 'pretty' })).PolicyDocument, pretty);
});

test("a role's documents together over 10,240 characters without whitespace are refused with LimitExceededException", async () => {
  const RoleArn = cognateRole('aggregate');
  const statement = (i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::user-data/public/${'y'.repeat(40)}${i}/*` });
  const statements = [];
  while (policy(...statements).length <= 6_000) statements.push(statement(statements.length));
  const doc = policy(...statements);
  await adminCall('PutRolePolicy', { RoleArn, PolicyName: 'first', PolicyDocument: doc });
  const err = await errorOf('PutRolePolicy', { RoleArn, PolicyName: 'second', PolicyDocument: doc });
  assert.equal(err.__type, 'LimitExceededException', JSON.stringify(err));
  assert.deepEqual((await adminCall('ListRolePolicies', { RoleArn })).PolicyNames, ['first']);
  // Replacing the one document with one of the same size is within the limit.
  await adminCall('PutRolePolicy', { RoleArn, PolicyName: 'first', PolicyDocument: doc });
});

test('bad role ARNs, policy names and pages are refused', async () => {
  const doc = policy(READ_PUBLIC);
  const rows = [
    [{ RoleArn: 'not-an-arn', PolicyName: 'p', PolicyDocument: doc }, /ValidationException|InvalidParameterException/],
    [{ RoleArn: 'arn:aws:iam::000000000000:user/someone', PolicyName: 'p', PolicyDocument: doc }, /ValidationException|InvalidParameterException/],
    [{ RoleArn: cognateRole('names'), PolicyName: 'has space', PolicyDocument: doc }, /ValidationException/],
    [{ RoleArn: cognateRole('names'), PolicyName: 'x'.repeat(129), PolicyDocument: doc }, /ValidationException/],
    [{ RoleArn: cognateRole('names'), PolicyName: 'p' }, /ValidationException/],
    [{ PolicyName: 'p', PolicyDocument: doc }, /ValidationException/],
  ];
  for (const [input, type] of rows) {
    const err = await errorOf('PutRolePolicy', input);
    assert.match(err.__type, type, `${JSON.stringify(input).slice(0, 120)}: ${JSON.stringify(err)}`);
  }
  const page = await errorOf('ListRolePolicies', { RoleArn: cognateRole('page'), MaxResults: 0 });
  assert.equal(page.__type, 'ValidationException');
});

test('API routes: put, get, list by page, replace, delete; upstreams and names are checked', async () => {
  const tag = randomUUID().slice(0, 8);
  const names = [`e2e-${tag}-a`, `e2e-${tag}-b`, `e2e_${tag}_c`];
  for (const [i, Name] of names.entries()) {
    const put = await adminCall('PutApiRoute', { Name, Upstream: `http://127.0.0.1:${9000 + i}` });
    assert.deepEqual(put, { Name, Upstream: `http://127.0.0.1:${9000 + i}` });
  }
  assert.deepEqual(await adminCall('GetApiRoute', { Name: names[1] }), { Name: names[1], Upstream: 'http://127.0.0.1:9001' });
  await adminCall('PutApiRoute', { Name: names[1], Upstream: 'https://api.example.com/base' });
  assert.equal((await adminCall('GetApiRoute', { Name: names[1] })).Upstream, 'https://api.example.com/base');
  await adminCall('PutApiRoute', { Name: names[2], Upstream: 'service:BACKEND' });

  const seen = new Map();
  let NextToken;
  let pages = 0;
  do {
    const page = await adminCall('ListApiRoutes', { MaxResults: 2, ...(NextToken ? { NextToken } : {}) });
    assert.ok(page.ApiRoutes.length <= 2);
    for (const r of page.ApiRoutes) seen.set(r.Name, r.Upstream);
    NextToken = page.NextToken;
    pages += 1;
  } while (NextToken && pages < 100);
  assert.equal(seen.get(names[0]), 'http://127.0.0.1:9000');
  assert.equal(seen.get(names[1]), 'https://api.example.com/base');
  assert.equal(seen.get(names[2]), 'service:BACKEND');

  assert.deepEqual(await adminCall('DeleteApiRoute', { Name: names[0] }), {});
  await refused('GetApiRoute', { Name: names[0] }, 'NoSuchEntityException');
  await refused('DeleteApiRoute', { Name: names[0] }, 'NoSuchEntityException');
  for (const Name of names.slice(1)) await adminCall('DeleteApiRoute', { Name });

  const bad = [
    [{ Name: 'bad/name', Upstream: 'https://a.example' }, /ValidationException/],
    [{ Name: 'x'.repeat(65), Upstream: 'https://a.example' }, /ValidationException/],
    [{ Name: '', Upstream: 'https://a.example' }, /ValidationException/],
    [{ Name: `e2e-${tag}` }, /ValidationException/],
    [{ Name: `e2e-${tag}`, Upstream: 'http://api.example.com' }, /ValidationException|InvalidParameterException/],
    [{ Name: `e2e-${tag}`, Upstream: 'ftp://127.0.0.1/' }, /ValidationException|InvalidParameterException/],
    [{ Name: `e2e-${tag}`, Upstream: 'https://user:pw@api.example.com' }, /ValidationException|InvalidParameterException/],
    [{ Name: `e2e-${tag}`, Upstream: 'not a url' }, /ValidationException|InvalidParameterException/],
    [{ Name: `e2e-${tag}`, Upstream: 'service:bad-binding' }, /ValidationException|InvalidParameterException/],
  ];
  for (const [input, type] of bad) {
    const err = await errorOf('PutApiRoute', input);
    assert.match(err.__type, type, `${JSON.stringify(input)}: ${JSON.stringify(err)}`);
  }
  await refused('GetApiRoute', { Name: `e2e-${tag}` }, 'NoSuchEntityException');
});

test('vended credentials never pass as admin, for any of these operations', async () => {
  const { guestRole, poolId } = await policyPool({ guest: { read: policy(READ_PUBLIC) } });
  const { credentials } = await guestOf(poolId);
  const calls = [
    ['PutRolePolicy', { RoleArn: guestRole, PolicyName: 'escalate', PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*' }) }],
    ['GetRolePolicy', { RoleArn: guestRole, PolicyName: 'read' }],
    ['ListRolePolicies', { RoleArn: guestRole }],
    ['DeleteRolePolicy', { RoleArn: guestRole, PolicyName: 'read' }],
    ['PutApiRoute', { Name: 'escalate', Upstream: 'https://evil.example' }],
    ['GetApiRoute', { Name: 'demo' }],
    ['ListApiRoutes', {}],
    ['DeleteApiRoute', { Name: 'demo' }],
  ];
  for (const [operation, input] of calls) {
    const r = await signedCall(endpoint, credentials, operation, input);
    assert.equal(r.status, 400, operation);
    assert.equal(r.body.__type, 'NotAuthorizedException', `${operation}: ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual((await adminCall('ListRolePolicies', { RoleArn: guestRole })).PolicyNames, ['read'], 'nothing changed');
});
