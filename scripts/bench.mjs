// The one benchmark command (issue 8): `npm run bench [-- --clients N]
// [--scale X] [--markdown]`. In one run, each Worker in its own workerd
// through Miniflare 4's API (no wrangler dev): the built cognate Worker, an
// empty Worker (a constant small JSON answer) and a bare JS Worker doing the
// same storage work as each cognate call (scripts/lib/bench-workers.mjs).
// Closed loop, `--clients` (16) at once, fixed request counts after a
// warmup, so the run is bounded (one to three minutes on 2 cores). Measures new
// guest GetId (pools tagged cognate:guest-storage none and listed), warm
// guest and signed-in GetCredentialsForIdentity, a pool's linking and
// merging throughput (new logins signing in; logins linked to guests;
// guests merged into the identity that owns their login), cold starts,
// and sizes; prints one table and the goals with pass/fail (a missed goal
// does not fail the run; errors do). `--markdown` writes BENCHMARKS.md.
// Needs `bash scripts/build-worker.sh` first (and build-browser.sh for the
// browser package's size).
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateVars } from './dev-vars.mjs';
import { adminCaller } from './lib/admin.mjs';
import { startIdp } from '../tests/e2e/idp.mjs';
import {
  EMPTY_WORKER, bareLoginKey, bareWorker, cognateWorker, emptyWithBindings, emptyWithModule, freePort, requireBuild,
  signInPool, start,
} from './lib/bench-workers.mjs';
import { call, inBatches, interleaved, retried } from './lib/bench-load.mjs';
import {
  HEADER, coldStarts, fmt, goalCells, kib, markdownTable, sizeLines, sizes, tableRows, textTable, times,
} from './lib/bench-report.mjs';

// Today's main (681e6d3, 2026-11-30), new guest GetId (through its pool
// object) on the 2-core development machine, taking turns with the empty
// Worker: 160 to 232 req/s (median 201) in seven runs of 400 requests, at
// 0.093 to 0.163× the empty Worker (median 0.12). Measured again after the
// empty Worker was corrected (it had answered with `Response.json`, which
// workerd gzips, and ran at about 0.7× a Worker answering the same without
// compression); the first measure, 57 req/s at 0.060× that slower empty
// Worker, could not be reproduced on the same commit. The linking goal is 3×
// this rate, judged on rates relative to the empty Worker (the machine's
// load moves absolute rates from run to run).
const MAIN_NEW_GUEST = { rate: 201, toEmpty: 0.12 };

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '16' },
    scale: { type: 'string', default: '1' },
    'cold-starts': { type: 'string', default: '5' },
    markdown: { type: 'boolean', default: false },
  },
});
const clients = Number(args.clients);
const scale = Number(args.scale);
if (!(clients >= 1) || !(scale > 0)) throw new Error('--clients must be ≥ 1 and --scale > 0');
const READS = { warmup: 100, total: Math.round(2000 * scale), clients };
const WRITES = { warmup: 40, total: Math.round(400 * scale), clients };
requireBuild();

const CLIENT_ID = 'cognate-bench';
const log = (s) => process.stderr.write(`${s}\n`);
const started = performance.now();

const idp = await startIdp();
const provider = idp.providerName;
const port = await freePort();
const vars = await generateVars({ issuer: `http://127.0.0.1:${port}` });
const cognate = await start(cognateWorker(vars), port);
const running = [cognate];
const m = {};

try {
  // Set-up, through the API: two pools, identities, and the tokens of the linking workload.
  const must = adminCaller(cognate.endpoint, vars);
  const newPool = (storage) => signInPool(must, { provider, clientId: CLIENT_ID, storage });
  const none = await newPool('none');
  const listed = await newPool('listed');
  const api = async (op, body) => JSON.parse(await call(cognate.endpoint, op, body));
  const token = (sub) => idp.idToken({ sub, aud: CLIENT_ID });
  const guest = (await api('GetId', { IdentityPoolId: listed })).IdentityId;
  const guestCall = JSON.stringify({ IdentityId: guest });
  const credentials = await call(cognate.endpoint, 'GetCredentialsForIdentity', guestCall);
  const warmToken = await token('warm-user');
  const signedIn = (await api('GetId', { IdentityPoolId: listed, Logins: { [provider]: warmToken } })).IdentityId;
  const signedInCall = JSON.stringify({ IdentityId: signedIn, Logins: { [provider]: warmToken } });
  await call(cognate.endpoint, 'GetCredentialsForIdentity', signedInCall);
  const n = WRITES.warmup + WRITES.total;
  log(`set-up: minting ${3 * n} ID tokens, creating ${2 * n} guests to link and merge and ${n} identities to merge them into…`);
  const tokens = await inBatches(Array.from({ length: 3 * n }, (_, i) => () => token(`new-user-${i}`)), 4);
  const newGuests = () => inBatches(Array.from({ length: n }, () => async () => (await api('GetId', { IdentityPoolId: listed })).IdentityId), clients);
  const guests = await newGuests();
  const mergedGuests = await newGuests();
  // The identities that own the merging calls' logins (signed in before the
  // KV copy below, so the bare Workers have their records).
  const ownerToken = (i) => tokens[2 * n + i];
  const owners = await inBatches(Array.from({ length: n }, (_, i) => async () => (
    await api('GetId', { IdentityPoolId: listed, Logins: { [provider]: ownerToken(i) } })).IdentityId), clients);

  // The bare Workers start from a copy of cognate's KV (same keys, same values) and pools.
  const bare = await start(bareWorker(credentials));
  const bareNoPuts = await start(bareWorker(credentials, { kvPuts: false }));
  running.push(bare, bareNoPuts);
  const from = await cognate.mf.getKVNamespace('IDENTITIES');
  const names = [];
  for (const prefix of ['pool/', 'identity/', 'route/']) {
    let cursor;
    do {
      const page = await from.list({ prefix, cursor });
      names.push(...page.keys.map((k) => k.name));
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  }
  const values = await inBatches(names.map((k) => () => from.get(k)), 16);
  const loginKey = await bareLoginKey(listed, warmToken);
  for (const b of [bare, bareNoPuts]) {
    const to = await b.mf.getKVNamespace('KV');
    await inBatches(names.map((k, i) => () => to.put(k, values[i])), 16);
    await to.put(loginKey, signedIn);
    await inBatches(owners.map((owner, i) => async () => to.put(await bareLoginKey(listed, ownerToken(i)), owner)), 16);
    for (const pool of [none, listed]) await call(b.endpoint, 'Seed', { pool, value: values[names.indexOf(`pool/${pool}`)] });
  }
  const empty = await start(EMPTY_WORKER);
  running.push(empty);
  log(`set-up done in ${((performance.now() - started) / 1000).toFixed(1)} s; measuring…`);

  // Each call on cognate, the bare Worker and the empty Worker, taking turns.
  const emptyCall = () => ['GetCredentialsForIdentity', guestCall];
  const measure = async (name, request, counts, more = {}) => {
    log(`  ${name}`);
    m[name] = await interleaved({
      ...more, cognate: [cognate.endpoint, request], bare: [bare.endpoint, request], empty: [empty.endpoint, emptyCall],
    }, counts);
  };
  await measure('new guest GetId', () => ['GetId', { IdentityPoolId: listed }], WRITES,
    { none: [cognate.endpoint, () => ['GetId', { IdentityPoolId: none }]] });
  await measure('warm guest GetCredentialsForIdentity', () => ['GetCredentialsForIdentity', guestCall], READS);
  await measure('warm signed-in GetCredentialsForIdentity', () => ['GetCredentialsForIdentity', signedInCall], READS);
  const withoutPuts = (request) => ({ bareNoPuts: [bareNoPuts.endpoint, request] });
  const signInRequest = (i) => ['GetId', { IdentityPoolId: listed, Logins: { [provider]: tokens[i] } }];
  await measure('GetId with a new login', signInRequest, WRITES, withoutPuts(signInRequest));
  const linkRequest = (i) => ['GetCredentialsForIdentity', { IdentityId: guests[i], Logins: { [provider]: tokens[n + i] } }];
  await measure('a new login linked to a guest', linkRequest, WRITES, withoutPuts(linkRequest));
  const mergeRequest = (i) => ['GetCredentialsForIdentity', { IdentityId: mergedGuests[i], Logins: { [provider]: ownerToken(i) } }];
  await measure('a guest merged into its login\'s identity', mergeRequest, WRITES, withoutPuts(mergeRequest));
} finally {
  for (const w of running) await w.mf.dispose();
  await idp.close();
}

// Cold starts, with nothing else running.
log('  cold starts');
const coldVars = await generateVars();
const cold = await coldStarts({
  cognate: { options: cognateWorker(coldVars), path: '/.well-known/openid-configuration' },
  empty: { options: emptyWithBindings(coldVars), path: '/' },
  module: { options: emptyWithModule(coldVars), path: '/' },
}, Number(args['cold-starts']));

// The report.
const groups = Object.values(m);
const mean = (k) => groups.reduce((sum, g) => sum + g.empty[k], 0) / groups.length;
const empty = { rate: mean('rate'), p50: mean('p50'), p99: mean('p99') };
const guestId = m['new guest GetId'];
const rowsOf = (name, call, bareWork, g = m[name]) => [
  { call, m: g.cognate, empty: g.empty, bare: g.bare },
  { call: `  bare: the same (${bareWork})`, m: g.bare, empty: g.empty },
  ...(g.bareNoPuts ? [{ call: '  bare: the same without its KV puts (as if they cost no CPU here)', m: g.bareNoPuts, empty: g.empty }] : []),
];
const rows = [
  { call: 'empty Worker (constant JSON; mean of its runs)', m: empty },
  { call: 'new guest GetId, pool `none`', m: guestId.none, empty: guestId.empty, bare: guestId.bare },
  ...rowsOf('new guest GetId', 'new guest GetId, pool `listed`', '1 KV put after the answer'),
  ...rowsOf('warm guest GetCredentialsForIdentity', 'warm guest GetCredentialsForIdentity', 'isolate-cached reads'),
  ...rowsOf('warm signed-in GetCredentialsForIdentity', 'warm signed-in GetCredentialsForIdentity', 'isolate-cached reads'),
  ...rowsOf('GetId with a new login', 'linking: GetId with a new login', '1 KV get, DO, 3 KV puts after its answer'),
  ...rowsOf('a new login linked to a guest', 'linking: a new login linked to a guest', '2 KV gets, DO, 3 KV puts after its answer'),
  ...rowsOf('a guest merged into its login\'s identity', 'merging: a guest into the identity that owns its login',
    '3 KV gets, DO, 2 KV puts after its answer'),
];
const table = [HEADER, ...tableRows(rows)];
// One pool's changes: what each is called, and its measurements.
const changes = [
  ['new logins', m['GetId with a new login']],
  ['logins linked to guests', m['a new login linked to a guest']],
  ['guests merged', m['a guest merged into its login\'s identity']],
];
const toMain = (x, g) => x.rate / g.empty.rate / MAIN_NEW_GUEST.toEmpty;
/** Each change's rate on `side` (cognate, bare, bareNoPuts) against main's new guest GetId. */
const againstMain = (side) => changes.map(([, g]) => `${times(toMain(g[side], g))}×`).join(', ');
const linking = [
  'linking throughput of one pool:',
  changes.map(([what, g], i) => `${what} ${Math.round(g.cognate.rate)}/s `
    + `(${times(g.cognate.rate / guestId.cognate.rate)}×${i === 0 ? " this run's new guest GetId" : ''})`).join(', ') + '.',
  `Against main's new guest GetId: cognate ${againstMain('cognate')}; the bare Worker ${againstMain('bare')},`,
  `and without its KV puts ${againstMain('bareNoPuts')}.`,
].join(' ');
const coldLine = `cold start (new workerd → first answer, median of ${args['cold-starts']}): cognate ${fmt(cold.cognate.total, 0)} ms `
  + `(first request ${fmt(cold.cognate.first, 1)} ms), an empty Worker with the same bindings ${fmt(cold.empty.total, 0)} ms (first request ${fmt(cold.empty.first, 1)} ms); `
  + `cognate's extra: ${fmt(cold.cognate.total - cold.empty.total, 0)} ms, of which ${fmt(cold.module.total - cold.empty.total, 0)} ms `
  + 'compiling its wasm (the empty Worker importing the module, not instantiating it)';
const size = sizes();

const ratio = (x, of) => x.rate / of.rate;
const versus = (what, x, of, goal) => [`${what} ≥ ${goal}×`, `${times(ratio(x, of))}×`, ratio(x, of) >= goal];
const coldExtra = cold.cognate.total - cold.empty.total;
const warmGuest = m['warm guest GetCredentialsForIdentity'];
const warmSigned = m['warm signed-in GetCredentialsForIdentity'];
const goals = [
  versus('new guest GetId, pool `none`, to empty', guestId.none, guestId.empty, 0.7),
  versus('new guest GetId, pool `listed`, to empty', guestId.cognate, guestId.empty, 0.35),
  versus('warm guest GetCredentialsForIdentity to empty', warmGuest.cognate, warmGuest.empty, 0.7),
  versus('warm signed-in GetCredentialsForIdentity to bare', warmSigned.cognate, warmSigned.bare, 0.9),
  ...changes.map(([what, g]) => {
    const main = toMain(g.cognate, g);
    return [`linking/merging (${what}) ≥ 3× main's new guest GetId (${MAIN_NEW_GUEST.rate}/s, ${times(MAIN_NEW_GUEST.toEmpty)}× empty)`,
      `${times(ratio(g.cognate, g.empty))}× empty = ${times(main)}× main`, main >= 3];
  }),
  ['Worker ≤ 250 KiB gzip', size.worker ? kib(size.worker.gzip) : '—', size.worker ? size.worker.gzip <= 250 * 1024 : null],
  ['browser package ≤ 25 KiB gzip', size.browser ? kib(size.browser.gzip) : '—', size.browser ? size.browser.gzip <= 25 * 1024 : null],
  ['cold start ≤ 15 ms (cognate − empty with the same bindings)', `${fmt(coldExtra, 0)} ms`, coldExtra <= 15],
];
const cpu = os.cpus();
const machine = `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, Node ${process.version}, ${os.platform()} ${os.release()}`;
const conditions = `${clients} clients in a closed loop; ${READS.total} requests per read call and ${WRITES.total} per write call after `
  + `${READS.warmup}/${WRITES.warmup} of warmup; latencies under that load. Client, workerd and the OpenID provider share the machine.`
  + (retried.count ? ` ${retried.count} requests were sent again after a closed connection.` : '');

console.log(`\n${textTable(table)}\n\n${linking}\n${coldLine}\n${sizeLines(size).join('\n')}\n\n${textTable(goalCells(goals))}`);
console.log(`\n${machine}. ${conditions} The run took ${((performance.now() - started) / 1000).toFixed(0)} s.`);

if (args.markdown) {
  const date = new Date().toISOString().slice(0, 10);
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch { /* not a git checkout */ }
  const md = `# Benchmarks

Written by \`npm run bench -- --markdown\` (scripts/bench.mjs) on ${date}, at commit ${commit}.
Machine: ${machine}.
${conditions}
Each Worker runs in its own workerd through Miniflare 4. "× empty" is the rate
against an empty Worker's constant JSON answer, "× bare" against a bare JS
Worker doing the same storage work (KV gets, Durable Object round trip, SQLite,
KV puts) and nothing else. Compare ratios; absolute rates move with the
machine's load. Runs before 2026-11-30's 0c9cc56 had an empty Worker that
workerd gzipped, about 0.7× this one: their "× empty" ratios read about 1.4×
too high. See docs/benchmarks.md.

${markdownTable(table)}

${linking}

${coldLine}.

${sizeLines(size).map((l) => `- ${l}`).join('\n')}

${markdownTable(goalCells(goals))}
`;
  writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), md);
  log('wrote BENCHMARKS.md');
}
