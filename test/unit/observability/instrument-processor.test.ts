import { httpError } from '../../../lambda/http/errors';
import { instrumentProcessor, processorErrorKind } from '../../../lambda/observability/instrument-processor';
import { InvocationRecorder, runRecorded } from '../../../lambda/observability/scope';
import { type ChargeRequest, ProcessorUnavailableError } from '../../../lambda/payments/processor';

const REQUEST: ChargeRequest = {
  idempotencyKey: 'exec-1',
  amount: 100,
  currency: 'usd',
  source: 'tok_visa',
  metadata: { tenant: 't', idempotencyKey: 'k', paymentId: 'pay_1' },
  timeoutMs: 1000,
};
const CHARGE = { id: 'ch_1', status: 'succeeded' as const, amount: 100, currency: 'usd', createdEpochSeconds: 1 };

/** A clock that advances 25 ms per reading. */
const steppingClock = () => {
  let ms = 0;
  return () => (ms += 25);
};

test('times each charge into the invocation running it, and hands back the charge unchanged', async () => {
  const recorder = new InvocationRecorder('r');
  const processor = instrumentProcessor({ charge: async () => CHARGE }, steppingClock());
  await expect(runRecorded(recorder, () => processor.charge(REQUEST))).resolves.toBe(CHARGE);
  expect(recorder.processor).toEqual({ latenciesMs: [25], errors: 0, declines: 0 });
});

test('a decline is counted as a decline, not an error', async () => {
  const recorder = new InvocationRecorder('r');
  const processor = instrumentProcessor({ charge: async () => ({ ...CHARGE, status: 'failed' as const, failureCode: 'card_declined' }) });
  await runRecorded(recorder, () => processor.charge(REQUEST));
  expect(recorder.processor).toMatchObject({ declines: 1, errors: 0 });
});

test.each([
  [new ProcessorUnavailableError(), 'unavailable'],
  [httpError('processor_rejected', 'invalid amount'), 'rejected'],
  [httpError('processor_misconfigured', 'bad secret'), 'failed'],
  [new TypeError('x is undefined'), 'unexpected'],
])('an error (%s) is counted by its kind (%s) and rethrown as it was', async (error, kind) => {
  const recorder = new InvocationRecorder('r');
  const processor = instrumentProcessor({
    charge: async () => {
      throw error;
    },
  });
  await expect(runRecorded(recorder, () => processor.charge(REQUEST))).rejects.toBe(error);
  expect(recorder.processor).toMatchObject({ errors: 1, errorKind: kind, latenciesMs: [expect.any(Number)] });
  expect(processorErrorKind(error)).toBe(kind);
});

test('outside any recorded invocation it only passes the call through', async () => {
  const processor = instrumentProcessor({ charge: async () => CHARGE });
  await expect(processor.charge(REQUEST)).resolves.toBe(CHARGE);
});

test('concurrent invocations each get their own figures (local mode serves many at once)', async () => {
  const processor = instrumentProcessor({ charge: async () => new Promise((resolve) => setTimeout(() => resolve(CHARGE), 5)) });
  const recorders = [new InvocationRecorder('a'), new InvocationRecorder('b'), new InvocationRecorder('c')];
  await Promise.all(recorders.map((recorder, i) => runRecorded(recorder, async () => Promise.all(Array.from({ length: i + 1 }, () => processor.charge(REQUEST))))));
  expect(recorders.map((r) => r.processor.latenciesMs.length)).toEqual([1, 2, 3]);
});

test('forwards what the processor says of itself (its idempotency window, the sources it accepts)', () => {
  const stripeLike = { charge: async () => CHARGE, idempotencyWindowMs: 86_400_000, acceptsPaymentMethodIds: true };
  expect(instrumentProcessor(stripeLike)).toMatchObject({ idempotencyWindowMs: 86_400_000, acceptsPaymentMethodIds: true });
  const simulatorLike = instrumentProcessor({ charge: async () => CHARGE });
  expect([simulatorLike.idempotencyWindowMs, simulatorLike.acceptsPaymentMethodIds]).toEqual([undefined, undefined]);
});
