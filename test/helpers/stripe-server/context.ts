import type { Answer } from './errors';
import type { FormObject } from './form';
import type { StripeState } from './objects';

/** What a route sees of the request and the server while it runs. */
export interface RouteContext {
  state: StripeState;
  /** The request's `Stripe-Version` (or the SDK's pinned one): some parameters depend on it. */
  apiVersion: string;
  nowEpochSeconds(): number;
  /** Records an event caused by this request (`request.id` and `idempotency_key` filled in). */
  emit(type: string, object: unknown, previousAttributes?: Record<string, unknown>): void;
}

/** The endpoint's work, run only once validation passed: its answer is what the key saves. */
export type Execute = () => Answer;

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /**
   * Validates (throwing a Stripe error that is never saved for the key) and returns the work.
   * `match` holds the path's captures, e.g. the PaymentIntent id.
   */
  prepare(params: FormObject, match: RegExpMatchArray, context: RouteContext): Execute;
}

export const ok = (body: unknown): Answer => ({ status: 200, body });
