// Admin calls to a cognate endpoint, SigV4-signed with the admin key pair
// (the same signing the AWS SDK does), including cognate's extension
// operations that the SDK does not know (ImportIdentityPool).
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 and HMAC-SHA256 in the shape @smithy/signature-v4 takes, from node:crypto. */
export class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {}
}

/**
 * Calls `operation` at `endpoint` with `input`, signed with `credentials`
 * ({accessKeyId, secretAccessKey, sessionToken?}). Resolves to
 * {status, body, headers}; never throws on an error answer. `signingDate`
 * signs as of another time (to test clock checks).
 */
export async function signedCall(endpoint, credentials, operation, input, { region = 'us-east-1', signingDate } = {}) {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ service: 'cognito-identity', region, credentials, sha256: Sha256 });
  const request = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityService.${operation}`,
    },
    body: JSON.stringify(input),
  }, { signingDate });
  const response = await fetch(new URL('/', url), { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  return { status: response.status, body: text ? parseBody(text, response.status) : null, headers: response.headers };
}

/** The answer's JSON; an answer that is not JSON (a proxy's error page) as {__type, message}. */
function parseBody(text, status) {
  try {
    return JSON.parse(text);
  } catch {
    return { __type: `HTTP ${status}`, message: text.slice(0, 1000) };
  }
}

/**
 * An admin caller for `endpoint` with the admin key pair in `vars`: it
 * resolves to the answer's body and throws on anything but 200 (for set-up
 * steps of benchmarks and scripts).
 */
export function adminCaller(endpoint, vars) {
  const admin = { accessKeyId: vars.ADMIN_ACCESS_KEY_ID, secretAccessKey: vars.ADMIN_SECRET_ACCESS_KEY };
  return async (op, input) => {
    const r = await signedCall(endpoint, admin, op, input);
    if (r.status !== 200) throw new Error(`${op}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
}
