// The invariants of scripts/lib/load-check.mjs on small hand-made states:
// a consistent one passes every check, and each broken state fails the
// check that is about it (so no check is one that cannot fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkState, loginMac, parseState } from './load-check.mjs';

const P = 'us-east-1:pool';
const hex = (m) => m.repeat(32); // a 64-digit MAC
const rec = (logins, more = {}) => ({ pool: P, logins: logins.map(([provider, mac]) => ({ provider, mac: hex(mac) })), created: 1, modified: 2, disabled: false, ...more });
const meta = (r) => ({ l: r.logins.map((l) => l.provider), c: r.created, m: r.modified, d: r.disabled });

/** A consistent state: A signed in at two providers, B merged away, G a listed guest, D deleted (tombstone). */
function consistent() {
  const A = rec([['p1', 'aa'], ['p2', 'bb']]);
  const B = rec([], { disabled: true });
  const D = { ...rec([]), deleted: true, disabled: true };
  const state = new Map([
    [`pool/${P}`, { value: '{}', metadata: null }],
    ['identity/A', { value: JSON.stringify(A), metadata: null }],
    ['identity/B', { value: JSON.stringify(B), metadata: null }],
    ['identity/D', { value: JSON.stringify(D), metadata: null }],
    [`login/${P}/${hex('aa')}`, { value: 'A', metadata: null }],
    [`login/${P}/${hex('bb')}`, { value: 'A', metadata: null }],
    [`member/${P}/A`, { value: '', metadata: meta(A) }],
    [`member/${P}/B`, { value: '', metadata: meta(B) }],
    [`member/${P}/G`, { value: '', metadata: { l: [], c: 1, m: 1, d: false } }],
  ]);
  const client = { deleted: ['D'], stable: [{ mac: hex('aa'), id: 'A' }], guests: new Set(['G']) };
  return { state, client };
}
const failing = ({ state, client }) => checkState(parseState(state), P, client).filter((c) => c.violations).map((c) => c.name);

test('a consistent state passes every check, and each check looked at something', () => {
  const results = checkState(parseState(consistent().state), P, consistent().client);
  for (const c of results) {
    assert.equal(c.violations, 0, `${c.name}: ${c.examples}`);
    assert.ok(c.checked > 0, c.name);
  }
});

const broken = [
  ['a login naming a missing identity', (s) => s.state.set(`login/${P}/${hex('cc')}`, { value: 'Z', metadata: null }), /names a live, enabled/],
  ['a login naming a disabled identity', (s) => s.state.set(`login/${P}/${hex('cc')}`, { value: 'B', metadata: null }), /names a live, enabled/],
  ['a login naming a tombstone', (s) => s.state.set(`login/${P}/${hex('cc')}`, { value: 'D', metadata: null }), /names a live, enabled/],
  ['a listed login without its key', (s) => s.state.delete(`login/${P}/${hex('bb')}`), /has its login\/ key naming/],
  ['one login listed by two identities', (s) => {
    const C = rec([['p1', 'aa']]);
    s.state.set('identity/C', { value: JSON.stringify(C), metadata: null });
    s.state.set(`member/${P}/C`, { value: '', metadata: meta(C) });
  }, /no login listed by two identities/],
  ['two logins of one provider', (s) => {
    const A = rec([['p1', 'aa'], ['p1', 'bb']]);
    s.state.set('identity/A', { value: JSON.stringify(A), metadata: null });
    s.state.set(`member/${P}/A`, { value: '', metadata: meta(A) });
  }, /two logins of one provider/],
  ['a disabled identity with logins', (s) => {
    const A = rec([['p1', 'aa'], ['p2', 'bb']], { disabled: true });
    s.state.set('identity/A', { value: JSON.stringify(A), metadata: null });
    s.state.set(`member/${P}/A`, { value: '', metadata: meta(A) });
  }, /disabled identity has no logins/],
  ['an identity without its member entry', (s) => s.state.delete(`member/${P}/A`), /has its member\/ entry/],
  ['a member entry saying guest for a signed-in identity', (s) => s.state.set(`member/${P}/A`, { value: '', metadata: { l: [], c: 1, m: 1, d: false } }), /has its member\/ entry/],
  ['a member entry of an unknown id', (s) => s.state.set(`member/${P}/Q`, { value: '', metadata: { l: [], c: 1, m: 1, d: false } }), /listed guest the clients made/],
  ['a member entry of a tombstone', (s) => s.state.set(`member/${P}/D`, { value: '', metadata: { l: [], c: 1, m: 1, d: false } }), /listed guest|DeleteIdentities removed/],
  ['a deleted identity still stored', (s) => s.state.set('identity/D', { value: JSON.stringify(rec([])), metadata: null }), /DeleteIdentities removed/],
  ['a stable login moved', (s) => { s.client.stable = [{ mac: hex('aa'), id: 'B' }]; }, /client cross-check/],
];
for (const [what, breakIt, expected] of broken) {
  test(`fails on ${what}`, () => {
    const s = consistent();
    breakIt(s);
    const names = failing(s);
    assert.ok(names.some((n) => expected.test(n)), `${what}: failed ${JSON.stringify(names)}`);
  });
}

test('loginMac is lowercase hex of 32 bytes, per pool, provider and subject', () => {
  const key = Buffer.alloc(32, 7).toString('base64url');
  const a = loginMac(key, P, 'p', 'ab');
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, loginMac(key, P, 'pa', 'b'), 'the 0x00 separator matters');
  assert.notEqual(a, loginMac(key, 'us-east-1:other', 'p', 'ab'));
});

test('fails on a record without the schema\'s shape', () => {
  const s = consistent();
  s.state.set('identity/A', { value: JSON.stringify({ pool: P, logins: [] }), metadata: null });
  assert.ok(failing(s).some((n) => /shape/.test(n)));
});
