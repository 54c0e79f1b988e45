// Closed-loop load for `npm run bench`: a fixed number of requests (so the
// run is bounded), `clients` at once, each sending its next request as soon
// as its last one is answered; latencies are those seen under that load.
// Workers compared with each other take turns, in the same run.

/** Percentiles (ms) of `samples`. */
export function stats(samples) {
  const s = Float64Array.from(samples).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

/** How many requests were sent again after the server closed a kept-alive connection. */
export const retried = { count: 0 };

/**
 * A JSON-protocol call: POST `body` to `endpoint` with the target
 * `AWSCognitoIdentityService.<op>`; throws unless the answer is 200.
 * Resolves to the answer's text. A request that meets a kept-alive
 * connection closed by the server (undici does not resend a POST) is sent
 * once more, and counted in `retried`.
 */
export async function call(endpoint, op, body, again = true) {
  let r;
  try {
    r = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  } catch (e) {
    if (!again || e.cause?.code !== 'UND_ERR_SOCKET') throw e;
    retried.count += 1;
    return call(endpoint, op, body, false);
  }
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${op} at ${endpoint}: ${r.status} ${text.slice(0, 300)}`);
  return text;
}

/**
 * Runs `total` requests to each of `targets` ({name: [endpoint, request]};
 * request `i` is `request(i)`, an [op, body] pair, and each target counts
 * its own `i` from 0, warmup first, so a request that must not repeat gets
 * an index of its own), `clients` at once, after `warmup` requests each.
 * The targets take turns in `rounds` slices, so a change in the machine's
 * load falls on all of them alike; the order of the turns rotates each
 * round, so that the work a target leaves running after its slice (a pool
 * object's write-through, a `waitUntil` put) does not always slow the same
 * next target. Resolves to {name: {rate (req/s), p50, p99 (ms)}}.
 */
export async function interleaved(targets, { warmup, total, clients, rounds = 4 }) {
  const state = Object.fromEntries(Object.keys(targets).map((name) => [name, { next: 0, seconds: 0, samples: [] }]));
  const run = async (name, count, measured) => {
    const [endpoint, request] = targets[name];
    const s = state[name];
    const end = s.next + count;
    const t = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      while (s.next < end) {
        const [op, body] = request(s.next++);
        const t0 = performance.now();
        await call(endpoint, op, body);
        if (measured) s.samples.push(performance.now() - t0);
      }
    }));
    if (measured) s.seconds += (performance.now() - t) / 1000;
  };
  const names = Object.keys(targets);
  for (const name of names) await run(name, warmup, false);
  for (let r = 0; r < rounds; r++) {
    const slice = Math.floor(total / rounds) + (r < total % rounds ? 1 : 0);
    for (let i = 0; i < names.length; i++) await run(names[(i + r) % names.length], slice, true);
  }
  return Object.fromEntries(Object.entries(state).map(([name, s]) => [name, { rate: total / s.seconds, ...stats(s.samples) }]));
}

/** Runs `tasks` (functions returning promises) `limit` at a time; resolves to their results in order. */
export async function inBatches(tasks, limit = 16) {
  const out = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  }));
  return out;
}
