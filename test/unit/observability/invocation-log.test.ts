import fc from 'fast-check';
import { InvocationOutcome, invocationLine, isoTimestamp, outcomeOf } from '../../../lambda/observability/invocation-log';
import { InvocationRecorder } from '../../../lambda/observability/scope';

test('timestamps read exactly as Date#toISOString writes them', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (epochMs) => {
      expect(isoTimestamp(epochMs)).toBe(new Date(epochMs).toISOString());
    }),
  );
});

describe('the outcome of an invocation the layer did not settle', () => {
  const recorder = new InvocationRecorder('r');
  test.each([
    [{ statusCode: 200 }, InvocationOutcome.Served],
    [{ statusCode: 404 }, InvocationOutcome.Rejected],
    [{ statusCode: 502 }, InvocationOutcome.Failed],
    [{ errorName: 'TypeError' }, InvocationOutcome.Failed],
    [{}, InvocationOutcome.Failed],
  ])('%p is %s', (fields, outcome) => {
    expect(outcomeOf({ ...fields, recorder })).toBe(outcome);
  });
});

test('a line leaves out what did not happen, and warns on the outcomes an operator should look at', () => {
  const recorder = new InvocationRecorder('r');
  recorder.recordIdempotency({ outcome: 'lease_lost', tenant: 't', key: 'k', statusCode: 201, durationsMs: { claim: 1.04 }, context: {} as never });
  const line = invocationLine({ service: 'payments', requestId: 'r', coldStart: false, timestampMs: 0, durationMs: 3.33, request: {}, statusCode: 201, recorder });
  expect(line).toEqual({
    timestamp: '1970-01-01T00:00:00.000Z',
    level: 'warn',
    message: 'invocation',
    service: 'payments',
    requestId: 'r',
    coldStart: false,
    tenant: 't',
    idempotencyKey: 'k',
    outcome: 'lease_lost',
    status: 201,
    durationMs: 3.3,
    phasesMs: { claim: 1 },
    dynamoDbRequests: 0,
  });
});
