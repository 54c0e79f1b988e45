// The Workers `npm run bench` and `npm run bench:doors` start in workerd
// through Miniflare 4's own API (no wrangler dev): the built cognate Worker
// with wrangler.toml's bindings, an empty Worker (a constant small JSON
// answer), and a bare JS Worker that does the same storage work as each
// cognate call under test and nothing else.
import { existsSync, readFileSync } from 'node:fs';
import { freePort } from './free-port.mjs';
import { Miniflare } from 'miniflare';

const root = new URL('../..', import.meta.url).pathname;
export const COMPATIBILITY_DATE = '2026-08-01'; // the newest Miniflare 4.20260730 takes
/** The release Worker's build (bash scripts/build-worker.sh). */
export const BUILD_DIR = `${root}/build`;
const WORKER_DIR = `${BUILD_DIR}/worker`;

/** Throws unless the release Worker is built. */
export function requireBuild() {
  if (!existsSync(`${WORKER_DIR}/shim.mjs`)) throw new Error('no build/worker/shim.mjs: run `bash scripts/build-worker.sh` first');
}
/** The account of cognate's own roles (wrangler.toml's ACCOUNT_ID). */
export const ACCOUNT = '000000000000';
const modulesRules = [{ type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }];

/** The `[[r2_buckets]]` bindings and `[vars]` of wrangler.toml (the few shapes it uses). */
export function wranglerConfig() {
  const toml = readFileSync(`${root}/wrangler.toml`, 'utf8');
  const r2 = {};
  for (const block of toml.split(/^\[\[r2_buckets\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0];
    const binding = body.match(/^binding\s*=\s*"([^"]+)"/m)?.[1];
    const bucket = body.match(/^bucket_name\s*=\s*"([^"]+)"/m)?.[1];
    if (binding) r2[binding] = bucket ?? binding;
  }
  const vars = {};
  const varsBlock = toml.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? '';
  for (const m of varsBlock.matchAll(/^([A-Z_][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)) vars[m[1]] = m[2];
  return { r2, vars };
}

/** Starts one Worker in its own Miniflare (its own workerd) on 127.0.0.1. */
export async function start(worker, port = 0) {
  const mf = new Miniflare({ host: '127.0.0.1', port, workers: [{ compatibilityDate: COMPATIBILITY_DATE, ...worker }] });
  const url = await mf.ready;
  return { mf, endpoint: url.origin };
}

/**
 * The Miniflare options of the built cognate Worker with `vars` (wrangler.toml's
 * plus secrets); `dir` is its build (build/, the release Worker, by default).
 */
export function cognateWorker(vars, dir = BUILD_DIR) {
  const { r2, vars: tomlVars } = wranglerConfig();
  return {
    name: 'cognate', modules: true, scriptPath: `${dir}/worker/shim.mjs`, modulesRoot: dir, modulesRules,
    bindings: { ...tomlVars, ...vars },
    kvNamespaces: ['IDENTITIES'], durableObjects: { POOL: { className: 'PoolObject', useSQLite: true } }, r2Buckets: r2,
  };
}

/**
 * cognate's Worker options without its script: its bindings, for a Worker
 * beside it whose script or modules the caller gives.
 */
export function cognateBindings(vars, dir = BUILD_DIR) {
  const { modulesRoot: _root, modulesRules: _rules, scriptPath: _path, ...options } = cognateWorker(vars, dir);
  return options;
}

/**
 * A pool for guests whose role (`bench`, a cognate role) has one policy of
 * `statements`, made through `must` (an admin caller): {IdentityPoolId, role}.
 */
export async function benchGuestPool(must, statements) {
  const role = `arn:aws:iam::${ACCOUNT}:role/bench`;
  const { IdentityPoolId } = await must('CreateIdentityPool', { IdentityPoolName: 'bench', AllowUnauthenticatedIdentities: true });
  await must('SetIdentityPoolRoles', { IdentityPoolId, Roles: { unauthenticated: role } });
  await must('PutRolePolicy', {
    RoleArn: role, PolicyName: 'bench', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  });
  return { IdentityPoolId, role };
}

/**
 * A pool for the benchmarks' calls, made through `must` (an admin caller):
 * guests allowed, sign-in with `provider` for `clientId`, tagged
 * `cognate:guest-storage` = `storage`, with the cognate roles `bench-guest`
 * and `bench-user`. Its id.
 */
export async function signInPool(must, { provider, clientId, storage }) {
  const { IdentityPoolId } = await must('CreateIdentityPool', {
    IdentityPoolName: `bench-${storage}`, AllowUnauthenticatedIdentities: true,
    SupportedLoginProviders: { [provider]: clientId }, IdentityPoolTags: { 'cognate:guest-storage': storage },
  });
  await must('SetIdentityPoolRoles', {
    IdentityPoolId,
    Roles: { unauthenticated: `arn:aws:iam::${ACCOUNT}:role/bench-guest`, authenticated: `arn:aws:iam::${ACCOUNT}:role/bench-user` },
  });
  return IdentityPoolId;
}

export { freePort };

/**
 * The empty Worker: reads the request and gives a constant small JSON
 * answer, with the content type of cognate's JSON API answers. Not
 * `Response.json`: workerd gzips an `application/json` answer for a client
 * that accepts gzip (as fetch does), so that empty Worker spent its time
 * compressing and ran at about 0.7× this one. It reads the body because
 * workerd, answering a POST whose body it has not read with a fixed-length
 * answer, now and then resets the connection.
 */
export const EMPTY_WORKER = {
  name: 'empty', modules: true,
  script: `export default { async fetch(request) {
  await request.arrayBuffer();
  return new Response('{"ok":true}', { headers: { 'content-type': 'application/x-amz-json-1.1' } });
} };`,
};

/**
 * An empty Worker with the cognate Worker's bindings (KV, the Durable Object
 * class, R2, vars): beside cognate's, its cold start leaves cognate's code
 * as the only difference. Its answer is `application/json`, as the
 * discovery document cognate's cold start fetches, so both are gzipped.
 */
export function emptyWithBindings(vars) {
  return {
    ...cognateBindings(vars), name: 'empty-bound',
    script: `import { DurableObject } from 'cloudflare:workers';
export class PoolObject extends DurableObject {}
export default { async fetch() { return Response.json({ ok: true }); } };`,
  };
}

/**
 * The empty Worker with the same bindings that also imports cognate's wasm
 * module and never instantiates it: its cold start less the empty Worker's
 * is what workerd spends compiling the module, which it does when it loads
 * the Worker, before any cognate code runs.
 */
export function emptyWithModule(vars, dir = BUILD_DIR) {
  return {
    ...cognateBindings(vars, dir), name: 'empty-module', modulesRoot: dir,
    modules: [
      {
        type: 'ESModule', path: `${dir}/empty-module.mjs`,
        contents: `import { DurableObject } from 'cloudflare:workers';
import module from './index_bg.wasm';
export class PoolObject extends DurableObject {}
export default { async fetch() { return Response.json({ ok: WebAssembly.Module.exports(module).length > 0 }); } };`,
      },
      { type: 'CompiledWasm', path: `${dir}/index_bg.wasm` },
    ],
  };
}

// The bare Worker answers the same JSON-protocol requests as cognate with the
// same storage work, read from src/core/service/{public,signin,lookup}.rs,
// src/core/authority.rs and src/edge/pool_object.rs (main of 2026-11), and
// the same per-isolate cache (a Map, CACHE_SECONDS = 10 s: pools, identities
// and their absence, the pools of a routing tag, logins' owners):
// - new guest GetId: the pool (cached); in a `listed` pool one KV put of the
//   list entry after the response (waitUntil); no Durable Object;
// - guest GetCredentialsForIdentity: the identity (cached, absent for a guest
//   never stored), the pools of its tag and the pool (cached);
// - signed-in GetCredentialsForIdentity, login known: the identity, pool and
//   login's owner (all cached);
// - GetId with a new login: the pool (cached), the login (a miss, not
//   cached), one Durable Object round trip that reads pool, login and the new
//   id and commits login + identity + member, answering before its outbox
//   goes to KV (three puts after the answer);
// - linking a new login to a guest never stored: the identity (a miss), the
//   tag's pools and pool (cached), the login (a miss), then the object as
//   above (it reads the guest twice) and, in a `listed` pool, marks the
//   guest's list entry to be written again later (one more SQLite write);
// - merging a guest never stored into the identity that owns the call's
//   login: the identity (a miss), the tag's pools and pool (cached), the
//   login and its owner (KV gets), then the object, which reads pool, login,
//   the guest and the owner and commits the guest disabled with no logins
//   (its record and list entry; the owner's logins do not change), marking
//   the list entry in a `listed` pool.
// It neither verifies tokens nor signs credentials: the login key is a
// SHA-256 of pool and token (cognate: an HMAC of pool, issuer and subject),
// and the credentials answer is a constant of the size of cognate's.
// When cognate's storage work changes, change this to match.
const BARE_SCRIPT = `
import { DurableObject } from 'cloudflare:workers';

const SCHEMA = \`CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, mutation TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rechecks (key TEXT PRIMARY KEY, due INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rechecks_by_due ON rechecks (due);\`;

export class Ledger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    this.flushing = false;
  }
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        const batch = this.sql.exec('SELECT seq, mutation FROM outbox ORDER BY seq LIMIT 16').toArray();
        if (!batch.length) break;
        // As cognate's write-through: the last change of each key in the
        // batch, then one acknowledgement for the batch.
        const last = new Map();
        for (const row of batch) {
          const m = JSON.parse(row.mutation);
          last.delete(m.key);
          last.set(m.key, m);
        }
        for (const m of last.values()) {
          if (this.env.KV_PUTS === 'off') continue;
          await this.env.KV.put(m.key, m.value, m.metadata ? { metadata: JSON.parse(m.metadata) } : {});
        }
        this.sql.exec('DELETE FROM outbox WHERE seq <= ?', batch[batch.length - 1].seq);
      }
    } finally {
      this.flushing = false;
    }
  }
  async fetch(request) {
    const { reads, writes, rechecks = [] } = await request.json();
    for (const key of reads) this.sql.exec('SELECT value FROM entries WHERE key = ?', key).toArray();
    const due = Math.floor(Date.now() / 1000) + 180;
    for (const key of rechecks) {
      this.sql.exec('INSERT INTO rechecks (key, due) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET due = excluded.due', key, due);
    }
    for (const m of writes) {
      this.sql.exec('INSERT INTO entries (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', m.key, m.value);
      this.sql.exec('INSERT INTO outbox (mutation) VALUES (?)', JSON.stringify(m));
    }
    if (writes.length) this.ctx.waitUntil(this.flush());
    return Response.json({ ok: writes.find((w) => w.key.startsWith('identity/')) ?? null });
  }
}

const TTL_MS = 10_000;
const cache = new Map();
async function cached(env, key, { keepAbsent = true } = {}) {
  const hit = cache.get(key);
  if (hit && hit.expires > Date.now()) return hit.value;
  const value = await env.KV.get(key);
  if (value !== null || keepAbsent) cache.set(key, { value, expires: Date.now() + TTL_MS });
  return value;
}
const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
const loginKey = async (pool, token) => 'login/' + pool + '/' + hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pool + '\\n' + token)));
const identityPut = (id, pool, logins, now, disabled = false) => {
  const record = { pool, logins, created: now, modified: now, disabled };
  return [
    { key: 'identity/' + id, value: JSON.stringify(record) },
    { key: 'member/' + pool + '/' + id, value: '', metadata: JSON.stringify({ l: logins.map((l) => l.provider), c: now, m: now, d: disabled }) },
  ];
};
async function authority(env, pool, reads, writes, rechecks = []) {
  const stub = env.LEDGER.get(env.LEDGER.idFromName(pool));
  const r = await stub.fetch('https://pool.internal/command', { method: 'POST', body: JSON.stringify({ reads, writes, rechecks }) });
  return r.json();
}
const json = (text) => new Response(text, { headers: { 'content-type': 'application/x-amz-json-1.1' } });

export default {
  async fetch(request, env, ctx) {
    const op = (request.headers.get('x-amz-target') ?? '').split('.')[1];
    const input = await request.json();
    const now = Math.floor(Date.now() / 1000);
    const [provider, token] = Object.entries(input.Logins ?? {})[0] ?? [];
    if (op === 'Seed') {
      await authority(env, input.pool, [], [{ key: 'pool/' + input.pool, value: input.value }]);
      return json('{}');
    }
    if (op === 'GetId') {
      const pool = input.IdentityPoolId;
      const record = JSON.parse(await cached(env, 'pool/' + pool));
      const id = 'us-east-1:' + crypto.randomUUID();
      if (!token) {
        if (record.config.IdentityPoolTags?.['cognate:guest-storage'] !== 'none') {
          const metadata = { l: [], c: now, m: now, d: false };
          ctx.waitUntil(env.KV.put('member/' + pool + '/' + id, '', { metadata }));
        }
        return json(JSON.stringify({ IdentityId: id }));
      }
      const login = await loginKey(pool, token);
      const owner = await cached(env, login, { keepAbsent: false });
      if (owner !== null && (await cached(env, 'identity/' + owner)) !== null) return json(JSON.stringify({ IdentityId: owner }));
      const ref = { provider, mac: login.slice(-64) };
      await authority(env, pool, ['pool/' + pool, login, 'identity/' + id],
        [{ key: login, value: id }, ...identityPut(id, pool, [ref], now)]);
      return json(JSON.stringify({ IdentityId: id }));
    }
    if (op === 'GetCredentialsForIdentity') {
      const id = input.IdentityId;
      const stored = await cached(env, 'identity/' + id);
      const identity = stored === null ? { logins: [] } : JSON.parse(stored);
      const pool = identity.pool ?? JSON.parse(await cached(env, 'route/' + id.split(':')[1].slice(0, 8)))[0];
      const poolRecord = JSON.parse(await cached(env, 'pool/' + pool));
      if (token) {
        const login = await loginKey(pool, token);
        const owner = await cached(env, login, { keepAbsent: false });
        const listed = stored === null && poolRecord.config.IdentityPoolTags?.['cognate:guest-storage'] !== 'none';
        const rechecks = listed ? ['member/' + pool + '/' + id] : [];
        if (owner === null || (await cached(env, 'identity/' + owner)) === null) {
          const ref = { provider, mac: login.slice(-64) };
          await authority(env, pool, ['pool/' + pool, login, 'identity/' + id, 'identity/' + id],
            [{ key: login, value: id }, ...identityPut(id, pool, [...identity.logins, ref], now)], rechecks);
          cache.set(login, { value: id, expires: Date.now() + TTL_MS });
        } else if (owner !== id) {
          await authority(env, pool, ['pool/' + pool, login, 'identity/' + id, 'identity/' + owner],
            identityPut(id, pool, [], now, true), rechecks);
          cache.delete('identity/' + id);
        }
      }
      return json(env.CREDENTIALS);
    }
    return new Response('unknown operation', { status: 400 });
  },
};`;

/**
 * The bare Worker; `credentials` is a cognate credentials answer, sent back
 * as is. With `kvPuts` false its object writes nothing through to KV (it
 * still queues and acknowledges the writes): what a pool's changes would
 * run at if KV's puts cost this machine nothing, as on Cloudflare, where
 * they are calls to KV's servers; here Miniflare's KV runs on the same cores.
 */
export function bareWorker(credentials, { kvPuts = true } = {}) {
  return {
    name: kvPuts ? 'bare' : 'bare-no-puts', modules: true, script: BARE_SCRIPT,
    kvNamespaces: ['KV'], durableObjects: { LEDGER: { className: 'Ledger', useSQLite: true } },
    bindings: { CREDENTIALS: credentials, KV_PUTS: kvPuts ? 'on' : 'off' },
  };
}

/** The key the bare Worker gives the login `token` in `pool` (as its script computes it). */
export async function bareLoginKey(pool, token) {
  const { createHash } = await import('node:crypto');
  return `login/${pool}/${createHash('sha256').update(`${pool}\n${token}`).digest('hex')}`;
}
