// A tiny Vite app using the package as an app would: proves the package is
// ESM that a bundler takes, wasm included, and that its types check.
import { IdentityPool, type Credentials, type CognateError } from 'cognate-identity';

const pool = new IdentityPool({ endpoint: 'http://127.0.0.1:8787', identityPoolId: 'us-east-1:0c09a7e0-de70-4000-8000-000000000001' });
pool.on('change', ({ identityId, authenticated }) => console.log(identityId, authenticated));

async function show(): Promise<void> {
  try {
    const creds: Credentials = await pool.credentials();
    const expires: Date = creds.expiration;
    document.getElementById('out')!.textContent = `${creds.identityId} until ${expires.toISOString()}`;
  } catch (e) {
    const err = e as CognateError;
    document.getElementById('out')!.textContent = `${err.code}: ${err.message}`;
  }
}

void show();
