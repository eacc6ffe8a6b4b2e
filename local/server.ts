import { Resource, ROUTE_SUMMARY } from '../lambda/shared/routes';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { authorizationValuesOfRawHeaders, UNAUTHORIZED_DETAIL, type AuthorizerContext, type SecretKeyLookup, verifyBearer, WWW_AUTHENTICATE_BEARER } from '../lambda/auth';
import { problemFor } from '../lambda/http/problem';
import { problemOf } from '../lambda/http/problems';
import { FUNCTION_TIMEOUT_SECONDS } from '../lambda/payments/config';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../lambda/idempotency/key';
import { STRIPE_WEBHOOK_PATH } from '../lambda/stripe/webhook';
import {
  API_GATEWAY_BODY_LIMIT_BYTES,
  API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
  buildProxyEvent,
  headerValue,
  matchRoute,
  newRequestId,
  writeProxyResult,
  type Route,
} from './api-gateway';
import { BodyTooLargeError, readBody } from './body';
import { isDemoPath, type LocalDemo } from './demo';
import { handleInvoke, invokedFunctionName } from './lambda-invoke';
import { invoke, type FunctionSettings, type InvocationOutcome, type LambdaHandler } from './lambda-runtime';
import { GatewayProblem, sendProblem } from './problem';

/** The function name local mode serves, as in `aws lambda invoke --function-name payments`. */
export const LOCAL_FUNCTION_NAME = 'payments';

export interface LocalServerOptions {
  /** The function both APIs invoke. */
  handler: LambdaHandler;
  /**
   * The secret keys the payments routes verify `Authorization: Bearer …` against, with the
   * authorizer's own code (lambda/auth verifyBearer), read on every request: no cache, so a
   * revoked key is refused by the next request.
   */
  keys: SecretKeyLookup;
  /** The function behind `POST /webhooks/stripe` (no secret key; Stripe signs instead). @default none: that route is a 404 */
  webhookHandler?: LambdaHandler;
  /** The emulated Lambda timeout, in seconds (fractions allowed for tests). @default FUNCTION_TIMEOUT_SECONDS, the stack's */
  functionTimeoutSeconds?: number;
  /** @default 'payments' */
  functionName?: string;
  /** Where access lines and the runtime's log lines go. @default nowhere */
  log?: (line: string) => void;
  /** The checkout demo: `GET /demo`, its endpoints, and a look at its orders' payments. @default none: /demo is a 404 */
  demo?: LocalDemo;
}

/**
 * One HTTP server that plays two AWS front doors for the same function: the REST API of the CDK
 * stack (a bearer secret key required, `POST /payments`, `GET /payments/{id}`) and the Lambda
 * Invoke API.
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const log = options.log ?? (() => {});
  const settings: FunctionSettings = {
    functionName: options.functionName ?? LOCAL_FUNCTION_NAME,
    timeoutSeconds: options.functionTimeoutSeconds ?? FUNCTION_TIMEOUT_SECONDS,
    log: (line) => log(`[${options.functionName ?? LOCAL_FUNCTION_NAME}] ${line}`),
  };
  const server = createServer((req, res) => {
    const startedEpochMs = Date.now();
    const requestId = newRequestId();
    res.once('finish', () => log(`${req.method} ${req.url} -> ${res.statusCode} (${Date.now() - startedEpochMs} ms)`));
    route(req, res, options, settings, requestId).catch((error: unknown) => {
      log(`internal error on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
      if (res.headersSent) res.destroy();
      else sendProblem(res, GatewayProblem.InternalError, 'The local server could not complete the request; see its log.');
    });
  });
  // Requests Node's HTTP parser refuses (headers over 16 KB, broken framing) get a problem
  // document too, like every other answer of the emulated gateway.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const code = tooLarge ? 'headers_too_large' : 'bad_request';
    const answer = problemFor(code, tooLarge ? 'The request headers exceed 16 KB.' : 'The request could not be parsed as HTTP/1.1.');
    const headers = Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.end(
      `HTTP/1.1 ${answer.statusCode} ${problemOf(code).title}\r\n${headers}` +
        `Content-Length: ${Buffer.byteLength(answer.body)}\r\nConnection: close\r\n\r\n${answer.body}`,
    );
  });
  return server;
}

async function route(req: IncomingMessage, res: ServerResponse, options: LocalServerOptions, settings: FunctionSettings, requestId: string) {
  const { handler } = options;
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);

  const functionName = method === 'POST' ? invokedFunctionName(rawPath) : null;
  if (functionName !== null) return handleInvoke(req, res, functionName, handler, settings, requestId);
  if (options.demo && isDemoPath(rawPath)) return options.demo.serve(req, res, method, rawPath);

  const matched = matchRoute(method, rawPath);
  if (matched === null) {
    req.resume();
    const detail = `No route for ${method} ${rawPath}. The API serves ${ROUTE_SUMMARY}.`;
    return sendProblem(res, GatewayProblem.NotFound, detail, { 'x-amzn-RequestId': requestId });
  }
  if (matched !== 'malformed' && matched.resource === STRIPE_WEBHOOK_PATH) {
    if (options.webhookHandler) return handleApiRequest(req, res, matched, options.webhookHandler, settings, requestId, rawPath, { kind: 'webhook' });
    req.resume();
    const detail = `${STRIPE_WEBHOOK_PATH} needs PAYMENT_PROCESSOR=stripe and STRIPE_WEBHOOK_SECRET.`;
    return sendProblem(res, GatewayProblem.NotFound, detail, { 'x-amzn-RequestId': requestId });
  }
  if (matched === 'malformed') {
    req.resume();
    return sendProblem(res, GatewayProblem.BadRequest, 'The path is not valid percent-encoding.', { 'x-amzn-RequestId': requestId });
  }
  return handleApiRequest(req, res, matched, handler, settings, requestId, rawPath, { kind: 'payments', keys: options.keys, demo: options.demo, log: options.log ?? (() => {}) });
}

/** The webhook route is outside the authorizer (Stripe signs its requests); every other route is behind it. */
type Door = { kind: 'webhook' } | { kind: 'payments'; keys: SecretKeyLookup; demo: LocalDemo | undefined; log: (line: string) => void };


async function handleApiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  handler: LambdaHandler,
  settings: FunctionSettings,
  requestId: string,
  rawPath: string,
  door: Door,
) {
  // Like the stack's gateway responses, the emulator's own answers to a POST echo a valid key.
  const key = route.resource === Resource.Payments ? parseIdempotencyKey(headerValue(req.rawHeaders, IDEMPOTENCY_KEY_HEADER.toLowerCase())) : undefined;
  const idHeader = { 'x-amzn-RequestId': requestId, ...(key?.ok ? { [IDEMPOTENCY_KEY_HEADER]: key.key } : {}) };
  // The REQUEST authorizer's part, before the body is read: a refused request runs nothing.
  let authorizer: AuthorizerContext | undefined;
  if (door.kind === 'payments') {
    const verification = await verifyBearer(authorizationValuesOfRawHeaders(req.rawHeaders), door.keys);
    if (!verification.ok) {
      req.resume();
      // Why, for the developer (the client hears the same 401 for each); a key id at most, never the header.
      door.log(`[authorizer] ${requestId} unauthorized: ${verification.reason}${verification.keyId ? ` (${verification.keyId})` : ''}`);
      return sendProblem(res, GatewayProblem.Unauthorized, UNAUTHORIZED_DETAIL, { ...idHeader, 'WWW-Authenticate': WWW_AUTHENTICATE_BEARER });
    }
    authorizer = { tenant: verification.tenant, keyId: verification.keyId };
  }

  let body: Buffer;
  try {
    body = await readBody(req, API_GATEWAY_BODY_LIMIT_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const detail = `The request body must not exceed ${API_GATEWAY_BODY_LIMIT_BYTES} bytes.`;
    return sendProblem(res, GatewayProblem.PayloadTooLarge, detail, { ...idHeader, Connection: 'close' });
  }

  const rawQuery = (req.url ?? '').slice(rawPath.length + 1);
  const event = buildProxyEvent({ req, rawPath, rawQuery, route, body, authorizer, requestId });
  // Only a demo order's payments are watched (and only their answers can be cut by its switch).
  const demo = door.kind === 'payments' ? door.demo : undefined;
  const watched = demo && authorizer && route.resource === Resource.Payments && req.method === 'POST';
  const watch = watched ? demo.watchPayment({ rawHeaders: req.rawHeaders, body, tenant: authorizer!.tenant, requestId }) : undefined;
  const outcome = await invokeBehindGateway(handler, event, settings);
  if (watch?.settle(outcome, res)) return;
  switch (outcome.kind) {
    case 'result':
      if (writeProxyResult(res, outcome.value, requestId)) return;
      settings.log(`${requestId} malformed Lambda proxy response: ${safeJson(outcome.value)}`);
      return sendProblem(res, GatewayProblem.BadGateway, 'The function returned a malformed proxy response.', idHeader);
    case 'error':
      return sendProblem(res, GatewayProblem.BadGateway, 'The function failed with an unhandled error; see the local server log.', idHeader);
    case 'timeout': {
      // Like API Gateway: a function that times out is a failed integration (502); only the
      // gateway's own 29 s limit is an endpoint timeout (504).
      if (outcome.timeoutSeconds >= API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS) {
        const detail = `Endpoint request timed out: no answer within ${outcome.timeoutSeconds} seconds.`;
        return sendProblem(res, GatewayProblem.GatewayTimeout, detail, idHeader);
      }
      const detail = `The function timed out after ${outcome.timeoutSeconds} seconds.`;
      return sendProblem(res, GatewayProblem.BadGateway, detail, idHeader);
    }
  }
}

/** The function's own timeout, capped by API Gateway's 29 s integration timeout. */
async function invokeBehindGateway(handler: LambdaHandler, event: unknown, settings: FunctionSettings): Promise<InvocationOutcome> {
  const gatewaySeconds = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS;
  if (settings.timeoutSeconds <= gatewaySeconds) return invoke(handler, event, settings);
  let timer: NodeJS.Timeout | undefined;
  const gatewayTimeout = new Promise<InvocationOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout', timeoutSeconds: gatewaySeconds }), gatewaySeconds * 1000);
  });
  try {
    return await Promise.race([invoke(handler, event, settings), gatewayTimeout]);
  } finally {
    clearTimeout(timer);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 500) ?? String(value);
  } catch {
    return String(value);
  }
}
