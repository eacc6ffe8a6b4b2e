/**
 * @idempotent-payments/idempotency: idempotency keys for AWS Lambda. The middleware and what it
 * speaks (this entry); the DynamoDB store is in `@idempotent-payments/idempotency/dynamodb`.
 */
export type { Context } from 'aws-lambda';
export {
  DEFAULT_LEASE_MARGIN_MS,
  DEFAULT_LEASE_MS,
  getIdempotency,
  idempotency,
  type IdempotencyClaim,
  type IdempotencyOptions,
  type IdempotentContext,
  REPLAYED_HEADER,
} from './middleware';
export {
  ContentType,
  errorResponse,
  type ErrorResponseOptions,
  HttpError,
  type HttpErrorOptions,
  type HttpRequest,
  type HttpResponse,
  type IdempotencyProblemCode,
  IdempotencyProblems,
  jsonResponse,
  type Problem,
  problemResponse,
  type ProblemResponseOptions,
  retryAfterSeconds,
} from './http';
export { type HttpEvent, type HttpEventKind, httpEventKind, httpEvents, type HttpEventsOptions, shapeEarlyAnswers, toEventResult, toHttpRequest } from './http-events';
export { IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH, parseIdempotencyKey, type KeyParseResult } from './key';
export { KeyReusedError, LeaseLostError, RequestInProgressError, StoreRejectedError, StoreUnavailableError } from './errors';
export { ResponseTooLargeError } from './response-codec';
export type { ClaimOutcome, ClaimRequest, IdempotencyStore, RecordAttachment } from './store';
export { type IdempotencyRecord, type RecordAnswer, RecordStatus, type StoredRequest } from './record';
export { type Decision, type DecisionRequest, decide } from './decide';
export { MemoryIdempotencyStore, type MemoryRecord, type MemoryStoreOptions } from './memory-store';
export { combineHooks, type IdempotencyEvent, type IdempotencyHooks, IdempotencyOutcome } from './hooks';
export {
  idempotentEventBridge,
  idempotentSqsRecords,
  type MismatchAction,
  type RecordIdempotencyOptions,
  type SqsRecordsOptions,
} from './records';
export { ReplayCache, type ReplayCacheOptions } from './replay-cache';
