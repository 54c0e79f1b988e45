// Removes the `name` custom section from a wasm module (in place) after
// keeping the named module beside it as <file>.names: the Worker ships
// without function names (a stack frame reads `wasm-function[N]`), and N is
// looked up in the kept copy (`node_modules/.bin/wasm-opt
// build/index_bg.wasm.names --print-function-map`). The section is about a
// fifth of the Worker's size (76 KB of 654 KB gzip); panic messages keep
// their file and line.
// Usage: node scripts/wasm-strip-names.mjs build/index_bg.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const bytes = readFileSync(file);
if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a wasm module`);
let p = 8;
const leb = () => {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[p++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
};
const kept = [bytes.subarray(0, 8)];
let dropped = 0;
while (p < bytes.length) {
  const start = p;
  const id = bytes[p++];
  const size = leb();
  const body = p;
  const end = body + size;
  let name = '';
  if (id === 0) {
    const n = leb();
    name = bytes.subarray(p, p + n).toString();
  }
  if (id === 0 && name === 'name') dropped += end - start;
  else kept.push(bytes.subarray(start, end));
  p = end;
}
if (dropped) {
  writeFileSync(`${file}.names`, bytes);
  writeFileSync(file, Buffer.concat(kept));
}
console.log(`${file}: name section ${dropped} bytes removed (named copy: ${file}.names)`);
