import type { Answer } from './errors';
import { ErrorType, StripeApiError, invalidRequest } from './errors';

/**
 * Stripe may prune a key once it is 24 hours old, and a reused pruned key starts a new request
 * (https://docs.stripe.com/api/idempotent_requests). We prune at exactly 24 h so a test can cross it.
 */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/** "Idempotency keys are up to 255 characters long" (same page). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const EntryState = { InProgress: 'in_progress', Completed: 'completed' } as const;

interface StoredAnswer extends Answer {
  /** The request that produced it, sent back as `Original-Request` on replays. */
  requestId: string;
}

type Entry =
  | { state: typeof EntryState.InProgress; fingerprint: string; createdAtEpochMs: number }
  | { state: typeof EntryState.Completed; fingerprint: string; createdAtEpochMs: number; answer: StoredAnswer };

export type Claim = { kind: 'new' } | { kind: 'replay'; answer: StoredAnswer };

/**
 * Results keyed by (secret key, Idempotency-Key). Only requests whose endpoint began executing are
 * saved; a conflict or a validation failure saves nothing, so its retry is judged afresh.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly nowEpochMs: () => number) {}

  /**
   * What a new arrival with this key gets: a replay, an error (another endpoint or other
   * parameters; or the first request still executing), or the go-ahead to run.
   */
  check(scope: string, key: string, fingerprint: string): Claim {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalidRequest(`Invalid Idempotency-Key: keys must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long.`, { param: 'Idempotency-Key' });
    }
    const id = entryId(scope, key);
    const entry = this.entries.get(id);
    if (!entry) return { kind: 'new' };
    if (entry.createdAtEpochMs + IDEMPOTENCY_WINDOW_MS <= this.nowEpochMs()) {
      this.entries.delete(id);
      return { kind: 'new' };
    }
    if (entry.fingerprint !== fingerprint) {
      throw new StripeApiError(400, {
        type: ErrorType.Idempotency,
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    if (entry.state === EntryState.InProgress) {
      throw new StripeApiError(409, {
        type: ErrorType.InvalidRequest,
        code: 'idempotency_key_in_use',
        message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
      });
    }
    return { kind: 'replay', answer: entry.answer };
  }

  /** The endpoint begins executing: from now on the key is taken. */
  begin(scope: string, key: string, fingerprint: string): void {
    this.entries.set(entryId(scope, key), { state: EntryState.InProgress, fingerprint, createdAtEpochMs: this.nowEpochMs() });
  }

  complete(scope: string, key: string, answer: StoredAnswer): void {
    const id = entryId(scope, key);
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.set(id, { state: EntryState.Completed, fingerprint: entry.fingerprint, createdAtEpochMs: entry.createdAtEpochMs, answer });
  }

  /** A request that never got to run (the server closed under it) frees its key. */
  release(scope: string, key: string): void {
    const id = entryId(scope, key);
    if (this.entries.get(id)?.state === EntryState.InProgress) this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}

const entryId = (scope: string, key: string) => `${scope}\u0000${key}`;
