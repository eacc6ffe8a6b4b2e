/**
 * The way back out of the front doors (http-events.ts): an HttpResponse in the result shape each
 * event source expects.
 */
import type { ALBResult, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpResponse } from './http';
import type { HttpEventKind } from './http-events';

/** The result each kind of event is answered with (a Function URL answers like an HTTP API). */
export interface HttpEventResults {
  rest: APIGatewayProxyResult;
  http: APIGatewayProxyStructuredResultV2;
  alb: ALBResult;
}

/**
 * The response in the event's own result shape. `event` is the request event: an ALB target
 * group with multi-value headers on sends `multiValueHeaders` and must be answered with them.
 */
export function toEventResult<K extends HttpEventKind>(kind: K, response: HttpResponse, event?: unknown): HttpEventResults[K] {
  const results: { [P in HttpEventKind]: () => HttpEventResults[P] } = {
    rest: () => ({ statusCode: response.statusCode, headers: { ...response.headers }, body: response.body }),
    http: () => httpApiResult(response),
    alb: () => albResult(response, event),
  };
  return results[kind]();
}

/**
 * HTTP API 2.0 has no multi-value headers: each cookie goes in `cookies` and API Gateway sends it
 * as a Set-Cookie header of its own (a comma-joined Set-Cookie would break on `Expires=Thu, 01 …`).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
function httpApiResult(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.toLowerCase() === 'set-cookie') cookies.push(value);
    else headers[name] = value;
  }
  return { statusCode: response.statusCode, headers, body: response.body, ...(cookies.length > 0 ? { cookies } : {}) };
}

/**
 * ALB wants a status line and the base64 flag. With multi-value headers on, the load balancer
 * reads only `multiValueHeaders` from the result, so the answer takes the form of the request.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
 */
function albResult(response: HttpResponse, event: unknown): ALBResult {
  const { statusCode, body } = response;
  const reason = REASON_PHRASES[statusCode];
  const result = { statusCode, statusDescription: reason ? `${statusCode} ${reason}` : String(statusCode), isBase64Encoded: false, body };
  if (!carriesMultiValueHeaders(event)) return { ...result, headers: { ...response.headers } };
  const multiValueHeaders = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, [value]]));
  return { ...result, multiValueHeaders };
}

function carriesMultiValueHeaders(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const multi = (event as { multiValueHeaders?: unknown }).multiValueHeaders;
  return typeof multi === 'object' && multi !== null;
}

/** RFC 9110 reason phrases of the statuses an API commonly answers with; others get the bare number. */
const REASON_PHRASES: Partial<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
