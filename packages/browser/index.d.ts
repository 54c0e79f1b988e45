/** Options of an {@link IdentityPool}. */
export interface IdentityPoolOptions {
  /** The cognate endpoint, e.g. `https://id.example.com`. */
  endpoint: string;
  /** The identity pool id, `<region>:<uuid>`. */
  identityPoolId: string;
  /** Where the identity id is kept: `local` (default), `session` or `memory`. */
  storage?: 'local' | 'session' | 'memory';
  /** Keep a redirect sign-in's ID token in sessionStorage, so a reload stays signed in. Off by default. */
  persistLogin?: 'session';
}

/** Where and how to sign in by redirect. */
export interface RedirectOptions {
  /** The OpenID provider's issuer URL. */
  issuer: string;
  /** The app's (public) client id at the provider. */
  clientId: string;
  /** Where the provider sends the browser back (default: this page). */
  redirectUri?: string;
  /** Scopes; `openid` is always included. */
  scope?: string;
}

/** Credentials, in the shape the AWS SDK v3 takes. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** When they expire, on this device's clock (corrected for its skew). */
  expiration: Date;
  identityId: string;
}

/** An error of cognate or of the client; `code` and `name` are stable. */
export interface CognateError extends Error {
  /** The Cognito error name, or NetworkError, InvalidOptions, InvalidResponse, SignInRequired. */
  code: string;
}

export type TokenProvider = () => string | Promise<string>;

export interface ChangeEvent {
  identityId: string | null;
  authenticated: boolean;
}

/** A Cognito-compatible identity pool, seen from a web app. */
export class IdentityPool {
  constructor(options: IdentityPoolOptions);
  credentials(): Promise<Credentials>;
  credentialProvider(): () => Promise<Credentials>;
  identityId(): Promise<string>;
  openIdToken(): Promise<string>;
  /**
   * Signs in with `provider`'s token: an ID token, or an access token for
   * `www.amazon.com` and `graph.facebook.com` (passed as is, never parsed).
   */
  signIn(provider: string, token: string | TokenProvider): Promise<string>;
  signInWithRedirect(options: RedirectOptions): Promise<void>;
  handleRedirect(): Promise<string | null>;
  signOut(): Promise<void>;
  on(event: 'change', listener: (detail: ChangeEvent) => void): this;
  on(event: 'signInRequired', listener: (detail: { reason: string }) => void): this;
}
