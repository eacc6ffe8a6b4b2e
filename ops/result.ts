/** What a command hands back to the CLI: the same answer for people and for scripts. */
export interface CommandResult {
  text: string;
  json: unknown;
  /** 1 when the command ran but did not get what was asked (e.g. a recovery that did not finish). */
  exitCode?: 0 | 1;
}

/** A failure the operator can act on: printed as its message alone on stderr, exit code 1. */
export class OpsError extends Error {
  override name = 'OpsError';
}

/** A command line the CLI cannot run; the message is followed by a pointer to --help. */
export class UsageError extends OpsError {
  override name = 'UsageError';
}
