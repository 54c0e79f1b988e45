// Command-line arguments of `cognate-admin` turned into one operation's JSON
// input, the way the AWS CLI turns them: `--kebab-case` names become the
// API's PascalCase members, `file://` values are read from files, and values
// that look like JSON are parsed — except for the members that are strings
// holding a JSON document (a policy), which are sent as given.
import { readFileSync } from 'node:fs';

/** cognate's own operations and the members each takes (for --help and checks). */
export const COGNATE_OPERATIONS = {
  PutRolePolicy: ['RoleArn', 'PolicyName', 'PolicyDocument'],
  GetRolePolicy: ['RoleArn', 'PolicyName'],
  ListRolePolicies: ['RoleArn', 'NextToken?', 'MaxResults?'],
  DeleteRolePolicy: ['RoleArn', 'PolicyName'],
  PutApiRoute: ['Name', 'Upstream'],
  GetApiRoute: ['Name'],
  ListApiRoutes: ['NextToken?', 'MaxResults?'],
  DeleteApiRoute: ['Name'],
  CreateSAMLProvider: ['Name', 'SAMLMetadataDocument'],
  GetSAMLProvider: ['SAMLProviderArn'],
  UpdateSAMLProvider: ['SAMLProviderArn', 'SAMLMetadataDocument'],
  ListSAMLProviders: [],
  DeleteSAMLProvider: ['SAMLProviderArn'],
  ImportIdentityPool: ['IdentityPoolId', 'IdentityPoolName', 'AllowUnauthenticatedIdentities', 'AllowClassicFlow?',
    'SupportedLoginProviders?', 'DeveloperProviderName?', 'OpenIdConnectProviderARNs?', 'CognitoIdentityProviders?',
    'SamlProviderARNs?', 'IdentityPoolTags?'],
};

/** Members whose value is a string even when it looks like JSON. */
const STRING_MEMBERS = new Set(['PolicyDocument', 'SAMLMetadataDocument']);
/** Integer members. */
const INTEGER_MEMBERS = new Set(['MaxResults', 'TokenDuration']);
/** Boolean members (`--x` alone is true, `--no-x` false). */
const BOOLEAN_MEMBERS = new Set(['AllowUnauthenticatedIdentities', 'AllowClassicFlow', 'HideDisabled', 'UseDefaults']);
/** List members: several values after the flag, or one, make a list. */
const LIST_MEMBERS = new Set(['IdentityIdsToDelete', 'OpenIdConnectProviderARNs', 'SamlProviderARNs', 'LoginsToRemove', 'TagKeys']);
/** Words whose capitals are not simply the first letter (as the API spells them). */
const WORDS = { arns: 'ARNs' };
/** Names spelled as IAM spells them (`SAML` in capitals), by their kebab-case. */
const MEMBERS = {
  'saml-metadata-document': 'SAMLMetadataDocument',
  'saml-provider-arn': 'SAMLProviderArn',
  'create-saml-provider': 'CreateSAMLProvider',
  'get-saml-provider': 'GetSAMLProvider',
  'update-saml-provider': 'UpdateSAMLProvider',
  'list-saml-providers': 'ListSAMLProviders',
  'delete-saml-provider': 'DeleteSAMLProvider',
};

/** An error in the command line (reported with the usage, exit code 2). */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `put-role-policy` → `PutRolePolicy`; a PascalCase name is kept. */
export function pascalCase(kebab) {
  if (!kebab.includes('-') && /^[A-Z]/.test(kebab)) return kebab;
  if (Object.hasOwn(MEMBERS, kebab)) return MEMBERS[kebab];
  return kebab.split('-').filter(Boolean)
    .map((w) => WORDS[w.toLowerCase()] ?? w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** A value as given on the command line: `file://` read (relative to `cwd`), JSON parsed when it looks like JSON. */
export function parseValue(member, raw, { readFile = (p) => readFileSync(p, 'utf8') } = {}) {
  const text = raw.startsWith('file://') ? readFile(raw.slice('file://'.length)) : raw;
  if (STRING_MEMBERS.has(member)) return text;
  if (INTEGER_MEMBERS.has(member)) {
    if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--${kebab(member)} takes an integer, not '${text}'`);
    return Number(text.trim());
  }
  if (BOOLEAN_MEMBERS.has(member)) {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new UsageError(`--${kebab(member)} takes true or false, not '${text}'`);
  }
  const trimmed = text.trim();
  if (/^[[{"]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch (err) {
      throw new UsageError(`--${kebab(member)}: the value looks like JSON but does not parse (${err.message})`);
    }
  }
  return text;
}

/** `RoleArn` → `role-arn` (for messages). */
export function kebab(member) {
  return member.replace(/ARNs/g, 'Arns').replace(/SAML/g, 'Saml').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * Parses `argv` (without node and the script): resolves to
 * {help, operation, input, endpoint?, region?}. `readFile` reads `file://` values.
 */
export function parseArgs(argv, options = {}) {
  const out = { help: false, operation: undefined, input: {}, endpoint: undefined, region: undefined };
  let base;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h' || arg === 'help') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (out.operation !== undefined) throw new UsageError(`unexpected argument '${arg}'`);
      if (!/^[A-Za-z][A-Za-z-]*$/.test(arg)) throw new UsageError(`'${arg}' is not an operation name`);
      out.operation = pascalCase(arg);
      continue;
    }
    let name = arg.slice(2);
    let inline;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(name)) throw new UsageError(`'${arg}' is not an option`);
    // The values that follow, up to the next option.
    const values = inline !== undefined ? [inline] : [];
    while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.push(argv[++i]);

    if (name === 'endpoint' || name === 'endpoint-url' || name === 'region' || name === 'cli-input-json') {
      if (values.length !== 1) throw new UsageError(`--${name} takes one value`);
      if (name === 'region') out.region = values[0];
      else if (name === 'cli-input-json') {
        base = parseValue('', values[0], options);
        if (base === null || typeof base !== 'object' || Array.isArray(base)) {
          throw new UsageError('--cli-input-json takes a JSON object');
        }
      } else out.endpoint = values[0];
      continue;
    }

    let member = pascalCase(name);
    if (values.length === 0) {
      // A switch: --allow-x is true, --no-allow-x false.
      const negated = name.startsWith('no-') && BOOLEAN_MEMBERS.has(pascalCase(name.slice(3)));
      if (negated) member = pascalCase(name.slice(3));
      if (!BOOLEAN_MEMBERS.has(member)) throw new UsageError(`--${name} needs a value`);
      setOnce(out.input, member, !negated, name);
      continue;
    }
    if (LIST_MEMBERS.has(member)) {
      const parsed = values.map((v) => parseValue(member, v, options));
      setOnce(out.input, member, parsed.length === 1 && Array.isArray(parsed[0]) ? parsed[0] : parsed, name);
      continue;
    }
    if (values.length > 1) throw new UsageError(`--${name} takes one value (quote values with spaces)`);
    setOnce(out.input, member, parseValue(member, values[0], options), name);
  }
  if (base) out.input = { ...base, ...out.input };
  return out;
}

function setOnce(input, member, value, name) {
  if (Object.hasOwn(input, member)) throw new UsageError(`--${name} is given twice`);
  input[member] = value;
}

/** The usage text; with `operation`, that operation's members too. */
export function usage(operation) {
  const lines = [
    'usage: cognate-admin <Operation> [--kebab-case-member value ...] [--endpoint URL] [--region R]',
    '',
    'Calls one Cognito Identity operation of a cognate endpoint, signed with the admin key pair',
    '(env ADMIN_ACCESS_KEY_ID / ADMIN_SECRET_ACCESS_KEY, else ./.dev.vars), and prints the JSON answer.',
    'On failure the error JSON goes to stderr and the exit code is 1.',
    '',
    '  --endpoint URL       default: env COGNATE_ENDPOINT, else http://127.0.0.1:8787',
    '  --region R           default: us-east-1',
    '  --cli-input-json J   the whole input as JSON (or file://input.json); options given too override it',
    '  file://path          any value can be read from a file, e.g. --policy-document file://policy.json',
    "  JSON values          --logins '{\"accounts.google.com\": \"eyJ…\"}' (parsed when they look like JSON)",
    '  switches             --allow-unauthenticated-identities, --no-allow-classic-flow',
    '',
  ];
  const ops = operation && COGNATE_OPERATIONS[operation] ? { [operation]: COGNATE_OPERATIONS[operation] } : COGNATE_OPERATIONS;
  lines.push(operation && ops[operation] ? `${operation}:` : "cognate's own operations (any other Cognito Identity operation works by name too):");
  for (const [op, members] of Object.entries(ops)) {
    const flags = members.map((m) => (m.endsWith('?') ? `[--${kebab(m.slice(0, -1))} …]` : `--${kebab(m)} …`));
    lines.push(`  ${op} ${flags.join(' ')}`);
  }
  lines.push('', 'example:', '  npx cognate-admin PutRolePolicy --role-arn arn:aws:iam::000000000000:role/app-guest \\',
    '    --policy-name files --policy-document file://policy.json');
  return lines.join('\n');
}
