/**
 * Stripe's error envelope, `{"error": {...}}` (https://docs.stripe.com/api/errors): `type` is one of
 * the four documented values; `code`, `decline_code`, `param` and the objects are set when they apply.
 */
export const ErrorType = {
  Api: 'api_error',
  Card: 'card_error',
  Idempotency: 'idempotency_error',
  InvalidRequest: 'invalid_request_error',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

export interface StripeErrorBody {
  type: ErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: object;
  payment_method?: object;
}

/** An answer the fake Stripe gives: status, JSON body and any extra headers. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Thrown by a route to answer with a Stripe error; carries its own HTTP status. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }

  toAnswer(): Answer {
    return { status: this.status, body: { error: this.body }, headers: this.headers };
  }
}

/** Stripe links each coded error to its page; the links are only text here. */
export const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

export function invalidRequest(message: string, options: { param?: string; code?: string; status?: number } = {}): StripeApiError {
  const { param, code, status = 400 } = options;
  return new StripeApiError(status, {
    type: ErrorType.InvalidRequest,
    message,
    ...(code ? { code, doc_url: docUrl(code) } : {}),
    ...(param ? { param } : {}),
  });
}

export const missingParam = (param: string) => invalidRequest(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });

export const noSuch = (kind: string, id: string, param: string, status = 400) =>
  invalidRequest(`No such ${kind}: '${id}'`, { param, code: 'resource_missing', status });

export function apiError(status = 500, headers: Record<string, string> = {}): StripeApiError {
  return new StripeApiError(
    status,
    { type: ErrorType.Api, message: 'An unknown error occurred (fault injected by the test Stripe server).' },
    headers,
  );
}
