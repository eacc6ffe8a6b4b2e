/**
 * Failures on demand, each counted per arriving request so a test can fail the SDK's first attempt
 * and let its retry through.
 */
export const FaultKind = {
  /** Run the request (objects created, idempotent result saved), then drop the connection unanswered: the lost answer. */
  ResetAfterCreate: 'reset-after-create',
  /** Drop the connection (TCP RST) without running the request. */
  ResetBefore: 'reset-before',
  /** Answer 500 `api_error` without running the request and without saving anything for its key. */
  ServerError: '500',
  /** Begin executing, fail with a 500 and save that 500 for the key, as Stripe does: retries replay it. */
  StoredServerError: '500-stored',
  /** Answer 429 `rate_limit` before the idempotency layer (nothing saved). */
  RateLimited: '429',
  /** Take the key, then hold the request unanswered (see `ms`); close() abandons it unrun. */
  Stall: 'stall',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

export interface FaultSpec {
  kind: FaultKind;
  /** Which requests: the exact path (`/v1/payment_intents`) or a pattern. @default every path */
  path?: string | RegExp;
  /** @default every method */
  method?: string;
  /** How many arriving requests it hits. @default 1 */
  times?: number;
  /**
   * `stall` only: run and answer this long after arrival, even if the client has given up meanwhile
   * (its retries until then get 409). @default run as soon as the client gives up
   */
  ms?: number;
  /**
   * The `Stripe-Should-Retry` header on a `429`/`500`/`500-stored` answer; stripe-node obeys it
   * before its own rules. @default true on 429, absent on 500, false on 500-stored
   */
  stripeShouldRetry?: boolean;
}

interface Armed extends FaultSpec {
  remaining: number;
}

export class FaultQueue {
  private armed: Armed[] = [];

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`fault times must be a positive integer, got ${times}`);
    this.armed.push({ ...spec, remaining: times });
  }

  /** The first armed fault matching this request, used up by one. */
  take(method: string, path: string): FaultSpec | undefined {
    const fault = this.armed.find((candidate) => matches(candidate, method, path));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.armed = this.armed.filter((candidate) => candidate !== fault);
    return fault;
  }

  clear(): void {
    this.armed = [];
  }
}

function matches(fault: FaultSpec, method: string, path: string): boolean {
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === 'string' ? fault.path === path : fault.path.test(path);
}

/** The header value for an answer fault, from the spec or the kind's default. */
export function shouldRetryHeader(fault: FaultSpec): Record<string, string> {
  const defaults: Partial<Record<FaultKind, boolean>> = { [FaultKind.RateLimited]: true, [FaultKind.StoredServerError]: false };
  const value = fault.stripeShouldRetry ?? defaults[fault.kind];
  return value === undefined ? {} : { 'Stripe-Should-Retry': String(value) };
}
