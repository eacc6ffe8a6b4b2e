import { invocationLine, type InvocationSummary } from '../../../lambda/observability/invocation-log';
import { readTelemetryLine } from '../../../lambda/observability/log-line';
import { recoveryAttemptLine, recoverySweepLine, recoverySweepMetrics } from '../../../lambda/observability/recovery-log';
import { InvocationRecorder } from '../../../lambda/observability/scope';

// The schemas readers parse with are the types the writers return: a line the writers produce
// always reads back, and a line of another shape is told apart rather than half-read.

function invocation(): InvocationSummary {
  const recorder = new InvocationRecorder('r');
  recorder.recordIdempotency({ outcome: 'takeover', tenant: 't', key: 'k', executionId: 'e', statusCode: 201, takeover: true, claimCount: 2, durationsMs: { claim: 1, handler: 5, completion: 2 }, context: {} as never });
  recorder.recordProcessor({ durationMs: 4, errorKind: 'unavailable' });
  recorder.recordDynamoDb({ operation: 'PutItem', attempts: 2, durationMs: 1, errorName: 'ThrottlingException' });
  return { service: 'payments', requestId: 'r', coldStart: true, timestampMs: 0, durationMs: 9, request: { method: 'POST', route: '/payments', apiRequestId: 'a' }, statusCode: 201, recorder };
}
const roundTrip = (line: object) => readTelemetryLine(JSON.parse(JSON.stringify(line)));

test('every line the writers produce reads back as itself', () => {
  const lines = [
    invocationLine(invocation()),
    invocationLine({ ...invocation(), recorder: new InvocationRecorder('r'), statusCode: undefined, errorName: 'TypeError' }),
    recoveryAttemptLine({ outcome: 'needs_attention', worker: { tenant: 't', idempotencyKey: 'k', executionId: 'e' }, service: 'recovery', requestId: 'r', timestampMs: 0 }),
    recoveryAttemptLine({ outcome: 'recovered', worker: {}, redrive: invocation(), service: 'recovery', requestId: 'r', timestampMs: 0 }),
    recoverySweepLine({ service: 'recovery', requestId: 'r', coldStart: false, timestampMs: 0, durationMs: 3, dynamoDbRequests: 32, summary: { due: 1, recovered: 1, failed: 0, needsAttention: 0, skipped: 0, needsAttentionStanding: 4 } }),
    recoverySweepLine({ service: 'recovery', requestId: 'r', coldStart: false, timestampMs: 0, durationMs: 3, dynamoDbRequests: 0, errorName: 'Error' }),
  ];
  for (const line of lines) expect(roundTrip(line)).toEqual({ kind: 'line', line: JSON.parse(JSON.stringify(line)) });
});

test('an EMF document is metrics, a line of ours with a wrong field is invalid, anything else is other', () => {
  const sweep = { service: 'recovery', requestId: 'r', coldStart: false, timestampMs: 0, durationMs: 3, dynamoDbRequests: 0 };
  expect(roundTrip(recoverySweepMetrics(sweep, 'IdempotentPayments')).kind).toBe('metrics');
  expect(roundTrip({ ...invocationLine(invocation()), durationMs: '9' }).kind).toBe('invalid');
  expect(roundTrip({ ...invocationLine(invocation()), outcome: 'exploded' }).kind).toBe('invalid');
  expect(roundTrip({ message: 'toString' }).kind).toBe('other'); // not a key of the schemas' own table
  expect(roundTrip({ message: 'idempotency hook failed', level: 'warn' }).kind).toBe('other');
  expect(readTelemetryLine([1, 2]).kind).toBe('other');
  expect(readTelemetryLine('invocation').kind).toBe('other');
});
