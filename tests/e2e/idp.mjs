// A real OpenID provider on 127.0.0.1 for the end-to-end tests of federated
// sign-in: discovery and a JWKS over plain http (cognate allows http for the
// hosts in INSECURE_HTTP_ISSUERS), and ID tokens signed with its own RS256
// and ES256 keys — including the malformed ones the tests need.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

async function newKey(alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048 } : {});
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** Starts a provider; see the returned object for what it can do. */
export async function startIdp({ port = 0 } = {}) {
  const keys = [await newKey('RS256'), await newKey('ES256')]; // published, oldest first
  const signing = { RS256: keys[0], ES256: keys[1] };
  let fetches = 0;

  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    let body;
    if (path === '/.well-known/openid-configuration') {
      body = {
        issuer, jwks_uri: `${issuer}/jwks`, authorization_endpoint: `${issuer}/authorize`,
        response_types_supported: ['id_token'], subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      };
    } else if (path === '/jwks') {
      body = { keys: keys.map((k) => k.jwk) };
    } else {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  return {
    issuer,
    /** The `Logins` and `SupportedLoginProviders` key: the issuer without its scheme. */
    providerName: issuer.slice('http://'.length),
    /** The published public keys: [{kid, alg, publicKey, jwk}]. */
    keys: () => keys.map(({ kid, alg, publicKey, jwk }) => ({ kid, alg, publicKey, jwk })),
    /**
     * An ID token. `claims` override or extend iss, aud ('cognate-e2e'), sub
     * ('user-1'), iat and exp; a claim given as undefined is left out.
     * `key` signs instead of the provider's key for `alg` (then give `kid`);
     * `header` adds to or overrides the protected header.
     */
    async idToken(claims = {}, { alg = 'RS256', kid, header = {}, expiresIn = 600, key } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: issuer, aud: 'cognate-e2e', sub: 'user-1', iat: now, exp: now + expiresIn, ...claims };
      for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
      const own = signing[alg];
      const protectedHeader = { alg, typ: 'JWT', kid: kid ?? (key ? undefined : own?.kid), ...header };
      for (const name of Object.keys(protectedHeader)) if (protectedHeader[name] === undefined) delete protectedHeader[name];
      const crit = protectedHeader.crit ? Object.fromEntries(protectedHeader.crit.map((n) => [n, true])) : undefined;
      return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key ?? own.privateKey, { crit });
    },
    /** Adds a new key for `alg`, signs with it from now on; the old one stays published. */
    async rotate(alg = 'RS256') {
      const key = await newKey(alg);
      keys.push(key);
      signing[alg] = key;
      return key.kid;
    },
    /** Stops publishing the key `kid`. */
    retire(kid) {
      const i = keys.findIndex((k) => k.kid === kid);
      if (i >= 0) keys.splice(i, 1);
    },
    /** How many discovery and JWKS requests the provider has answered. */
    requests: () => fetches,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
