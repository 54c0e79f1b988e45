// What `npm run bench` reports besides rates: artefact sizes (as
// scripts/package-size.mjs computes them: gzip -9), cold starts, the goals of
// issue 8 with pass/fail, and the table as text or Markdown.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { start } from './bench-workers.mjs';

const root = new URL('../..', import.meta.url).pathname;

/** {files: {name: {raw, gzip}}, raw, gzip} of the files in `dir` matching `pattern`, or null if none. */
function sizeOf(dir, pattern) {
  if (!existsSync(dir)) return null;
  const files = {};
  let raw = 0;
  let gzip = 0;
  for (const f of readdirSync(dir).filter((f) => pattern.test(f))) {
    const bytes = readFileSync(`${dir}/${f}`);
    const gz = gzipSync(bytes, { level: 9 }).length;
    files[f] = { raw: bytes.length, gzip: gz };
    raw += bytes.length;
    gzip += gz;
  }
  return Object.keys(files).length ? { files, raw, gzip } : null;
}

/** The Worker (build/: wasm and JS, with build/worker's shim) and the browser package (pkg/), if built. */
export function sizes() {
  const worker = sizeOf(`${root}/build`, /\.(wasm|js)$/);
  const shim = sizeOf(`${root}/build/worker`, /\.m?js$/);
  if (worker && shim) {
    Object.assign(worker.files, shim.files);
    worker.raw += shim.raw;
    worker.gzip += shim.gzip;
  }
  return { worker, browser: sizeOf(`${root}/pkg`, /\.(wasm|js)$/) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Cold starts: a new Miniflare (a new workerd) for each of `workers`
 * ({name: {options, path}}), `reps` times in turn; each timed from
 * `new Miniflare` to the end of the first answer to `path`. Resolves to
 * {name: {ready, first, total}} medians in ms.
 */
export async function coldStarts(workers, reps) {
  const times = Object.fromEntries(Object.keys(workers).map((k) => [k, []]));
  for (let i = 0; i < reps; i++) {
    for (const [name, { options, path }] of Object.entries(workers)) {
      const t0 = performance.now();
      const w = await start(options);
      const t1 = performance.now();
      const r = await fetch(`${w.endpoint}${path}`);
      await r.arrayBuffer();
      const t2 = performance.now();
      await w.mf.dispose();
      if (r.status !== 200) throw new Error(`cold start of ${name}: ${path} answered ${r.status}`);
      times[name].push({ ready: t1 - t0, first: t2 - t1, total: t2 - t0 });
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, ts]) => [name, {
    ready: median(ts.map((t) => t.ready)), first: median(ts.map((t) => t.first)), total: median(ts.map((t) => t.total)),
  }]));
}

const fmt = (x, digits = 2) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x.toFixed(digits));
/** A ratio: two decimals, three below 0.1. */
const times = (x) => fmt(x, x < 0.1 ? 3 : 2);
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Table rows ([cells]) for `rows` ({call, m, empty, bare}). */
export function tableRows(rows) {
  return rows.map(({ call, m, empty, bare }) => [
    call, Math.round(m.rate).toString(), fmt(m.p50), fmt(m.p99),
    empty ? times(m.rate / empty.rate) : '—', bare ? times(m.rate / bare.rate) : '—',
  ]);
}

export const HEADER = ['call', 'req/s', 'p50 ms', 'p99 ms', '× empty', '× bare'];

/** `cells` (first row the header) as aligned text. */
export function textTable(cells) {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** `cells` (first row the header) as a Markdown table. */
export function markdownTable(cells) {
  const line = (r) => `| ${r.join(' | ')} |`;
  return [line(cells[0]), line(cells[0].map((_, c) => (c === 0 ? '---' : '---:'))), ...cells.slice(1).map(line)].join('\n');
}

/** Goal lines: [what, measured, pass (true/false/null when not measured)]. */
export function goalCells(goals) {
  return [['goal (issue 8)', 'measured', 'result'],
    ...goals.map(([what, measured, pass]) => [what, measured, pass === null ? 'not measured' : pass ? 'pass' : 'MISS'])];
}

/** Size lines for the report. */
export function sizeLines({ worker, browser }) {
  const lines = [];
  if (worker) {
    const parts = Object.entries(worker.files).map(([f, s]) => `${f} ${kib(s.raw)} raw / ${kib(s.gzip)} gzip`).join(', ');
    lines.push(`Worker: ${kib(worker.raw)} raw, ${kib(worker.gzip)} gzip -9 (${parts})`);
  }
  lines.push(browser
    ? `browser package (pkg/, wasm + JS): ${kib(browser.raw)} raw, ${kib(browser.gzip)} gzip -9`
    : 'browser package: pkg/ not built (bash scripts/build-browser.sh)');
  return lines;
}

export { fmt, kib, times };
