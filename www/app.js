// The demo: guest access with the cognate package, a SigV4-signed call to
// the Worker's /whoami with the credentials it gives, and "My files": the
// identity's own folder in the S3 bucket (upload, list, download, delete),
// signed with the same credentials for service s3.
import { IdentityPool } from './pkg/index.js';
import { encodeS3, signRequest, signS3Request } from './vendor/sigv4.js';

const DEV_POOL = 'us-east-1:0c09a7e0-de70-4000-8000-000000000001';

/**
 * The OpenID provider of "Sign in", from demo-config.json beside this page
 * (the Worker serves it from its assets: scripts/dev.sh writes it for the
 * development provider it starts, the end-to-end run for its own); null
 * without one, and then the demo offers no sign-in.
 */
async function signInProvider() {
  try {
    const response = await fetch(new URL('demo-config.json', location.href));
    if (!response.ok) return null;
    const { signIn } = await response.json();
    if (typeof signIn?.issuer !== 'string' || typeof signIn?.clientId !== 'string') return null;
    return { issuer: signIn.issuer, clientId: signIn.clientId, redirectUri: `${location.origin}/`, scope: 'openid email' };
  } catch {
    return null;
  }
}
const IDP = await signInProvider();
const params = new URLSearchParams(location.search);
const pool = new IdentityPool({
  endpoint: location.origin,
  identityPoolId: params.get('pool') ?? DEV_POOL,
  persistLogin: 'session',
});
const $ = (id) => document.getElementById(id);

function showError(err) {
  $('error').hidden = false;
  $('error').textContent = `${err.code ?? err.name}: ${err.message}`;
}

let signedIn = false;

async function refresh() {
  try {
    const creds = await pool.credentials();
    $('identity').textContent = creds.identityId;
    $('expiry').textContent = creds.expiration.toLocaleTimeString();
    $('status').textContent = signedIn ? 'Signed in' : 'Guest';
    $('status').classList.toggle('signed-in', signedIn);
    $('signin').hidden = signedIn || !IDP;
    $('signout').textContent = signedIn ? 'Sign out' : 'Start over as a new guest';
    $('error').hidden = true;
    await listFiles(creds.identityId);
  } catch (err) {
    showError(err);
  }
}

// ---- My files: user-data/<identity id>/ through the S3 API at /s3 ----

const BUCKET = 'user-data';

/** An S3 error answer (XML) as an Error with S3's code. */
async function s3Error(response) {
  const doc = new DOMParser().parseFromString(await response.text(), 'application/xml');
  const field = (name) => doc.getElementsByTagName(name)[0]?.textContent;
  return Object.assign(new Error(field('Message') ?? `HTTP ${response.status}`), { code: field('Code') ?? `HTTP ${response.status}` });
}

/** A signed S3 request for `key` (or the bucket, when `key` is undefined). */
async function s3(method, key, { query, body, headers } = {}) {
  const credentials = await pool.credentials();
  const path = `/s3/${BUCKET}${key === undefined ? '' : `/${key.split('/').map(encodeS3).join('/')}`}`;
  const signed = await signS3Request({ method, origin: location.origin, path, query, headers, credentials });
  const response = await fetch(signed.url, { method, headers: signed.headers, body });
  if (!response.ok) throw await s3Error(response);
  return response;
}

/** The objects under `prefix`, every page of ListObjectsV2. */
async function listObjects(prefix) {
  const objects = [];
  let token;
  do {
    const query = { 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) };
    const doc = new DOMParser().parseFromString(await (await s3('GET', undefined, { query })).text(), 'application/xml');
    for (const c of doc.getElementsByTagName('Contents')) {
      const field = (name) => c.getElementsByTagName(name)[0]?.textContent ?? '';
      objects.push({ key: field('Key'), size: Number(field('Size')) });
    }
    const truncated = doc.getElementsByTagName('IsTruncated')[0]?.textContent === 'true';
    token = truncated ? doc.getElementsByTagName('NextContinuationToken')[0]?.textContent : undefined;
  } while (token);
  return objects;
}

const folderOf = (identityId) => `${identityId}/`;
const sizeText = (n) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

function filesStatus(text) {
  $('files-status').textContent = text;
}

async function listFiles(identityId) {
  const folder = folderOf(identityId ?? (await pool.identityId()));
  $('folder').textContent = `${BUCKET}/${folder}`;
  try {
    const objects = await listObjects(folder);
    const list = $('files');
    list.replaceChildren(...objects.map(({ key, size }) => fileItem(key, key.slice(folder.length), size)));
    filesStatus(objects.length ? `${objects.length} file${objects.length === 1 ? '' : 's'}` : 'No files yet: upload one.');
  } catch (err) {
    filesStatus(`Listing failed: ${err.code ?? err.name}: ${err.message}`);
  }
}

function fileItem(key, name, size) {
  const item = document.createElement('li');
  item.dataset.key = key;
  const label = Object.assign(document.createElement('span'), { className: 'name', textContent: name });
  const bytes = Object.assign(document.createElement('span'), { className: 'size', textContent: sizeText(size) });
  const download = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary download', textContent: 'Download' });
  const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary delete', textContent: 'Delete' });
  download.addEventListener('click', () => downloadFile(key, name));
  remove.addEventListener('click', () => deleteFile(key, name));
  item.append(label, bytes, download, remove);
  return item;
}

async function downloadFile(key, name) {
  try {
    const blob = await (await s3('GET', key)).blob();
    const url = URL.createObjectURL(blob);
    const a = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    filesStatus(`Download failed: ${err.code ?? err.name}: ${err.message}`);
  }
}

async function deleteFile(key, name) {
  try {
    await s3('DELETE', key);
    filesStatus(`Deleted ${name}`);
  } catch (err) {
    filesStatus(`Delete failed: ${err.code ?? err.name}: ${err.message}`);
    return;
  }
  await listFiles();
}

$('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('file').files[0];
  if (!file) {
    filesStatus('Choose a file first.');
    return;
  }
  $('upload').disabled = true;
  try {
    const folder = folderOf(await pool.identityId());
    filesStatus(`Uploading ${file.name}…`);
    await s3('PUT', folder + file.name.replaceAll('/', '_'), {
      body: file, headers: { 'content-type': file.type || 'application/octet-stream' },
    });
    $('file').value = '';
    await listFiles();
  } catch (err) {
    filesStatus(`Upload failed: ${err.code ?? err.name}: ${err.message}`);
  } finally {
    $('upload').disabled = false;
  }
});

$('whoami').addEventListener('click', async () => {
  $('whoami').disabled = true;
  try {
    const creds = await pool.credentials();
    const signed = await signRequest(new URL('/whoami', location.origin), creds);
    const response = await fetch(signed.url, { headers: signed.headers });
    $('result').hidden = false;
    $('result').textContent = JSON.stringify(await response.json(), null, 2);
  } catch (err) {
    showError(err);
  } finally {
    $('whoami').disabled = false;
  }
});

$('signout').addEventListener('click', async () => {
  await pool.signOut();
  signedIn = false;
  $('result').hidden = true;
  await refresh();
});

$('signin').addEventListener('click', async () => {
  $('signin').disabled = true;
  try {
    await pool.signInWithRedirect(IDP);
  } catch (err) {
    showError(err);
    $('signin').disabled = false;
  }
});

pool.on('change', ({ identityId, authenticated }) => {
  $('identity').textContent = identityId ?? '—';
  signedIn = authenticated;
});

try {
  await pool.handleRedirect();
} catch (err) {
  showError(err);
}
refresh();
