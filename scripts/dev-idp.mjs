// A development OpenID provider (npm oidc-provider, with its development
// login page: any user name signs in) on 127.0.0.1:8788, for the demo's
// "Sign in" and the browser tests. Never part of the deployed Worker.
// Run: node scripts/dev-idp.mjs [redirect URI ...]
import Provider from 'oidc-provider';
import { fileURLToPath } from 'node:url';

export const DEV_IDP_PORT = 8788;
export const DEV_CLIENT_ID = 'cognate-demo';

/** Starts the provider; resolves to {issuer, close}. */
export async function startDevIdp({ port = DEV_IDP_PORT, redirectUris = ['http://127.0.0.1:8787/'], idTokenTtl = 3600 } = {}) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: DEV_CLIENT_ID,
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    pkce: { required: () => true },
    // Public clients get refresh tokens too, so the app can renew ID tokens.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { IdToken: idTokenTtl },
    clientBasedCORS: () => true,
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.test`, name: id }),
    }),
    claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
  });
  provider.proxy = false;
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { issuer, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const uris = process.argv.slice(2);
  const { issuer } = await startDevIdp(uris.length ? { redirectUris: uris } : {});
  console.log(`development OpenID provider at ${issuer} (client ${DEV_CLIENT_ID})`);
}
