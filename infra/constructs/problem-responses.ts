import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { problemType } from '../../lambda/http/problem';
import { IDEMPOTENCY_KEY_HEADER } from '../../lambda/idempotency/key';

/** How API Gateway answers, on its own, a request it will not pass to the function. */
interface GatewayProblem {
  readonly type: apigw.ResponseType;
  /**
   * The status to answer with and to put in the body. Left out for the DEFAULT_* catch-alls,
   * which keep the status of whatever error they cover: gateway templates allow only variable
   * substitution (no VTL), and no variable holds the status, so their body has no `status`.
   */
  readonly status?: number;
  readonly code: string;
  readonly title: string;
  /** Omitted: API Gateway's own message, `$context.error.messageString`. */
  readonly detail?: string;
  readonly headers?: Record<string, string>;
}

/**
 * The gateway's errors as RFC 9457 documents, with the codes and `type` URIs the function and
 * local mode use (lambda/http/problem.ts, local/problem.ts), so a client sees one error format
 * whoever answered.
 */
const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  // Catch-alls for the types not listed below; their status varies, so the title stays generic.
  { type: apigw.ResponseType.DEFAULT_4XX, code: 'request_rejected', title: 'Request Rejected' },
  { type: apigw.ResponseType.DEFAULT_5XX, code: 'gateway_error', title: 'Gateway Error' },
  // No route matches (this API has no IAM auth, so this is all it can mean here).
  {
    type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    code: 'not_found',
    title: 'Not Found',
    detail: 'No resource matches this method and path.',
  },
  {
    type: apigw.ResponseType.INVALID_API_KEY,
    status: 403,
    code: 'forbidden',
    title: 'Forbidden',
    detail: 'A valid API key is required: send it in the x-api-key header.',
  },
  // The request validator found the Idempotency-Key header missing: the function's own answer.
  {
    type: apigw.ResponseType.BAD_REQUEST_PARAMETERS,
    status: 400,
    code: 'idempotency_key_missing',
    title: 'Bad Request',
    detail: `The ${IDEMPOTENCY_KEY_HEADER} header is required.`,
  },
  {
    type: apigw.ResponseType.THROTTLED,
    status: 429,
    code: 'too_many_requests',
    title: 'Too Many Requests',
    detail: 'The rate limit of this API key was exceeded. Retry later with the same Idempotency-Key.',
    headers: { 'Retry-After': '1' },
  },
  {
    type: apigw.ResponseType.REQUEST_TOO_LARGE,
    status: 413,
    code: 'payload_too_large',
    title: 'Payload Too Large',
    detail: 'The request is larger than API Gateway accepts.',
  },
  {
    type: apigw.ResponseType.INTEGRATION_TIMEOUT,
    status: 504,
    code: 'gateway_timeout',
    title: 'Gateway Timeout',
    detail: 'The payments function did not answer in time. Retry with the same Idempotency-Key.',
  },
  {
    type: apigw.ResponseType.INTEGRATION_FAILURE,
    status: 502,
    code: 'bad_gateway',
    title: 'Bad Gateway',
    detail: 'The payments function could not be reached. Retry with the same Idempotency-Key.',
  },
];

const MESSAGE_PLACEHOLDER = '\u0000message\u0000';

/** The body template: JSON once API Gateway substitutes `$context` variables. */
function problemTemplate(problem: GatewayProblem): string {
  const body = {
    type: problemType(problem.code),
    title: problem.title,
    ...(problem.status === undefined ? {} : { status: problem.status }),
    detail: problem.detail ?? MESSAGE_PLACEHOLDER,
    code: problem.code,
    requestId: '$context.requestId',
  };
  // messageString is already a quoted, escaped JSON string: it replaces the quotes too.
  return JSON.stringify(body).replace(JSON.stringify(MESSAGE_PLACEHOLDER), '$context.error.messageString');
}

/** Adds one Gateway Response per problem above to the API. */
export function addProblemResponses(api: apigw.RestApi): void {
  for (const problem of GATEWAY_PROBLEMS) {
    const staticHeaders = Object.entries({ 'Content-Type': 'application/problem+json', ...problem.headers });
    api.addGatewayResponse(problem.type.responseType, {
      type: problem.type,
      statusCode: problem.status === undefined ? undefined : String(problem.status),
      // Header values are mapping expressions: a static value goes in single quotes.
      responseHeaders: {
        ...Object.fromEntries(staticHeaders.map(([name, value]) => [name, `'${value}'`])),
        // Answers to a POST echo its Idempotency-Key, the gateway's own as much as the function's.
        'Idempotency-Key': 'method.request.header.Idempotency-Key',
      },
      templates: { 'application/json': problemTemplate(problem) },
    });
  }
}
