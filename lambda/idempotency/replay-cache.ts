import { type IdempotencyRecord, isExpired, type RecordAnswer, RecordStatus } from './record';

export interface ReplayCacheOptions {
  /**
   * Most records kept; the least recently used goes first.
   * @default 1000
   */
  maxEntries?: number;
  /**
   * Responses with a larger body are not kept, so the cache stays small in memory.
   * @default 65536
   */
  maxBodyBytes?: number;
}

/**
 * COMPLETED records of this container, so a replay in a warm Lambda costs no DynamoDB request.
 * Safe because a completed record never changes within its retention: it is only ever replaced
 * after it expired, and expiry is checked here too. IN_PROGRESS records are never kept.
 */
export class ReplayCache {
  private readonly entries = new Map<string, RecordAnswer>();
  private readonly maxEntries: number;
  private readonly maxBodyBytes: number;

  constructor(options: ReplayCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBodyBytes = options.maxBodyBytes ?? 65_536;
  }

  /** What the cached record for (tenant, key) answers with (enough to replay or refuse a mismatch), unless absent or expired. */
  get(tenant: string, key: string, nowMs: number): RecordAnswer | undefined {
    const id = cacheKey(tenant, key);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (isExpired(entry, nowMs)) return undefined;
    this.entries.set(id, entry); // most recently used goes last
    return entry;
  }

  put(tenant: string, key: string, record: IdempotencyRecord, nowMs: number): void {
    if (this.maxEntries <= 0 || record.status !== RecordStatus.Completed || !record.response) return;
    if (isExpired(record, nowMs) || Buffer.byteLength(record.response.body) > this.maxBodyBytes) return;
    const id = cacheKey(tenant, key);
    this.entries.delete(id);
    const { fingerprint, status, response, leaseUntilEpochMs, leasedAtEpochMs, expiresAtEpochSeconds } = record;
    this.entries.set(id, { fingerprint, status, response, leaseUntilEpochMs, leasedAtEpochMs, expiresAtEpochSeconds });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Injective in (tenant, key), like the table's scoped keys. */
const cacheKey = (tenant: string, key: string) => JSON.stringify([tenant, key]);
