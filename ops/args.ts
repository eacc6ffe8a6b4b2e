import { LIST_LIMIT } from '../lambda/payments/schema';
import { UsageError } from './result';

export const USAGE = `Usage: npm run ops -- <command> [options]

Commands:
  key <tenant> <key>      a key's record: state, lease, claims, recovery, the stored answer,
                          its payment and the charge at the processor
  stalled                 in-progress records whose lease lapsed, and those that need attention
  recover                 one recovery sweep now, as the scheduled worker runs it
  recover <tenant> <key>  re-drive that one record now, if its lease lapsed
  payments <tenant>       the tenant's payments, newest first
      --limit N               page size (${LIST_LIMIT.min}-${LIST_LIMIT.max}, default ${LIST_LIMIT.default})
      --starting-after ID     the page after payment ID (the last id of the previous page)
  outcomes [file ...]     summarise the functions' JSON log lines: outcomes, statuses, duration
                          percentiles, recovery and the keys that need attention. Files are log
                          output (local mode redirected, \`aws logs tail\`, a CloudWatch Logs
                          export, .gz included); none or - reads standard input. No database.

Options:
  --json                  machine-readable output on stdout
  --help                  this text

Database (every command but outcomes), first match wins:
  DYNAMODB_ENDPOINT set   that endpoint (e.g. a DynamoDB Local), table TABLE_NAME or the default
  TABLE_NAME set          that deployed table, with the AWS SDK's default credentials and region
  otherwise               the running local mode (npm start), found through LOCAL_STATE_FILE
                          (default .local-data/local-mode.json)

Exit status: 0 on success; 1 on a usage error, an unknown key or payment, no database, or when
\`recover <tenant> <key>\` leaves the record unfinished.`;

export type Command =
  | { name: 'help' }
  | { name: 'key'; tenant: string; key: string; json: boolean }
  | { name: 'stalled'; json: boolean }
  | { name: 'recover'; target?: { tenant: string; key: string }; json: boolean }
  | { name: 'payments'; tenant: string; limit: number; startingAfter?: string; json: boolean }
  | { name: 'outcomes'; files: string[]; json: boolean };

const VALUE_OPTIONS = new Set(['--limit', '--starting-after']);

/** Splits argv into positionals and options; `--name=value` and `--name value` both work. */
function split(argv: string[]): { positional: string[]; options: Map<string, string | true> } {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') && arg !== '-h') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg === '-h' ? '--help' : eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (!VALUE_OPTIONS.has(name)) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    options.set(name, value);
  }
  return { positional, options };
}

export function parseArgs(argv: string[]): Command {
  const { positional, options } = split(argv);
  if (options.has('--help')) return { name: 'help' };
  if (positional.length === 0) throw new UsageError('a command is needed: key, stalled, recover, payments or outcomes');
  const [name, ...rest] = positional;
  const json = options.has('--json');
  const allowed = new Set(['--json', ...(name === 'payments' ? VALUE_OPTIONS : [])]);
  for (const option of options.keys()) if (!allowed.has(option)) throw new UsageError(`unknown option ${option} for ${name}`);
  const expect = (counts: number[], shape: string) => {
    if (!counts.includes(rest.length)) throw new UsageError(`usage: npm run ops -- ${name} ${shape}`.trimEnd());
  };
  switch (name) {
    case 'key':
      expect([2], '<tenant> <key>');
      return { name, tenant: rest[0]!, key: rest[1]!, json };
    case 'stalled':
      expect([0], '');
      return { name, json };
    case 'recover':
      expect([0, 2], '[<tenant> <key>]');
      return { name, json, ...(rest.length === 2 ? { target: { tenant: rest[0]!, key: rest[1]! } } : {}) };
    case 'payments': {
      expect([1], '<tenant> [--limit N] [--starting-after pay_...]');
      const startingAfter = options.get('--starting-after');
      return { name, tenant: rest[0]!, limit: parseLimit(options.get('--limit')), json, ...(typeof startingAfter === 'string' ? { startingAfter } : {}) };
    }
    case 'outcomes':
      return { name, files: rest, json };
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  }
}

function parseLimit(raw: string | true | undefined): number {
  if (raw === undefined) return LIST_LIMIT.default;
  const limit = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max) {
    throw new UsageError(`--limit must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`);
  }
  return limit;
}
