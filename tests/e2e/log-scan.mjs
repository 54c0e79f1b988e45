// Scans the Worker's complete log of an e2e run for what must never be
// logged: the run's secrets, tokens (JWTs, session tokens, any long opaque
// string), and identity ids (their v8 uuids; pool ids, v4, may be logged).
// wrangler's own access-log lines (method, path, status) are the local
// server's, not the Worker's, and are skipped.
import { readFileSync } from 'node:fs';

const ACCESS_LINE = /^\[wrangler:info\] (GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) /;
const PATTERNS = [
  ['a JWT', /eyJ[\w-]{8,}\.[\w-]{8,}/],
  ['an identity id', /\b[a-z]{2}(-[a-z]+)+-\d:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-/],
  ['a long opaque string (a token or key)', /[A-Za-z0-9+/_=-]{64,}/],
];

/** The secret values among the Worker's `vars` (what a leak would show). */
function secretsOf(vars) {
  const out = [];
  for (const [name, value] of Object.entries(vars)) {
    if (/^(ADMIN_SECRET_ACCESS_KEY|HASH_KEY)/.test(name)) out.push(value);
    if (/^SIGNING_KEY_\d$/.test(name)) out.push(JSON.parse(value).d);
    if (/^CREDENTIAL_KEY_\d$/.test(name)) out.push(JSON.parse(value).key);
    if (name === 'SIGNING_KEYS') out.push(...Object.values(JSON.parse(value)).map((k) => k.d));
    if (name === 'CREDENTIAL_KEYS') out.push(...Object.values(JSON.parse(value)).map((k) => k.key));
    if (name === 'FACEBOOK_APP_SECRET') out.push(...value.split(',').map((p) => p.split('|')[1]));
  }
  return out.filter((s) => typeof s === 'string' && s.length >= 8);
}

/** The offending lines of `text` as [{line, what}]. */
export function scan(text, vars) {
  const secrets = secretsOf(vars);
  const hits = [];
  for (const line of text.split('\n')) {
    if (ACCESS_LINE.test(line)) continue;
    for (const [what, pattern] of PATTERNS) if (pattern.test(line)) hits.push({ line, what });
    for (const secret of secrets) if (line.includes(secret)) hits.push({ line: '(a line)', what: 'a secret of the run' });
  }
  return hits;
}

/** Scans the log file; throws, naming the lines, if anything is found. */
export function checkLog(file, vars) {
  // The scanner itself must be able to fail.
  const probe = scan('x eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig\nus-east-1:0badcafe-0000-8000-8000-000000000000', vars);
  if (probe.length < 2) throw new Error('the log scanner misses what it must find');
  const hits = scan(readFileSync(file, 'utf8'), vars);
  if (hits.length) {
    throw new Error(`the Worker logged what it must not:\n${hits.slice(0, 20).map((h) => `  ${h.what}: ${h.line.slice(0, 200)}`).join('\n')}`);
  }
}
