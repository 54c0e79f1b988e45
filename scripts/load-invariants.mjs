// Load with invariants (issue 12): `npm run load [-- --seconds N]
// [--concurrency C] [--subjects S] [--markdown FILE]`. Starts the built
// Worker in workerd through Miniflare's API (as `npm run bench` does, with no
// rate-limit bindings, so nothing is limited) and two real OpenID providers
// (tests/e2e/idp.mjs); makes one pool that allows guests and accepts both;
// then C clients (default 16), for N seconds (default 300), each loop over
// a random operation through @aws-sdk/client-cognito-identity (maxAttempts
// 1, a random cf-connecting-ip per request): new guests, guest credentials,
// sign-ins of a fixed population of S subjects (default 200) at either
// provider, links of fresh logins to guests, merges (an identity named with
// its own login and another provider's login of the population; a guest
// named with an owned login), unlinks, DeleteIdentities, and bursts of 8
// concurrent first logins of one new subject. Afterwards it waits until
// KV stops changing (every Durable Object's outbox has drained), reads the
// whole namespace and checks the invariants of scripts/lib/load-check.mjs,
// and cross-checks what the clients were answered. Exits non-zero on a 5xx,
// an InternalErrorException, an error an operation does not document, a
// broken answer (a burst answering two ids, a link answering another
// identity, an unprocessed deletion) or a broken invariant.
// Needs `bash scripts/build-worker.sh` first.
import os from 'node:os';
import { Agent } from 'node:http';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomInt, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  CognitoIdentityClient, DeleteIdentitiesCommand, GetCredentialsForIdentityCommand, GetIdCommand, UnlinkIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { generateVars } from './dev-vars.mjs';
import { adminCaller } from './lib/admin.mjs';
import { anyAddress } from './lib/client-address.mjs';
import { createInterface } from 'node:readline';
import { Miniflare } from 'miniflare';
import { ACCOUNT, COMPATIBILITY_DATE, cognateWorker, freePort, requireBuild } from './lib/bench-workers.mjs';
import { stats } from './lib/bench-load.mjs';
import { checkState, loginMac, parseState, proveChecks, settledSnapshot } from './lib/load-check.mjs';
import { startIdp } from '../tests/e2e/idp.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
    subjects: { type: 'string', default: '200' },
    markdown: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const SUBJECTS = Number(args.subjects);
const BURST = 8;
if (!(SECONDS > 0) || !(CONCURRENCY >= 1) || !(SUBJECTS >= 2)) throw new Error('--seconds > 0, --concurrency ≥ 1, --subjects ≥ 2');
requireBuild();

const CLIENT_ID = 'cognate-e2e'; // the aud of tests/e2e/idp.mjs's tokens
const REGION = 'us-east-1';
const log = (s) => process.stderr.write(`${s}\n`);
const pick = (xs) => xs[randomInt(xs.length)];

// Which errors each operation may meet, and why (src/core/service/public.rs,
// identities.rs, src/core/authority/logins.rs). Anything else fails the run.
const ACCEPTED = {
  // The guest was linked meanwhile ("Logins don't match"), merged into an
  // owner ("Identity … is disabled"), or deleted (a tombstone: not found).
  'guest credentials': ['NotAuthorizedException', 'ResourceNotFoundException'],
  // GetCredentialsForIdentity after GetId: a concurrent merge moved the
  // login away or disabled the identity, an unlink removed it, or the
  // identity was deleted.
  'sign-in': ['NotAuthorizedException', 'ResourceNotFoundException'],
  // Only when linking to a guest another client may have changed (as above).
  'link to a listed guest': ['NotAuthorizedException', 'ResourceNotFoundException'],
  // merge_into: two logins of one provider → ResourceConflictException
  // (nothing changes); the named identity no longer owns its login or is
  // disabled → NotAuthorizedException; deleted → ResourceNotFoundException.
  merge: ['ResourceConflictException', 'NotAuthorizedException', 'ResourceNotFoundException'],
  // A guest merged into an owner brings no login, so no conflict: only the
  // guest linked or merged meanwhile (NotAuthorized) or deleted (not found).
  'guest into owner': ['NotAuthorizedException', 'ResourceNotFoundException'],
  // unlink: the login is no longer the identity's ("Logins don't match"),
  // the identity is disabled or deleted, or the provider to remove is not
  // linked (InvalidParameterException) because another client changed it.
  unlink: ['NotAuthorizedException', 'ResourceNotFoundException', 'InvalidParameterException'],
};

// ---- set-up -------------------------------------------------------------
const idps = [await startIdp(), await startIdp()];
const providers = idps.map((i) => i.providerName);
const port = await freePort();
const vars = await generateVars({ issuer: `http://127.0.0.1:${port}` });
// As bench-workers.mjs's start(), but the Worker's log is read here: its
// lines are counted by kind (ids and numbers blanked) for the report, and a
// panic or an uncaught exception fails the run.
const workerLog = new Map();
const readLog = (stream) => createInterface({ input: stream }).on('line', (line) => {
  const kind = line.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+/g, 'N').slice(0, 160);
  if (kind.trim()) workerLog.set(kind, (workerLog.get(kind) ?? 0) + 1);
});
const mf = new Miniflare({
  host: '127.0.0.1', port, handleRuntimeStdio: (out, err) => { readLog(out); readLog(err); },
  workers: [{ compatibilityDate: COMPATIBILITY_DATE, ...cognateWorker(vars) }],
});
const cognate = { mf, endpoint: (await mf.ready).origin };
const BAD_LOG = /panick|RuntimeError|Uncaught|unreachable|InternalError|write-through failed|cannot schedule|bad command/i;
const kv = await cognate.mf.getKVNamespace('IDENTITIES');
let exitCode = 0;
try {
  const must = adminCaller(cognate.endpoint, vars);
  const { IdentityPoolId: pool } = await must('CreateIdentityPool', {
    IdentityPoolName: 'load', AllowUnauthenticatedIdentities: true,
    SupportedLoginProviders: Object.fromEntries(providers.map((p) => [p, CLIENT_ID])),
  });
  await must('SetIdentityPoolRoles', {
    IdentityPoolId: pool,
    Roles: { unauthenticated: `arn:aws:iam::${ACCOUNT}:role/load-guest`, authenticated: `arn:aws:iam::${ACCOUNT}:role/load-user` },
  });

  const clientAddress = (c) => {
    c.middlewareStack.add((next) => (a) => {
      a.request.headers['cf-connecting-ip'] = anyAddress();
      return next(a);
    }, { step: 'build', name: 'clientAddress' });
    return c;
  };
  // A connection per request: workerd closes idle kept-alive connections,
  // and a POST that meets one closing fails with ECONNRESET, unanswered (not
  // the Worker's doing, but indistinguishable from it, so avoided).
  const requestHandler = { httpAgent: new Agent({ keepAlive: false, maxSockets: 256 }) };
  const app = clientAddress(new CognitoIdentityClient({
    endpoint: cognate.endpoint, region: REGION, maxAttempts: 1, requestHandler,
    credentials: () => Promise.reject(new Error('public operations need no credentials')),
  }));
  const admin = clientAddress(new CognitoIdentityClient({
    endpoint: cognate.endpoint, region: REGION, maxAttempts: 1, requestHandler,
    credentials: { accessKeyId: vars.ADMIN_ACCESS_KEY_ID, secretAccessKey: vars.ADMIN_SECRET_ACCESS_KEY },
  }));

  // ---- what the run counts, and what the clients learn ----
  const answers = new Map(); // `${op}: ${status} ${type}` → count
  const ops = new Map(); // op → count
  const failures = []; // {op, what}
  const latencies = [];
  let requests = 0;
  const fail = (op, what) => {
    failures.push({ op, what });
    if (failures.length <= 20) log(`  FAIL ${op}: ${what}`);
  };
  /** Sends `command`; resolves to {ok, out} or {ok: false, name}; counts the answer; fails the run on what `op` does not accept. */
  const send = async (op, client, command, accept = ACCEPTED[op] ?? []) => {
    const t0 = performance.now();
    requests += 1;
    try {
      const out = await client.send(command);
      latencies.push(performance.now() - t0);
      answers.set(`${op}: 200`, (answers.get(`${op}: 200`) ?? 0) + 1);
      return { ok: true, out };
    } catch (e) {
      latencies.push(performance.now() - t0);
      const status = e.$metadata?.httpStatusCode ?? 'no answer';
      const key = `${op}: ${status} ${e.name}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
      if (status !== 400 || !accept.includes(e.name)) fail(op, `${status} ${e.name}: ${e.message}`);
      return { ok: false, name: e.name, status };
    }
  };

  // Logins are `${provider index}|${subject}`.
  const tokens = new Map();
  const token = async (login, fresh = false) => {
    const hit = tokens.get(login);
    if (!fresh && hit && hit.exp > Date.now() + 60_000) return hit.token;
    const [p, sub] = [Number(login.split('|')[0]), login.slice(login.indexOf('|') + 1)];
    const alg = randomInt(2) ? 'RS256' : 'ES256';
    const t = await idps[p].idToken({ sub, jti: randomUUID() }, { alg, expiresIn: 900 });
    if (!fresh) tokens.set(login, { token: t, exp: Date.now() + 900_000 });
    return t;
  };
  const loginsOf = async (...logins) => {
    const out = {};
    for (const l of logins) out[providers[Number(l.split('|')[0])]] = await token(l);
    return out;
  };
  const providerOf = (l) => Number(l.split('|')[0]);

  const said = new Map(); // login → Set of identity ids answered for it
  const taintedIds = new Set(); // named or answered in a merge, unlink or delete
  const taintedLogins = new Set(); // named in a merge or unlink
  const beliefs = new Map(); // signed-in identity id → Set of logins (as the clients last learned)
  const believedIds = []; // ids of `beliefs`, lazily pruned
  const guests = []; // guest ids to pick from, lazily pruned
  const allGuests = new Set();
  const deleted = [];
  const answered = (login, id) => {
    if (!said.has(login)) said.set(login, new Set());
    said.get(login).add(id);
    for (const [other, ls] of beliefs) if (other !== id && ls.has(login)) ls.delete(login);
    if (!beliefs.has(id)) {
      beliefs.set(id, new Set());
      believedIds.push(id);
    }
    beliefs.get(id).add(login);
  };
  const population = () => `${randomInt(2)}|user-${randomInt(SUBJECTS)}`;
  let fresh = 0;
  const pickSignedIn = () => {
    for (let i = 0; i < 8 && believedIds.length; i += 1) {
      const j = randomInt(believedIds.length);
      const id = believedIds[j];
      const ls = beliefs.get(id);
      if (ls?.size) return [id, [...ls]];
      if (!ls || believedIds.length > 4 * beliefs.size) {
        believedIds[j] = believedIds[believedIds.length - 1];
        believedIds.pop();
      }
    }
    return null;
  };
  const pickGuest = () => (guests.length ? pick(guests) : null);
  const dropGuest = (id) => {
    const i = guests.indexOf(id);
    if (i >= 0) guests.splice(i, 1);
  };

  // ---- the operations ----
  const OPS = {
    async 'new guest'() {
      const r = await send('new guest', app, new GetIdCommand({ IdentityPoolId: pool }));
      if (r.ok) {
        guests.push(r.out.IdentityId);
        allGuests.add(r.out.IdentityId);
        if (guests.length > 5000) guests.splice(0, 1000);
      }
    },
    async 'guest credentials'() {
      const id = pickGuest();
      if (!id) return OPS['new guest']();
      const r = await send('guest credentials', app, new GetCredentialsForIdentityCommand({ IdentityId: id }));
      if (r.ok && r.out.IdentityId !== id) fail('guest credentials', 'answered another identity');
    },
    async 'sign-in'() {
      const l = population();
      const Logins = await loginsOf(l);
      const a = await send('sign-in', app, new GetIdCommand({ IdentityPoolId: pool, Logins }), []);
      if (!a.ok) return;
      answered(l, a.out.IdentityId);
      const b = await send('sign-in', app, new GetCredentialsForIdentityCommand({ IdentityId: a.out.IdentityId, Logins }));
      // Success means the login is still the named identity's, so the answer is that identity.
      if (b.ok && b.out.IdentityId !== a.out.IdentityId) fail('sign-in', 'GetCredentialsForIdentity answered another identity than GetId');
    },
    async link() {
      // A fresh login linked to a guest: the guest keeps its id (no one owns the login).
      const listed = randomInt(2) === 1 ? pickGuest() : null;
      const op = listed ? 'link to a listed guest' : 'link';
      let guest = listed;
      if (!guest) {
        const g = await send(op, app, new GetIdCommand({ IdentityPoolId: pool }), []);
        if (!g.ok) return;
        guest = g.out.IdentityId;
        allGuests.add(guest);
      }
      const l = `${randomInt(2)}|link-${fresh++}`;
      const r = await send(op, app, new GetCredentialsForIdentityCommand({ IdentityId: guest, Logins: await loginsOf(l) }));
      if (!r.ok) return;
      if (r.out.IdentityId !== guest) fail(op, 'a new login linked to a guest answered another identity');
      dropGuest(guest);
      answered(l, r.out.IdentityId);
    },
    async merge() {
      // Identity A named with its own login and a population login of the other provider (owned by B, or by nobody).
      const a = pickSignedIn();
      if (!a) return OPS['sign-in']();
      const [A, ls] = a;
      const la = pick(ls);
      const lb = `${1 - providerOf(la)}|user-${randomInt(SUBJECTS)}`;
      taintedIds.add(A);
      taintedLogins.add(la).add(lb);
      const r = await send('merge', app, new GetCredentialsForIdentityCommand({ IdentityId: A, Logins: await loginsOf(la, lb) }));
      if (!r.ok) return;
      const W = r.out.IdentityId;
      taintedIds.add(W);
      const moved = new Set([la, lb, ...(beliefs.get(A) ?? [])]);
      for (const [id, s] of beliefs) if (id !== W && (s.has(lb) || s.has(la))) for (const x of s) moved.add(x);
      for (const x of moved) answered(x, W);
    },
    async 'guest into owner'() {
      // A guest named with a population login: merged into the login's owner (or linked if none).
      const G = pickGuest();
      if (!G) return OPS['new guest']();
      const l = population();
      taintedIds.add(G);
      taintedLogins.add(l);
      const r = await send('guest into owner', app, new GetCredentialsForIdentityCommand({ IdentityId: G, Logins: await loginsOf(l) }));
      if (!r.ok) return;
      dropGuest(G);
      taintedIds.add(r.out.IdentityId);
      answered(l, r.out.IdentityId);
    },
    async unlink() {
      const a = pickSignedIn();
      if (!a) return OPS['sign-in']();
      const [id, ls] = a;
      const l = pick(ls);
      const remove = randomInt(10) < 7 ? providerOf(l) : 1 - providerOf(l);
      taintedIds.add(id);
      taintedLogins.add(l);
      for (const x of ls) if (providerOf(x) === remove) taintedLogins.add(x);
      const r = await send('unlink', app, new UnlinkIdentityCommand({
        IdentityId: id, Logins: await loginsOf(l), LoginsToRemove: [providers[remove]],
      }));
      if (r.ok) for (const x of ls) if (providerOf(x) === remove) beliefs.get(id)?.delete(x);
    },
    async delete() {
      const ids = new Set();
      for (let i = randomInt(1, 4); i > 0; i -= 1) {
        const s = randomInt(2) ? pickSignedIn() : null;
        const id = s ? s[0] : pickGuest();
        if (id) ids.add(id);
      }
      if (!ids.size) return OPS['new guest']();
      for (const id of ids) taintedIds.add(id);
      const r = await send('delete', admin, new DeleteIdentitiesCommand({ IdentityIdsToDelete: [...ids] }), []);
      if (!r.ok) return;
      if (r.out.UnprocessedIdentityIds?.length) fail('delete', `unprocessed: ${JSON.stringify(r.out.UnprocessedIdentityIds)}`);
      for (const id of ids) {
        deleted.push(id);
        beliefs.delete(id);
        dropGuest(id);
      }
    },
    async burst() {
      // Concurrent first logins of one new subject, each with a token of its own: one identity.
      const l = `${randomInt(2)}|burst-${fresh++}`;
      const ts = await Promise.all(Array.from({ length: BURST }, () => token(l, true)));
      const rs = await Promise.all(ts.map((t) => send('burst', app, new GetIdCommand({
        IdentityPoolId: pool, Logins: { [providers[providerOf(l)]]: t },
      }), [])));
      const ids = new Set(rs.filter((r) => r.ok).map((r) => r.out.IdentityId));
      if (ids.size > 1) fail('burst', `${BURST} concurrent first logins of one subject answered ${ids.size} identities`);
      for (const id of ids) answered(l, id);
    },
  };
  const WEIGHTS = {
    'new guest': 12, 'guest credentials': 14, 'sign-in': 26, link: 12, merge: 9, 'guest into owner': 4, unlink: 6, delete: 5, burst: 4,
  };
  const table = Object.entries(WEIGHTS).flatMap(([op, w]) => Array(w).fill(op));

  // ---- the derivation check: one sign-in, its login key recomputed here ----
  const probe = '0|probe';
  const probeId = (await app.send(new GetIdCommand({ IdentityPoolId: pool, Logins: await loginsOf(probe) }))).IdentityId;
  const probeKey = `login/${pool}/${loginMac(vars.HASH_KEY, pool, providers[0], 'probe')}`;
  for (let i = 0; (await kv.get(probeKey)) !== probeId; i += 1) {
    if (i > 50) throw new Error('the login key recomputed in JS does not name the probe sign-in\'s identity: fix loginMac');
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`set-up done: pool ${pool}, providers ${providers.join(' and ')}; login key derivation checked on one sign-in`);

  // ---- the load ----
  log(`load: ${CONCURRENCY} clients for ${SECONDS} s…`);
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  let lastTick = t0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const op = pick(table);
      ops.set(op, (ops.get(op) ?? 0) + 1);
      try {
        await OPS[op]();
      } catch (e) {
        fail(op, `the client threw: ${e.message}`);
      }
      if (performance.now() - lastTick > 30_000) {
        lastTick = performance.now();
        log(`  ${Math.round((lastTick - t0) / 1000)} s: ${requests} requests, ${failures.length} failures`);
      }
    }
  }));
  const loadSeconds = (performance.now() - t0) / 1000;
  log(`load done: ${requests} requests in ${loadSeconds.toFixed(0)} s; waiting for KV to settle…`);

  // ---- the state ----
  const settled = await settledSnapshot(kv);
  const parsed = parseState(settled.state);
  const closure = new Set(taintedIds);
  for (const l of taintedLogins) for (const id of said.get(l) ?? []) closure.add(id);
  const stable = [];
  const duplicates = [];
  for (const [l, ids] of said) {
    if (taintedLogins.has(l) || [...ids].some((id) => closure.has(id))) continue;
    const mac = loginMac(vars.HASH_KEY, pool, providers[providerOf(l)], l.slice(l.indexOf('|') + 1));
    if (ids.size > 1) duplicates.push({ mac, ids: [...ids] });
    else stable.push({ mac, id: [...ids][0] });
  }
  const checks = checkState(parsed, pool, { deleted, stable, guests: allGuests });
  // The checks prove, on copies of this very state, that they can fail.
  const proof = proveChecks(settled.state, pool, { deleted, stable, guests: allGuests });
  checks.push({
    name: 'the checks see each of a few corruptions of this state (in memory)',
    checked: proof.tried, violations: proof.unseen.length,
    examples: proof.unseen.map((w) => `unseen: ${w}`),
  });
  checks.push({
    name: 'client cross-check: no untouched login was answered with two identities (duplicate identities for one login)',
    checked: stable.length + duplicates.length, violations: duplicates.length,
    examples: duplicates.slice(0, 5).map((d) => `a login answered with ${d.ids.join(' and ')}`),
  });
  if (!settled.settled) checks.push({ name: 'KV settled (two equal snapshots)', checked: 1, violations: 1, examples: [`still changing after ${Math.round(settled.tookMs / 1000)} s`] });
  if (parsed.unparsed.length) checks.push({ name: 'identity records parse', checked: parsed.identities.size, violations: parsed.unparsed.length, examples: parsed.unparsed.slice(0, 5) });

  // ---- the report ----
  const logLines = [...workerLog].sort((a, b) => b[1] - a[1]);
  const badLog = logLines.filter(([k]) => BAD_LOG.test(k));
  for (const [k, n] of badLog) fail('worker log', `${n}× ${k}`);
  const fiveXX = [...answers].filter(([k]) => / 5\d\d /.test(k) || k.includes('InternalError')).reduce((s, [, n]) => s + n, 0);
  const { p50, p99 } = stats(latencies);
  const records = [...parsed.identities.values()];
  const count = (f) => records.filter(f).length;
  const lines = [];
  lines.push(`${CONCURRENCY} clients for ${loadSeconds.toFixed(0)} s: ${requests} requests, ${(requests / loadSeconds).toFixed(1)} req/s, `
    + `latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${fiveXX} answers 5xx or InternalErrorException; ${failures.length} failures.`);
  lines.push('', '| operation | runs |', '| --- | ---: |', ...[...ops].sort().map(([op, n]) => `| ${op} | ${n} |`));
  lines.push('', '| answers (operation: status type) | count |', '| --- | ---: |', ...[...answers].sort().map(([k, n]) => `| ${k} | ${n} |`));
  lines.push('', `KV after the load (settled ${settled.settled ? 'after' : 'NOT, gave up after'} ${(settled.tookMs / 1000).toFixed(1)} s, ${settled.snapshots} snapshots): `
    + `${settled.state.size} keys; ${records.length} identity records (${count((r) => !r.deleted && !r.disabled && r.logins.length)} signed in, `
    + `${count((r) => !r.deleted && !r.disabled && !r.logins.length)} stored guests, ${count((r) => !r.deleted && r.disabled)} disabled, `
    + `${count((r) => r.deleted)} tombstones), ${parsed.logins.size} logins, ${parsed.members.size} member entries. `
    + `Clients: ${allGuests.size} guests made, ${said.size} logins answered, ${deleted.length} identities deleted; `
    + `${stable.length + duplicates.length} logins no merge/unlink/delete touched (cross-checked).`
    + (proof.unmade.length ? ` Corruptions the state had nothing for: ${proof.unmade.join(', ')}.` : ''));
  lines.push('', '| invariant | checked | violations |', '| --- | ---: | ---: |', ...checks.map((c) => `| ${c.name} | ${c.checked} | ${c.violations} |`));
  const examples = checks.filter((c) => c.violations).flatMap((c) => c.examples.map((e) => `- ${c.name}: ${e}`));
  if (examples.length) lines.push('', 'Violations (examples):', ...examples);
  if (failures.length) lines.push('', `Failures (first 10 of ${failures.length}):`, ...failures.slice(0, 10).map((f) => `- ${f.op}: ${f.what}`));
  const cpu = os.cpus();
  let rev = 'unknown';
  try {
    rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {}
  const machine = `${cpu[0]?.model ?? 'unknown CPU'}, nproc ${os.availableParallelism()}, Node ${process.version}, ${os.platform()} ${os.release()}; `
    + `commit ${rev}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Clients, workerd and both OpenID providers share the machine.`;
  lines.push('', '| the Worker\'s log (ids and numbers blanked) | lines |', '| --- | ---: |',
    ...logLines.slice(0, 20).map(([k, n]) => `| \`${k.replaceAll('|', '\\|')}\` | ${n} |`));
  lines.push('', machine);
  const violations = checks.reduce((s, c) => s + c.violations, 0);
  const verdict = violations || failures.length || fiveXX ? 'FAIL' : 'PASS';
  lines.unshift(`**${verdict}**: ${violations} invariant violations, ${failures.length} failures.`, '');
  console.log(lines.join('\n'));
  if (args.markdown) appendFileSync(args.markdown, `\n### Run of ${new Date().toISOString().slice(0, 10)}: ${SECONDS} s\n\n${lines.join('\n')}\n`);
  if (verdict !== 'PASS') exitCode = 1;
} finally {
  await cognate.mf.dispose();
  for (const i of idps) await i.close();
}
process.exit(exitCode);
