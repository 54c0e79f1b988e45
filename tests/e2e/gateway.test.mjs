// The SigV4 gateway (`/api/<name>/<rest>`, service execute-api) with
// aws4fetch and vended credentials, in front of an upstream this file starts
// on 127.0.0.1: what reaches the upstream (identity headers added, SigV4
// headers and spoofed x-cognate-* headers removed, method, path, query and
// body kept), what comes back (status, headers, redirects unfollowed), and
// API Gateway's refusals (no Invoke, no or bad signature, a signature
// replayed on another route, an upstream that is down).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { SetPrincipalTagAttributeMapCommand } from '@aws-sdk/client-cognito-identity';
import { AwsClient } from 'aws4fetch';
import { startDevUpstream } from '../../scripts/dev-upstream.mjs';
import { startIdp } from './idp.mjs';
import { COGNATE_ACCOUNT, adminCall, adminCredentials, client, closedPort, endpoint, guestOf, listen, policy, policyPool, region, signedInOf } from './lib.mjs';

const tag = randomUUID().slice(0, 8);
const route = `e2e-${tag}`;
const other = `e2e-${tag}-other`;
const down = `e2e-${tag}-down`;
const invoke = (resource) => ({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `arn:aws:execute-api:${region}:${COGNATE_ACCOUNT}:${resource}` });

let upstream;
const calls = []; // what the upstream saw: {method, url, headers, body}
let idp;
let pool;

before(async () => {
  upstream = await listen((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) };
      calls.push(seen);
      const path = new URL(req.url, 'http://x').pathname;
      if (path.endsWith('/silent')) {
        setTimeout(() => res.destroy(), 5000); // answers nothing for longer than the gateway waits
      } else if (path.endsWith('/redirect')) {
        res.writeHead(302, { location: 'https://elsewhere.example/landing' }).end();
      } else if (path.endsWith('/created')) {
        res.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' }).end('made');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...seen, body: seen.body.toString('base64') }));
      }
    });
  });
  await adminCall('PutApiRoute', { Name: route, Upstream: `${upstream.url}/base` });
  await adminCall('PutApiRoute', { Name: other, Upstream: upstream.url });
  await adminCall('PutApiRoute', { Name: down, Upstream: `http://127.0.0.1:${await closedPort()}` });
  idp = await startIdp();
  pool = await policyPool({
    idp,
    name: 'e2e gateway',
    // Guests: every method on the route and on the dead one; only GET on the other route.
    guest: { api: policy(invoke(`${route}/$default/*`), invoke(`${down}/$default/*`), invoke(`${other}/$default/GET/*`)) },
    user: { api: policy(invoke(`${route}/$default/*`)) },
  });
  await client().send(new SetPrincipalTagAttributeMapCommand({
    IdentityPoolId: pool.poolId, IdentityProviderName: idp.providerName, UseDefaults: false, PrincipalTags: { team: 'team' },
  }));
});

after(async () => {
  await upstream?.close();
  await idp?.close();
  for (const Name of [route, other, down]) await adminCall('DeleteApiRoute', { Name }).catch(() => {});
});

// No retries: aws4fetch retries 5xx answers, and the tests look at the first answer.
const aws = ({ credentials }) => new AwsClient({ ...credentials, service: 'execute-api', region, retries: 0 });
const gateway = (name, rest) => `${endpoint}/api/${name}${rest}`;

test('a guest call reaches the upstream with its identity, without its signature or spoofed identity headers', async () => {
  const guest = await guestOf(pool.poolId);
  const body = JSON.stringify({ hello: 'upstream', n: 42 });
  calls.length = 0;
  const r = await aws(guest).fetch(gateway(route, '/items/42?x=1&y=two%20words&empty='), {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-custom': 'kept',
      'x-cognate-identity-id': 'us-east-1:00000000-0000-4000-8000-000000000000',
      'x-cognate-authenticated': 'true',
      'x-cognate-principal-tag-admin': 'yes',
      'X-Cognate-Evil': 'spoof',
    },
  });
  assert.equal(r.status, 200, await r.clone().text());
  assert.match(r.headers.get('access-control-allow-origin') ?? '', /\*/);
  const seen = await r.json();
  assert.equal(calls.length, 1);
  assert.equal(seen.method, 'POST');
  const url = new URL(seen.url, 'http://x');
  assert.equal(url.pathname, '/base/items/42');
  assert.deepEqual(Object.fromEntries(url.searchParams), { x: '1', y: 'two words', empty: '' });
  assert.equal(Buffer.from(seen.body, 'base64').toString(), body);
  const h = seen.headers;
  assert.equal(h['x-custom'], 'kept');
  assert.equal(h['content-type'], 'application/json');
  assert.equal(h['x-cognate-identity-id'], guest.identityId);
  assert.equal(h['x-cognate-identity-pool-id'], pool.poolId);
  assert.equal(h['x-cognate-authenticated'], 'false');
  assert.equal(h['x-cognate-role-arn'], pool.guestRole);
  assert.equal(h['x-cognate-evil'], undefined);
  assert.equal(h['x-cognate-principal-tag-admin'], undefined);
  for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']) {
    assert.equal(h[name], undefined, `${name} is not forwarded`);
  }
  assert.ok(!JSON.stringify(h).includes(guest.credentials.sessionToken), 'the session token goes nowhere');
});

test('a signed-in call carries authenticated, the user role and the principal tags', async () => {
  const user = await signedInOf(pool.poolId, idp, `gw-${tag}`, { claims: { team: 'blue' } });
  calls.length = 0;
  const r = await aws(user).fetch(gateway(route, '/me'));
  assert.equal(r.status, 200, await r.clone().text());
  const { headers: h, method } = await r.json();
  assert.equal(method, 'GET');
  assert.equal(h['x-cognate-identity-id'], user.identityId);
  assert.equal(h['x-cognate-authenticated'], 'true');
  assert.equal(h['x-cognate-role-arn'], pool.userRole);
  assert.equal(h['x-cognate-principal-tag-team'], 'blue');
});

test("the upstream's status, headers and body come back; redirects are passed back, not followed", async () => {
  const guest = await guestOf(pool.poolId);
  const made = await aws(guest).fetch(gateway(route, '/created'), { method: 'PUT', body: randomBytes(1000) });
  assert.equal(made.status, 201);
  assert.equal(made.headers.get('x-upstream'), 'yes');
  assert.equal(await made.text(), 'made');

  calls.length = 0;
  const moved = await aws(guest).fetch(gateway(route, '/redirect'), { redirect: 'manual' });
  assert.equal(moved.status, 302);
  assert.equal(moved.headers.get('location'), 'https://elsewhere.example/landing');
  await moved.text();
  assert.equal(calls.length, 1, 'the gateway did not follow it');
});

test('a role without Invoke on the resource gets API Gateway\'s 403, and the upstream sees nothing', async () => {
  const guest = await guestOf(pool.poolId);
  calls.length = 0;
  const r = await aws(guest).fetch(gateway(other, '/things?q=1'), { method: 'POST', body: 'x' });
  assert.equal(r.status, 403);
  const { message } = await r.json();
  const resource = `arn:aws:execute-api:${region}:${COGNATE_ACCOUNT}:${other}/$default/POST/things`;
  assert.match(message, /^User: \S+ is not authorized to perform: execute-api:Invoke on resource: /);
  assert.ok(message.endsWith(resource), message);
  assert.equal(calls.length, 0);

  const get = await aws(guest).fetch(gateway(other, '/things?q=1'));
  assert.equal(get.status, 200, 'GET is allowed on that route');
  await get.text();

  const { poolId } = await policyPool({ name: 'e2e gateway none' });
  const nobody = await guestOf(poolId);
  const none = await aws(nobody).fetch(gateway(route, '/items'));
  assert.equal(none.status, 403, 'a role without policies opens nothing');
  assert.match((await none.json()).message, /is not authorized to perform: execute-api:Invoke/);
});

test('no signature, a bad signature, a signature replayed on another route, and the admin key pair are refused', async () => {
  const guest = await guestOf(pool.poolId);
  calls.length = 0;
  const unsigned = await fetch(gateway(route, '/items'));
  assert.equal(unsigned.status, 403);
  assert.deepEqual(await unsigned.json(), { message: 'Missing Authentication Token' });

  const signed = await aws(guest).sign(gateway(route, '/items?a=1'), { method: 'GET' });
  const tampered = new Headers(signed.headers);
  tampered.set('authorization', signed.headers.get('authorization').replace(/Signature=(.)/, (_, c) => `Signature=${c === 'a' ? 'b' : 'a'}`));
  const bad = await fetch(signed.url, { headers: tampered });
  assert.equal(bad.status, 403);
  assert.match((await bad.json()).message, /^The request signature we calculated does not match the signature you provided/);

  const replayed = await fetch(gateway(other, '/items?a=1'), { headers: signed.headers });
  assert.equal(replayed.status, 403);
  assert.match((await replayed.json()).message, /signature/i);
  const query = await fetch(gateway(route, '/items?a=2'), { headers: signed.headers });
  assert.equal(query.status, 403, 'nor with another query');
  await query.text();

  const ok = await fetch(signed.url, { headers: signed.headers });
  assert.equal(ok.status, 200, 'the untouched request passes');
  await ok.text();
  assert.equal(calls.length, 1, 'only the untouched request reached the upstream');

  const admin = new AwsClient({ ...adminCredentials, service: 'execute-api', region });
  const asAdmin = await admin.fetch(gateway(route, '/items'));
  assert.equal(asAdmin.status, 403, 'the admin key pair is not a key of the gateway');
  await asAdmin.text();
});

test('an upstream that is down gives 502; an unknown route is refused', async () => {
  const guest = await guestOf(pool.poolId);
  const r = await aws(guest).fetch(gateway(down, '/anything'));
  assert.equal(r.status, 502);
  await r.text();
  const unknown = await aws(guest).fetch(gateway(`e2e-${tag}-nope`, '/anything'));
  assert.ok([403, 404].includes(unknown.status), `unknown route: ${unknown.status}`);
  await unknown.text();
});

test('an upstream that does not answer in time gives 504, not a hang', async () => {
  const guest = await guestOf(pool.poolId);
  const started = Date.now();
  const r = await aws(guest).fetch(gateway(route, '/silent'));
  const waited = Date.now() - started;
  assert.equal(r.status, 504);
  assert.equal(r.headers.get('x-amzn-errortype'), 'IntegrationTimeoutException');
  await r.text();
  // The test Worker runs with GATEWAY_TIMEOUT_SECONDS=2 (tests/e2e/worker.mjs).
  assert.ok(waited >= 1500 && waited < 4500, `answered after ${waited} ms`);
});

test("the demo's dev upstream (scripts/dev-upstream.mjs) answers who called through the gateway", async () => {
  const dev = await startDevUpstream({ port: 0 });
  const name = `e2e-${tag}-dev`;
  try {
    await adminCall('PutApiRoute', { Name: name, Upstream: dev.url });
    const { poolId } = await policyPool({ name: 'e2e gateway dev', guest: { api: policy(invoke(`${name}/$default/GET/*`)) } });
    const guest = await guestOf(poolId);
    const r = await aws(guest).fetch(gateway(name, '/hello/world?lang=en'));
    assert.equal(r.status, 200);
    const who = await r.json();
    assert.equal(who.method, 'GET');
    assert.equal(who.path, '/hello/world');
    assert.deepEqual(who.query, { lang: 'en' });
    assert.equal(who.identityId, guest.identityId);
    assert.equal(who.authenticated, false);
    assert.equal(who.headers['x-cognate-identity-pool-id'], poolId);
  } finally {
    await adminCall('DeleteApiRoute', { Name: name }).catch(() => {});
    await dev.close();
  }
});
