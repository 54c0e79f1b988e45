// Shared set-up of the end-to-end tests: the endpoint that run.mjs started,
// its admin key pair, SDK clients and small helpers.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import { parseVars } from '../../scripts/dev-vars.mjs';

export const endpoint = process.env.COGNATE_ENDPOINT ?? 'http://127.0.0.1:8790';
export const vars = parseVars(readFileSync(process.env.COGNATE_ENV_FILE ?? 'target/e2e/test.env', 'utf8'));
export const region = 'us-east-1';
export const adminCredentials = { accessKeyId: vars.ADMIN_ACCESS_KEY_ID, secretAccessKey: vars.ADMIN_SECRET_ACCESS_KEY };
export const GUEST_ROLE = 'arn:aws:iam::123456789012:role/e2e-guest';

/** An SDK client; `credentials` defaults to the admin key pair. */
export function client(credentials = adminCredentials) {
  return new CognitoIdentityClient({ endpoint, region, credentials, maxAttempts: 1 });
}

/** The unsigned client an app uses for GetId and friends. */
export function publicClient() {
  return new CognitoIdentityClient({
    endpoint,
    region,
    maxAttempts: 1,
    credentials: () => Promise.reject(new Error('public operations must not need credentials')),
  });
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
      'content-type': 'application/x-amz-json-1.1',
      ...(operation ? { 'x-amz-target': `AWSCognitoIdentityService.${operation}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}
