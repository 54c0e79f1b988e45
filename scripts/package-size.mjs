// Prints the npm package's size (wasm and JS, raw and gzip -9) and fails
// when wasm + JS exceed the budget: 25 KB gzip.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 25 * 1024;
const dir = new URL('../pkg/', import.meta.url);
let total = 0;
const rows = {};
for (const f of readdirSync(dir).filter((f) => /\.(wasm|js)$/.test(f))) {
  const bytes = readFileSync(new URL(f, dir));
  const gz = gzipSync(bytes, { level: 9 }).length;
  rows[f] = { raw: bytes.length, gzip: gz };
  total += gz;
}
console.table(rows);
console.log(`package (wasm + JS): ${total} bytes gzip, budget ${BUDGET}`);
if (total > BUDGET) {
  console.error(`the package grew past ${BUDGET} bytes gzip`);
  process.exit(1);
}
