import type { Context } from 'aws-lambda';
import { isLeaseActive, RecordStatus } from '../lambda/idempotency/record';
import type { RecoverableRecord } from '../lambda/idempotency/recovery-store';
import { createPaymentsApp } from '../lambda/payments/app';
import type { AppConfig } from '../lambda/payments/config';
import { createRecoverySweep } from '../lambda/recovery/sweep';
import type { Database } from './database';
import { iso, relative } from './format';
import { NO_RECORD } from './key';
import { needsAttention, readRecord } from './records';
import { type CommandResult, OpsError } from './result';

/** `ops recover`: one sweep now, the same the scheduled worker runs, with this CLI as the worker. */
export async function sweepCommand(db: Database, config: AppConfig): Promise<CommandResult> {
  const app = createPaymentsApp({ client: db.client, config });
  const summary = await createRecoverySweep({ app, documentClient: db.documentClient, config, intervalMs: db.recoveryIntervalMs })();
  const { due, recovered, failed, needsAttention, skipped, needsAttentionStanding = 0 } = summary;
  const swept =
    due === 0
      ? 'nothing due: no in-progress record with a lapsed lease'
      : `${due} due: ${recovered} recovered, ${failed} failed (retried later with backoff), ${needsAttention} need attention, ${skipped} skipped (held, finished meanwhile or in backoff)`;
  const standing = needsAttentionStanding > 0 ? `\n${needsAttentionStanding} record(s) need attention in all: \`npm run ops -- stalled\` lists them` : '';
  return { json: summary, text: swept + standing };
}

type Outcome = 'recovered' | 'failed' | 'already_completed' | 'held' | 'not_recoverable';

/**
 * `ops recover <tenant> <key>`: re-drives one record now, as the worker would, ignoring its
 * backoff and a needs-attention mark (an operator asking is the point of both). A record someone
 * may still be running, a finished one, or one with no stored request is left exactly as it is.
 */
export async function recoverKeyCommand(db: Database, config: AppConfig, tenant: string, key: string, now: () => number): Promise<CommandResult> {
  const record = await readRecord(db, tenant, key);
  if (!record) throw new OpsError(`${NO_RECORD} (tenant ${JSON.stringify(tenant)}, key ${JSON.stringify(key)}) in ${db.description}.`);
  const nowMs = now();
  const leave = (outcome: Outcome, text: string, exitCode: 0 | 1): CommandResult => ({ json: { outcome, status: record.status, changed: false }, text, exitCode });
  if (record.status === RecordStatus.Completed) {
    return leave('already_completed', `Nothing to do: the record is already COMPLETED (answer ${record.response?.statusCode ?? '-'}).`, 0);
  }
  if (isLeaseActive(record, nowMs)) {
    const until = `${iso(record.leaseUntilEpochMs)} (${relative(record.leaseUntilEpochMs, nowMs)})`;
    return leave('held', `Not re-driven: the lease is held until ${until}; its holder may still be running. Try again once it lapses.`, 1);
  }
  if (!record.request) {
    return leave('not_recoverable', 'Not re-driven: the record has no stored request, so only the client retrying with the same key can finish it.', 1);
  }

  const app = createPaymentsApp({ client: db.client, config });
  const recoverable: RecoverableRecord = { ...record, request: record.request, recoveryShard: record.recoveryShard ?? '' };
  const response = await app.redrive(recoverable, contextFor(config.functionTimeoutSeconds * 1000, now));
  const after = await readRecord(db, tenant, key);
  const completed = after?.status === RecordStatus.Completed;
  const json = { outcome: (completed ? 'recovered' : 'failed') satisfies Outcome, statusCode: response.statusCode, status: after?.status ?? null, changed: true };
  const payment = after?.payment ? ` Payment ${after.payment.id} ${after.payment.status}, charge ${after.payment.charge}.` : '';
  const text = completed
    ? `Recovered: the re-drive answered ${response.statusCode} and the record is COMPLETED.${payment}`
    : `Not recovered: the re-drive answered ${response.statusCode}${response.statusCode === 409 ? ' (a client retry holds the key now)' : ''}; ` +
      `the record stays IN_PROGRESS${after && needsAttention(after) ? ' and needs attention' : '; the sweep keeps trying it with backoff'}.`;
  return { json, text, exitCode: completed ? 0 : 1 };
}

/** As the sweep gives each re-drive: one payments function's time, from which the lease follows. */
function contextFor(attemptMs: number, now: () => number): Context {
  const deadlineEpochMs = now() + attemptMs;
  return { getRemainingTimeInMillis: () => Math.max(0, deadlineEpochMs - now()), awsRequestId: 'ops-recover' } as Context;
}
