// Rotates cognate's keys one step at a time, without ever reading a secret
// back (Cloudflare's secrets are write-only): each key lives in a numbered
// slot of its own secret, and `*_CURRENT` says which slot is in use.
//
//   node scripts/rotate.mjs <step> <slot> [--env-file FILE]
//
// steps:
//   signing-stage N     a new signing key in SIGNING_KEY_N: published in the
//                       JWKS at once, signing nothing yet
//   signing-use N       SIGNING_KEY_CURRENT=N: slot N signs; the slot before
//                       stays published, so tokens it signed still verify
//   signing-drop N      deletes SIGNING_KEY_N (its tokens stop verifying)
//   credential-stage N  a new credential key in CREDENTIAL_KEY_N (N: 1 or 2)
//   credential-use N    CREDENTIAL_KEY_CURRENT=N: new credentials are sealed
//                       with slot N; the other slot still opens live ones
//   admin-stage N       a new admin key pair in slot N (1: ADMIN_ACCESS_KEY_ID,
//                       2: ADMIN_ACCESS_KEY_ID_2), printed once on stdout;
//                       both pairs work until one is dropped
//   admin-drop N        deletes admin pair N
//
// Without --env-file it runs `wrangler secret bulk` / `wrangler secret delete`
// for the deployed Worker (the new values go through a pipe, never to disk).
// With --env-file it edits that local file (.dev.vars or a test run's).
// The order and the waits between steps are in the README ("Rotating keys").
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { adminPair, credentialKey, formatVars, parseVars, signingKey } from './dev-vars.mjs';

const SLOTS = { signing: 3, credential: 2, admin: 2 };

function usage(message) {
  console.error(`${message}\nusage: node scripts/rotate.mjs <signing|credential|admin>-<stage|use|drop> <slot> [--env-file FILE]`);
  process.exit(2);
}

const adminNames = (n) => (n === 1
  ? ['ADMIN_ACCESS_KEY_ID', 'ADMIN_SECRET_ACCESS_KEY']
  : ['ADMIN_ACCESS_KEY_ID_2', 'ADMIN_SECRET_ACCESS_KEY_2']);

/** What a step puts and deletes: {put: {name: value}, remove: [names], say?}. */
async function plan(kind, action, slot, current) {
  if (kind === 'signing' || kind === 'credential') {
    const prefix = kind === 'signing' ? 'SIGNING_KEY' : 'CREDENTIAL_KEY';
    const name = `${prefix}_${slot}`;
    if (action !== 'use' && current?.[`${prefix}_CURRENT`] === String(slot)) {
      usage(`slot ${slot} is the current ${kind} key: stage or drop another slot`);
    }
    if (action === 'stage') {
      const value = kind === 'signing' ? JSON.stringify(await signingKey()) : credentialKey();
      return { put: { [name]: value }, remove: [] };
    }
    if (action === 'use') {
      if (current && !current[name]) usage(`${name} is not set: stage it first`);
      return { put: { [`${prefix}_CURRENT`]: String(slot) }, remove: [] };
    }
    return { put: {}, remove: [name] };
  }
  const [idName, secretName] = adminNames(slot);
  if (action === 'stage') {
    const pair = adminPair();
    return { put: { [idName]: pair.id, [secretName]: pair.secret }, remove: [], say: pair };
  }
  if (action === 'drop') {
    const [otherId] = adminNames(3 - slot);
    if (current && !current[otherId]) usage(`admin pair ${3 - slot} is not set: dropping ${slot} would lock you out`);
    return { put: {}, remove: [idName, secretName] };
  }
  return usage('admin has no "use" step: both pairs work, drop the old one');
}

function wrangler(args, input) {
  const run = spawnSync('npx', ['wrangler', ...args], { input, stdio: ['pipe', 'inherit', 'inherit'] });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

const argv = process.argv.slice(2);
const fileAt = argv.indexOf('--env-file');
const envFile = fileAt >= 0 ? argv[fileAt + 1] : undefined;
if (fileAt >= 0) argv.splice(fileAt, 2);
const [step, slotText] = argv;
const [kind, action] = (step ?? '').split('-');
const slot = Number(slotText);
if (!(kind in SLOTS) || !['stage', 'use', 'drop'].includes(action)) usage(`unknown step ${step ?? ''}`);
if (!Number.isInteger(slot) || slot < 1 || slot > SLOTS[kind]) usage(`${kind} slots are 1 to ${SLOTS[kind]}`);

const current = envFile ? parseVars(readFileSync(envFile, 'utf8')) : undefined;
const { put, remove, say } = await plan(kind, action, slot, current);
if (envFile) {
  const next = { ...current, ...put };
  for (const name of remove) delete next[name];
  writeFileSync(envFile, formatVars(next), { mode: 0o600 });
} else {
  if (Object.keys(put).length) wrangler(['secret', 'bulk'], JSON.stringify(put));
  for (const name of remove) wrangler(['secret', 'delete', name], 'y\n');
}
if (say) process.stdout.write(`${JSON.stringify({ accessKeyId: say.id, secretAccessKey: say.secret })}\n`);
console.error(`${step} ${slot}: done${envFile ? ` in ${envFile}` : ''}`);
