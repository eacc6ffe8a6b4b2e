import fc from 'fast-check';
import { type Decision, decide } from '../../../lambda/idempotency/decide';
import { type RecordAnswer, RecordStatus } from '../../../lambda/idempotency/record';

const NOW = 1_800_000_000_000;
const RESPONSE = { statusCode: 201, headers: {}, body: '{"id":1}' };

const inProgress = (overrides: Partial<RecordAnswer> = {}): RecordAnswer => ({
  status: RecordStatus.InProgress,
  fingerprint: 'f',
  leasedAtEpochMs: NOW - 2_000,
  leaseUntilEpochMs: NOW + 5_000,
  ...overrides,
});
const completed = (overrides: Partial<RecordAnswer> = {}): RecordAnswer => ({
  status: RecordStatus.Completed,
  fingerprint: 'f',
  leasedAtEpochMs: NOW - 2_000,
  leaseUntilEpochMs: NOW + 5_000,
  expiresAtEpochSeconds: NOW / 1000 + 60,
  response: RESPONSE,
  ...overrides,
});

describe('decide: what a record means to a request with its key', () => {
  const cases: [string, RecordAnswer | undefined, string, Decision][] = [
    ['no record: claim', undefined, 'f', { kind: 'claim' }],
    ['completed, same request, within retention: replay', completed(), 'f', { kind: 'replay', response: RESPONSE }],
    ['completed, other request, within retention: mismatch', completed(), 'g', { kind: 'mismatch' }],
    ['completed past its retention: claim, as a new request', completed({ expiresAtEpochSeconds: NOW / 1000 }), 'f', { kind: 'claim' }],
    ['completed past its retention, other request: claim too', completed({ expiresAtEpochSeconds: NOW / 1000 - 1 }), 'g', { kind: 'claim' }],
    ['completed one second before its expiry: still replayed', completed({ expiresAtEpochSeconds: NOW / 1000 + 1 }), 'f', { kind: 'replay', response: RESPONSE }],
    ['completed and kept for good (no expiry): replay, however old', completed({ expiresAtEpochSeconds: undefined }), 'f', { kind: 'replay', response: RESPONSE }],
    ['completed without a response (unreadable): in progress, never a takeover',
      completed({ response: undefined, leaseUntilEpochMs: NOW - 1 }), 'f', { kind: 'in_progress', leaseUntilEpochMs: NOW - 1, leasedAtEpochMs: NOW - 2_000 }],
    ['in progress, lease running: in progress', inProgress(), 'f', { kind: 'in_progress', leaseUntilEpochMs: NOW + 5_000, leasedAtEpochMs: NOW - 2_000 }],
    ['in progress, lease ends this very ms: takeover', inProgress({ leaseUntilEpochMs: NOW }), 'f', { kind: 'takeover' }],
    ['in progress, lease ends 1 ms from now: in progress', inProgress({ leaseUntilEpochMs: NOW + 1 }), 'f', { kind: 'in_progress', leaseUntilEpochMs: NOW + 1, leasedAtEpochMs: NOW - 2_000 }],
    ['in progress, lease lapsed: takeover', inProgress({ leaseUntilEpochMs: NOW - 1 }), 'f', { kind: 'takeover' }],
    ['in progress, lease lapsed, other request: mismatch, never a takeover', inProgress({ leaseUntilEpochMs: NOW - 1 }), 'g', { kind: 'mismatch' }],
    ['in progress, lease running, other request: mismatch', inProgress(), 'g', { kind: 'mismatch' }],
    ['in progress with an expiry in the past: never expires by age, takeover', inProgress({ leaseUntilEpochMs: NOW - 1, expiresAtEpochSeconds: NOW / 1000 - 60 }), 'f', { kind: 'takeover' }],
    ['in progress with an expiry in the past, lease running: in progress', inProgress({ expiresAtEpochSeconds: NOW / 1000 - 60 }), 'f', { kind: 'in_progress', leaseUntilEpochMs: NOW + 5_000, leasedAtEpochMs: NOW - 2_000 }],
    ['in progress written before leasedAtEpochMs existed: the holder counts as just started',
      inProgress({ leasedAtEpochMs: undefined as unknown as number }), 'f', { kind: 'in_progress', leaseUntilEpochMs: NOW + 5_000, leasedAtEpochMs: NOW }],
  ];

  test.each(cases)('%s', (_name, record, fingerprint, expected) => {
    expect(decide(record, { fingerprint, nowMs: NOW })).toEqual(expected);
  });

  const record = fc.record({
    status: fc.constantFrom(RecordStatus.InProgress, RecordStatus.Completed),
    fingerprint: fc.constantFrom('a', 'b'),
    leasedAtEpochMs: fc.integer({ min: NOW - 100_000, max: NOW }),
    leaseUntilEpochMs: fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }),
    expiresAtEpochSeconds: fc.option(fc.integer({ min: NOW / 1000 - 100, max: NOW / 1000 + 100 }), { nil: undefined }),
    response: fc.option(fc.constant(RESPONSE), { nil: undefined }),
  });
  const request = fc.record({ fingerprint: fc.constantFrom('a', 'b'), nowMs: fc.integer({ min: NOW - 50_000, max: NOW + 50_000 }) });

  test('never replays for a different request, and never claims over an IN_PROGRESS record', () => {
    fc.assert(
      fc.property(record, request, (r, q) => {
        const decision = decide(r, q);
        if (r.fingerprint !== q.fingerprint) expect(decision.kind).not.toBe('replay');
        if (r.status === RecordStatus.InProgress) expect(decision.kind).not.toBe('claim');
      }),
      { numRuns: 2_000 },
    );
  });

  test('only an IN_PROGRESS record for the same request whose lease lapsed is taken over', () => {
    fc.assert(
      fc.property(record, request, (r, q) => {
        const takeover = decide(r, q).kind === 'takeover';
        expect(takeover).toBe(r.status === RecordStatus.InProgress && r.fingerprint === q.fingerprint && r.leaseUntilEpochMs <= q.nowMs);
      }),
      { numRuns: 2_000 },
    );
  });
});
