// cognate for web apps: guest access that upgrades to a signed-in identity,
// with credentials that refresh themselves. Importing this module touches no
// storage and makes no request; the WebAssembly loads on first use.
import init, { IdentityPool as WasmIdentityPool } from './cognate_wasm.js';

let loading;
const load = () => (loading ??= init());

export class IdentityPool {
  #options;
  #pool;
  #listeners = [];

  /** @param {{endpoint: string, identityPoolId: string, storage?: 'local'|'session'|'memory'}} options */
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

  /** Credentials, cached and refreshed ahead of expiry. */
  async credentials() {
    return (await this.#ready()).credentials();
  }

  /** A credential provider for the AWS SDK v3 (`credentials: pool.credentialProvider()`). */
  credentialProvider() {
    return () => this.credentials();
  }

  async identityId() {
    return (await this.#ready()).identityId();
  }

  async openIdToken() {
    return (await this.#ready()).openIdToken();
  }

  /** Sign in with an ID token, or a function returning one (sync or async). */
  async signIn(provider, tokenOrProvider) {
    return (await this.#ready()).signIn(provider, tokenOrProvider);
  }

  async signOut() {
    (await this.#ready()).signOut();
  }

  /** `change` ({identityId, authenticated}) or `signInRequired` ({reason}). */
  on(event, listener) {
    this.#listeners.push([event, listener]);
    this.#pool?.on(event, listener);
    return this;
  }
}
