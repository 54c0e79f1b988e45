// The yardstick for scripts/bench-verify.mjs: `jose` verifying a compact JWS
// inside workerd, `repeat` times per request (the key imported once).
import { compactVerify, importJWK } from 'jose';

const keys = new Map();

export default {
  async fetch(request) {
    if (request.method !== 'POST') return new Response('jose yardstick');
    const { jwk, alg, token, repeat = 1 } = await request.json();
    const id = JSON.stringify(jwk);
    if (!keys.has(id)) keys.set(id, await importJWK(jwk, alg));
    const key = keys.get(id);
    let valid = false;
    for (let i = 0; i < repeat; i++) {
      try {
        await compactVerify(token, key, { algorithms: [alg] });
        valid = true;
      } catch {
        valid = false;
      }
    }
    return Response.json({ valid });
  },
};
