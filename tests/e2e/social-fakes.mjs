// A fake Login with Amazon and a fake Facebook Graph API on a free port of
// 127.0.0.1, for the end-to-end run (plain http: the run names 127.0.0.1 in
// INSECURE_HTTP_ISSUERS). They answer as the real ones document:
//   GET /auth/o2/tokeninfo?access_token=…  → {aud, user_id, app_id, exp (seconds left), iat}
//                                           or 400 {"error":"invalid_token"}
//   GET /graph/app?access_token=…          → {id, name}
//   GET /graph/me?fields=id&access_token=… → {id}
//   GET /graph/debug_token?input_token=…&access_token=<app id>|<secret>&appsecret_proof=…
//                                           → {data: {app_id, type, is_valid, user_id, expires_at, …}}
// with Facebook's 400 {"error": {"type": "OAuthException", "code": 190}} for a bad token.
// A control API lets tests register tokens and take the providers down:
//   POST /control/tokens {token, app, user, expiresIn, client?} (expiresIn < 0: expired)
//   POST /control/mode {mode: 'up' | 'down' (503) | 'garbage' (200 HTML) | 'silent' (never answers)}
//   GET  /control/calls → {calls} (provider calls so far)
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';

/** Starts the fakes; `secrets` maps Facebook app ids to their app secrets. */
export async function startSocialFakes({ secrets = {} } = {}) {
  const tokens = new Map();
  let mode = 'up';
  const held = new Set(); // answers kept waiting in 'silent' mode, ended with it
  let calls = 0;
  const now = () => Math.floor(Date.now() / 1000);
  const fbRefusal = (subcode) => ({ error: { message: 'Error validating access token', type: 'OAuthException', code: 190, ...(subcode && { error_subcode: subcode }) } });
  const live = (t) => t && t.expiresAt > now();

  function provider(path, q) {
    const token = (name) => tokens.get(q.get(name) ?? '');
    switch (path) {
      case '/auth/o2/tokeninfo': {
        const t = token('access_token');
        if (!live(t)) return [400, { error_description: 'The request has an invalid parameter : access_token', error: 'invalid_token' }];
        return [200, { iss: 'https://www.amazon.com', user_id: t.user, aud: t.client ?? `${t.app}-client`, app_id: t.app, exp: t.expiresAt - now(), iat: now() }];
      }
      case '/graph/app': {
        const t = token('access_token');
        if (!t) return [400, fbRefusal()];
        if (!live(t)) return [400, fbRefusal(463)];
        return [200, { id: t.app, name: 'an app', link: 'https://www.facebook.com/games/?app_id=' + t.app }];
      }
      case '/graph/me': {
        const t = token('access_token');
        if (!t) return [400, fbRefusal()];
        if (!live(t)) return [400, fbRefusal(463)];
        return [200, { id: t.user }];
      }
      case '/graph/debug_token': {
        const appToken = q.get('access_token') ?? '';
        const [app, secret] = appToken.split('|');
        const proof = createHmac('sha256', secret ?? '').update(appToken).digest('hex');
        if (!secret || secrets[app] !== secret || q.get('appsecret_proof') !== proof) return [400, fbRefusal()];
        const t = token('input_token');
        if (!t || t.app !== app) return [200, { data: { is_valid: false, error: { code: 190, message: 'Invalid OAuth access token.' } } }];
        const data = { app_id: t.app, type: 'USER', application: 'an app', expires_at: t.expiresAt, is_valid: live(t), issued_at: now() - 60, scopes: ['public_profile'], user_id: t.user };
        if (!live(t)) data.error = { code: 190, message: 'Error validating access token: Session has expired', subcode: 463 };
        return [200, { data }];
      }
      default:
        return [404, { error: 'not found' }];
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://fake');
    const send = (status, body, type = 'application/json') =>
      res.writeHead(status, { 'content-type': type }).end(typeof body === 'string' ? body : JSON.stringify(body));
    if (url.pathname.startsWith('/control/')) {
      let body = {};
      if (req.method === 'POST') {
        let text = '';
        for await (const chunk of req) text += chunk;
        body = JSON.parse(text || '{}');
      }
      if (url.pathname === '/control/tokens' && req.method === 'POST') {
        tokens.set(body.token, { app: String(body.app), user: String(body.user), client: body.client, expiresAt: now() + Number(body.expiresIn ?? 3600) });
        return send(200, {});
      }
      if (url.pathname === '/control/mode' && req.method === 'POST') {
        mode = body.mode;
        for (const r of held) r.destroy();
        held.clear();
        return send(200, {});
      }
      if (url.pathname === '/control/calls') return send(200, { calls });
      return send(404, {});
    }
    calls += 1;
    if (req.method !== 'GET') return send(405, {});
    if (mode === 'down') return send(503, { error: 'service unavailable' });
    if (mode === 'garbage') return send(200, '<html>maintenance</html>', 'text/html');
    if (mode === 'silent') return void held.add(res);
    const [status, body] = provider(url.pathname, url.searchParams);
    return send(status, body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    amazonUrl: base,
    graphUrl: `${base}/graph`,
    controlUrl: `${base}/control`,
    close: () => new Promise((resolve) => {
      for (const r of held) r.destroy();
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}
