export { PaymentsClient } from './payments-client';
export { type ClientOptions, DEFAULT_RETRY_CONFIG, DEFAULT_TIMEOUT_MS, type RetryConfig, type RetryEvent } from './config';
export {
  AuthenticationError,
  CardDeclinedError,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  NotFoundError,
  PaymentsApiError,
  PaymentsConnectionError,
  PaymentsError,
  RequestInProgressError,
  ServerError,
} from './errors';
export { type AttemptInfo, type AttemptOutcome, type RetryDecision, shouldRetry } from './retry-policy';
export type { CardSource, CreatePaymentOptions, CreatePaymentParams, CreatePaymentResult, Payment, Problem } from './types';
