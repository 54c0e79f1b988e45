// The state checks of `npm run load` (scripts/load-invariants.mjs): reading
// the whole KV namespace through Miniflare's API, waiting until the pool
// authorities' outboxes have drained into it, recomputing a login's key the
// way src/core/keys.rs does, and the invariants over one snapshot
// (src/core/storage-schema.md says what each key holds).
import { createHmac, hkdfSync } from 'node:crypto';

/**
 * `login_mac` of src/core/keys.rs: lowercase hex of
 * HMAC-SHA256(HKDF-SHA256(hash key, no salt, info "cognate/v1/login" ‖ 0x00 ‖ pool), provider ‖ 0x00 ‖ sub).
 * (HKDF with no salt is HKDF with the empty salt: both are HashLen zero bytes as an HMAC key.)
 */
export function loginMac(hashKey, poolId, provider, sub) {
  const ikm = Buffer.from(hashKey, hashKey.includes('+') || hashKey.includes('/') ? 'base64' : 'base64url');
  const info = Buffer.concat([Buffer.from('cognate/v1/login'), Buffer.from([0]), Buffer.from(poolId)]);
  const key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32));
  return createHmac('sha256', key).update(provider).update(Buffer.from([0])).update(sub).digest('hex');
}

/** Runs `tasks` (functions returning promises) `width` at a time; resolves to their results in order. */
export async function inParallel(tasks, width) {
  const out = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  }));
  return out;
}

/** Every key of `kv` (a Miniflare KV namespace) with its metadata and value: Map name → {value, metadata}. */
export async function snapshot(kv) {
  const listed = [];
  let cursor;
  do {
    const page = await kv.list({ cursor, limit: 1000 });
    listed.push(...page.keys);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  // KV's bulk get: up to 100 keys a call.
  const batches = [];
  for (let i = 0; i < listed.length; i += 100) batches.push(listed.slice(i, i + 100).map((k) => k.name));
  const values = new Map();
  for (const got of await inParallel(batches.map((names) => () => kv.get(names)), 4)) for (const [k, v] of got) values.set(k, v);
  return new Map(listed.map((k) => [k.name, { value: values.get(k.name) ?? null, metadata: k.metadata ?? null }]));
}

/** Whether two snapshots hold the same keys, values and metadata. */
export function sameSnapshot(a, b) {
  if (a.size !== b.size) return false;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y || y.value !== x.value || JSON.stringify(y.metadata) !== JSON.stringify(x.metadata)) return false;
  }
  return true;
}

/**
 * Snapshots `kv` every `pauseMs` until two in a row are equal (every outbox
 * has drained: each Durable Object carries its outbox after its answer and
 * retries from an alarm every 2 s), or `maxMs` has passed. Resolves to
 * {state, settled, tookMs, snapshots}.
 */
export async function settledSnapshot(kv, { pauseMs = 2500, maxMs = 300_000 } = {}) {
  const t0 = performance.now();
  let last = await snapshot(kv);
  let count = 1;
  for (;;) {
    await new Promise((r) => setTimeout(r, pauseMs));
    const now = await snapshot(kv);
    count += 1;
    if (sameSnapshot(last, now)) return { state: now, settled: true, tookMs: performance.now() - t0, snapshots: count };
    last = now;
    if (performance.now() - t0 > maxMs) return { state: now, settled: false, tookMs: performance.now() - t0, snapshots: count };
  }
}

/** The keys of a snapshot by kind: pools, identities (id → record), logins ("pool/mac" → id), members (key → {pool, id, metadata}). */
export function parseState(state) {
  const identities = new Map();
  const logins = new Map();
  const members = new Map();
  const pools = new Set();
  const unparsed = [];
  for (const [name, { value, metadata }] of state) {
    const [kind, ...rest] = name.split('/');
    if (kind === 'pool') pools.add(rest.join('/'));
    else if (kind === 'identity') {
      try {
        identities.set(rest.join('/'), JSON.parse(value));
      } catch {
        unparsed.push(name);
      }
    } else if (kind === 'login' && rest.length === 2) logins.set(`${rest[0]}/${rest[1]}`, value);
    else if (kind === 'member' && rest.length === 2) members.set(name, { pool: rest[0], id: rest[1], metadata });
  }
  return { pools, identities, logins, members, unparsed };
}

/** A named invariant's result: how many things it looked at, and what broke it (with up to 5 examples). */
class Check {
  constructor(name) {
    this.name = name;
    this.checked = 0;
    this.violations = 0;
    this.examples = [];
  }
  look() {
    this.checked += 1;
  }
  fail(what) {
    this.violations += 1;
    if (this.examples.length < 5) this.examples.push(what);
  }
}

const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The invariants over a parsed snapshot of `poolId`, and the cross-checks
 * with what the clients learned (`client`, see load-invariants.mjs):
 *   deleted: ids DeleteIdentities removed;
 *   stable: [{mac, id}] logins whose every answer named `id` and that no
 *     merge, unlink or delete could have moved (their owner was never named
 *     or answered in one).
 * Resolves to a list of Check results.
 */
export function checkState(parsed, poolId, client = { deleted: [], stable: [], guests: new Set() }) {
  const { identities, logins, members } = parsed;
  const live = (r) => r && !r.deleted;
  const c = {
    shape: new Check('every identity record has the schema\'s shape (pool, logins [{provider, mac}], created, modified, disabled)'),
    loginTarget: new Check('every login/ key names a live, enabled identity of its pool that lists the login'),
    loginBack: new Check("every login an identity lists has its login/ key naming that identity (no login owned twice)"),
    oneOwner: new Check('no login listed by two identities'),
    oneProvider: new Check('no identity with two logins of one provider (or one login twice)'),
    disabledEmpty: new Check('a disabled identity has no logins (merged away or unlinked)'),
    memberOfIdentity: new Check('every live identity has its member/ entry, matching its record (logins, created, modified, disabled)'),
    memberOnly: new Check('every member/ entry without a live record is a listed guest the clients made (not deleted)'),
    deleted: new Check('every identity DeleteIdentities removed has no live record, no member/ entry, no login'),
    stable: new Check('client cross-check: each login no merge/unlink/delete could move points at the identity every sign-in answered'),
  };
  const owners = new Map();
  for (const [id, r] of identities) {
    c.shape.look();
    const shaped = typeof r?.pool === 'string' && Array.isArray(r.logins) && Number.isInteger(r.created) && Number.isInteger(r.modified)
      && typeof r.disabled === 'boolean' && r.logins.every((l) => typeof l?.provider === 'string' && /^[0-9a-f]{64}$/.test(l.mac ?? ''));
    if (!shaped) {
      c.shape.fail(`identity/${id} is ${JSON.stringify(r).slice(0, 200)}`);
      continue;
    }
    if (!live(r)) continue;
    c.oneProvider.look();
    const macs = r.logins.map((l) => l.mac);
    const providers = r.logins.filter((l) => !l.sealed).map((l) => l.provider);
    if (new Set(macs).size !== macs.length || new Set(providers).size !== providers.length) {
      c.oneProvider.fail(`identity/${id} has logins of providers [${providers.join(', ')}]`);
    }
    c.disabledEmpty.look();
    if (r.disabled && r.logins.length) c.disabledEmpty.fail(`identity/${id} is disabled with ${r.logins.length} logins`);
    for (const l of r.logins) {
      c.loginBack.look();
      const key = `${r.pool}/${l.mac}`;
      if (logins.get(key) !== id) c.loginBack.fail(`identity/${id} lists login/${key}, which names ${logins.get(key) ?? 'nothing'}`);
      c.oneOwner.look();
      if (owners.has(key)) c.oneOwner.fail(`login/${key} is listed by ${owners.get(key)} and ${id}`);
      owners.set(key, id);
    }
    c.memberOfIdentity.look();
    const m = members.get(`member/${r.pool}/${id}`);
    if (!m) c.memberOfIdentity.fail(`identity/${id} (${r.disabled ? 'disabled' : 'enabled'}, ${r.logins.length} logins) has no member/ entry`);
    else {
      const want = { l: r.logins.map((l) => l.provider), c: r.created, m: r.modified, d: r.disabled };
      const got = m.metadata ?? {};
      if (!(got.l === undefined || sameList(got.l, want.l)) || got.c !== want.c || got.m !== want.m || got.d !== want.d) {
        c.memberOfIdentity.fail(`member/${r.pool}/${id} says ${JSON.stringify(got)}, its record ${JSON.stringify(want)}`);
      }
    }
  }
  for (const [key, id] of logins) {
    c.loginTarget.look();
    const [pool, mac] = key.split('/');
    const r = identities.get(id);
    if (!live(r)) c.loginTarget.fail(`login/${key} names ${id}, which has ${r ? 'a tombstone' : 'no record'}`);
    else if (r.disabled) c.loginTarget.fail(`login/${key} names the disabled ${id}`);
    else if (r.pool !== pool) c.loginTarget.fail(`login/${key} names ${id} of another pool`);
    else if (!r.logins.some((l) => l.mac === mac)) c.loginTarget.fail(`login/${key} names ${id}, whose record does not list it`);
  }
  for (const [key, m] of members) {
    if (live(identities.get(m.id))) continue;
    c.memberOnly.look();
    if (m.pool !== poolId) continue;
    const r = identities.get(m.id);
    if (r?.deleted) c.memberOnly.fail(`${key} lists an identity with a tombstone`);
    else if (!client.guests.has(m.id)) c.memberOnly.fail(`${key} lists an identity that is neither stored nor a guest the clients made`);
    else {
      const got = m.metadata ?? {};
      if (!(sameList(got.l ?? [], [])) || got.d !== false) c.memberOnly.fail(`${key} (a guest never stored) says ${JSON.stringify(got)}`);
    }
  }
  const loginsOf = new Map();
  for (const [key, id] of logins) loginsOf.set(id, (loginsOf.get(id) ?? 0) + 1);
  for (const id of client.deleted) {
    c.deleted.look();
    const r = identities.get(id);
    if (live(r)) c.deleted.fail(`deleted ${id} has a live record`);
    if (members.has(`member/${poolId}/${id}`)) c.deleted.fail(`deleted ${id} still has its member/ entry`);
    if (loginsOf.get(id)) c.deleted.fail(`deleted ${id} still owns ${loginsOf.get(id)} login/ keys`);
  }
  for (const { mac, id } of client.stable) {
    c.stable.look();
    const owner = logins.get(`${poolId}/${mac}`);
    if (owner !== id) c.stable.fail(`a login every sign-in answered with ${id} now names ${owner ?? 'nothing'}`);
  }
  return Object.values(c);
}

/**
 * Proves the checks can fail on the real state: each corruption (a login key
 * removed, a login key pointed at a disabled identity, a member entry's
 * metadata changed, a second login of one provider, a cross-checked login
 * moved) is applied to a copy of `state` and must raise the violations of
 * the check it is about. Resolves to the list of corruptions that could
 * not be made (the state had nothing to corrupt) and those that went unseen.
 */
export function proveChecks(state, poolId, client) {
  const base = new Map(checkState(parseState(state), poolId, client).map((c) => [c.name, c.violations]));
  const parsed = parseState(state);
  const live = [...parsed.identities].filter(([, r]) => !r.deleted && !r.disabled && r.logins.length);
  const disabled = [...parsed.identities].find(([, r]) => !r.deleted && r.disabled);
  const first = live[0];
  const corruptions = [
    ['a login key removed', /has its login\/ key naming/, first && ((s) => s.delete(`login/${first[1].pool}/${first[1].logins[0].mac}`))],
    ['a login key naming a disabled identity', /names a live, enabled/, disabled && first && ((s) => s.set(`login/${first[1].pool}/${first[1].logins[0].mac}`, { value: disabled[0], metadata: null }))],
    ['a member entry out of date', /has its member\/ entry/, first && ((s) => {
      const key = `member/${first[1].pool}/${first[0]}`;
      const m = s.get(key);
      if (m) s.set(key, { ...m, metadata: { ...m.metadata, m: (m.metadata?.m ?? 0) + 1 } });
    })],
    ['two logins of one provider', /two logins of one provider/, first && ((s) => {
      const r = { ...first[1], logins: [...first[1].logins, { ...first[1].logins[0], mac: 'f'.repeat(64) }] };
      s.set(`identity/${first[0]}`, { value: JSON.stringify(r), metadata: null });
    })],
    ['a cross-checked login moved', /client cross-check/, client.stable.length && disabled && ((s) => s.set(`login/${poolId}/${client.stable[0].mac}`, { value: disabled[0], metadata: null }))],
  ];
  const unmade = [];
  const unseen = [];
  for (const [what, check, corrupt] of corruptions) {
    if (!corrupt) {
      unmade.push(what);
      continue;
    }
    const copy = new Map(state);
    corrupt(copy);
    const seen = checkState(parseState(copy), poolId, client).some((c) => check.test(c.name) && c.violations > base.get(c.name));
    if (!seen) unseen.push(what);
  }
  return { unmade, unseen, tried: corruptions.length };
}
