// The wire protocol as raw HTTP: what the SDK would never send must still
// get the Cognito error it deserves, never a 500; CORS for browsers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anyAddress, endpoint, guestPool, rawCall } from './lib.mjs';

test('errors carry __type, x-amzn-ErrorType, a request id and a Date', async () => {
  const r = await rawCall('GetId', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000' });
  assert.equal(r.status, 400);
  assert.equal(r.body.__type, 'ResourceNotFoundException');
  assert.equal(r.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
  assert.match(r.headers.get('x-amzn-requestid'), /^[0-9a-f-]{36}$/);
  assert.ok(Math.abs(Date.parse(r.headers.get('date')) - Date.now()) < 60_000);
  assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.1');
});

test('malformed requests are refused with the protocol errors', async () => {
  const cases = [
    [await rawCall('NoSuchOperation', {}), 'UnknownOperationException'],
    [await rawCall(null, {}), 'UnknownOperationException'],
    [await rawCall('GetId', '{"IdentityPoolId":'), 'SerializationException'],
    [await rawCall('GetId', '[]'), 'SerializationException'],
    [await rawCall('GetId', { IdentityPoolId: 42 }), 'SerializationException'],
    [await rawCall('GetId', { Logins: 'not-a-map' }), 'SerializationException'],
    [await rawCall('GetId', {}), 'ValidationException'],
    [await rawCall('GetId', ' '.repeat((1 << 20) + 10)), 'ValidationException'],
  ];
  for (const [r, type] of cases) {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.__type, type);
  }
});

// The Worker's entry reads a body of declared length itself (the JSON API's
// fast entry); a body without one (chunked) takes the other path. Both
// must answer alike, and both refuse a body over 1 MiB.
test('a body sent without a declared length is answered as one with it', async () => {
  const pool = await guestPool();
  const chunked = (text, operation = 'GetId') => fetch(`${endpoint}/`, {
    method: 'POST', duplex: 'half',
    headers: {
      'cf-connecting-ip': anyAddress(), 'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityService.${operation}`,
    },
    body: new ReadableStream({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        const half = Math.floor(bytes.length / 2);
        controller.enqueue(bytes.subarray(0, half));
        controller.enqueue(bytes.subarray(half));
        controller.close();
      },
    }),
  });
  const made = await chunked(JSON.stringify({ IdentityPoolId: pool }));
  assert.equal(made.status, 200);
  const { IdentityId } = await made.json();
  const declared = await rawCall('GetCredentialsForIdentity', { IdentityId });
  const undeclared = await chunked(JSON.stringify({ IdentityId }), 'GetCredentialsForIdentity');
  assert.equal(declared.status, 200);
  assert.equal(undeclared.status, 200);
  const credentials = await undeclared.json();
  assert.equal(credentials.IdentityId, IdentityId);
  assert.equal(Object.keys(credentials.Credentials).sort().join(), Object.keys(declared.body.Credentials).sort().join());
  for (const name of ['content-type', 'access-control-allow-origin', 'x-amzn-requestid']) {
    assert.ok(undeclared.headers.get(name), name);
    assert.ok(declared.headers.get(name), name);
  }
  const tooBig = await chunked(' '.repeat((1 << 20) + 10));
  assert.equal(tooBig.status, 400);
  assert.equal((await tooBig.json()).__type, 'ValidationException');
});

test('the legacy target form is accepted', async () => {
  const pool = await guestPool();
  const r = await rawCall(null, { IdentityPoolId: pool }, {
    'x-amz-target': 'com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.GetId',
  });
  assert.equal(r.status, 200);
  assert.ok(r.body.IdentityId);
});

test('CORS: preflight from any origin, headers on errors, never credentials', async () => {
  const pre = await fetch(`${endpoint}/`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-amz-target,content-type' },
  });
  assert.ok(pre.status === 204 || pre.status === 200);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  for (const h of ['content-type', 'x-amz-target', 'x-amz-user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request',
    'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']) {
    assert.ok(pre.headers.get('access-control-allow-headers').includes(h), h);
  }
  assert.equal(pre.headers.get('access-control-allow-credentials'), null);
  const err = await rawCall('GetId', {}, { origin: 'https://app.example' });
  assert.equal(err.headers.get('access-control-allow-origin'), '*');
  assert.match(err.headers.get('access-control-expose-headers'), /x-amzn-errortype/);
});

test('discovery and JWKS publish ES256 keys only', async () => {
  const jwks = await (await fetch(`${endpoint}/.well-known/jwks.json`)).json();
  assert.ok(jwks.keys.length >= 1);
  for (const k of jwks.keys) {
    assert.equal(k.alg, 'ES256');
    assert.equal(k.d, undefined, 'no private part');
  }
});
