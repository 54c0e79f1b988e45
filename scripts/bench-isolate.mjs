// The Worker's own CPU per request, without HTTP: `npm run bench:isolate
// [-- --requests N] [--rounds R]`. A wrapper Worker in workerd (Miniflare 4)
// imports the built Worker (build/), and its one route runs N requests
// through the built Worker's fetch entrypoint in a loop, one after the other,
// and answers with the time per request. No client, socket or HTTP parser
// shares the measurement, so it moves far less between runs than `npm run
// bench` (whose ratios include them): the figure to compare before and after
// a change of the Worker's per-request work. Beside each call, a JS handler
// in the same loop answers a constant with the same Request and Response
// work: the loop's own cost, to subtract.
//
// Calls: a warm guest's GetCredentialsForIdentity, a warm signed-in one (an
// RS256 ID token the isolate has seen), a new guest's GetId in a `none`
// pool, and an operation refused at once (UnknownOperationException, which
// the Worker logs). Needs `bash scripts/build-worker.sh` first.
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';
import { generateVars } from './dev-vars.mjs';
import { adminCaller } from './lib/admin.mjs';
import { call } from './lib/bench-load.mjs';
import { BUILD_DIR, COMPATIBILITY_DATE, cognateBindings, freePort, requireBuild, signInPool } from './lib/bench-workers.mjs';
import { startIdp } from '../tests/e2e/idp.mjs';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '5' } },
});
const requests = Number(args.requests);
const rounds = Number(args.rounds);
if (!(requests >= 1) || !(rounds >= 1)) throw new Error('--requests and --rounds must be ≥ 1');
requireBuild();
const dir = BUILD_DIR;

// `/.cognate-bench/loop` runs the loop; every other request goes to the
// built Worker (so the set-up below goes through it as a client's would).
// The loop's requests declare their length, as clients' do.
// The built Worker's entry module (build/worker/shim.mjs) is called as
// workerd calls it: its default export's fetch(request, env, ctx), or, when
// the default export is an entrypoint class, its instance's fetch(request).
const WRAPPER = `
import entry, { PoolObject } from './worker/shim.mjs';
export { PoolObject };
const constant = '{"ok":true}';
export default {
  async fetch(request, env, ctx) {
    const worker = typeof entry === 'function' ? new entry(ctx, env) : { fetch: (r) => entry.fetch(r, env, ctx) };
    if (new URL(request.url).pathname !== '/.cognate-bench/loop') return worker.fetch(request);
    const { n, target, body } = await request.json();
    const length = String(new TextEncoder().encode(body).length);
    const make = () => new Request('http://127.0.0.1/', {
      method: 'POST', body,
      headers: {
        'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, 'user-agent': 'aws-sdk-js/3', accept: '*/*',
        'content-length': length,
      },
    });
    // The constant handler first: cognate's garbage, collected later, would
    // otherwise fall on the constant's loop.
    const handlers = {
      constant: async (r) => { await r.arrayBuffer(); return new Response(constant, { headers: { 'content-type': 'application/x-amz-json-1.1' } }); },
      cognate: (r) => worker.fetch(r),
    };
    const first = await worker.fetch(make());
    const status = first.status;
    const answer = (await first.text()).slice(0, 120);
    const micros = {};
    for (const [name, handle] of Object.entries(handlers)) {
      for (let i = 0; i < Math.min(n, 200); i++) await (await handle(make())).arrayBuffer();
      const t = Date.now();
      for (let i = 0; i < n; i++) await (await handle(make())).arrayBuffer();
      micros[name] = ((Date.now() - t) * 1000) / n;
    }
    return Response.json({ status, answer, micros });
  },
};`;

const idp = await startIdp();
const port = await freePort();
const vars = await generateVars({ issuer: `http://127.0.0.1:${port}` });
const mf = new Miniflare({
  host: '127.0.0.1', port,
  workers: [{
    compatibilityDate: COMPATIBILITY_DATE, ...cognateBindings(vars), modulesRoot: dir,
    modules: [
      { type: 'ESModule', path: `${dir}/bench-isolate.mjs`, contents: WRAPPER },
      { type: 'ESModule', path: `${dir}/worker/shim.mjs` },
      { type: 'ESModule', path: `${dir}/index.js` },
      { type: 'CompiledWasm', path: `${dir}/index_bg.wasm` },
    ],
  }],
});
try {
  const endpoint = (await mf.ready).origin;
  const must = adminCaller(endpoint, vars);
  const CLIENT_ID = 'cognate-bench';
  const provider = idp.providerName;
  const listed = await signInPool(must, { provider, clientId: CLIENT_ID, storage: 'listed' });
  const none = await signInPool(must, { provider, clientId: CLIENT_ID, storage: 'none' });
  const api = async (op, body) => JSON.parse(await call(endpoint, op, body));
  const guest = (await api('GetId', { IdentityPoolId: listed })).IdentityId;
  const token = await idp.idToken({ sub: 'warm-user', aud: CLIENT_ID });
  const signedIn = (await api('GetId', { IdentityPoolId: listed, Logins: { [provider]: token } })).IdentityId;
  const op = (name) => `AWSCognitoIdentityService.${name}`;
  const cases = {
    'warm guest GetCredentialsForIdentity': [op('GetCredentialsForIdentity'), { IdentityId: guest }],
    'warm signed-in GetCredentialsForIdentity': [op('GetCredentialsForIdentity'), { IdentityId: signedIn, Logins: { [provider]: token } }],
    'new guest GetId, pool `none`': [op('GetId'), { IdentityPoolId: none }],
    'an unknown operation (refused, logged)': [op('Nope'), {}],
  };
  const results = Object.fromEntries(Object.keys(cases).map((k) => [k, { cognate: [], constant: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, [target, body]] of Object.entries(cases)) {
      const answer = await fetch(`${endpoint}/.cognate-bench/loop`, {
        method: 'POST', body: JSON.stringify({ n: requests, target, body: JSON.stringify(body) }),
      });
      const out = await answer.json();
      const refused = name.startsWith('an unknown');
      if (refused ? out.status !== 400 : out.status !== 200) throw new Error(`${name}: ${out.status} ${out.answer}`);
      results[name].cognate.push(out.micros.cognate);
      results[name].constant.push(out.micros.constant);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`µs per request inside workerd, median of ${rounds} rounds of ${requests} (the loop's Request and Response included)`);
  console.log(`${'call'.padEnd(44)}  cognate  constant JS handler  cognate − constant`);
  for (const [name, r] of Object.entries(results)) {
    const c = median(r.cognate);
    const k = median(r.constant);
    console.log(`${name.padEnd(44)}  ${c.toFixed(1).padStart(7)}  ${k.toFixed(1).padStart(19)}  ${(c - k).toFixed(1).padStart(18)}`);
  }
} finally {
  await mf.dispose();
  await idp.close();
}
