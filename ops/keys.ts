import {
  AUTHORIZER_CACHE_TTL_SECONDS,
  AuthError,
  type CreatedKey,
  DynamoSecretKeyStore,
  KEY_ID,
  KeyMode,
  parseSecretKey,
  type SecretKeySummary,
  TENANT_ID_RULE,
  isTenantId,
} from '../lambda/auth';
import { connect, type Database, type Location, locateDatabase } from './database';
import { iso, printable, table } from './format';
import type { OpsIo } from './main';
import { OpsError, UsageError } from './result';

type Env = Record<string, string | undefined>;

export const KEYS_USAGE = `Usage: npm run keys -- <command>

Commands:
  create <tenant> [--live]  a new secret key for the tenant (sk_test_…, or sk_live_… with --live);
                            the secret is printed once, on the last line of stdout
  list [tenant] [--json]    the tenant's keys (or every tenant's): ids, prefixes, times; never a secret
  revoke <key-id>           refuse the key from now on (local mode at once; in AWS within
                            ${AUTHORIZER_CACHE_TTL_SECONDS} s, the authorizer's cache); revoking twice is no error

Tenant ids: ${TENANT_ID_RULE}.
A tenant may hold several active keys: create the new one, move the client to it, revoke the old.

Database, first match wins: DYNAMODB_ENDPOINT (and TABLE_NAME), TABLE_NAME alone (a deployed table,
with the AWS SDK's default credentials and region), else the running local mode (npm start).`;

type KeysCommand =
  | { name: 'help' }
  | { name: 'create'; tenant: string; mode: KeyMode }
  | { name: 'list'; tenant?: string; json: boolean }
  | { name: 'revoke'; keyId: string };

export function parseKeysArgs(argv: string[]): KeysCommand {
  const args = argv.filter((arg) => arg !== '--');
  const positional = args.filter((arg) => !arg.startsWith('-'));
  const flags = new Set(args.filter((arg) => arg.startsWith('-')));
  if (flags.has('--help') || flags.has('-h')) return { name: 'help' };
  const [name, ...rest] = positional;
  const allowed: Record<string, string[]> = { create: ['--live'], list: ['--json'], revoke: [] };
  if (name === undefined) throw new UsageError('a command is needed: create, list or revoke');
  if (!Object.hasOwn(allowed, name)) throw new UsageError(`unknown command ${printable(JSON.stringify(name))}`);
  for (const flag of flags) if (!allowed[name]!.includes(flag)) throw new UsageError(`unknown option ${printable(flag)} for ${name}`);
  const shape = (counts: number[], usage: string) => {
    if (!counts.includes(rest.length)) throw new UsageError(`usage: npm run keys -- ${name} ${usage}`);
  };
  switch (name) {
    case 'create':
      shape([1], '<tenant> [--live]');
      return { name, tenant: tenantArg(rest[0]!), mode: flags.has('--live') ? KeyMode.Live : KeyMode.Test };
    case 'list':
      shape([0, 1], '[tenant] [--json]');
      return { name, json: flags.has('--json'), ...(rest[0] === undefined ? {} : { tenant: tenantArg(rest[0]) }) };
    default: {
      shape([1], '<key-id>');
      const keyId = rest[0]!;
      if (KEY_ID.test(keyId)) return { name: 'revoke', keyId };
      // A secret pasted by mistake: say which id it has, without echoing it.
      const key = parseSecretKey(keyId);
      if (key) throw new UsageError(`revoke takes a key id, not the secret (keep secrets out of shell history); this one is ${key.keyId}`);
      throw new UsageError('revoke takes a key id: key_ and 16 letters or digits, as `npm run keys -- list` shows it');
    }
  }
}

function tenantArg(tenant: string): string {
  if (!isTenantId(tenant)) throw new UsageError(`not a tenant id: ${printable(JSON.stringify(tenant))} (${TENANT_ID_RULE})`);
  return tenant;
}

/**
 * `npm run keys -- <argv>` with the environment and output passed in (like `npm run ops`), so
 * tests run it in-process. Resolves with the exit code.
 */
export async function runKeys(argv: string[], env: Env, io: OpsIo, now: () => number = Date.now): Promise<number> {
  let db: Database | undefined;
  try {
    const command = parseKeysArgs(argv);
    if (command.name === 'help') {
      io.out(KEYS_USAGE);
      return 0;
    }
    const location = locateDatabase(env);
    db = connect(location);
    io.err(`(${db.description})`);
    const store = new DynamoSecretKeyStore(db.documentClient, db.tableName);
    switch (command.name) {
      case 'create': {
        const created = await store.create(command.tenant, command.mode, now());
        if (location.kind === 'aws' && created.newTenant) io.err(registration(command.tenant, created, env));
        // The secret alone on the last line of stdout: `… | tail -n 1` captures it.
        io.out(`Created ${created.key.keyId} for tenant ${command.tenant} (${command.mode} mode) in ${db.description}.`);
        io.out('Store the secret now: it is shown this once, only its hash is kept.');
        io.out(created.secret);
        return 0;
      }
      case 'list': {
        const keys = await store.list(command.tenant);
        io.out(command.json ? JSON.stringify(keys.map(listJson), null, 2) : listText(keys, command.tenant));
        return 0;
      }
      default: {
        const { key, alreadyRevoked } = await store.revoke(command.keyId, now());
        const revokedAt = iso(key.revokedAtEpochMs);
        io.out(
          alreadyRevoked
            ? `${key.keyId} (tenant ${key.tenant}) was already revoked at ${revokedAt}; nothing changed.`
            : `Revoked ${key.keyId} (tenant ${key.tenant}, ${key.prefix}…) at ${revokedAt}. ${refusedWhen(location)}`,
        );
        return 0;
      }
    }
  } catch (error) {
    io.err(message(error));
    return 1;
  } finally {
    db?.client.destroy();
  }
}

const refusedWhen = (location: Location) =>
  location.kind === 'aws'
    ? `The gateway refuses it within ${AUTHORIZER_CACHE_TTL_SECONDS} s (the authorizer's result cache).`
    : 'Local mode refuses it from its next request.';

/**
 * A deployed API throttles a tenant by its usage-plan key (lambda/auth/authorizer.ts): the first
 * key of a tenant comes with the one-time registration of that value. It is no credential.
 */
function registration(tenant: string, created: CreatedKey, env: Env): string {
  const plan = env.USAGE_PLAN_ID?.trim() || '<the stack’s UsagePlanId output>';
  return [
    `${tenant} is a new tenant: register its usage-plan key once, or the gateway answers its requests with 403:`,
    `  aws apigateway create-usage-plan-key --usage-plan-id ${plan} --key-type API_KEY --key-id "$(aws apigateway create-api-key \\`,
    `    --name tenant-${tenant} --value ${created.usageIdentifierKey} --enabled --query id --output text)"`,
  ].join('\n');
}

const listJson = (key: SecretKeySummary) => ({
  keyId: key.keyId,
  tenant: key.tenant,
  prefix: key.prefix,
  mode: key.mode,
  createdAt: iso(key.createdAtEpochMs),
  revokedAt: key.revokedAtEpochMs === undefined ? null : iso(key.revokedAtEpochMs),
  active: key.revokedAtEpochMs === undefined,
});

function listText(keys: SecretKeySummary[], tenant: string | undefined): string {
  if (keys.length === 0) return tenant === undefined ? 'no keys' : `no keys for tenant ${tenant}`;
  const rows = keys.map((key) => [key.keyId, key.tenant, `${key.prefix}…`, key.mode, iso(key.createdAtEpochMs), key.revokedAtEpochMs === undefined ? 'active' : `revoked ${iso(key.revokedAtEpochMs)}`]);
  const active = keys.filter((key) => key.revokedAtEpochMs === undefined).length;
  return `${table(['KEY ID', 'TENANT', 'PREFIX', 'MODE', 'CREATED', 'STATE'], rows)}\n${keys.length} key${keys.length === 1 ? '' : 's'}, ${active} active`;
}

/** The operator's message; never a stack or the SDK's raw request. */
function message(error: unknown): string {
  if (error instanceof UsageError) return `${error.message}\nRun \`npm run keys -- --help\` for usage.`;
  if (error instanceof OpsError || error instanceof AuthError) return error.message;
  let root = error as Error;
  while (root?.cause instanceof Error) root = root.cause;
  const { name, message: text } = root ?? {};
  if (name === 'ResourceNotFoundException') return `The table does not exist: ${text}`;
  return `keys failed: ${name ?? 'Error'}: ${text ?? String(error)}`;
}
