// The browser package and the demo in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core) against the Worker in workerd:
// guest access, the signed /whoami call, a reload that keeps the identity,
// starting over as a new guest, the package's promises (no request or
// storage on import, one request shared by concurrent callers, storage
// namespaced by pool), and "My files" in the identity's own S3 folder as a
// guest and after signing in. Signing in goes to the development OpenID
// provider run.mjs started on a port of its own (COGNATE_IDP_ISSUER), which
// the demo page learns from the demo-config.json the Worker serves.
// Screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { seedDevPool, DEV_POOL_ID } from '../../scripts/seed-dev-pool.mjs';
import { endpoint, vars } from './lib.mjs';
import { root } from './worker.mjs';

const shots = `${root}/test-results`;
const idpIssuer = process.env.COGNATE_IDP_ISSUER;
/** The development provider's pages (the URL the demo sends the browser to). */
const atProvider = (url) => url.origin === idpIssuer;
let browser;

before(async () => {
  assert.ok(idpIssuer, 'COGNATE_IDP_ISSUER names the development OpenID provider (tests/e2e/run.mjs starts one)');
  mkdirSync(shots, { recursive: true });
  await seedDevPool(endpoint, vars, { idpIssuer });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
});

async function page() {
  const context = await browser.newContext();
  const p = await context.newPage();
  const posts = [];
  p.on('request', (r) => { if (r.method() === 'POST') posts.push(r.headers()['x-amz-target']); });
  return { p, posts, context };
}

test('the demo: a guest identity, a signed /whoami, kept across reloads, and a fresh guest on start over', async () => {
  const { p, context } = await page();
  const loaded = () => p.waitForFunction(() => document.getElementById('status').textContent === 'Guest'
    && document.getElementById('identity').textContent.startsWith('us-east-1:'));
  await p.goto(`${endpoint}/`);
  await loaded();
  const id = await p.textContent('#identity');
  assert.equal(await p.textContent('#status'), 'Guest');
  await p.screenshot({ path: `${shots}/demo-guest.png`, fullPage: true });

  await p.click('#whoami');
  await p.waitForSelector('#result:not([hidden])');
  const whoami = JSON.parse(await p.textContent('#result'));
  assert.equal(whoami.IdentityId, id);
  assert.equal(whoami.IdentityPoolId, DEV_POOL_ID);
  assert.deepEqual(whoami.Amr, ['unauthenticated']);
  await p.screenshot({ path: `${shots}/demo-whoami.png`, fullPage: true });

  await p.reload();
  await loaded();
  assert.equal(await p.textContent('#identity'), id, 'a reload keeps the identity');

  await p.click('#signout');
  await p.waitForFunction((old) => {
    const now = document.getElementById('identity').textContent;
    return now.startsWith('us-east-1:') && now !== old;
  }, id);
  assert.notEqual(await p.textContent('#identity'), id);
  await p.screenshot({ path: `${shots}/demo-new-guest.png`, fullPage: true });
  await context.close();
});

test('importing the package makes no request and touches no storage; concurrent calls share one request', async () => {
  const { p, posts, context } = await page();
  await p.goto(`${endpoint}/style.css`);
  const result = await p.evaluate(async (poolId) => {
    const { IdentityPool } = await import('/pkg/index.js');
    const pool = new IdentityPool({ endpoint: location.origin, identityPoolId: poolId });
    const before = localStorage.length;
    const all = await Promise.all([pool.credentials(), pool.credentials(), pool.credentials(), pool.identityId()]);
    const keys = Object.keys(localStorage);
    const again = await pool.credentials();
    return {
      before, keys,
      ids: all.map((c) => (typeof c === 'string' ? c : c.identityId)),
      expirationIsDate: all[0].expiration instanceof Date,
      sameKey: again.accessKeyId === all[0].accessKeyId,
    };
  }, DEV_POOL_ID);
  assert.equal(result.before, 0, 'nothing stored before the first call');
  assert.deepEqual(posts, ['AWSCognitoIdentityService.GetId', 'AWSCognitoIdentityService.GetCredentialsForIdentity'],
    'one GetId and one GetCredentialsForIdentity for four concurrent calls, none on import');
  assert.equal(new Set(result.ids).size, 1);
  assert.ok(result.expirationIsDate);
  assert.ok(result.sameKey, 'cached');
  assert.deepEqual(result.keys, [`cognate:${DEV_POOL_ID}:identityId`], 'storage is namespaced by pool');
  await context.close();
});

test('a cached guest that cognate no longer knows is replaced by a fresh guest, once', async () => {
  const { p, context } = await page();
  await p.goto(`${endpoint}/style.css`);
  const result = await p.evaluate(async (poolId) => {
    localStorage.setItem(`cognate:${poolId}:identityId`, 'us-east-1:00000000-0000-8000-8000-000000000000');
    const { IdentityPool } = await import('/pkg/index.js');
    const pool = new IdentityPool({ endpoint: location.origin, identityPoolId: poolId });
    const creds = await pool.credentials();
    return { id: creds.identityId, stored: localStorage.getItem(`cognate:${poolId}:identityId`) };
  }, DEV_POOL_ID);
  assert.notEqual(result.id, 'us-east-1:00000000-0000-8000-8000-000000000000');
  assert.equal(result.stored, result.id);
  await context.close();
});

test('errors are JavaScript Errors with a stable code', async () => {
  const { p, context } = await page();
  await p.goto(`${endpoint}/style.css`);
  const err = await p.evaluate(async () => {
    const { IdentityPool } = await import('/pkg/index.js');
    const pool = new IdentityPool({ endpoint: location.origin, identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000', storage: 'memory' });
    try {
      await pool.credentials();
      return null;
    } catch (e) {
      return { isError: e instanceof Error, name: e.name, code: e.code, message: e.message };
    }
  });
  assert.deepEqual(err, { isError: true, name: 'ResourceNotFoundException', code: 'ResourceNotFoundException',
    message: "IdentityPool 'us-east-1:00000000-0000-4000-8000-000000000000' not found." });
  await context.close();
});

test('sign in by redirect keeps the guest id, survives a reload, and sign out returns to a new guest', async () => {
  const { p, context } = await page();
  const status = (s) => p.waitForFunction((want) => document.getElementById('status').textContent === want
    && document.getElementById('identity').textContent.startsWith('us-east-1:'), s);
  await p.goto(`${endpoint}/`);
  await status('Guest');
  const guest = await p.textContent('#identity');

  await p.click('#signin');
  await p.waitForURL(atProvider);
  await p.fill('input[name=login]', 'ada-zqx');
  await p.fill('input[name=password]', 'any');
  await p.screenshot({ path: `${shots}/signin-provider.png` });
  await p.click('button[type=submit]');
  // The development provider asks for consent once.
  await p.waitForURL((url) => url.origin === endpoint || /interaction/.test(url.pathname));
  if (!p.url().startsWith(endpoint)) await p.click('button[type=submit]');
  await p.waitForURL((url) => url.origin === endpoint);
  await status('Signed in');
  assert.equal(await p.textContent('#identity'), guest, 'the guest identity is linked and keeps its id');
  assert.ok(!p.url().includes('code=') && !p.url().includes('state='), 'code and state leave the URL');
  await p.screenshot({ path: `${shots}/signin-done.png`, fullPage: true });

  await p.click('#whoami');
  await p.waitForSelector('#result:not([hidden])');
  const whoami = JSON.parse(await p.textContent('#result'));
  assert.equal(whoami.IdentityId, guest);
  assert.equal(whoami.Amr[0], 'authenticated');
  assert.equal(whoami.Amr[1], new URL(idpIssuer).host);
  assert.ok(!JSON.stringify(whoami).includes('ada-zqx'), 'the subject is never shown');

  const stored = await p.evaluate(() => ({ local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) }));
  assert.ok(!/eyJ/.test(stored.local), 'no token in localStorage');
  assert.ok(/refreshToken/.test(stored.session), 'the sign-in is kept for the session, as the demo asks');

  const refreshes = [];
  p.on('request', (r) => { if (r.method() === 'POST' && /grant_type=refresh_token/.test(r.postData() ?? '')) refreshes.push(r.url()); });
  await new Promise((r) => setTimeout(r, 6000));
  await p.reload();
  await status('Signed in');
  assert.equal(await p.textContent('#identity'), guest, 'a reload keeps the session');
  assert.equal(refreshes.length, 1, 'the expiring ID token was renewed with the refresh token');

  await p.click('#signout');
  await p.waitForFunction((old) => document.getElementById('status').textContent === 'Guest'
    && document.getElementById('identity').textContent.startsWith('us-east-1:')
    && document.getElementById('identity').textContent !== old, guest);
  await p.screenshot({ path: `${shots}/signed-out.png`, fullPage: true });
  await context.close();
});

test('several tabs opening at once share one guest identity', async () => {
  const context = await browser.newContext();
  const getIds = [];
  context.on('request', (r) => { if (r.headers()['x-amz-target']?.endsWith('.GetId')) getIds.push(r.url()); });
  const tabs = await Promise.all([1, 2, 3, 4].map(() => context.newPage()));
  await Promise.all(tabs.map((t) => t.goto(`${endpoint}/style.css`)));
  const ids = await Promise.all(tabs.map((t) => t.evaluate(async (poolId) => {
    const { IdentityPool } = await import('/pkg/index.js');
    return (await new IdentityPool({ endpoint: location.origin, identityPoolId: poolId }).credentials()).identityId;
  }, DEV_POOL_ID)));
  assert.equal(new Set(ids).size, 1, ids.join(', '));
  assert.equal(getIds.length, 1, 'one GetId for four tabs');
  await context.close();
});

/** Signs in at the development provider as `user` (the page is on the demo, signed out). */
async function signInAs(p, user) {
  await p.click('#signin');
  await p.waitForURL(atProvider);
  await p.fill('input[name=login]', user);
  await p.fill('input[name=password]', 'any');
  await p.click('button[type=submit]');
  await p.waitForURL((url) => url.origin === endpoint || /interaction/.test(url.pathname));
  if (!p.url().startsWith(endpoint)) await p.click('button[type=submit]');
  await p.waitForURL((url) => url.origin === endpoint);
}

/** Clicks the Download button of the file `name` and resolves to the bytes the browser saved. */
async function download(p, name) {
  const item = p.locator('#files li', { hasText: name });
  const [saved] = await Promise.all([p.waitForEvent('download'), item.locator('button.download').click()]);
  assert.equal(saved.suggestedFilename(), name);
  return readFileSync(await saved.path());
}

test('My files: a guest uploads, lists, downloads and deletes in its own folder; after signing in it sees the same files', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const p = await context.newPage();
  const status = (s) => p.waitForFunction((want) => document.getElementById('status').textContent === want
    && document.getElementById('identity').textContent.startsWith('us-east-1:'), s);
  await p.goto(`${endpoint}/`);
  await status('Guest');
  const id = await p.textContent('#identity');
  await p.waitForFunction((want) => document.getElementById('folder').textContent === want, `user-data/${id}/`);
  await p.waitForFunction(() => /No files yet/.test(document.getElementById('files-status').textContent));

  const note = Buffer.from('hello from the guest ✓\n');
  await p.setInputFiles('#file', { name: 'note (1).txt', mimeType: 'text/plain', buffer: note });
  await p.click('#upload');
  const noteItem = p.locator('#files li', { hasText: 'note (1).txt' });
  await noteItem.waitFor();
  assert.equal(await noteItem.getAttribute('data-key'), `${id}/note (1).txt`);
  assert.ok((await download(p, 'note (1).txt')).equals(note), 'the download has the uploaded bytes');

  const photo = randomBytes(200_000);
  await p.setInputFiles('#file', { name: 'photo.bin', mimeType: 'application/octet-stream', buffer: photo });
  await p.click('#upload');
  await p.locator('#files li', { hasText: 'photo.bin' }).waitFor();
  assert.equal(await p.locator('#files li').count(), 2);
  await p.screenshot({ path: `${shots}/files-guest.png`, fullPage: true });

  await noteItem.locator('button.delete').click();
  await noteItem.waitFor({ state: 'detached' });
  assert.equal(await p.locator('#files li').count(), 1);

  await signInAs(p, `files-${randomBytes(4).toString('hex')}`);
  await status('Signed in');
  assert.equal(await p.textContent('#identity'), id, 'the guest keeps its id, and so its folder');
  await p.locator('#files li', { hasText: 'photo.bin' }).waitFor();
  assert.equal(await p.locator('#files li').count(), 1);
  assert.ok((await download(p, 'photo.bin')).equals(photo), 'the signed-in user downloads what the guest uploaded');
  await p.screenshot({ path: `${shots}/files-signed-in.png`, fullPage: true });

  await p.locator('#files li', { hasText: 'photo.bin' }).locator('button.delete').click();
  await p.waitForFunction(() => /No files yet/.test(document.getElementById('files-status').textContent));
  await context.close();
});
