// AWS roles end to end: a role of another account than cognate's own
// (ACCOUNT_ID, 000000000000) is assumed through a real STS implementation on
// 127.0.0.1 (moto, which checks the wire, not IAM's trust), and the SDK's S3
// client then uses those credentials against moto's S3; a cognate role in
// the same set-up still gets cognate's own credentials. And the classic flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateIdentityPoolCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GUEST_ROLE, client, endpoint, publicClient, region, rejectsWith } from './lib.mjs';

const admin = client();
const app = publicClient();
const moto = process.env.MOTO_ENDPOINT;
const AWS_ROLE = 'arn:aws:iam::123456789012:role/app-guest';

async function pool(roles, more = {}) {
  const { IdentityPoolId } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'e2e aws roles', AllowUnauthenticatedIdentities: true, ...more,
  }));
  if (roles) await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: roles }));
  return IdentityPoolId;
}

test('an AWS role is assumed through STS and its credentials open S3 there', { skip: !moto && 'no moto' }, async () => {
  const id = await pool({ unauthenticated: AWS_ROLE });
  const provider = fromCognitoIdentityPool({ identityPoolId: id, clientConfig: { endpoint, region } });
  const creds = await provider();
  assert.match(creds.accessKeyId, /^(ASIA|AKIA|FSIA)/);
  assert.ok(creds.sessionToken && creds.secretAccessKey);
  assert.ok(creds.expiration > new Date(), 'expires later');
  const s3 = new S3Client({ endpoint: moto, region, forcePathStyle: true, credentials: creds });
  const bucket = `cognate-e2e-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: 'from an AWS role' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'hello.txt' }));
  assert.equal(await got.Body.transformToString(), 'from an AWS role');

  // A cognate role (the deployment's own account) in the same set-up: cognate's credentials.
  const own = await pool({ unauthenticated: GUEST_ROLE });
  const mine = await fromCognitoIdentityPool({ identityPoolId: own, clientConfig: { endpoint, region } })();
  assert.match(mine.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
});

test('the classic flow is refused only where AllowClassicFlow is explicitly false', async () => {
  for (const [classic, allowed] of [[undefined, true], [true, true], [false, false]]) {
    const id = await pool({ unauthenticated: GUEST_ROLE }, classic === undefined ? {} : { AllowClassicFlow: classic });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: id }));
    const call = app.send(new GetOpenIdTokenCommand({ IdentityId }));
    if (allowed) assert.ok((await call).Token);
    else await rejectsWith(call, 'InvalidParameterException', { message: 'Basic (classic) flow is not enabled, please use enhanced flow.' });
  }
});
