// The demo's SigV4 signer: @smithy/signature-v4 (bundled into
// www/vendor/sigv4.js by scripts/build-browser.sh) over WebCrypto.
import { SignatureV4 } from '@smithy/signature-v4';

const encoder = new TextEncoder();
const bytes = (d) => (typeof d === 'string' ? encoder.encode(d) : new Uint8Array(d));

class Sha256 {
  #secret;
  #chunks = [];
  constructor(secret) { this.#secret = secret; }
  update(data) { this.#chunks.push(bytes(data)); }
  async digest() {
    const data = new Uint8Array(this.#chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.#chunks) { data.set(c, at); at += c.length; }
    if (!this.#secret) return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const key = await crypto.subtle.importKey('raw', bytes(this.#secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
  }
  reset() { this.#chunks = []; }
}

/** Signs a GET of `url` with `credentials` for cognate's own routes (service "cognate"). */
export async function signRequest(url, credentials, region = 'us-east-1') {
  const signer = new SignatureV4({ service: 'cognate', region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'GET', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined,
    path: url.pathname, headers: { host: url.host },
  });
  return { url: url.href, headers: signed.headers };
}

/** `text` percent-encoded as S3 encodes a key's segments (RFC 3986: only A–Z a–z 0–9 - . _ ~ stay). */
export function encodeS3(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Signs an S3 request (service "s3", path-style, the payload unsigned) for
 * `fetch`: `path` is already encoded once (see `encodeS3`), `query` a plain
 * object. Resolves to {url, headers}.
 */
export async function signS3Request({ method = 'GET', origin, path, query = {}, headers = {}, credentials, region = 'us-east-1' }) {
  const url = new URL(origin);
  const signer = new SignatureV4({ service: 's3', region, credentials, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({
    method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined,
    path, query, headers: { ...headers, host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const search = Object.keys(query).sort()
    .map((k) => `${encodeS3(k)}=${encodeS3(query[k])}`).join('&');
  const out = { ...signed.headers };
  delete out.host;
  return { url: `${url.origin}${path}${search ? `?${search}` : ''}`, headers: out };
}
