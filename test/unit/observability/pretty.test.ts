import { formatLine, terminalLog } from '../../../lambda/observability/pretty';

const invocation = JSON.stringify({
  timestamp: '2026-01-01T12:34:56.789Z',
  level: 'info',
  message: 'invocation',
  method: 'POST',
  route: '/payments',
  tenant: 'acme',
  idempotencyKey: 'order-1',
  executionId: '0f8e2b3c-1111-2222-3333-444455556666',
  outcome: 'executed',
  status: 201,
  durationMs: 42.1,
  phasesMs: { claim: 3.2, processor: 30.1, completion: 5 },
  dynamoDbRequests: 2,
  coldStart: true,
});
const emf = JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [] }, Service: 'payments' });

function sink(isTTY: boolean, color = false) {
  const written: string[] = [];
  const log = terminalLog({ isTTY, write: (text: string) => written.push(text) }, { color });
  return { log, written };
}

test('on a terminal: one short line per invocation, with what matters first', () => {
  const { log, written } = sink(true);
  log(invocation);
  expect(written).toEqual([
    '12:34:56.789  201  POST /payments  executed  tenant=acme key=order-1 exec=0f8e2b3c  42.1 ms (claim 3.2 · processor 30.1 · completion 5) ddb 2  cold start\n',
  ]);
});

test('on a terminal the EMF documents are left to CloudWatch', () => {
  const { log, written } = sink(true);
  log(emf);
  expect(written).toEqual([]);
});

test('not on a terminal: the JSON lines unchanged, EMF included, so they can be piped', () => {
  const { log, written } = sink(false);
  log(invocation);
  log(emf);
  expect(written).toEqual([`${invocation}\n`, `${emf}\n`]);
});

test('colours the status and outcome only when asked', () => {
  const { log, written } = sink(true, true);
  log(invocation);
  expect(written[0]).toContain('\u001b[32m201\u001b[0m');
  expect(written[0]).toContain('\u001b[32mexecuted\u001b[0m');
  expect(formatLine(invocation)).not.toContain('\u001b[');
});

test('recovery lines read as recovery', () => {
  const attempt = JSON.stringify({ timestamp: '2026-01-01T00:00:00.000Z', message: 'recovery attempt', outcome: 'recovered', idempotencyOutcome: 'takeover', status: 201, tenant: 't', idempotencyKey: 'k', durationMs: 9 });
  expect(formatLine(attempt)).toBe('00:00:00.000  recovery  recovered  (takeover 201)  tenant=t key=k  9 ms');
  const sweep = JSON.stringify({ timestamp: '2026-01-01T00:00:00.000Z', message: 'recovery sweep', outcome: 'swept', due: 2, recovered: 1, failed: 1, durationMs: 20 });
  expect(formatLine(sweep)).toBe('00:00:00.000  recovery sweep  swept  due 2, recovered 1, failed 1, needsAttention 0, skipped 0  20 ms');
  const standing = JSON.stringify({ ...JSON.parse(sweep), needsAttentionStanding: 3 });
  expect(formatLine(standing)).toBe('00:00:00.000  recovery sweep  swept  due 2, recovered 1, failed 1, needsAttention 0, skipped 0 (3 need attention in all)  20 ms');
});

test('a line that is not JSON passes through as it is', () => {
  expect(formatLine('plain text')).toBe('plain text');
});
