// Writes local configuration for the Worker: the settings of DESIGN.md's
// local defaults and freshly generated secrets (signing key, hash key,
// credential key, admin key pair). Used for `.dev.vars` (once, when missing)
// and for each end-to-end test run (a fresh file every time).
import { webcrypto, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(n) {
  return Array.from(randomBytes(n), (b) => BASE32[b & 31]).join('');
}

async function signingKey(kid) {
  const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const { kty, crv, x, y, d } = await webcrypto.subtle.exportKey('jwk', privateKey);
  return { kty, crv, x, y, d, kid };
}

/** The variables, as a map, for a Worker whose issuer is `issuer`. */
export async function generateVars({ issuer = 'http://127.0.0.1:8787' } = {}) {
  const kid = `dev-${base32(8).toLowerCase()}`;
  return {
    REGION: 'us-east-1',
    ISSUER: issuer,
    INSECURE_HTTP_ISSUERS: '127.0.0.1,localhost',
    ADMIN_ACCESS_KEY_ID: `AKIA${base32(16)}`,
    ADMIN_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
    HASH_KEY: randomBytes(32).toString('base64url'),
    CREDENTIAL_KEYS: JSON.stringify({ current: { id: 'c1', key: randomBytes(32).toString('base64url') } }),
    SIGNING_KEYS: JSON.stringify({ current: await signingKey(kid) }),
  };
}

/** `.dev.vars`/`.env` text for `vars` (JSON values single-quoted). */
export function formatVars(vars) {
  return Object.entries(vars)
    .map(([k, v]) => (v.startsWith('{') ? `${k}='${v}'` : `${k}="${v}"`))
    .join('\n') + '\n';
}

/** Reads a file written by `formatVars` back into a map. */
export function parseVars(text) {
  const vars = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([A-Z_]+)=(['"])(.*)\2$/);
    if (m) vars[m[1]] = m[3];
  }
  return vars;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL('../.dev.vars', import.meta.url);
  if (existsSync(path)) {
    console.error('.dev.vars exists; keeping it');
  } else {
    const header = '# Local development settings and secrets for `wrangler dev` (generated; never commit).\n';
    writeFileSync(path, header + formatVars(await generateVars()), { mode: 0o600 });
    console.error('wrote .dev.vars with a new admin key pair and secrets');
  }
}
