// A development OpenID provider (npm oidc-provider, with its development
// login page: any user name signs in) on 127.0.0.1 (port 8788 by default,
// any free one with --port 0), for the demo's "Sign in" and the browser
// tests. Never part of the deployed Worker.
// Run: node scripts/dev-idp.mjs [--port N] [--demo-config FILE] [redirect URI ...]
// --demo-config writes the demo page's configuration (DEMO_CONFIG_FILE in
// www/, which the Worker serves from its assets) naming this provider.
import Provider from 'oidc-provider';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEV_IDP_PORT = 8788;
export const DEV_CLIENT_ID = 'cognate-demo';
/** The file of www/ from which the demo page learns its OpenID provider. */
export const DEMO_CONFIG_FILE = 'demo-config.json';

/** The demo page's configuration for the provider at `issuer` (the text of DEMO_CONFIG_FILE). */
export function demoConfig(issuer) {
  return `${JSON.stringify({ signIn: { issuer, clientId: DEV_CLIENT_ID } }, null, 2)}\n`;
}

/**
 * Starts the provider on `port` of 127.0.0.1 (0: a free one, known before
 * the issuer is named); resolves to {issuer, close}.
 */
export async function startDevIdp({ port = DEV_IDP_PORT, redirectUris = ['http://127.0.0.1:8787/'], idTokenTtl = 3600 } = {}) {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
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
  server.on('request', provider.callback());
  return { issuer, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args.splice(i, 2)[1];
  };
  const port = Number(option('--port') ?? DEV_IDP_PORT);
  const configFile = option('--demo-config');
  const { issuer } = await startDevIdp({ port, ...(args.length ? { redirectUris: args } : {}) });
  if (configFile) writeFileSync(configFile, demoConfig(issuer));
  console.log(`development OpenID provider at ${issuer} (client ${DEV_CLIENT_ID})`);
}
