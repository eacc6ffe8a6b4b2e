import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { PROBLEMS, type ProblemCode, problemType } from '../../lambda/http/problems';
import { UNAUTHORIZED_DETAIL, WWW_AUTHENTICATE_BEARER } from '../../lambda/auth/config';
import { ContentType } from '../../lambda/idempotency/http';
import { IDEMPOTENCY_KEY_HEADER } from '../../lambda/idempotency/key';

/** How API Gateway answers, on its own, a request it will not pass to the function. */
interface GatewayProblem {
  readonly type: apigw.ResponseType;
  /** The catalogue entry (lambda/http/problems.ts): its status, title and code. */
  readonly code: ProblemCode;
  /** Omitted: API Gateway's own message, `$context.error.messageString`. */
  readonly detail?: string;
  readonly headers?: Record<string, string>;
}

/**
 * The gateway's errors as RFC 9457 documents, from the same catalogue as the function's and local
 * mode's, so a client sees one error format whoever answered. Every response type this API can
 * meet is listed with its status; the two catch-alls cover what a future API Gateway adds. Their
 * status varies, and gateway templates allow only variable substitution (no VTL) with no variable
 * holding the status, so their bodies alone have no `status`.
 */
const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { type: apigw.ResponseType.DEFAULT_4XX, code: 'request_rejected' },
  { type: apigw.ResponseType.DEFAULT_5XX, code: 'gateway_error' },
  // No route matches (this API has no IAM auth, so this is all it can mean here).
  { type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, code: 'not_found', detail: 'No resource matches this method and path.' },
  { type: apigw.ResponseType.RESOURCE_NOT_FOUND, code: 'not_found', detail: 'No resource matches this method and path.' },
  // The authorizer refused the bearer key (missing, malformed, unknown, revoked): nothing runs.
  {
    type: apigw.ResponseType.UNAUTHORIZED,
    code: 'unauthorized',
    detail: UNAUTHORIZED_DETAIL,
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_BEARER },
  },
  // The key is valid but its tenant's usage-plan key (the authorizer's usageIdentifierKey) is not
  // registered with the usage plan: an operator step after the tenant's first key (docs/deploy.md).
  { type: apigw.ResponseType.INVALID_API_KEY, code: 'forbidden', detail: "This key's tenant is not enabled on this API yet: its operator registers it with the usage plan." },
  { type: apigw.ResponseType.ACCESS_DENIED, code: 'forbidden' },
  // The request validator found the Idempotency-Key header missing: the function's own answer.
  { type: apigw.ResponseType.BAD_REQUEST_PARAMETERS, code: 'idempotency_key_missing', detail: `The ${IDEMPOTENCY_KEY_HEADER} header is required.` },
  {
    type: apigw.ResponseType.THROTTLED,
    code: 'too_many_requests',
    detail: 'The rate limit of this API key was exceeded. Retry later with the same Idempotency-Key.',
    headers: { 'Retry-After': '1' },
  },
  { type: apigw.ResponseType.REQUEST_TOO_LARGE, code: 'payload_too_large', detail: 'The request is larger than API Gateway accepts.' },
  { type: apigw.ResponseType.API_CONFIGURATION_ERROR, code: 'internal_error' },
  { type: apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, code: 'internal_error' },
  // The authorizer failed (DynamoDB unreachable, a timeout): not cached, so a retry asks again.
  { type: apigw.ResponseType.AUTHORIZER_FAILURE, code: 'internal_error', detail: 'The secret key could not be checked. Retry with the same Idempotency-Key.' },
  { type: apigw.ResponseType.INTEGRATION_TIMEOUT, code: 'gateway_timeout', detail: 'The payments function did not answer in time. Retry with the same Idempotency-Key.' },
  { type: apigw.ResponseType.INTEGRATION_FAILURE, code: 'bad_gateway', detail: 'The payments function could not be reached. Retry with the same Idempotency-Key.' },
];

/** The fixed status of a problem; undefined for a catch-all. */
const statusOf = (problem: GatewayProblem) => {
  const { status } = PROBLEMS[problem.code];
  return typeof status === 'number' ? status : undefined;
};

const MESSAGE_PLACEHOLDER = '\u0000message\u0000';

/** The body template: JSON once API Gateway substitutes `$context` variables. */
function problemTemplate(problem: GatewayProblem): string {
  const status = statusOf(problem);
  const body = {
    type: problemType(problem.code),
    title: PROBLEMS[problem.code].title,
    ...(status === undefined ? {} : { status }),
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
    const staticHeaders = Object.entries({ 'Content-Type': ContentType.Problem, ...problem.headers });
    api.addGatewayResponse(problem.type.responseType, {
      type: problem.type,
      statusCode: statusOf(problem) === undefined ? undefined : String(statusOf(problem)),
      // Header values are mapping expressions: a static value goes in single quotes.
      responseHeaders: {
        ...Object.fromEntries(staticHeaders.map(([name, value]) => [name, `'${value}'`])),
        // Answers to a POST echo its Idempotency-Key, the gateway's own as much as the function's.
        [IDEMPOTENCY_KEY_HEADER]: `method.request.header.${IDEMPOTENCY_KEY_HEADER}`,
      },
      templates: { 'application/json': problemTemplate(problem) },
    });
  }
}
