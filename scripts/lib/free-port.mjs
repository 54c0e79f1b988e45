// A port of 127.0.0.1 that nothing listens on now, for tests and benchmarks
// that run beside `npm run dev` and beside each other. Another process may
// still take it before the caller binds it; callers that start a server
// check that it is theirs that answers.
import { createServer } from 'node:net';

/** A port that nothing listens on now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
