// The capacity model of docs/scale.md as a calculation: what a pool with a
// given traffic costs in Workers requests, KV reads and writes and Durable
// Object requests per day and per month, at Cloudflare's published prices,
// and how close it comes to the limits that break first. Every per-call
// count below is read from the code (src/core/service/{public,signin,
// lookup}.rs, src/core/authority.rs) and checked by the native tests that
// count store reads and authority calls (src/core/service/tests/stateless.rs).
// Run: node scripts/capacity.mjs [--identities N] [--signins-per-second S]
//   [--new-share F] [--guests-per-second G] [--guest-storage listed|none]
//   [--isolate-hit H] [--markdown]
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    identities: { type: 'string', default: '10000000' },
    'signins-per-second': { type: 'string', default: '1000' },
    // Share of sign-ins that are a person's first (a new identity: one change).
    'new-share': { type: 'string', default: '0.01' },
    // Guests made per second (a landing page's visitors), and how they are kept.
    'guests-per-second': { type: 'string', default: '200' },
    'guest-storage': { type: 'string', default: 'listed' },
    // Share of a sign-in's second call (GetCredentialsForIdentity after GetId)
    // that lands on the isolate which served the first, so its reads are cached.
    'isolate-hit': { type: 'string', default: '0.5' },
    markdown: { type: 'boolean', default: false },
  },
});
const N = Number(a.identities);
const S = Number(a['signins-per-second']);
const f = Number(a['new-share']);
const G = Number(a['guests-per-second']);
const h = Number(a['isolate-hit']);
const listed = a['guest-storage'] !== 'none';
const DAY = 86_400;
const MONTH = 30 * DAY;

// Published limits and prices (Workers Paid), as of 2026-11; see docs/scale.md for the sources.
const PRICE = {
  workerRequests: { included: 10e6, perMillion: 0.3 },
  kvReads: { included: 10e6, perMillion: 0.5 },
  kvWrites: { included: 1e6, perMillion: 5 },
  doRequests: { included: 1e6, perMillion: 0.15 },
  kvStorageGbMonth: { included: 1, perGb: 0.5 },
};
const FREE = { workerRequestsPerDay: 100_000, kvReadsPerDay: 100_000, kvWritesPerDay: 1_000, doRequestsPerDay: 100_000 };
const DO_SOFT_LIMIT = 1_000; // requests per second to one object, Cloudflare's documented soft limit

// Per call, from the code. A sign-in is GetId(Logins) then
// GetCredentialsForIdentity(Logins), as the SDKs' fromCognitoIdentityPool
// and the browser package do it.
const signIn = {
  requests: 2,
  // GetId: the login's owner and the identity (the pool is cached per
  // isolate at this rate); the second call reads both again unless it lands
  // on the same isolate.
  kvReads: 2 + 2 * (1 - h),
  // A first sign-in: the login's owner misses, the pool's object decides
  // (one request) and writes identity, list entry and login (three keys).
  newKvReads: 1,
  newDoRequests: 1,
  newKvWrites: 3,
};
const guest = {
  requests: 2, // GetId, then GetCredentialsForIdentity
  kvReads: 1, // whether the guest changed (cached per isolate afterwards)
  kvWrites: listed ? 1 : 0, // the list entry, after the response
};

const perSecond = {
  workerRequests: S * signIn.requests + G * guest.requests,
  kvReads: S * (signIn.kvReads + f * signIn.newKvReads) + G * guest.kvReads,
  kvWrites: S * f * signIn.newKvWrites + G * guest.kvWrites,
  doRequests: S * f * signIn.newDoRequests,
};
// Stored bytes: per signed-in identity ~300 B record + ~150 B list entry +
// ~130 B per login key; a listed guest ~150 B; tombstones aside.
const storedGb = (N * (300 + 150 + 130) + (listed ? G * MONTH * 150 : 0)) / 1e9;

const cost = (perDay, p) => Math.max(0, (perDay * 30 - p.included) / 1e6) * p.perMillion;
const rows = [
  ['Workers requests', perSecond.workerRequests, PRICE.workerRequests, FREE.workerRequestsPerDay],
  ['KV reads', perSecond.kvReads, PRICE.kvReads, FREE.kvReadsPerDay],
  ['KV writes', perSecond.kvWrites, PRICE.kvWrites, FREE.kvWritesPerDay],
  ['Durable Object requests (one pool)', perSecond.doRequests, PRICE.doRequests, FREE.doRequestsPerDay],
].map(([what, rate, price, free]) => ({
  what,
  perSecond: rate,
  perDay: rate * DAY,
  usdPerMonth: cost(rate * DAY, price),
  freeDays: rate * DAY > 0 ? Math.min(1, free / (rate * DAY)) : 1,
}));
const storageUsd = Math.max(0, storedGb - PRICE.kvStorageGbMonth.included) * PRICE.kvStorageGbMonth.perGb;

const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));
const header = `${fmt(N)} identities, ${fmt(S)} sign-ins/s (${(f * 100).toFixed(1)} % first sign-ins), `
  + `${fmt(G)} guests/s (${listed ? 'listed' : 'none'}), ${(h * 100).toFixed(0)} % of second calls on a warm isolate`;
const lines = [
  '| what | per second | per day | USD per month (Workers Paid) |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.what} | ${fmt(r.perSecond)} | ${fmt(r.perDay)} | ${fmt(r.usdPerMonth)} |`),
  `| KV storage (the identities, and a month of listed guests) | | ${storedGb.toFixed(1)} GB | ${fmt(storageUsd)} |`,
];
const doLoad = perSecond.doRequests / DO_SOFT_LIMIT;
const notes = [
  `one pool's Durable Object: ${fmt(perSecond.doRequests)} changes/s, ${(doLoad * 100).toFixed(1)} % of the ~1,000 requests/s soft limit of one object`,
  `busiest KV key: one identity's keys change at most once per that identity's change (KV takes 1 write/s per key); route/ and pool/ keys only on admin changes`,
  `Free plan: ${rows.map((r) => `${r.what} ${r.freeDays >= 1 ? 'fit' : `last ${(r.freeDays * 24).toFixed(2)} h of a day`}`).join('; ')}`,
];
if (a.markdown) {
  console.log(`${header}\n\n${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
} else {
  console.log(header);
  console.table(Object.fromEntries(rows.map((r) => [r.what, { 'per s': fmt(r.perSecond), 'per day': fmt(r.perDay), 'USD/month': fmt(r.usdPerMonth) }])));
  console.log(`KV storage ${storedGb.toFixed(1)} GB, USD ${fmt(storageUsd)}/month`);
  for (const n of notes) console.log(`- ${n}`);
}
