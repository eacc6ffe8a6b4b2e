import { configFromEnv } from '../lambda/payments/config';
import { type Command, parseArgs, USAGE } from './args';
import { connect, type Database, locateDatabase } from './database';
import { keyCommand } from './key';
import type { Stdin } from './log-input';
import { outcomesCommand } from './outcomes';
import { paymentsCommand } from './payments';
import { recoverKeyCommand, sweepCommand } from './recover';
import { type CommandResult, OpsError, UsageError } from './result';
import { stalledCommand } from './stalled';

type Env = Record<string, string | undefined>;

export interface OpsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** What `outcomes` reads when it is given no file (or `-`). */
  stdin?: Stdin;
}

type DatabaseCommand = Exclude<Command, { name: 'help' | 'outcomes' }>;

async function run(command: DatabaseCommand, db: Database, env: Env): Promise<CommandResult> {
  const now = Date.now;
  switch (command.name) {
    case 'key':
      return keyCommand(db, command.tenant, command.key, now());
    case 'stalled':
      return stalledCommand(db, now());
    case 'payments':
      return paymentsCommand(db, command.tenant, command.limit, command.startingAfter);
    case 'recover': {
      // The re-drive runs the payments chain here, so it takes the function's settings from this
      // environment, but always the table the CLI resolved (local mode names its own).
      const config = { ...configFromEnv(env), tableName: db.tableName };
      return command.target ? recoverKeyCommand(db, config, command.target.tenant, command.target.key, now) : sweepCommand(db, config);
    }
  }
}

/**
 * `npm run ops -- <argv>` with the environment and output passed in, so the CLI is one thin
 * entry and tests can run commands without a process each. Resolves with the exit code.
 */
export async function runOps(argv: string[], env: Env, io: OpsIo): Promise<number> {
  let db: Database | undefined;
  try {
    const command = parseArgs(argv);
    if (command.name === 'help') {
      io.out(USAGE);
      return 0;
    }
    let result: CommandResult;
    if (command.name === 'outcomes') {
      result = await outcomesCommand(command.files, io.stdin);
    } else {
      db = connect(locateDatabase(env));
      // Which table is being read goes to stderr: scripts parse stdout, people see both.
      if (!command.json) io.err(`(${db.description})`);
      result = await run(command, db, env);
    }
    io.out(command.json ? JSON.stringify(result.json, null, 2) : result.text);
    return result.exitCode ?? 0;
  } catch (error) {
    io.err(message(error));
    return 1;
  } finally {
    db?.client.destroy();
  }
}

/** The operator's message; never a stack or the SDK's raw request, which could carry credentials. */
function message(error: unknown): string {
  if (error instanceof UsageError) return `${error.message}\nRun \`npm run ops -- --help\` for usage.`;
  if (error instanceof OpsError) return error.message;
  // The stores wrap SDK errors in API errors ("retry with the same Idempotency-Key"): the operator
  // needs the SDK's own reason (no region, no credentials, no such table, connection refused).
  let root = error as Error;
  while (root?.cause instanceof Error) root = root.cause;
  const { name, message: text } = root ?? {};
  if (name === 'ResourceNotFoundException') return `The table does not exist: ${text}`;
  if (name === 'ConfigError') return `Configuration: ${text}`;
  return `ops failed: ${name ?? 'Error'}: ${text ?? String(error)}`;
}
