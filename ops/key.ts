import { isLeaseActive, RecordStatus } from '../lambda/idempotency/record';
import type { Database } from './database';
import { bodyValue, duration, fields, iso, prettyBody, printable, relative } from './format';
import { needsAttention, type ProcessorCharge, readCharge, readRecord, stateOf, type StoredRecord } from './records';
import { type CommandResult, OpsError } from './result';

export const NO_RECORD = 'No record for this tenant and key';

/** `ops key <tenant> <key>`: everything the table knows about one key, and its charge. */
export async function keyCommand(db: Database, tenant: string, key: string, nowMs: number): Promise<CommandResult> {
  const record = await readRecord(db, tenant, key);
  if (!record) throw new OpsError(`${NO_RECORD} (tenant ${JSON.stringify(tenant)}, key ${JSON.stringify(key)}) in ${db.description}.`);
  const charge = await readCharge(db, record.executionId);
  return { json: keyJson(record, charge, nowMs), text: keyText(record, charge, nowMs) };
}

export function keyJson(record: StoredRecord, charge: ProcessorCharge | undefined, nowMs: number) {
  const { recovery, response, request, payment } = record;
  return {
    tenant: record.tenant,
    key: record.idempotencyKey,
    status: record.status,
    needsAttention: needsAttention(record),
    executionId: record.executionId,
    lease: { until: iso(record.leaseUntilEpochMs), untilEpochMs: record.leaseUntilEpochMs, active: isLeaseActive(record, nowMs), leasedAt: iso(record.leasedAtEpochMs) },
    claimCount: record.claimCount,
    recovery: recovery ? { attempts: recovery.attempts, lastStatus: recovery.lastStatus, notBefore: iso(recovery.notBeforeEpochMs) } : null,
    createdAt: iso(record.createdAtEpochMs),
    completedAt: record.completedAtEpochMs === undefined ? null : iso(record.completedAtEpochMs),
    // No expiry on a completed record means it is kept for good (it made a payment).
    expiresAt: record.expiresAtEpochSeconds === undefined ? null : iso(record.expiresAtEpochSeconds * 1000),
    // Method and path only: the stored body is the caller's business, not an operator's screen.
    request: request ? { method: request.method, path: request.path } : null,
    response: response ? { statusCode: response.statusCode, body: bodyValue(response.body) } : null,
    payment: payment ?? null,
    charge: charge ?? null,
  };
}

function keyText(record: StoredRecord, charge: ProcessorCharge | undefined, nowMs: number): string {
  const rows: Array<[string, string]> = [
    ['Key', `${printable(record.tenant)} / ${printable(record.idempotencyKey)}`],
    ['State', stateOf(record, nowMs)],
    ['Execution id', record.executionId],
    ['Lease', leaseText(record, nowMs)],
    ['Claims', String(record.claimCount)],
  ];
  if (record.status === RecordStatus.InProgress) rows.push(['Recovery', recoveryText(record, nowMs)]);
  if (record.request) rows.push(['Stored request', `${record.request.method} ${printable(record.request.path)} (recovery can re-drive it)`]);
  rows.push(['Created', `${iso(record.createdAtEpochMs)} (${relative(record.createdAtEpochMs, nowMs)})`]);
  if (record.completedAtEpochMs !== undefined) {
    rows.push(['Completed', `${iso(record.completedAtEpochMs)} (${duration(record.completedAtEpochMs - record.createdAtEpochMs)} after creation)`]);
    const expiresAtMs = record.expiresAtEpochSeconds === undefined ? undefined : record.expiresAtEpochSeconds * 1000;
    rows.push(['Replayed until', expiresAtMs === undefined ? 'kept for good' : `${iso(expiresAtMs)} (${relative(expiresAtMs, nowMs)})`]);
  }
  if (record.response) rows.push(['Answer', `${record.response.statusCode}\n${prettyBody(record.response.body)}`]);
  const { payment } = record;
  if (payment) rows.push(['Payment', `${payment.id} ${payment.status}, ${payment.amount} ${payment.currency}, charge ${payment.charge}`]);
  rows.push(['Charge', charge ? chargeText(charge) : 'none at the processor for this execution id']);
  return fields(rows);
}

function leaseText(record: StoredRecord, nowMs: number): string {
  if (record.status === RecordStatus.Completed) return `ended with completion (was until ${iso(record.leaseUntilEpochMs)})`;
  const when = `${iso(record.leaseUntilEpochMs)} (${relative(record.leaseUntilEpochMs, nowMs)})`;
  return isLeaseActive(record, nowMs) ? `held until ${when}` : `lapsed at ${when}`;
}

function recoveryText(record: StoredRecord, nowMs: number): string {
  if (!record.request) return 'not recoverable (no stored request): only a client retry can finish it';
  const { recovery } = record;
  const attempts = recovery ? `${recovery.attempts} attempt(s), last status ${recovery.lastStatus}` : 'no attempts yet';
  if (needsAttention(record)) return `${attempts}; recovery gave up (needs attention); \`npm run ops -- recover <tenant> <key>\` tries again`;
  const next = recovery && recovery.notBeforeEpochMs > nowMs ? `${iso(recovery.notBeforeEpochMs)} (${relative(recovery.notBeforeEpochMs, nowMs)})` : 'the next sweep';
  return `${attempts}; next attempt ${isLeaseActive(record, nowMs) ? 'after the lease lapses' : next}`;
}

function chargeText(charge: ProcessorCharge): string {
  const failure = charge.failureCode ? ` (${charge.failureCode})` : '';
  return `${charge.id} ${charge.status}${failure}, ${charge.amount} ${charge.currency}, at ${iso(charge.createdEpochSeconds * 1000)}`;
}
