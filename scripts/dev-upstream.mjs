// The development upstream behind the gateway route `demo`
// (`/api/demo/<rest>`): a small HTTP server on 127.0.0.1:8789 that answers
// JSON saying who called — the x-cognate-* headers cognate adds, and the
// method, path and query it forwarded. Dev only; `scripts/dev.sh` starts it.
// Run: node scripts/dev-upstream.mjs [port]
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

export const DEV_UPSTREAM_PORT = 8789;

/** What a call looked like from the upstream's side. */
export function describeCall(req) {
  const url = new URL(req.url, 'http://upstream');
  const cognate = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('x-cognate-')));
  return {
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    identityId: cognate['x-cognate-identity-id'] ?? null,
    authenticated: cognate['x-cognate-authenticated'] === 'true',
    headers: cognate,
  };
}

/** Starts the upstream on `port` (0: any free port); resolves to {url, close}. */
export async function startDevUpstream({ port = DEV_UPSTREAM_PORT } = {}) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(describeCall(req), null, 2));
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startDevUpstream({ port: Number(process.argv[2] ?? DEV_UPSTREAM_PORT) });
  console.log(`development upstream for /api/demo/ at ${url}`);
}
