import { type IdempotencyRecord, RecordStatus } from '../../../lambda/idempotency/record';
import { ReplayCache } from '../../../lambda/idempotency/replay-cache';

const NOW = 1_800_000_000_000;
const completed = (overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  recordKey: 'idem#x',
  tenant: 't',
  idempotencyKey: 'k',
  status: RecordStatus.Completed,
  fingerprint: 'f',
  executionId: 'e',
  leaseToken: 't',
  leaseUntilEpochMs: NOW,
  leasedAtEpochMs: NOW - 100,
  expiresAtEpochSeconds: NOW / 1000 + 60,
  createdAtEpochMs: NOW,
  claimCount: 1,
  response: { statusCode: 201, headers: {}, body: '{}' },
  ...overrides,
});

describe('warm replay cache', () => {
  test('keeps a completed record per (tenant, key) and returns it until it expires', () => {
    const cache = new ReplayCache();
    cache.put('t1', 'k', completed(), NOW);
    expect(cache.get('t1', 'k', NOW)?.response?.statusCode).toBe(201);
    expect(cache.get('t2', 'k', NOW)).toBeUndefined();
    expect(cache.get('t1', 'k', NOW + 60_000)).toBeUndefined();
    expect(cache.size).toBe(0); // an expired entry is dropped when met
  });

  test('never keeps an IN_PROGRESS record, an expired one, or an oversized body', () => {
    const cache = new ReplayCache({ maxBodyBytes: 10 });
    cache.put('t', 'a', completed({ status: RecordStatus.InProgress, response: undefined }), NOW);
    cache.put('t', 'b', completed({ expiresAtEpochSeconds: NOW / 1000 }), NOW);
    cache.put('t', 'c', completed({ response: { statusCode: 201, headers: {}, body: 'x'.repeat(11) } }), NOW);
    expect(cache.size).toBe(0);
  });

  test('is bounded: the least recently used record goes first', () => {
    const cache = new ReplayCache({ maxEntries: 2 });
    cache.put('t', 'a', completed(), NOW);
    cache.put('t', 'b', completed(), NOW);
    cache.get('t', 'a', NOW);
    cache.put('t', 'c', completed(), NOW);
    expect(cache.get('t', 'b', NOW)).toBeUndefined();
    expect(cache.get('t', 'a', NOW)).toBeDefined();
    expect(cache.get('t', 'c', NOW)).toBeDefined();
  });

  test('a size of 0 turns it off', () => {
    const cache = new ReplayCache({ maxEntries: 0 });
    cache.put('t', 'a', completed(), NOW);
    expect(cache.get('t', 'a', NOW)).toBeUndefined();
  });
});
