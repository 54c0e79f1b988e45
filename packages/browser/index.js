// cognate for web apps: guest access that upgrades to a signed-in identity,
// with credentials that refresh themselves. Importing this module touches no
// storage and makes no request; the WebAssembly loads on first use. The
// WebAssembly decides (when to refresh, the server's clock, how to recover
// from a refusal, storage keys, the sign-in URL and ID-token checks); this
// entry does the I/O around it: fetch, storage, Web Locks, the redirect
// handoff and events.
import init, {
  Recovery, authorizationUrl, checkIdToken, errorName, needsRefresh, observeSkew, providerName, recovery,
  storageKey, toDevice,
} from './cognate_wasm.js';

let loading;
const load = () => (loading ??= init());

function error(code, message) {
  const err = new Error(message);
  err.name = err.code = code;
  return err;
}
const fail = (message) => error('SignInFailed', message);
const string = (value, name) => (typeof value?.[name] === 'string' ? value[name] : undefined);

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const random = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));

function claimsOf(idToken) {
  const payload = idToken.split('.')[1] ?? '';
  const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

function checked(claims, issuer, clientId, nonce) {
  const refusal = checkIdToken(claims, issuer, clientId, nonce);
  if (refusal) throw fail(refusal);
}

// Several tabs opening at once must share one guest identity. The first
// identity lookup of each page runs under a Web Lock; the winner's id is
// handed to the others through IndexedDB, which (unlike localStorage in
// Chromium right after another tab wrote it) every tab reads fresh.
const DB = 'cognate';
function idb(mode, fn) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('identity');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('identity', mode);
      const req = fn(tx.objectStore('identity'));
      tx.oncomplete = () => { open.result.close(); resolve(req?.result); };
      tx.onerror = () => { open.result.close(); reject(tx.error); };
    };
  });
}

async function json(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw fail(`the provider refused: ${body.error_description ?? body.error ?? response.status}`);
  return body;
}

/** Where the identity id is kept: localStorage, sessionStorage or a map in memory. */
function storeOf(kind) {
  if (kind === 'memory') {
    const kept = new Map();
    return { get: (key) => kept.get(key) ?? null, set: (key, value) => (value == null ? kept.delete(key) : kept.set(key, value)) };
  }
  const web = () => { try { return kind === 'session' ? sessionStorage : localStorage; } catch { return undefined; } };
  return {
    get: (key) => { try { return web()?.getItem(key) ?? null; } catch { return null; } },
    set: (key, value) => { try { value == null ? web()?.removeItem(key) : web()?.setItem(key, value); } catch { /* full or denied */ } },
  };
}

/** One JSON 1.1 call to cognate's Cognito Identity API (unsigned). */
async function call(endpoint, operation, input) {
  let response, text;
  try {
    response = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
      body: JSON.stringify(input),
    });
    text = await response.text();
  } catch (e) {
    throw error('NetworkError', `cognate could not be reached: ${string(e, 'message') ?? ''}`);
  }
  let body;
  try { body = JSON.parse(text); } catch { throw error('InvalidResponse', 'cognate answered with no JSON'); }
  if (!response.ok) throw error(errorName(string(body, '__type')), string(body, 'message') ?? '');
  return { body, serverTime: Date.parse(response.headers.get('date')) / 1000 };
}

const IDENTITY = 'identityId';

export class IdentityPool {
  #options;
  #listeners = [];
  /** The validated options, once the WebAssembly is loaded: endpoint, pool id, store. */
  #pool;
  /** The device clock's offset from the server's (seconds). */
  #skew = 0;
  /** The cached credentials (expiration on the server's clock, epoch seconds). */
  #cached;
  /** The request for credentials in flight, shared by concurrent callers. */
  #inflight;
  /** The sign-in: [provider, token or a function that gives one]. */
  #login;
  #key(name) {
    return storageKey(this.#options.identityPoolId, name);
  }

  /** @param {import('./index.d.ts').IdentityPoolOptions} options */
  constructor(options) {
    if (!options?.endpoint || !options?.identityPoolId) throw error('InvalidOptions', 'endpoint and identityPoolId are required');
    this.#options = { ...options };
  }

  async #ready() {
    await load();
    if (!this.#pool) {
      const { endpoint, identityPoolId, storage } = this.#options;
      const invalid = (m) => error('InvalidOptions', m);
      if (typeof endpoint !== 'string') throw invalid('endpoint is required');
      if (typeof identityPoolId !== 'string') throw invalid('identityPoolId is required');
      const kind = typeof storage === 'string' ? storage : 'local';
      if (!['local', 'session', 'memory'].includes(kind)) throw invalid("storage must be 'local', 'session' or 'memory'");
      this.#pool = { endpoint: endpoint.replace(/\/+$/, ''), store: storeOf(kind) };
    }
    return this.#pool;
  }

  /** The device's time in epoch seconds (`options.clock`, in ms, lets tests move it). */
  #now() {
    const clock = this.#options.clock;
    if (typeof clock !== 'function') return Date.now() / 1000;
    const ms = clock();
    return (typeof ms === 'number' ? ms : 0) / 1000;
  }

  #emit(event, detail) {
    for (const [e, listener] of this.#listeners.filter(([e]) => e === event)) {
      try { listener(detail); } catch { /* a listener's failure is its own */ }
    }
  }

  #changed() {
    this.#emit('change', { identityId: this.#pool.store.get(this.#key(IDENTITY)), authenticated: !!this.#login });
  }

  async #call(operation, input) {
    const { body, serverTime } = await call(this.#pool.endpoint, operation, input);
    if (Number.isFinite(serverTime)) this.#skew = observeSkew(serverTime, this.#now());
    return body;
  }

  /** The `Logins` map of the sign-in, asking the token provider for a fresh token. */
  async #logins() {
    if (!this.#login) return undefined;
    const [provider, token] = this.#login;
    let given = typeof token === 'string' ? token : '';
    if (typeof token === 'function') {
      try { given = await token(); } catch { throw error('SignInRequired', 'the token provider failed'); }
      if (typeof given !== 'string' || !given) throw error('SignInRequired', 'the token provider gave no token');
    }
    return { [provider]: given };
  }

  /** The cached identity id, or a new one from GetId. */
  async #identity(logins) {
    const key = this.#key(IDENTITY);
    const known = this.#pool.store.get(key);
    if (known != null) return known;
    const body = await this.#call('GetId', { IdentityPoolId: this.#options.identityPoolId, ...(logins && { Logins: logins }) });
    const id = string(body, 'IdentityId');
    if (id === undefined) throw error('InvalidResponse', 'GetId gave no IdentityId');
    this.#pool.store.set(key, id);
    this.#changed();
    return id;
  }

  /** Fresh credentials from the service, recovering once from a vanished guest. */
  async #fetch() {
    for (let retried = false; ;) {
      let logins;
      try {
        logins = await this.#logins();
      } catch (e) {
        // No fresh token to be had: say so rather than fail silently.
        this.#emit('signInRequired', { reason: e.message });
        throw e;
      }
      const identityId = await this.#identity(logins);
      let body;
      try {
        body = await this.#call('GetCredentialsForIdentity', { IdentityId: identityId, ...(logins && { Logins: logins }) });
      } catch (e) {
        const next = recovery(e.code, !logins, retried);
        if (next === Recovery.NewGuest) {
          this.#pool.store.set(this.#key(IDENTITY), null);
          retried = true;
          continue;
        }
        if (next === Recovery.SignInRequired) {
          this.#emit('signInRequired', { reason: e.message });
          throw error('SignInRequired', e.message);
        }
        throw e;
      }
      const id = string(body, 'IdentityId') ?? identityId;
      if (id !== identityId) {
        // Merged into the identity that owned the login: follow it.
        this.#pool.store.set(this.#key(IDENTITY), id);
        this.#changed();
      }
      const c = body?.Credentials;
      const field = (name) => {
        const value = string(c, name);
        if (value === undefined) throw error('InvalidResponse', `no ${name}`);
        return value;
      };
      return {
        accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretKey'), sessionToken: field('SessionToken'),
        expiration: typeof c.Expiration === 'number' ? c.Expiration : 0, identityId: id,
      };
    }
  }

  /** The credentials as the app sees them: the expiration a Date on the device's clock. */
  #public(c) {
    return { ...c, expiration: new Date(toDevice(c.expiration, this.#skew) * 1000) };
  }

  /** Cached until the refresh margin; concurrent callers share one request. */
  #credentials() {
    const c = this.#cached;
    if (c && !needsRefresh(c.expiration, this.#now(), this.#skew)) return Promise.resolve(this.#public(c));
    return (this.#inflight ??= (async () => {
      try {
        this.#cached = await this.#fetch();
        return this.#public(this.#cached);
      } finally {
        this.#inflight = undefined;
      }
    })());
  }

  #shared;
  /** The first identity of this page, agreed with the other tabs (local storage only). */
  async #agreed() {
    await this.#ready();
    const tabs = (this.#options.storage ?? 'local') === 'local' && globalThis.navigator?.locks && globalThis.indexedDB;
    if (!tabs) return;
    this.#shared ??= navigator.locks.request(this.#key('identity'), async () => {
      const key = this.#key(IDENTITY);
      const known = await idb('readonly', (s) => s.get(key)).catch(() => undefined);
      if (known && !localStorage.getItem(key)) localStorage.setItem(key, known);
      const { identityId: id } = await this.#credentials();
      if (id !== known) await idb('readwrite', (s) => s.put(id, key)).catch(() => undefined);
    });
    await this.#shared;
  }

  /** Credentials, cached and refreshed ahead of expiry. */
  async credentials() {
    await this.#agreed();
    return this.#credentials();
  }

  /** A credential provider for the AWS SDK v3 (`credentials: pool.credentialProvider()`). */
  credentialProvider() {
    return () => this.credentials();
  }

  async identityId() {
    return (await this.credentials()).identityId;
  }

  /** cognate's OpenID token for the identity. */
  async openIdToken() {
    await this.#agreed();
    const logins = await this.#logins();
    const identityId = await this.#identity(logins);
    const token = string(await this.#call('GetOpenIdToken', { IdentityId: identityId, ...(logins && { Logins: logins }) }), 'Token');
    if (token === undefined) throw error('InvalidResponse', 'no Token');
    return token;
  }

  /**
   * Sign in with a token, or a function returning one (sync or async): an ID
   * token, an access token for `www.amazon.com` and `graph.facebook.com`, or
   * the base64 SAMLResponse under a SAML provider's ARN.
   * The token is passed as it is; nothing here parses it.
   */
  async signIn(provider, tokenOrProvider) {
    await this.#ready();
    return this.#signIn(provider, tokenOrProvider);
  }

  /** Links the sign-in to the cached identity (a guest keeps its id); resolves to the identity id. */
  async #signIn(provider, tokenOrProvider) {
    this.#login = [provider, tokenOrProvider];
    this.#cached = undefined;
    let creds;
    try {
      creds = await this.#credentials();
    } catch (e) {
      throw typeof e?.code === 'string' ? e : error('SignInRequired', string(e, 'message') ?? '');
    }
    this.#changed();
    return creds.identityId;
  }

  /**
   * Sign in by redirect at an OpenID provider: the authorization-code flow
   * with PKCE (S256), state and nonce, for a public client.
   */
  async signInWithRedirect({ issuer, clientId, redirectUri = location.origin + location.pathname, scope = 'openid' }) {
    await load();
    issuer = issuer.replace(/\/+$/, '');
    const doc = await json(await fetch(`${issuer}/.well-known/openid-configuration`));
    if (doc.issuer !== issuer) throw fail("the provider's discovery document names another issuer");
    const verifier = random(32);
    const state = random(16);
    const nonce = random(16);
    const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
    sessionStorage.setItem(this.#key('pending'), JSON.stringify({
      issuer, clientId, redirectUri, tokenEndpoint: doc.token_endpoint, verifier, state, nonce,
    }));
    location.assign(authorizationUrl(doc.authorization_endpoint, clientId, redirectUri, scope, state, nonce, challenge));
  }

  /**
   * Call on every page load: finishes a sign-in the provider sent back
   * (resolves to the identity id; `code` and `state` leave the URL) or
   * restores one kept for the session (`persistLogin: 'session'`; null).
   */
  async handleRedirect() {
    await this.#ready();
    const url = new URL(location.href);
    const code = url.searchParams.get('code');
    const refused = url.searchParams.get('error');
    if (!code && !refused) {
      const kept = JSON.parse(sessionStorage.getItem(this.#key('login')) ?? 'null');
      if (kept?.provider && kept?.idToken) {
        this.#session = kept;
        // A sign-in kept for the session: the next call for credentials presents it.
        this.#login = [kept.provider, () => this.#freshIdToken()];
        this.#changed();
      }
      return null;
    }
    const returnedState = url.searchParams.get('state');
    const pending = JSON.parse(sessionStorage.getItem(this.#key('pending')) ?? 'null');
    sessionStorage.removeItem(this.#key('pending'));
    // Whatever happens next, code and state leave the address bar.
    for (const name of ['code', 'state', 'error', 'error_description', 'iss', 'session_state']) url.searchParams.delete(name);
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    if (refused) throw fail(`the provider refused: ${refused}`);
    if (!pending) throw fail('no sign-in was started here');
    if (returnedState !== pending.state) throw fail('the state does not match the sign-in that was started');
    const tokens = await json(await fetch(pending.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code, redirect_uri: pending.redirectUri,
        client_id: pending.clientId, code_verifier: pending.verifier,
      }),
    }));
    if (!tokens.id_token) throw fail('the provider gave no ID token');
    checked(claimsOf(tokens.id_token), pending.issuer, pending.clientId, pending.nonce);
    const provider = providerName(pending.issuer);
    this.#session = {
      provider, issuer: pending.issuer, clientId: pending.clientId, tokenEndpoint: pending.tokenEndpoint,
      idToken: tokens.id_token, refreshToken: tokens.refresh_token,
    };
    this.#keepSession();
    return this.#signIn(provider, () => this.#freshIdToken());
  }

  #session;
  /** Keeps the sign-in for the session when asked (sessionStorage, never localStorage). */
  #keepSession() {
    if (this.#options.persistLogin === 'session' && this.#session) {
      sessionStorage.setItem(this.#key('login'), JSON.stringify(this.#session));
    }
  }

  /**
   * The ID token for the next call: the current one while it has a minute
   * left, else a new one from the provider's refresh token (kept in memory,
   * or sessionStorage if asked). With neither, sign-in is required.
   */
  async #freshIdToken() {
    const s = this.#session;
    if (!s) throw fail('not signed in');
    if ((claimsOf(s.idToken).exp ?? 0) - Date.now() / 1000 > 60) return s.idToken;
    if (!s.refreshToken) throw fail('the ID token expired and there is no refresh token');
    const tokens = await json(await fetch(s.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: s.refreshToken, client_id: s.clientId }),
    }));
    if (!tokens.id_token) throw fail('the provider gave no ID token');
    checked(claimsOf(tokens.id_token), s.issuer, s.clientId, undefined);
    s.idToken = tokens.id_token;
    s.refreshToken = tokens.refresh_token ?? s.refreshToken;
    this.#keepSession();
    return s.idToken;
  }

  /** Forgets the sign-in, the identity and the credentials: the next call gets a fresh guest. */
  async signOut() {
    await load();
    sessionStorage.removeItem(this.#key('login'));
    this.#session = undefined;
    this.#shared = undefined;
    if (globalThis.indexedDB) await idb('readwrite', (s) => s.delete(this.#key(IDENTITY))).catch(() => undefined);
    await this.#ready();
    this.#login = undefined;
    this.#cached = undefined;
    this.#pool.store.set(this.#key(IDENTITY), null);
    this.#changed();
  }

  /** `change` ({identityId, authenticated}) or `signInRequired` ({reason}). */
  on(event, listener) {
    this.#listeners.push([event, listener]);
    return this;
  }
}
