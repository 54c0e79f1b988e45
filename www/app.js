// The demo: guest access with the cognate package, and a SigV4-signed call
// to the Worker's /whoami with the credentials it gives.
import { IdentityPool } from './pkg/index.js';
import { signRequest } from './vendor/sigv4.js';

const DEV_POOL = 'us-east-1:0c09a7e0-de70-4000-8000-000000000001';
// The development OpenID provider that `scripts/dev.sh` starts.
const IDP = { issuer: 'http://127.0.0.1:8788', clientId: 'cognate-demo', redirectUri: `${location.origin}/`, scope: 'openid email' };
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
    $('signin').hidden = signedIn;
    $('signout').textContent = signedIn ? 'Sign out' : 'Start over as a new guest';
    $('error').hidden = true;
  } catch (err) {
    showError(err);
  }
}

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
