import { RECORDS_LAYOUT } from '../lambda/shared/table';
import { DynamoDbRecoveryStore, type RecoverableRecord } from '../lambda/idempotency/recovery-store';
import type { Database } from './database';
import { duration, iso, printable, relative, table } from './format';
import type { CommandResult } from './result';

/**
 * Per shard of the recovery index: 16 shards x this is the most one listing shows. Far more than
 * a healthy table ever has stalled; a listing that reaches it says so.
 */
const LIMIT_PER_SHARD = 100;

type Listing = 'due' | 'attention';

/** `ops stalled`: what the next sweep will re-drive, and what recovery gave up on. */
export async function stalledCommand(db: Database, nowMs: number): Promise<CommandResult> {
  const store = new DynamoDbRecoveryStore({ documentClient: db.documentClient, tableName: db.tableName, layout: RECORDS_LAYOUT });
  // Attention records are listed whatever their lease: one a client retry holds right now is
  // still one nobody has looked at.
  const [due, attention] = await Promise.all([store.list('due', nowMs, LIMIT_PER_SHARD), store.list('attention', Number.MAX_SAFE_INTEGER, LIMIT_PER_SHARD)]);
  const entries = [...due.map((r) => entry(r, 'due', nowMs)), ...attention.map((r) => entry(r, 'attention', nowMs))];
  const json = { due: entries.filter((e) => e.listing === 'due'), attention: entries.filter((e) => e.listing === 'attention') };
  if (entries.length === 0) return { json, text: 'nothing stalled' };
  const rows = [...due.map((r) => row(r, 'due', nowMs)), ...attention.map((r) => row(r, 'attention', nowMs))];
  const header = ['STATE', 'TENANT', 'KEY', 'EXECUTION ID', 'LEASE LAPSED', 'ATTEMPTS', 'LAST STATUS', 'NEXT ATTEMPT'];
  const full = Math.max(due.length, attention.length) >= LIMIT_PER_SHARD ? `\n(the listing may be cut at ${LIMIT_PER_SHARD} per index shard)` : '';
  return { json, text: `${table(header, rows)}\n${due.length} due, ${attention.length} need attention${full}` };
}

function entry(record: RecoverableRecord, listing: Listing, nowMs: number) {
  return {
    listing,
    tenant: record.tenant,
    key: record.idempotencyKey,
    executionId: record.executionId,
    leaseUntil: iso(record.leaseUntilEpochMs),
    lapsedForMs: Math.max(0, nowMs - record.leaseUntilEpochMs),
    attempts: record.recovery?.attempts ?? 0,
    lastStatus: record.recovery?.lastStatus ?? null,
    // null: recovery no longer tries on its own (needs attention).
    nextAttempt: listing === 'attention' ? null : iso(Math.max(nowMs, record.recovery?.notBeforeEpochMs ?? 0)),
    createdAt: iso(record.createdAtEpochMs),
  };
}

function row(record: RecoverableRecord, listing: Listing, nowMs: number): string[] {
  const lapsed = record.leaseUntilEpochMs <= nowMs ? `${duration(nowMs - record.leaseUntilEpochMs)} ago` : `held (${relative(record.leaseUntilEpochMs, nowMs)})`;
  const notBefore = record.recovery?.notBeforeEpochMs ?? 0;
  const next = listing === 'attention' ? 'none (needs attention)' : notBefore > nowMs ? `${iso(notBefore)} (${relative(notBefore, nowMs)})` : 'next sweep';
  return [
    listing === 'due' ? 'due' : 'attention',
    printable(record.tenant),
    printable(record.idempotencyKey),
    record.executionId,
    lapsed,
    String(record.recovery?.attempts ?? 0),
    String(record.recovery?.lastStatus ?? '-'),
    next,
  ];
}
