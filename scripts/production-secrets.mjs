// Prints, as the JSON `wrangler secret bulk` reads, fresh production secrets
// for a cognate Worker: the signing key slot, the hash key, the credential
// key and the admin key pair — generated as for local runs, without any of
// the local settings (no INSECURE_* switch, no issuer: that is a var).
// Keep the output out of the repository; `scripts/deploy.sh` pipes it
// straight into wrangler.
import { generateVars } from './dev-vars.mjs';

const SECRETS = [
  'SIGNING_KEY_1', 'SIGNING_KEY_CURRENT', 'HASH_KEY', 'CREDENTIAL_KEY_1', 'CREDENTIAL_KEY_CURRENT',
  'ADMIN_ACCESS_KEY_ID', 'ADMIN_SECRET_ACCESS_KEY',
];
const vars = await generateVars();
process.stdout.write(JSON.stringify(Object.fromEntries(SECRETS.map((k) => [k, vars[k]]))));
