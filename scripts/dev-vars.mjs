// Writes local configuration for the Worker: the local settings and freshly
// generated secrets (signing key slot, hash key, credential key slot, admin
// key pair). Used for `.dev.vars` (once, when missing)
// and for each end-to-end test run (a fresh file every time).
import { webcrypto, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(n) {
  return Array.from(randomBytes(n), (b) => BASE32[b & 31]).join('');
}

/** A new EC P-256 private JWK with `kid` (a signing key slot's value). */
export async function signingKey(kid = `k-${base32(8).toLowerCase()}`) {
  const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const { kty, crv, x, y, d } = await webcrypto.subtle.exportKey('jwk', privateKey);
  return { kty, crv, x, y, d, kid };
}

/** A new credential key slot's value: `{"id", "key"}`, 32 random bytes. */
export function credentialKey() {
  return JSON.stringify({ id: `c-${base32(8).toLowerCase()}`, key: randomBytes(32).toString('base64url') });
}

/** A new admin key pair. */
export function adminPair() {
  return { id: `AKIA${base32(16)}`, secret: randomBytes(30).toString('base64') };
}

/** The variables, as a map, for a Worker whose issuer is `issuer`. */
export async function generateVars({ issuer = 'http://127.0.0.1:8787' } = {}) {
  const kid = `dev-${base32(8).toLowerCase()}`;
  const admin = adminPair();
  // Keys in slots, as production keeps them (see scripts/rotate.mjs).
  return {
    REGION: 'us-east-1',
    ISSUER: issuer,
    INSECURE_HTTP_ISSUERS: '127.0.0.1,localhost',
    ADMIN_ACCESS_KEY_ID: admin.id,
    ADMIN_SECRET_ACCESS_KEY: admin.secret,
    HASH_KEY: randomBytes(32).toString('base64url'),
    CREDENTIAL_KEY_1: credentialKey(),
    CREDENTIAL_KEY_CURRENT: '1',
    SIGNING_KEY_1: JSON.stringify(await signingKey(kid)),
    SIGNING_KEY_CURRENT: '1',
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
    const m = line.match(/^([A-Z][A-Z0-9_]*)=(['"])(.*)\2$/);
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
