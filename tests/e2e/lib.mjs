// Shared set-up of the end-to-end tests: the endpoint that run.mjs started,
// its admin key pair, SDK clients and small helpers.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { S3Client } from '@aws-sdk/client-s3';
import { parseVars } from '../../scripts/dev-vars.mjs';
import { signedCall } from '../../scripts/lib/admin.mjs';
import { anyAddress } from '../../scripts/lib/client-address.mjs';

export const endpoint = process.env.COGNATE_ENDPOINT ?? 'http://127.0.0.1:8790';
export const vars = parseVars(readFileSync(process.env.COGNATE_ENV_FILE ?? 'target/e2e/test.env', 'utf8'));
export const region = 'us-east-1';
export const adminCredentials = { accessKeyId: vars.ADMIN_ACCESS_KEY_ID, secretAccessKey: vars.ADMIN_SECRET_ACCESS_KEY };
export const GUEST_ROLE = 'arn:aws:iam::000000000000:role/e2e-guest';

// A fresh client address per request (see limits.test.mjs for the limits).
export { anyAddress };

/** `sdkClient` with each request from `address()`. */
export function speakingFrom(sdkClient, address = anyAddress) {
  sdkClient.middlewareStack.add((next) => (args) => {
    args.request.headers['cf-connecting-ip'] = address();
    return next(args);
  }, { step: 'build', name: 'clientAddress' });
  return sdkClient;
}

/** An SDK client; `credentials` defaults to the admin key pair. */
export function client(credentials = adminCredentials) {
  return speakingFrom(new CognitoIdentityClient({ endpoint, region, credentials, maxAttempts: 1 }));
}

/** The unsigned client an app uses for GetId and friends. */
export function publicClient() {
  return speakingFrom(new CognitoIdentityClient({
    endpoint,
    region,
    maxAttempts: 1,
    credentials: () => Promise.reject(new Error('public operations must not need credentials')),
  }));
}

/** A new pool that allows guests, with a guest role unless `roles` is false. */
export async function guestPool({ roles = true, name = 'e2e guests' } = {}) {
  const admin = client();
  const pool = await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: name, AllowUnauthenticatedIdentities: true }));
  if (roles) {
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool.IdentityPoolId, Roles: { unauthenticated: GUEST_ROLE } }));
  }
  return pool.IdentityPoolId;
}

/** Asserts that `promise` rejects with the Cognito error `name` (and status 400 unless given). */
export async function rejectsWith(promise, name, { message, status = 400 } = {}) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (message instanceof RegExp) assert.match(err.message, message);
    else if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

/** A raw POST of the JSON protocol, for what the SDK would never send. */
export async function rawCall(operation, body, headers = {}) {
  const r = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'cf-connecting-ip': anyAddress(),
      'content-type': 'application/x-amz-json-1.1',
      ...(operation ? { 'x-amz-target': `AWSCognitoIdentityService.${operation}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

// ---- cognate's own roles, their policies, and the doors for vended credentials ----

/** The account of cognate's own roles: their policies are stored and evaluated by cognate. */
export const COGNATE_ACCOUNT = '000000000000';
/** The local R2 bucket that the S3 door serves. */
export const BUCKET = 'user-data';

/** A fresh cognate role ARN (unique per call, so policies never leak between tests). */
export function cognateRole(label) {
  return `arn:aws:iam::${COGNATE_ACCOUNT}:role/e2e-${label}-${randomUUID().slice(0, 8)}`;
}

/** An IAM policy document (text) holding `statements`. */
export function policy(...statements) {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** An admin call with cognate's own operations (the SDK knows none of them); throws on an error answer. */
export async function adminCall(operation, input) {
  const r = await signedCall(endpoint, adminCredentials, operation, input);
  if (r.status !== 200) {
    throw Object.assign(new Error(`${operation}: ${r.body?.__type}: ${r.body?.message}`), { name: r.body?.__type, status: r.status, body: r.body });
  }
  return r.body;
}

/** Puts each of `policies` ({name: document}) on `roleArn`. */
export async function putPolicies(roleArn, policies) {
  for (const [PolicyName, PolicyDocument] of Object.entries(policies)) {
    await adminCall('PutRolePolicy', { RoleArn: roleArn, PolicyName, PolicyDocument });
  }
}

/**
 * A new pool with fresh cognate roles: `guest` and `user` are the policies
 * ({name: document}) of the unauthenticated and authenticated role; `idp`
 * (a provider from idp.mjs) is accepted for sign-in when given. Resolves to
 * {poolId, guestRole, userRole}.
 */
export async function policyPool({ guest = {}, user = {}, idp, name = 'e2e policies' } = {}) {
  const admin = client();
  const { IdentityPoolId } = await admin.send(new CreateIdentityPoolCommand({
    IdentityPoolName: name,
    AllowUnauthenticatedIdentities: true,
    ...(idp ? { SupportedLoginProviders: { [idp.providerName]: 'cognate-e2e' } } : {}),
  }));
  const guestRole = cognateRole('guest');
  const userRole = cognateRole('user');
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { unauthenticated: guestRole, authenticated: userRole } }));
  await putPolicies(guestRole, guest);
  await putPolicies(userRole, user);
  return { poolId: IdentityPoolId, guestRole, userRole };
}

/** SDK-shaped credentials ({accessKeyId, secretAccessKey, sessionToken, expiration}) from a Cognito answer. */
function sdkCredentials({ AccessKeyId, SecretKey, SessionToken, Expiration }) {
  return { accessKeyId: AccessKeyId, secretAccessKey: SecretKey, sessionToken: SessionToken, expiration: Expiration };
}

/** A new guest of `poolId`: {identityId, credentials}. */
export async function guestOf(poolId) {
  const app = publicClient();
  const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
  const { Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  return { identityId: IdentityId, credentials: sdkCredentials(Credentials) };
}

/**
 * A signed-in identity of `poolId` for the person `sub` at `idp` (linked to
 * the guest `identityId` when given): {identityId, credentials}.
 */
export async function signedInOf(poolId, idp, sub, { identityId, claims = {} } = {}) {
  const app = publicClient();
  const Logins = { [idp.providerName]: await idp.idToken({ sub, ...claims }) };
  // Naming the guest links the login to it (as the browser package does); else GetId finds or makes one.
  const id = identityId ?? (await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins }))).IdentityId;
  const { IdentityId, Credentials } = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: id, Logins }));
  if (identityId) assert.equal(IdentityId, identityId, 'the guest keeps its id when it signs in');
  return { identityId: IdentityId, credentials: sdkCredentials(Credentials) };
}

/** An S3 client of the S3 door with the SDK's defaults (flexible checksums on); `options` add to them. */
export function s3(credentials, options = {}) {
  return new S3Client({ endpoint: `${endpoint}/s3`, forcePathStyle: true, region, credentials, ...options });
}

/** Asserts that `promise` rejects with the S3 error `name` and HTTP `status`. */
export async function rejectsS3(promise, name, status, { message } = {}) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.$metadata?.httpStatusCode, status, `${err.name}: ${err.message}`);
    if (name instanceof RegExp) assert.match(err.name, name);
    else assert.equal(err.name, name, `${err.name}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Starts a server on 127.0.0.1 (a free port) with `handler`; resolves to {url, port, close}. */
export async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort() {
  const s = await listen(() => {});
  await s.close();
  return s.port;
}

/** Asserts that `promise` rejects with one of `errors` ([[name, status], …]): for refusals whose exact reason may vary. */
export async function rejectsOneOf(promise, errors) {
  await assert.rejects(promise, (err) => {
    const got = [err.name, err.$metadata?.httpStatusCode];
    assert.ok(errors.some(([name, status]) => name === got[0] && status === got[1]), `${got.join(' ')}: ${err.message}`);
    return true;
  });
}

/** The state folder (KV, Durable Objects) of the Worker under test. */
export const stateDir = resolve(join(dirname(process.env.COGNATE_ENV_FILE ?? 'target/e2e/test.env'), 'state', 'v3'));

/**
 * Every file of the local KV and Durable Object storage, read now:
 * [{file, bytes}], and `found(needle)`, the files whose bytes hold `needle`.
 */
export function storageDump() {
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    // The running Worker's SQLite creates and removes its -shm/-wal files
    // as it goes: a file gone between the listing and the read is skipped.
    return names.flatMap((n) => {
      try {
        return statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)];
      } catch {
        return [];
      }
    });
  };
  const read = (file) => {
    try {
      return [{ file, bytes: readFileSync(file) }];
    } catch {
      return [];
    }
  };
  const files = ['kv', 'do'].flatMap((d) => walk(join(stateDir, d))).flatMap(read);
  const found = (needle) => files.filter(({ bytes }) => bytes.includes(Buffer.from(needle))).map(({ file }) => file);
  return { files, found };
}
