import { LogMessage } from './line-kinds';

/**
 * Local mode's sink for the telemetry lines: the same JSON lines as in AWS when stdout is a file
 * or a pipe (so `npm start | jq` works), one short readable line each when it is a terminal.
 */
export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface TerminalLogOptions {
  /** @default stream.isTTY */
  pretty?: boolean;
  /** ANSI colours when pretty (pass `!process.env.NO_COLOR` from the edge). @default true */
  color?: boolean;
}

export function terminalLog(stream: TerminalStream, options: TerminalLogOptions = {}): (line: string) => void {
  const pretty = options.pretty ?? stream.isTTY === true;
  const paint = options.color === false ? (_code: number, text: string) => text : (code: number, text: string) => `\u001b[${code}m${text}\u001b[0m`;
  return (line) => {
    if (!pretty) {
      stream.write(`${line}\n`);
      return;
    }
    const formatted = formatLine(line, paint);
    if (formatted !== undefined) stream.write(`${formatted}\n`);
  };
}

type Paint = (code: number, text: string) => string;
type Fields = Record<string, unknown>;

const Colour = { Red: 31, Green: 32, Yellow: 33, Blue: 34, Magenta: 35, Cyan: 36, Dim: 2 } as const;
const OUTCOME_COLOUR: Record<string, number> = {
  executed: Colour.Green,
  takeover: Colour.Cyan,
  recovered: Colour.Green,
  replayed: Colour.Blue,
  served: Colour.Blue,
  conflict: Colour.Yellow,
  mismatch: Colour.Yellow,
  rejected: Colour.Yellow,
  skipped: Colour.Dim,
  failed: Colour.Red,
  released: Colour.Magenta,
  lease_lost: Colour.Magenta,
  store_unavailable: Colour.Red,
  store_rejected: Colour.Red,
  needs_attention: Colour.Red,
  sweep_failed: Colour.Red,
};

/** One terminal line, or undefined for what a terminal does not need (EMF documents are CloudWatch's). */
export function formatLine(line: string, paint: Paint = (_code, text) => text): string | undefined {
  let fields: Fields;
  try {
    fields = JSON.parse(line) as Fields;
  } catch {
    return line;
  }
  if (typeof fields !== 'object' || fields === null) return line;
  if ('_aws' in fields) return undefined;
  const time = typeof fields.timestamp === 'string' ? fields.timestamp.slice(11, 23) : '';
  const outcome = typeof fields.outcome === 'string' ? paint(OUTCOME_COLOUR[fields.outcome] ?? Colour.Dim, fields.outcome) : '';
  const parts = [paint(Colour.Dim, time)];
  if (fields.message === LogMessage.Invocation) {
    parts.push(statusText(fields.status, paint), [fields.method, fields.route].filter(Boolean).join(' '), outcome, who(fields), timing(fields));
    if (fields.coldStart === true) parts.push(paint(Colour.Dim, 'cold start'));
  } else if (fields.message === LogMessage.RecoveryAttempt) {
    const via = [fields.idempotencyOutcome, fields.status].filter((value) => value !== undefined).join(' ');
    parts.push('recovery', outcome, via ? `(${via})` : '', who(fields), timing(fields));
  } else if (fields.message === LogMessage.RecoverySweep) {
    const counts = ['due', 'recovered', 'failed', 'needsAttention', 'skipped'].map((name) => `${name} ${String(fields[name] ?? 0)}`).join(', ');
    const standing = typeof fields.needsAttentionStanding === 'number' ? ` (${fields.needsAttentionStanding} need attention in all)` : '';
    parts.push('recovery sweep', outcome, counts + standing, timing(fields));
  } else {
    parts.push(String(fields.level ?? ''), String(fields.message ?? line));
  }
  return parts.filter((part) => part !== '').join('  ');
}

function statusText(status: unknown, paint: Paint): string {
  if (typeof status !== 'number') return '   ';
  return paint(status >= 500 ? Colour.Red : status >= 400 ? Colour.Yellow : Colour.Green, String(status));
}

function who(fields: Fields): string {
  const execution = typeof fields.executionId === 'string' ? fields.executionId.slice(0, 8) : undefined;
  return [
    fields.tenant === undefined ? undefined : `tenant=${String(fields.tenant)}`,
    fields.idempotencyKey === undefined ? undefined : `key=${String(fields.idempotencyKey)}`,
    execution === undefined ? undefined : `exec=${execution}`,
    fields.source === undefined ? undefined : `from ${String(fields.source)}`,
    fields.errorCode === undefined ? undefined : String(fields.errorCode),
  ]
    .filter(Boolean)
    .join(' ');
}

function timing(fields: Fields): string {
  if (typeof fields.durationMs !== 'number') return '';
  const phases = Object.entries((fields.phasesMs ?? {}) as Record<string, number>)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(' · ');
  const requests = typeof fields.dynamoDbRequests === 'number' ? ` ddb ${fields.dynamoDbRequests}` : '';
  return `${fields.durationMs} ms${phases ? ` (${phases})` : ''}${requests}`;
}
