// The Wycheproof vectors that run natively (tests/wycheproof.rs) through the
// Worker's own WebCrypto verifier in workerd, via the test-only route that
// only the test Worker has (feature insecure-test-routes). `scripts/test.sh`
// writes the vectors to target/e2e/wycheproof.json first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { endpoint } from './lib.mjs';
import { root } from './worker.mjs';

const sets = JSON.parse(readFileSync(`${root}/target/e2e/wycheproof.json`, 'utf8'));

async function verify(c) {
  const r = await fetch(`${endpoint}/.cognate/insecure/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jwk: c.jwk, message: c.message, signature: c.signature }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

for (const set of sets) {
  test(`Wycheproof ${set.name} through WebCrypto in workerd`, async () => {
    const counts = { valid: 0, invalid: 0, acceptable: 0 };
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < set.cases.length) {
        const c = set.cases[next++];
        const { usable, valid } = await verify(c);
        assert.ok(usable, `tcId ${c.tcId}: key not usable`);
        if (c.result === 'valid') assert.equal(valid, true, `tcId ${c.tcId}: a valid signature was refused`);
        if (c.result === 'invalid') assert.equal(valid, false, `tcId ${c.tcId}: an invalid signature was accepted`);
        counts[c.result]++;
      }
    }));
    assert.ok(counts.valid > 0 && counts.invalid > 0, JSON.stringify(counts));
  });
}
