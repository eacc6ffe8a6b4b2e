import { printable, table } from './format';
import type { Count, OutcomeSummary, ServiceSummary } from './outcomes';

const n = (value: number) => value.toLocaleString('en-US');
const share = (count: number, total: number) => `${((100 * count) / total).toFixed(1)}%`;
const plural = (count: number, one: string, many = `${one}s`) => `${n(count)} ${count === 1 ? one : many}`;

/** `ops outcomes` for a terminal: what the lines were, then each service, recovery and the keys to look at. */
export function outcomesText(summary: OutcomeSummary): string {
  const { lines } = summary;
  const telemetry = lines.invocations + lines.recoveryAttempts + lines.recoverySweeps;
  const sections = [inputText(summary)];
  if (telemetry === 0) {
    sections.push(
      lines.terminal > 0
        ? "No telemetry line to summarise: these are local mode's terminal lines. Redirect its output instead (`npm start > local.log`): it writes JSON when stdout is not a terminal."
        : 'No telemetry line to summarise: the functions write one JSON line per invocation ("message":"invocation"), recovery attempt and sweep.',
    );
    return sections.join('\n\n');
  }
  for (const service of summary.services) sections.push(serviceText(service));
  if (lines.recoveryAttempts + lines.recoverySweeps > 0) sections.push(recoveryText(summary));
  sections.push(attentionText(summary));
  return sections.join('\n\n');
}

function inputText({ lines, from, to }: OutcomeSummary): string {
  const read = [
    plural(lines.invocations, 'invocation'),
    plural(lines.recoveryAttempts, 'recovery attempt'),
    plural(lines.recoverySweeps, 'recovery sweep'),
    `${n(lines.metricDocuments)} EMF`,
  ].join(', ');
  const skipped = [
    lines.notJson > 0 ? `${n(lines.notJson)} not JSON${lines.terminal > 0 ? ` (${n(lines.terminal)} of them terminal lines)` : ''}` : undefined,
    lines.otherJson > 0 ? `${n(lines.otherJson)} other JSON` : undefined,
    lines.invalid > 0 ? `${n(lines.invalid)} of ours with an unexpected shape` : undefined,
  ].filter(Boolean);
  const span = from === null ? '' : ` from ${from} to ${to}`;
  return `${plural(lines.read, 'line')}${span}: ${read}${skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : ''}`;
}

function serviceText(s: ServiceSummary): string {
  const outcomes = table(
    ['OUTCOME', 'COUNT', 'SHARE'],
    s.outcomes.map(({ value, count }) => [value, n(count), share(count, s.invocations)]),
  );
  const statuses = table(
    ['STATUS', 'COUNT', 'SHARE'],
    s.statuses.map(({ value, count }) => [value === null ? 'none' : String(value), n(count), share(count, s.invocations)]),
  );
  const durations = table(
    ['DURATION (ms)', 'COUNT', 'P50', 'P90', 'P99', 'MAX'],
    s.durationsMs.map((d) => [d.phase, n(d.count), String(d.p50), String(d.p90), String(d.p99), String(d.max)]),
  );
  return `${s.service}: ${plural(s.invocations, 'invocation')}, ${plural(s.coldStarts, 'cold start')}\n${outcomes}\n\n${statuses}\n\n${durations}`;
}

function recoveryText({ recovery }: OutcomeSummary): string {
  const attempts = recovery.attempts.length === 0 ? 'no attempt' : recovery.attempts.map(({ value, count }: Count<string>) => `${n(count)} ${value}`).join(', ');
  const failed = recovery.failedSweeps > 0 ? ` (${n(recovery.failedSweeps)} failed)` : '';
  const standing = recovery.standing
    ? `\nat the last sweep (${recovery.standing.at}), ${plural(recovery.standing.needsAttention, 'record needed', 'records needed')} attention`
    : '';
  return `recovery: ${plural(recovery.sweeps, 'sweep')}${failed}; attempts: ${attempts}${standing}`;
}

function attentionText({ needsAttention }: OutcomeSummary): string {
  if (needsAttention.length === 0) return 'needs attention: no key';
  const waiting = needsAttention.filter((k) => k.completedAt === null).length;
  const rows = needsAttention.map((k) => [
    k.completedAt === null ? 'waiting' : 'completed later',
    printable(k.tenant ?? '-'),
    printable(k.idempotencyKey ?? '-'),
    k.executionId ?? '-',
    k.flaggedAt,
    k.completedAt ?? '-',
  ]);
  return [
    `needs attention: ${plural(needsAttention.length, 'key')} recovery gave up on, ${n(waiting)} not seen completed since`,
    table(['STATE', 'TENANT', 'KEY', 'EXECUTION ID', 'FLAGGED', 'COMPLETED'], rows),
    'Each one: `npm run ops -- key <tenant> <key>`, then `npm run ops -- recover <tenant> <key>` once the cause is fixed (docs/operating.md, "NeedsAttention").',
  ].join('\n');
}
