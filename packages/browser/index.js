// cognate for web apps: guest access that upgrades to a signed-in identity,
// with credentials that refresh themselves. Importing this module touches no
// storage and makes no request; the WebAssembly loads on first use.
import init, {
  IdentityPool as WasmIdentityPool, authorizationUrl, checkIdToken, providerName,
} from './cognate_wasm.js';

let loading;
const load = () => (loading ??= init());

function fail(message) {
  const err = new Error(message);
  err.name = err.code = 'SignInFailed';
  return err;
}

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const random = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));

function claimsOf(idToken) {
  const payload = idToken.split('.')[1] ?? '';
  const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
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

export class IdentityPool {
  #options;
  #pool;
  #listeners = [];
  #key(name) {
    return `cognate:${this.#options.identityPoolId}:${name}`;
  }

  /** @param {import('./index.d.ts').IdentityPoolOptions} options */
  constructor(options) {
    if (!options?.endpoint || !options?.identityPoolId) {
      const err = new Error('endpoint and identityPoolId are required');
      err.name = err.code = 'InvalidOptions';
      throw err;
    }
    this.#options = { ...options };
  }

  async #ready() {
    if (!this.#pool) {
      await load();
      this.#pool ??= new WasmIdentityPool(this.#options);
      for (const [event, listener] of this.#listeners) this.#pool.on(event, listener);
    }
    return this.#pool;
  }

  #shared;
  /** The first identity of this page, agreed with the other tabs (local storage only). */
  async #agreed(pool) {
    const tabs = (this.#options.storage ?? 'local') === 'local' && globalThis.navigator?.locks && globalThis.indexedDB;
    if (!tabs) return pool;
    this.#shared ??= navigator.locks.request(this.#key('identity'), async () => {
      const key = this.#key('identityId');
      const known = await idb('readonly', (s) => s.get(key)).catch(() => undefined);
      if (known && !localStorage.getItem(key)) localStorage.setItem(key, known);
      const { identityId: id } = await pool.credentials();
      if (id !== known) await idb('readwrite', (s) => s.put(id, key)).catch(() => undefined);
    });
    await this.#shared;
    return pool;
  }

  /** Credentials, cached and refreshed ahead of expiry. */
  async credentials() {
    return (await this.#agreed(await this.#ready())).credentials();
  }

  /** A credential provider for the AWS SDK v3 (`credentials: pool.credentialProvider()`). */
  credentialProvider() {
    return () => this.credentials();
  }

  async identityId() {
    return (await this.credentials()).identityId;
  }

  async openIdToken() {
    return (await this.#agreed(await this.#ready())).openIdToken();
  }

  /** Sign in with an ID token, or a function returning one (sync or async). */
  async signIn(provider, tokenOrProvider) {
    return (await this.#ready()).signIn(provider, tokenOrProvider);
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
    const pool = await this.#ready();
    const url = new URL(location.href);
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (!code && !error) {
      const kept = JSON.parse(sessionStorage.getItem(this.#key('login')) ?? 'null');
      if (kept?.provider && kept?.idToken) {
        this.#session = kept;
        pool.useLogin(kept.provider, () => this.#freshIdToken());
      }
      return null;
    }
    const returnedState = url.searchParams.get('state');
    const pending = JSON.parse(sessionStorage.getItem(this.#key('pending')) ?? 'null');
    sessionStorage.removeItem(this.#key('pending'));
    // Whatever happens next, code and state leave the address bar.
    for (const name of ['code', 'state', 'error', 'error_description', 'iss', 'session_state']) url.searchParams.delete(name);
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    if (error) throw fail(`the provider refused: ${error}`);
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
    checkIdToken(claimsOf(tokens.id_token), pending.issuer, pending.clientId, pending.nonce);
    const provider = providerName(pending.issuer);
    this.#session = {
      provider, issuer: pending.issuer, clientId: pending.clientId, tokenEndpoint: pending.tokenEndpoint,
      idToken: tokens.id_token, refreshToken: tokens.refresh_token,
    };
    this.#keepSession();
    return pool.signIn(provider, () => this.#freshIdToken());
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
    checkIdToken(claimsOf(tokens.id_token), s.issuer, s.clientId, undefined);
    s.idToken = tokens.id_token;
    s.refreshToken = tokens.refresh_token ?? s.refreshToken;
    this.#keepSession();
    return s.idToken;
  }

  async signOut() {
    sessionStorage.removeItem(this.#key('login'));
    this.#session = undefined;
    this.#shared = undefined;
    if (globalThis.indexedDB) await idb('readwrite', (s) => s.delete(this.#key('identityId'))).catch(() => undefined);
    (await this.#ready()).signOut();
  }

  /** `change` ({identityId, authenticated}) or `signInRequired` ({reason}). */
  on(event, listener) {
    this.#listeners.push([event, listener]);
    this.#pool?.on(event, listener);
    return this;
  }
}
