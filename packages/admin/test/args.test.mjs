// cognate-admin's command line: names, values, files, JSON, switches, lists,
// and the mistakes it refuses (each case a row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, kebab, parseArgs, pascalCase, usage } from '../args.mjs';

const POLICY = '{ "Version": "2012-10-17", "Statement": [] }';
const files = { 'policy.json': POLICY, 'logins.json': '{"a.example": "tok"}\n', 'input.json': '{"RoleArn": "r", "PolicyName": "base"}' };
const readFile = (p) => {
  if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return files[p];
};
const parse = (line) => parseArgs(line, { readFile });

test('names: kebab-case to the API spelling', () => {
  const rows = [
    ['put-role-policy', 'PutRolePolicy'],
    ['PutRolePolicy', 'PutRolePolicy'],
    ['role-arn', 'RoleArn'],
    ['identity-pool-id', 'IdentityPoolId'],
    ['open-id-connect-provider-arns', 'OpenIdConnectProviderARNs'],
    ['saml-provider-arns', 'SamlProviderARNs'],
    ['max-results', 'MaxResults'],
  ];
  for (const [given, want] of rows) assert.equal(pascalCase(given), want, given);
  for (const [m, k] of [['RoleArn', 'role-arn'], ['OpenIdConnectProviderARNs', 'open-id-connect-provider-arns'], ['MaxResults', 'max-results']]) {
    assert.equal(kebab(m), k);
  }
});

test('command lines become the operation and its input', () => {
  const rows = [
    [['PutRolePolicy', '--role-arn', 'arn:aws:iam::000000000000:role/a', '--policy-name', 'p', '--policy-document', 'file://policy.json'],
      'PutRolePolicy', { RoleArn: 'arn:aws:iam::000000000000:role/a', PolicyName: 'p', PolicyDocument: POLICY }],
    // A policy document stays a string even given inline as JSON.
    [['put-role-policy', '--policy-document', POLICY], 'PutRolePolicy', { PolicyDocument: POLICY }],
    [['ListRolePolicies', '--role-arn', 'r', '--max-results', '2', '--next-token', 'abc'], 'ListRolePolicies', { RoleArn: 'r', MaxResults: 2, NextToken: 'abc' }],
    [['PutApiRoute', '--name', 'demo', '--upstream', 'http://127.0.0.1:8789'], 'PutApiRoute', { Name: 'demo', Upstream: 'http://127.0.0.1:8789' }],
    // A name that looks like a number is still a string.
    [['GetApiRoute', '--name', '123'], 'GetApiRoute', { Name: '123' }],
    [['GetId', '--identity-pool-id', 'us-east-1:x', '--logins', '{"a.example":"tok"}'], 'GetId', { IdentityPoolId: 'us-east-1:x', Logins: { 'a.example': 'tok' } }],
    [['GetId', '--logins', 'file://logins.json'], 'GetId', { Logins: { 'a.example': 'tok' } }],
    [['GetId', '--logins={"b":"c"}'], 'GetId', { Logins: { b: 'c' } }],
    [['CreateIdentityPool', '--identity-pool-name', 'my app', '--allow-unauthenticated-identities', '--no-allow-classic-flow'],
      'CreateIdentityPool', { IdentityPoolName: 'my app', AllowUnauthenticatedIdentities: true, AllowClassicFlow: false }],
    [['CreateIdentityPool', '--allow-unauthenticated-identities', 'false'], 'CreateIdentityPool', { AllowUnauthenticatedIdentities: false }],
    [['DeleteIdentities', '--identity-ids-to-delete', 'a', 'b'], 'DeleteIdentities', { IdentityIdsToDelete: ['a', 'b'] }],
    [['DeleteIdentities', '--identity-ids-to-delete', 'a'], 'DeleteIdentities', { IdentityIdsToDelete: ['a'] }],
    [['DeleteIdentities', '--identity-ids-to-delete', '["a","b"]'], 'DeleteIdentities', { IdentityIdsToDelete: ['a', 'b'] }],
    [['SetIdentityPoolRoles', '--roles', '{"unauthenticated":"arn:x"}'], 'SetIdentityPoolRoles', { Roles: { unauthenticated: 'arn:x' } }],
    [['PutRolePolicy', '--cli-input-json', 'file://input.json', '--policy-name', 'override'], 'PutRolePolicy', { RoleArn: 'r', PolicyName: 'override' }],
    [['ListApiRoutes'], 'ListApiRoutes', {}],
  ];
  for (const [line, operation, input] of rows) {
    const got = parse(line);
    assert.equal(got.operation, operation, line.join(' '));
    assert.deepEqual(got.input, input, line.join(' '));
    assert.equal(got.help, false);
  }
});

test('endpoint, region and help are options of the command, not members', () => {
  const got = parse(['ListApiRoutes', '--endpoint', 'http://127.0.0.1:1', '--region', 'eu-west-1']);
  assert.deepEqual([got.endpoint, got.region, got.input], ['http://127.0.0.1:1', 'eu-west-1', {}]);
  assert.equal(parse(['ListApiRoutes', '--endpoint-url', 'http://h']).endpoint, 'http://h');
  assert.equal(parse(['--help']).help, true);
  assert.equal(parse(['PutRolePolicy', '--help']).operation, 'PutRolePolicy');
  assert.equal(parse([]).operation, undefined);
});

test('mistakes are usage errors that say what is wrong', () => {
  const rows = [
    [['ListRolePolicies', '--max-results', 'ten'], /--max-results takes an integer/],
    [['GetId', '--logins', '{"broken"'], /--logins: the value looks like JSON but does not parse/],
    [['GetApiRoute', '--name'], /--name needs a value/],
    [['GetApiRoute', '--name', 'a', 'b'], /--name takes one value/],
    [['GetApiRoute', '--name', 'a', '--name', 'b'], /--name is given twice/],
    [['GetApiRoute', 'ListApiRoutes'], /unexpected argument 'ListApiRoutes'/],
    [['Get/Id'], /is not an operation name/],
    [['GetId', '--allow-unauthenticated-identities', 'yes'], /takes true or false/],
    [['GetId', '--region'], /--region takes one value/],
    [['GetId', '--cli-input-json', '[1]'], /takes a JSON object/],
    [['GetId', '--bad_name', 'x'], /is not an option/],
  ];
  for (const [line, message] of rows) {
    assert.throws(() => parse(line), (err) => err instanceof UsageError && message.test(err.message), line.join(' '));
  }
  assert.throws(() => parse(['PutRolePolicy', '--policy-document', 'file://missing.json']), { code: 'ENOENT' });
});

test('the usage lists cognate\'s operations with their options', () => {
  const text = usage();
  for (const op of ['PutRolePolicy', 'GetRolePolicy', 'ListRolePolicies', 'DeleteRolePolicy', 'PutApiRoute', 'GetApiRoute', 'ListApiRoutes', 'DeleteApiRoute', 'ImportIdentityPool',
    'CreateSAMLProvider', 'GetSAMLProvider', 'UpdateSAMLProvider', 'ListSAMLProviders', 'DeleteSAMLProvider']) {
    assert.match(text, new RegExp(`\\n  ${op} `));
  }
  assert.match(usage('PutRolePolicy'), /PutRolePolicy --role-arn … --policy-name … --policy-document …/);
  assert.doesNotMatch(usage('PutRolePolicy'), /ListApiRoutes/);
  assert.match(usage('CreateSAMLProvider'), /CreateSAMLProvider --name … --saml-metadata-document …/);
});

test('SAML provider options take IAM\'s spelling, and the metadata stays a string', () => {
  const xml = '<md:EntityDescriptor entityID="x"/>';
  const files = { 'idp.xml': xml };
  const parsed = parseArgs(['create-saml-provider', '--name', 'Corp', '--saml-metadata-document', 'file://idp.xml'],
    { readFile: (p) => files[p] });
  assert.deepEqual(parsed.input, { Name: 'Corp', SAMLMetadataDocument: xml });
  assert.equal(parsed.operation, 'CreateSAMLProvider');
  const arn = 'arn:aws:iam::000000000000:saml-provider/Corp';
  assert.deepEqual(parseArgs(['GetSAMLProvider', '--saml-provider-arn', arn]).input, { SAMLProviderArn: arn });
  assert.deepEqual(parseArgs(['CreateIdentityPool', '--saml-provider-arns', arn]).input, { SamlProviderARNs: [arn] });
});
