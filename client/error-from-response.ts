import {
  type ApiErrorInit,
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
import { isRetryable } from './retry-policy';
import type { AttemptResult } from './transport';
import type { Problem } from './types';

/** The API's problem types are `urn:idempotent-payments:problem:<code>`. */
export const PROBLEM_TYPE_PREFIX = 'urn:idempotent-payments:problem:';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

type ApiErrorClass = new (init: ApiErrorInit) => PaymentsApiError;

/** The errors a caller is expected to handle by name; anything else is a plain PaymentsApiError. */
const CLASS_BY_CODE: Record<string, ApiErrorClass> = {
  card_declined: CardDeclinedError,
  idempotency_key_reused: IdempotencyKeyReusedError,
  request_in_progress: RequestInProgressError,
  unauthorized: AuthenticationError,
  forbidden: AuthenticationError,
  not_found: NotFoundError,
};

function classFor(code: string, status: number): ApiErrorClass {
  const byCode = CLASS_BY_CODE[code];
  if (byCode) return byCode;
  if (status === 429 || status >= 500) return ServerError;
  if ([400, 405, 413, 415].includes(status)) return InvalidRequestError;
  return PaymentsApiError;
}

/** The body as a problem document; a body that is not one (an HTML error page) gets a minimal one. */
export function parseProblem(status: number, text: string): Problem {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as Problem).type === 'string') return parsed as Problem;
  } catch {
    // Not JSON: fall through.
  }
  return { type: 'about:blank', title: `HTTP ${status}`, status, detail: text.slice(0, 200) || `The API answered ${status}.` };
}

/** The stable code: from `type` first (it is the contract), else `code`, else the status. */
export function problemCode(problem: Problem, status: number): string {
  if (problem.type.startsWith(PROBLEM_TYPE_PREFIX)) return problem.type.slice(PROBLEM_TYPE_PREFIX.length);
  return typeof problem.code === 'string' ? problem.code : `http_${status}`;
}

/** The error for the last attempt of a call that did not succeed. */
export function errorFromAttempt(result: AttemptResult, attempts: number, idempotencyKey: string | undefined): PaymentsError {
  if (result.kind === 'timeout') {
    return new PaymentsConnectionError({
      code: 'timeout',
      message: `No answer within ${result.timeoutMs} ms (attempt ${attempts}).`,
      attempts,
      idempotencyKey,
      retryable: true,
      cause: result.error,
    });
  }
  if (result.kind === 'network_error') {
    const reason = result.error instanceof Error ? describeNetworkError(result.error) : String(result.error);
    return new PaymentsConnectionError({
      code: 'network_error',
      message: `The connection failed: ${reason} (attempt ${attempts}).`,
      attempts,
      idempotencyKey,
      retryable: true,
      cause: result.error,
    });
  }
  const problem = parseProblem(result.status, result.text);
  const code = problemCode(problem, result.status);
  const ErrorClass = classFor(code, result.status);
  return new ErrorClass({
    code,
    status: result.status,
    problem,
    attempts,
    idempotencyKey,
    replayed: result.headers.get(REPLAYED_HEADER) === 'true',
    retryable: isRetryable({ kind: 'response', status: result.status }),
    ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
  });
}

/** fetch says only "fetch failed"; the useful part (ECONNRESET, "other side closed") is its cause. */
function describeNetworkError(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause ? `${error.message} (${cause.code ?? cause.message ?? 'unknown cause'})` : error.message;
}
