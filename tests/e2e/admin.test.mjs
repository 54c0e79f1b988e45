// Admin operations through the unmodified AWS SDK, signed with the admin
// key pair: pools, roles and identities, with their error cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateIdentityPoolCommand,
  DeleteIdentitiesCommand,
  DeleteIdentityPoolCommand,
  DescribeIdentityCommand,
  DescribeIdentityPoolCommand,
  GetIdCommand,
  GetIdentityPoolRolesCommand,
  ListIdentitiesCommand,
  ListIdentityPoolsCommand,
  ListTagsForResourceCommand,
  SetIdentityPoolRolesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateIdentityPoolCommand,
} from '@aws-sdk/client-cognito-identity';
import { signedCall } from '../../scripts/lib/admin.mjs';
import {
  COGNATE_ACCOUNT, GUEST_ROLE, adminCredentials, client, endpoint, guestOf, guestPool, publicClient, rawCall, region, rejectsWith,
} from './lib.mjs';

const admin = client();

test('a pool is created, described, updated (full replace; tags and the developer provider kept unless named) and deleted', async () => {
  const input = {
    IdentityPoolName: 'e2e app',
    AllowUnauthenticatedIdentities: false,
    AllowClassicFlow: true,
    SupportedLoginProviders: { 'accounts.google.com': 'client-1.apps.googleusercontent.com' },
    DeveloperProviderName: 'login.e2e',
    IdentityPoolTags: { team: 'web' },
  };
  const created = await admin.send(new CreateIdentityPoolCommand(input));
  assert.match(created.IdentityPoolId, /^us-east-1:[0-9a-f-]{36}$/);
  for (const [k, v] of Object.entries(input)) assert.deepEqual(created[k], v, k);

  const described = await admin.send(new DescribeIdentityPoolCommand({ IdentityPoolId: created.IdentityPoolId }));
  const { $metadata, ...rest } = described;
  assert.equal($metadata.httpStatusCode, 200);
  const { $metadata: _m, ...createdRest } = created;
  assert.deepEqual(rest, createdRest);

  const replaced = await admin.send(new UpdateIdentityPoolCommand({
    IdentityPoolId: created.IdentityPoolId, IdentityPoolName: 'renamed', AllowUnauthenticatedIdentities: true,
  }));
  assert.equal(replaced.IdentityPoolName, 'renamed');
  assert.equal(replaced.SupportedLoginProviders, undefined, 'update replaces the whole pool');
  assert.equal(replaced.DeveloperProviderName, 'login.e2e', 'the developer provider is fixed once set');
  await rejectsWith(admin.send(new UpdateIdentityPoolCommand({
    IdentityPoolId: created.IdentityPoolId, IdentityPoolName: 'renamed', AllowUnauthenticatedIdentities: true,
    DeveloperProviderName: 'login.other',
  })), 'InvalidParameterException', { message: 'DeveloperProviderName cannot be changed once it has been set.' });
  assert.deepEqual(replaced.IdentityPoolTags, { team: 'web' }, 'tags are kept when the update names none');
  const retagged = await admin.send(new UpdateIdentityPoolCommand({
    IdentityPoolId: created.IdentityPoolId, IdentityPoolName: 'renamed', AllowUnauthenticatedIdentities: true,
    IdentityPoolTags: {},
  }));
  assert.deepEqual(retagged.IdentityPoolTags ?? {}, {}, 'and replaced when it names them');

  await admin.send(new DeleteIdentityPoolCommand({ IdentityPoolId: created.IdentityPoolId }));
  await rejectsWith(admin.send(new DescribeIdentityPoolCommand({ IdentityPoolId: created.IdentityPoolId })),
    'ResourceNotFoundException', { message: `IdentityPool '${created.IdentityPoolId}' not found.` });
  await rejectsWith(admin.send(new DeleteIdentityPoolCommand({ IdentityPoolId: created.IdentityPoolId })),
    'ResourceNotFoundException');
});

test('pools are listed page by page', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await guestPool({ name: `list ${i}` }));
  const seen = [];
  let NextToken;
  let pages = 0;
  do {
    const page = await admin.send(new ListIdentityPoolsCommand({ MaxResults: 2, NextToken }));
    assert.ok(page.IdentityPools.length <= 2);
    seen.push(...page.IdentityPools.map((p) => p.IdentityPoolId));
    NextToken = page.NextToken;
    pages++;
  } while (NextToken);
  assert.ok(pages >= 3);
  for (const id of ids) assert.ok(seen.includes(id), id);
  await rejectsWith(admin.send(new ListIdentityPoolsCommand({ MaxResults: 0 })), 'ValidationException',
    { message: /Member must have value greater than or equal to 1/ });
  await rejectsWith(admin.send(new ListIdentityPoolsCommand({ MaxResults: 61 })), 'ValidationException');
});

test('bad pool settings are refused with the errors Cognito uses', async () => {
  await rejectsWith(admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'bad/name', AllowUnauthenticatedIdentities: true })),
    'ValidationException', { message: /1 validation error detected: Value 'bad\/name' at 'identityPoolName'/ });
  await rejectsWith(admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'x' })), 'ValidationException',
    { message: /Value null at 'allowUnauthenticatedIdentities'/ });
  await rejectsWith(admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'x', AllowUnauthenticatedIdentities: true,
    CognitoIdentityProviders: [{ ProviderName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc', ClientId: 'c', ServerSideTokenCheck: true }],
  })), 'InvalidParameterException');
  await rejectsWith(admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'x', AllowUnauthenticatedIdentities: true,
    OpenIdConnectProviderARNs: ['arn:aws:iam::123456789012:oidc-provider/login.example.com'],
  })), 'InvalidParameterException');
  await rejectsWith(admin.send(new DescribeIdentityPoolCommand({ IdentityPoolId: 'nope' })), 'ValidationException');
});

test('roles and role mappings are set and read back', async () => {
  const pool = await guestPool();
  const RoleMappings = {
    'accounts.google.com': {
      Type: 'Rules', AmbiguousRoleResolution: 'Deny',
      RulesConfiguration: { Rules: [{ Claim: 'hd', MatchType: 'Equals', Value: 'example.com', RoleARN: GUEST_ROLE }] },
    },
  };
  const Roles = { unauthenticated: GUEST_ROLE, authenticated: GUEST_ROLE };
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles, RoleMappings }));
  const got = await admin.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: pool }));
  assert.deepEqual(got.Roles, Roles);
  assert.deepEqual(got.RoleMappings, RoleMappings);
  await rejectsWith(admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { admin: GUEST_ROLE } })),
    'ValidationException');
  await rejectsWith(admin.send(new SetIdentityPoolRolesCommand({
    IdentityPoolId: pool, Roles, RoleMappings: { 'accounts.google.com': { Type: 'Token' } },
  })), 'InvalidParameterException');
  await rejectsWith(admin.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000' })),
    'ResourceNotFoundException');
});

test('identities are described, listed page by page and deleted', async () => {
  const pool = await guestPool();
  const app = publicClient();
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await app.send(new GetIdCommand({ IdentityPoolId: pool }))).IdentityId);
  const d = await admin.send(new DescribeIdentityCommand({ IdentityId: ids[0] }));
  assert.equal(d.IdentityId, ids[0]);
  assert.deepEqual(d.Logins, []);
  assert.ok(d.CreationDate instanceof Date && Math.abs(d.CreationDate - Date.now()) < 120_000);

  const listed = [];
  let NextToken;
  do {
    const page = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 2, NextToken }));
    assert.equal(page.IdentityPoolId, pool);
    listed.push(...page.Identities.map((i) => i.IdentityId));
    NextToken = page.NextToken;
  } while (NextToken);
  assert.deepEqual(listed.sort(), [...ids].sort());

  const r = await admin.send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: ids.slice(0, 2) }));
  assert.deepEqual(r.UnprocessedIdentityIds, []);
  await rejectsWith(admin.send(new DescribeIdentityCommand({ IdentityId: ids[0] })), 'ResourceNotFoundException',
    { message: `Identity '${ids[0]}' not found.` });
  const left = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 60 }));
  assert.equal(left.Identities.length, 3);
  await rejectsWith(admin.send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [] })), 'ValidationException');
});

test('deleting a pool deletes its identities', async () => {
  const pool = await guestPool();
  const { IdentityId } = await publicClient().send(new GetIdCommand({ IdentityPoolId: pool }));
  await admin.send(new DeleteIdentityPoolCommand({ IdentityPoolId: pool }));
  await rejectsWith(admin.send(new DescribeIdentityCommand({ IdentityId })), 'ResourceNotFoundException');
});

test('pool tags are set, merged, listed and removed by ARN', async () => {
  const pool = await guestPool({ name: 'e2e tags' });
  const ResourceArn = `arn:aws:cognito-identity:${region}:${COGNATE_ACCOUNT}:identitypool/${pool}`;
  const tags = async () => (await admin.send(new ListTagsForResourceCommand({ ResourceArn }))).Tags;
  assert.deepEqual(await tags(), {});

  await admin.send(new TagResourceCommand({ ResourceArn, Tags: { team: 'web', env: 'dev' } }));
  await admin.send(new TagResourceCommand({ ResourceArn, Tags: { env: 'prod', cost: '' } }));
  assert.deepEqual(await tags(), { team: 'web', env: 'prod', cost: '' }, 'a second call merges');
  const described = await admin.send(new DescribeIdentityPoolCommand({ IdentityPoolId: pool }));
  assert.deepEqual(described.IdentityPoolTags, { team: 'web', env: 'prod', cost: '' });

  await admin.send(new UntagResourceCommand({ ResourceArn, TagKeys: ['env', 'never-there'] }));
  assert.deepEqual(await tags(), { team: 'web', cost: '' });

  // The guest-storage tag is checked, and applies at once: a `none` pool records no guest.
  await rejectsWith(admin.send(new TagResourceCommand({ ResourceArn, Tags: { 'cognate:guest-storage': 'sometimes' } })),
    'InvalidParameterException', { message: "The tag 'cognate:guest-storage' must be 'listed' or 'none', not 'sometimes'." });
  await admin.send(new TagResourceCommand({ ResourceArn, Tags: { 'cognate:guest-storage': 'none' } }));
  await guestOf(pool);
  const listed = await admin.send(new ListIdentitiesCommand({ IdentityPoolId: pool, MaxResults: 60 }));
  assert.deepEqual(listed.Identities, []);

  await rejectsWith(admin.send(new TagResourceCommand({ ResourceArn, Tags: { 'aws:cost': 'x' } })), 'InvalidParameterException');
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
  await rejectsWith(admin.send(new TagResourceCommand({ ResourceArn, Tags: many })), 'InvalidParameterException',
    { message: 'An identity pool can have at most 50 tags.' });
  await rejectsWith(admin.send(new ListTagsForResourceCommand({ ResourceArn: ResourceArn.replace(`:${region}:`, ':eu-west-1:') })),
    'ResourceNotFoundException');
  const missing = 'us-east-1:00000000-0000-4000-8000-000000000000';
  await rejectsWith(admin.send(new UntagResourceCommand({ ResourceArn: ResourceArn.replace(pool, missing), TagKeys: ['a'] })),
    'ResourceNotFoundException', { message: `IdentityPool '${missing}' not found.` });
  await rejectsWith(admin.send(new ListTagsForResourceCommand({ ResourceArn: `arn:aws:cognito-identity:${region}:${COGNATE_ACCOUNT}:userpool/x` })),
    'InvalidParameterException');
  await rejectsWith(admin.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:too:short' })), 'ValidationException');

  // Credentials the pool vends cannot tag it.
  const { credentials } = await guestOf(pool);
  await rejectsWith(client(credentials).send(new TagResourceCommand({ ResourceArn, Tags: { a: 'b' } })), 'NotAuthorizedException');
  assert.deepEqual(await tags(), { team: 'web', cost: '', 'cognate:guest-storage': 'none' }, 'no failed call changed the pool');
});

test('admin operations refuse unsigned, wrongly signed and stale calls', async () => {
  const r = await rawCall('ListIdentityPools', { MaxResults: 5 });
  assert.equal(r.status, 400);
  assert.equal(r.body.__type, 'MissingAuthenticationTokenException');

  const wrongSecret = client({ accessKeyId: adminCredentials.accessKeyId, secretAccessKey: 'not-the-secret-not-the-secret' });
  await rejectsWith(wrongSecret.send(new ListIdentityPoolsCommand({ MaxResults: 5 })), 'InvalidSignatureException',
    { message: /The request signature we calculated does not match the signature you provided/ });

  const unknown = client({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: adminCredentials.secretAccessKey });
  await rejectsWith(unknown.send(new ListIdentityPoolsCommand({ MaxResults: 5 })), 'UnrecognizedClientException');

  for (const minutes of [-16, 16]) {
    const stale = await signedCall(endpoint, adminCredentials, 'ListIdentityPools', { MaxResults: 5 },
      { signingDate: new Date(Date.now() + minutes * 60_000) });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.__type, 'InvalidSignatureException');
    assert.match(stale.body.message, minutes < 0 ? /^Signature expired: / : /^Signature not yet current: /);
  }
  const fresh = await signedCall(endpoint, adminCredentials, 'ListIdentityPools', { MaxResults: 5 },
    { signingDate: new Date(Date.now() - 10 * 60_000) });
  assert.equal(fresh.status, 200, 'within 15 minutes is accepted');
});
