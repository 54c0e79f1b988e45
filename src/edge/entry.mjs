// The Worker's entry module (scripts/build-worker.sh writes it over
// worker-build's build/worker/shim.mjs, which wrangler.toml's `main` names).
// A `POST /` with a declared body of at most 1 MiB is the JSON API: its body
// is read here and handed to the wasm's `cognate_api` (src/edge/api_entry.rs),
// which answers a warm call without a Promise of its own. Everything else
// (the doors, assets, preflights, undeclared or larger bodies) goes to the
// `fetch` handler of worker-build's entrypoint, as does the Cron Trigger.
import Cognate, { PoolObject } from '../index.js';

export { PoolObject };

// worker-build 0.8.7 puts each function the wasm exports on its entrypoint
// class; `cognate_api` uses no `this`.
const api = Cognate.prototype.cognate_api;
if (typeof api !== 'function') throw new Error('the built Worker has no cognate_api export');

// core::protocol::MAX_BODY_BYTES; the wasm checks the body's length again.
const MAX_BODY_BYTES = 1 << 20;

/** Whether `url` (absolute, as the platform gives it) has the path `/`. */
function atRoot(url) {
  const path = url.indexOf('/', url.indexOf('://') + 3);
  return path > 0 && (path === url.length - 1 || url[path + 1] === '?');
}

export default {
  fetch(request, env, ctx) {
    if (request.method === 'POST' && atRoot(request.url)) {
      const declared = request.headers.get('content-length');
      if (declared !== null && Number(declared) <= MAX_BODY_BYTES) {
        // A body that cannot be read is an empty one, as on the other path.
        return request.arrayBuffer().then(
          (body) => api(request, new Uint8Array(body), env, ctx),
          () => api(request, new Uint8Array(0), env, ctx),
        );
      }
    }
    return new Cognate(ctx, env).fetch(request);
  },
  scheduled(controller, env, ctx) {
    return new Cognate(ctx, env).scheduled(controller);
  },
};
