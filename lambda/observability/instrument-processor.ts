import { HttpError } from '../http/errors';
import { type Charge, type ChargeRequest, ChargeStatus, type PaymentProcessor, ProcessorUnavailableError } from '../payments/processor';
import { monotonicMs } from '../idempotency/hooks';
import { currentRecorder, ProcessorErrorKind } from './scope';

/** How a processor failure is counted: by a fixed kind, never by its message (it may echo a request). */
export function processorErrorKind(error: unknown): ProcessorErrorKind {
  if (error instanceof ProcessorUnavailableError) return ProcessorErrorKind.Unavailable;
  if (error instanceof HttpError) return error.status < 500 ? ProcessorErrorKind.Rejected : ProcessorErrorKind.Failed;
  return ProcessorErrorKind.Unexpected;
}

/** Every member of T, optional ones included: a member added to the interface must be forwarded here. */
type EveryMember<T> = { [K in keyof Required<T>]: T[K] };

/**
 * The processor, timed: each `charge()` is recorded into the invocation running it (latency,
 * error kind, decline). Answers, errors and the processor's other members pass through unchanged.
 */
export function instrumentProcessor(processor: PaymentProcessor, clock: () => number = monotonicMs): PaymentProcessor {
  const instrumented: EveryMember<PaymentProcessor> = {
    get idempotencyWindowMs() {
      return processor.idempotencyWindowMs;
    },
    get acceptsPaymentMethodIds() {
      return processor.acceptsPaymentMethodIds;
    },
    async charge(request: ChargeRequest): Promise<Charge> {
      const startedAtMs = clock();
      try {
        const charge = await processor.charge(request);
        currentRecorder()?.recordProcessor({ durationMs: clock() - startedAtMs, declined: charge.status === ChargeStatus.Failed });
        return charge;
      } catch (error) {
        currentRecorder()?.recordProcessor({ durationMs: clock() - startedAtMs, errorKind: processorErrorKind(error) });
        throw error;
      }
    },
  };
  return instrumented;
}
