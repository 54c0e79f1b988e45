#!/usr/bin/env node
// cognate-admin: one admin call to a cognate endpoint from the command line
// (cognate's own operations and any Cognito Identity operation by name),
// signed with the admin key pair by the repository's one admin signer.
// Run `npx cognate-admin --help`.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseVars } from '../../scripts/dev-vars.mjs';
import { signedCall } from '../../scripts/lib/admin.mjs';
import { UsageError, parseArgs, usage } from './args.mjs';

/** The admin key pair: env first, then `.dev.vars` in `cwd`. */
function adminCredentials(env, cwd) {
  if (env.ADMIN_ACCESS_KEY_ID && env.ADMIN_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.ADMIN_ACCESS_KEY_ID, secretAccessKey: env.ADMIN_SECRET_ACCESS_KEY };
  }
  const file = resolve(cwd, '.dev.vars');
  if (existsSync(file)) {
    const vars = parseVars(readFileSync(file, 'utf8'));
    if (vars.ADMIN_ACCESS_KEY_ID && vars.ADMIN_SECRET_ACCESS_KEY) {
      return { accessKeyId: vars.ADMIN_ACCESS_KEY_ID, secretAccessKey: vars.ADMIN_SECRET_ACCESS_KEY };
    }
  }
  return null;
}

const fail = (error, code = 1) => {
  process.stderr.write(`${JSON.stringify(error, null, 2)}\n`);
  process.exit(code);
};

let args;
try {
  args = parseArgs(process.argv.slice(2), { readFile: (p) => readFileSync(resolve(process.cwd(), p), 'utf8') });
} catch (err) {
  if (!(err instanceof UsageError) && err.code !== 'ENOENT') throw err;
  process.stderr.write(`cognate-admin: ${err.message}\n\n${usage()}\n`);
  process.exit(2);
}
if (args.help || !args.operation) {
  (args.help ? process.stdout : process.stderr).write(`${usage(args.operation)}\n`);
  process.exit(args.help ? 0 : 2);
}

const credentials = adminCredentials(process.env, process.cwd());
if (!credentials) {
  fail({ __type: 'MissingCredentials', message: 'No admin key pair: set ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY, or run where .dev.vars is.' });
}
const endpoint = args.endpoint ?? process.env.COGNATE_ENDPOINT ?? 'http://127.0.0.1:8787';
let answer;
try {
  answer = await signedCall(endpoint, credentials, args.operation, args.input, { region: args.region ?? 'us-east-1' });
} catch (err) {
  fail({ __type: 'NetworkError', message: `${endpoint}: ${err.cause?.message ?? err.message}` });
}
if (answer.status !== 200) fail(answer.body ?? { __type: `HTTP ${answer.status}`, message: '' });
process.stdout.write(`${JSON.stringify(answer.body ?? {}, null, 2)}\n`);
