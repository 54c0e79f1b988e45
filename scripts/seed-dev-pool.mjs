// Seeds the development identity pool, idempotently: imported with a fixed
// id (so the README can name it), guests allowed, the local OpenID provider
// (scripts/dev-idp.mjs, on 127.0.0.1:8788 unless told) configured, a role
// for guests and for signed-in users with the policies of the common case
// (scripts/dev-policies/*.json), and the API route `demo` to the
// development upstream (scripts/dev-upstream.mjs).
import { readFileSync } from 'node:fs';
import { parseVars } from './dev-vars.mjs';
import { DEV_CLIENT_ID, DEV_IDP_PORT } from './dev-idp.mjs';
import { signedCall } from './lib/admin.mjs';

export const DEV_POOL_ID = 'us-east-1:0c09a7e0-de70-4000-8000-000000000001';

/** The issuer of the development OpenID provider that scripts/dev.sh starts. */
export const DEV_IDP_ISSUER = `http://127.0.0.1:${DEV_IDP_PORT}`;

/**
 * The dev pool with the development OpenID provider at `idpIssuer` as its
 * login provider (named by its URL without the scheme, e.g. `127.0.0.1:8788`).
 */
export function devPool(idpIssuer = DEV_IDP_ISSUER) {
  return {
    IdentityPoolId: DEV_POOL_ID,
    IdentityPoolName: 'cognate-dev',
    AllowUnauthenticatedIdentities: true,
    SupportedLoginProviders: { [new URL(idpIssuer).host]: DEV_CLIENT_ID },
  };
}

export const DEV_ROLES = {
  unauthenticated: 'arn:aws:iam::000000000000:role/cognate-dev-guest',
  authenticated: 'arn:aws:iam::000000000000:role/cognate-dev-user',
};

/**
 * The policies of each dev role, by name (scripts/dev-policies/<name>.json):
 * every identity reads and writes its own folder `user-data/<identity id>/`
 * and lists only that; guests and signed-in users read `user-data/public/`;
 * signed-in users may call `/api/demo/*`.
 */
export const DEV_ROLE_POLICIES = {
  [DEV_ROLES.unauthenticated]: ['own-folder', 'public-read'],
  [DEV_ROLES.authenticated]: ['own-folder', 'public-read', 'demo-api'],
};

/** The gateway route of the demo: `/api/demo/<rest>` goes to the dev upstream. */
export const DEV_API_ROUTE = { Name: 'demo', Upstream: 'http://127.0.0.1:8789' };

/** The text of the dev policy `name`. */
export function devPolicy(name) {
  return readFileSync(new URL(`./dev-policies/${name}.json`, import.meta.url), 'utf8');
}

async function must(call, what) {
  const r = await call;
  if (r.status !== 200) throw new Error(`${what} failed: ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Creates or refreshes the dev pool at `endpoint` with the admin key pair in
 * `vars`, signing in through the development OpenID provider at `idpIssuer`.
 */
export async function seedDevPool(endpoint, vars, { idpIssuer = DEV_IDP_ISSUER } = {}) {
  const admin = { accessKeyId: vars.ADMIN_ACCESS_KEY_ID, secretAccessKey: vars.ADMIN_SECRET_ACCESS_KEY };
  const pool = devPool(idpIssuer);
  let r = await signedCall(endpoint, admin, 'ImportIdentityPool', pool);
  if (r.status !== 200 && r.body?.__type === 'ResourceConflictException') {
    r = await signedCall(endpoint, admin, 'UpdateIdentityPool', pool);
  }
  if (r.status !== 200) throw new Error(`seeding the dev pool failed: ${JSON.stringify(r.body)}`);
  r = await signedCall(endpoint, admin, 'SetIdentityPoolRoles', { IdentityPoolId: DEV_POOL_ID, Roles: DEV_ROLES });
  if (r.status !== 200) throw new Error(`setting the dev pool's roles failed: ${JSON.stringify(r.body)}`);
  for (const [RoleArn, names] of Object.entries(DEV_ROLE_POLICIES)) {
    const { PolicyNames: had = [] } = await must(signedCall(endpoint, admin, 'ListRolePolicies', { RoleArn }), `listing ${RoleArn}'s policies`);
    for (const PolicyName of names) {
      await must(signedCall(endpoint, admin, 'PutRolePolicy', { RoleArn, PolicyName, PolicyDocument: devPolicy(PolicyName) }),
        `putting the policy ${PolicyName} on ${RoleArn}`);
    }
    for (const PolicyName of had.filter((n) => !names.includes(n))) {
      await must(signedCall(endpoint, admin, 'DeleteRolePolicy', { RoleArn, PolicyName }), `deleting the old policy ${PolicyName}`);
    }
  }
  await must(signedCall(endpoint, admin, 'PutApiRoute', DEV_API_ROUTE), 'registering the API route demo');
  return DEV_POOL_ID;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const vars = parseVars(readFileSync(new URL('../.dev.vars', import.meta.url), 'utf8'));
  const endpoint = process.argv[2] ?? 'http://127.0.0.1:8787';
  console.log(await seedDevPool(endpoint, vars, { idpIssuer: process.argv[3] ?? DEV_IDP_ISSUER }));
}
