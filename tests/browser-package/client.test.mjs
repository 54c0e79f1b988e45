// The package's client flows in headless Chromium (Debian's /usr/bin/chromium
// through playwright-core), against a fake network: a `fetch` that answers
// as cognate would, with a chosen `Date`, and a clock the test moves.
// Caching, the refresh margin, one request for concurrent callers, recovery
// of a vanished guest (once), a signed-in identity refused, clock-skew
// correction, storage namespaces and kinds, merges, the events, and the
// errors' codes. Needs the built package in pkg/ (scripts/build-browser.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const pkg = new URL('../../pkg/', import.meta.url);
let server;
let origin;
let browser;

before(async () => {
  server = createServer((req, res) => {
    const name = req.url === '/' ? null : req.url.slice(1);
    if (!name) return res.end('<!doctype html><title>cognate package tests</title>');
    if (!/^[\w.-]+\.(js|wasm)$/.test(name)) return res.writeHead(404).end();
    try {
      const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(new URL(name, pkg)));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/**
 * The fake cognate, installed before the page's scripts: `net` holds what it
 * saw (`calls`, and `bodies` as parsed JSON) and how it answers
 * (`serverOffset` seconds, `vanished` ids, `owner` for calls with Logins,
 * `refuseSignedIn`, `broken`); `net.now` is the device clock in ms.
 */
function fakeCognate() {
  const net = { calls: [], bodies: [], serverOffset: 0, vanished: [], owner: null, refuseSignedIn: false, broken: null, guests: 0, now: 1_800_000_000_000 };
  window.net = net;
  const real = window.fetch;
  window.fetch = async (url, init) => {
    // The package's own wasm loads through the real network.
    if (!String(url).startsWith('https://cognate.test/')) return real(url, init);
    if (net.broken === 'network') throw new TypeError('Failed to fetch');
    const op = new Headers(init.headers).get('x-amz-target').split('.').pop();
    const body = JSON.parse(init.body);
    net.calls.push(op);
    net.bodies.push(body);
    const date = new Date(net.now + net.serverOffset * 1000).toUTCString();
    const answer = (status, json) => new Response(typeof json === 'string' ? json : JSON.stringify(json), { status, headers: { date, 'content-type': 'application/x-amz-json-1.1' } });
    if (net.broken === 'html') return answer(502, '<html>Bad gateway</html>');
    const error = (type, message) => answer(400, { __type: type, message });
    switch (op) {
      case 'GetId':
        net.guests += 1;
        return answer(200, { IdentityId: body.Logins && net.owner ? net.owner : `us-east-1:guest-${net.guests}` });
      case 'GetCredentialsForIdentity': {
        if (net.vanished.includes(body.IdentityId)) return error('com.amazonaws.cognito.identity.model#ResourceNotFoundException', `Identity '${body.IdentityId}' not found.`);
        if (body.Logins && net.refuseSignedIn) return error('NotAuthorizedException', 'Invalid login token. Token expired.');
        const id = body.Logins && net.owner ? net.owner : body.IdentityId;
        const exp = Math.floor(net.now / 1000 + net.serverOffset + 3600);
        return answer(200, { IdentityId: id, Credentials: { AccessKeyId: `ASIAFAKE${net.calls.length}`, SecretKey: 's', SessionToken: 't', Expiration: exp } });
      }
      case 'GetOpenIdToken':
        return answer(200, { IdentityId: body.IdentityId, Token: `token-for-${body.IdentityId}` });
      default:
        return error('UnknownOperationException', '');
    }
  };
  // A pool as the tests make it: the fake clock, local storage unless asked.
  window.makePool = async (identityPoolId, more = {}) => {
    const { IdentityPool } = await import('/index.js');
    return new IdentityPool({ endpoint: 'https://cognate.test/', identityPoolId, clock: () => net.now, ...more });
  };
  window.advance = (seconds) => { net.now += seconds * 1000; };
}

/** Runs `scenario` in a fresh page (its own storage) with the fake cognate. */
async function inPage(scenario, arg) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(fakeCognate);
    await page.goto(origin);
    return await page.evaluate(scenario, arg);
  } finally {
    await context.close();
  }
}

test('concurrent callers share one request, the answer is cached, and creating a pool does nothing', async () => {
  const r = await inPage(async () => {
    const p = await makePool('us-east-1:single');
    const before = { calls: net.calls.length, stored: localStorage.length };
    const all = await Promise.all([p.credentials(), p.credentials(), p.credentials(), p.identityId()]);
    const callsAfterFirst = [...net.calls];
    const again = await p.credentials();
    // Past the Web Lock of the first lookup: a refresh is shared too.
    advance(3600);
    const refreshed = await Promise.all([p.credentials(), p.credentials(), p.identityId()]);
    const afterRefresh = net.calls.length;
    // And with memory storage (no lock at all).
    net.calls = [];
    const m = await makePool('us-east-1:single', { storage: 'memory' });
    const inMemory = await Promise.all([m.credentials(), m.credentials(), m.credentials()]);
    return { before, callsAfterFirst, afterRefresh, memoryCalls: net.calls, refreshedKeys: refreshed.slice(0, 2).map((c) => c.accessKeyId),
      memoryKeys: inMemory.map((c) => c.accessKeyId), keys: all.slice(0, 3).map((c) => c.accessKeyId), id: all[3], again: again.accessKeyId, shape: Object.keys(again), isDate: again.expiration instanceof Date };
  });
  assert.deepEqual(r.before, { calls: 0, stored: 0 }, 'creating the pool makes no request and stores nothing');
  assert.deepEqual(r.callsAfterFirst, ['GetId', 'GetCredentialsForIdentity']);
  assert.equal(new Set(r.keys).size, 1);
  assert.equal(r.id, 'us-east-1:guest-1');
  assert.equal(r.again, r.keys[0], 'cached');
  assert.equal(r.afterRefresh, 3, 'one refresh for three concurrent callers');
  assert.equal(new Set(r.refreshedKeys).size, 1);
  assert.notEqual(r.refreshedKeys[0], r.keys[0]);
  assert.deepEqual(r.memoryCalls, ['GetId', 'GetCredentialsForIdentity'], 'one request for three callers without a lock');
  assert.equal(new Set(r.memoryKeys).size, 1);
  assert.deepEqual(r.shape, ['accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration', 'identityId']);
  assert.ok(r.isDate);
});

test('credentials refresh inside the margin, not before', async () => {
  const calls = await inPage(async () => {
    const p = await makePool('us-east-1:margin');
    await p.credentials();
    advance(3600 - 8 * 60);
    await p.credentials();
    const at8 = net.calls.length;
    advance(2 * 60);
    await p.credentials();
    return { at8, all: net.calls };
  });
  assert.equal(calls.at8, 2, '8 minutes left: still fresh');
  assert.deepEqual(calls.all, ['GetId', 'GetCredentialsForIdentity', 'GetCredentialsForIdentity'], '6 minutes left: refreshed');
});

test("the server's clock decides, and expiry is reported on the device's clock", async () => {
  const r = await inPage(async () => {
    net.serverOffset = 3000; // the device is 50 minutes behind
    const p = await makePool('us-east-1:skew');
    const c = await p.credentials();
    const left = (c.expiration.getTime() - net.now) / 1000;
    advance(3600 - 6 * 60);
    await p.credentials();
    return { left, calls: net.calls.length };
  });
  assert.ok(Math.abs(r.left - 3600) < 2, `expiry on the device clock: ${r.left}`);
  assert.equal(r.calls, 3, "refreshed by the server's clock");
});

test('a vanished guest is replaced, once', async () => {
  const r = await inPage(async () => {
    const key = 'cognate:us-east-1:recover:identityId';
    localStorage.setItem(key, 'us-east-1:gone');
    net.vanished = ['us-east-1:gone'];
    const c = await makePool('us-east-1:recover').then((p) => p.credentials());
    const replaced = { id: c.identityId, calls: [...net.calls], stored: localStorage.getItem(key) };
    // Again, with the new guest vanishing too: no second replacement.
    localStorage.setItem('cognate:us-east-1:again:identityId', 'us-east-1:gone');
    net.vanished.push('us-east-1:guest-2');
    net.calls = [];
    const p = await makePool('us-east-1:again');
    const err = await p.credentials().then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message, isError: e instanceof Error }));
    return { replaced, err, calls: net.calls };
  });
  assert.deepEqual(r.replaced, {
    id: 'us-east-1:guest-1', calls: ['GetCredentialsForIdentity', 'GetId', 'GetCredentialsForIdentity'], stored: 'us-east-1:guest-1',
  });
  assert.deepEqual(r.err, {
    name: 'ResourceNotFoundException', code: 'ResourceNotFoundException', message: "Identity 'us-east-1:guest-2' not found.", isError: true,
  }, "the error's name loses its namespace");
  assert.deepEqual(r.calls, ['GetCredentialsForIdentity', 'GetId', 'GetCredentialsForIdentity']);
});

test('pools keep their own identity, in the storage asked for', async () => {
  const r = await inPage(async () => {
    const [a, b] = [await makePool('us-east-1:one'), await makePool('us-east-1:two')];
    const [ca, cb] = [await a.credentials(), await b.credentials()];
    const s = await makePool('us-east-1:session', { storage: 'session' });
    const m = await makePool('us-east-1:memory', { storage: 'memory' });
    const [cs, cm] = [await s.credentials(), await m.credentials()];
    const bad = await makePool('us-east-1:bad', { storage: 'cookie' });
    const invalid = await bad.credentials().then(() => null, (e) => ({ code: e.code, message: e.message }));
    return {
      ids: [ca.identityId, cb.identityId, cs.identityId, cm.identityId],
      local: Object.keys(localStorage).sort(), session: Object.keys(sessionStorage), invalid, calls: net.calls.length,
    };
  });
  assert.equal(new Set(r.ids).size, 4);
  assert.deepEqual(r.local, ['cognate:us-east-1:one:identityId', 'cognate:us-east-1:two:identityId']);
  assert.deepEqual(r.session, ['cognate:us-east-1:session:identityId']);
  assert.deepEqual(r.invalid, { code: 'InvalidOptions', message: "storage must be 'local', 'session' or 'memory'" });
  assert.equal(r.calls, 8, 'the invalid pool makes no request');
});

test('a sign-in that merges moves the cache to the owner, with change events', async () => {
  const r = await inPage(async () => {
    const p = await makePool('us-east-1:merge');
    const events = [];
    p.on('change', (e) => events.push(e));
    p.on('change', () => { throw new Error("a listener's failure"); });
    const guest = (await p.credentials()).identityId;
    net.owner = 'us-east-1:owner';
    const id = await p.signIn('idp.test', 'a.b.c');
    const creds = await p.credentials();
    const token = await p.openIdToken();
    return { guest, id, stored: localStorage.getItem('cognate:us-east-1:merge:identityId'), events, creds: creds.identityId, token,
      sent: net.bodies[2], calls: net.calls };
  });
  assert.equal(r.id, 'us-east-1:owner');
  assert.equal(r.stored, 'us-east-1:owner');
  assert.equal(r.creds, 'us-east-1:owner');
  assert.deepEqual(r.sent, { IdentityId: r.guest, Logins: { 'idp.test': 'a.b.c' } }, 'the guest presents the login');
  assert.deepEqual(r.events, [
    { identityId: r.guest, authenticated: false },
    { identityId: 'us-east-1:owner', authenticated: true },
    { identityId: 'us-east-1:owner', authenticated: true },
  ]);
  assert.equal(r.token, 'token-for-us-east-1:owner');
  assert.deepEqual(r.calls, ['GetId', 'GetCredentialsForIdentity', 'GetCredentialsForIdentity', 'GetOpenIdToken']);
});

test('access tokens of Login with Amazon and Facebook are passed as they are (not JWTs)', async () => {
  const r = await inPage(async () => {
    const p = await makePool('us-east-1:social');
    const amazon = await p.signIn('www.amazon.com', 'Atza|IwEBIA-not.a.jwt');
    const amazonSent = net.bodies.at(-1).Logins;
    let asked = 0;
    const facebook = await p.signIn('graph.facebook.com', () => { asked += 1; return `EAAB${asked}`; });
    await p.credentials();
    return { amazon, facebook, amazonSent, facebookSent: net.bodies.at(-1).Logins, asked };
  });
  assert.equal(typeof r.amazon, 'string');
  assert.deepEqual(r.amazonSent, { 'www.amazon.com': 'Atza|IwEBIA-not.a.jwt' });
  assert.deepEqual(r.facebookSent, { 'graph.facebook.com': 'EAAB1' });
  assert.equal(r.facebook, r.amazon, 'the identity keeps its id');
  assert.equal(r.asked, 1, 'cached credentials ask the token provider nothing');
});

test('a SAML response is passed as it is under the SAML provider ARN', async () => {
  const r = await inPage(async () => {
    const p = await makePool('us-east-1:saml');
    const arn = 'arn:aws:iam::000000000000:saml-provider/Corp';
    const samlResponse = btoa('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>');
    const id = await p.signIn(arn, samlResponse);
    return { id, sent: net.bodies.at(-1).Logins, arn, samlResponse };
  });
  assert.equal(typeof r.id, 'string');
  assert.deepEqual(r.sent, { [r.arn]: r.samlResponse });
});

test('no fresh token fires signInRequired instead of failing silently', async () => {
  const r = await inPage(async () => {
    const p = await makePool('us-east-1:required');
    const reasons = [];
    p.on('signInRequired', (e) => reasons.push(e.reason));
    const failing = await p.signIn('idp.test', () => Promise.reject(new Error('expired'))).then(() => null, (e) => e.code);
    const empty = await p.signIn('idp.test', () => '').then(() => null, (e) => e.code);
    // A token the service no longer takes, for a signed-in identity.
    net.refuseSignedIn = true;
    const refused = await p.signIn('idp.test', async () => 'old.token').then(() => null, (e) => ({ code: e.code, message: e.message }));
    return { failing, empty, refused, reasons };
  });
  assert.equal(r.failing, 'SignInRequired');
  assert.equal(r.empty, 'SignInRequired');
  assert.deepEqual(r.refused, { code: 'SignInRequired', message: 'Invalid login token. Token expired.' });
  assert.deepEqual(r.reasons, ['the token provider failed', 'the token provider gave no token', 'Invalid login token. Token expired.']);
});

test('sign out forgets the identity: the next call is a new guest', async () => {
  const r = await inPage(async () => {
    const p = await makePool('us-east-1:out');
    const events = [];
    p.on('change', (e) => events.push(e));
    const first = await p.identityId();
    await p.signIn('idp.test', 'a.b.c');
    await p.signOut();
    const stored = localStorage.getItem('cognate:us-east-1:out:identityId');
    const second = await p.identityId();
    return { first, second, stored, events };
  });
  assert.equal(r.stored, null);
  assert.notEqual(r.second, r.first);
  assert.deepEqual(r.events.slice(2), [{ identityId: null, authenticated: false }, { identityId: r.second, authenticated: false }]);
});

test('an unreachable or garbled cognate gives NetworkError or InvalidResponse', async () => {
  const r = await inPage(async () => {
    const p = await makePool('us-east-1:broken', { storage: 'memory' });
    const code = (promise) => promise.then(() => null, (e) => ({ code: e.code, name: e.name, message: e.message }));
    net.broken = 'network';
    const network = await code(p.credentials());
    net.broken = 'html';
    const html = await code(p.credentials());
    return { network, html };
  });
  assert.deepEqual(r.network, { code: 'NetworkError', name: 'NetworkError', message: 'cognate could not be reached: Failed to fetch' });
  assert.deepEqual(r.html, { code: 'InvalidResponse', name: 'InvalidResponse', message: 'cognate answered with no JSON' });
});
