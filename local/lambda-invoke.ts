import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from './body';
import { sendJson } from './problem';
import { describeError, invoke, timeoutMessage, type FunctionSettings, type LambdaHandler } from './lambda-runtime';

/** Lambda's limit on a synchronous invocation's payload. */
export const INVOKE_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * The function name from an Invoke API path, or null when the path is not the Invoke API. Lambda
 * accepts a name, a full ARN or a partial ARN (`123456789012:function:payments`), optionally with a
 * `:qualifier`; only `$LATEST` exists locally.
 */
export function invokedFunctionName(rawPath: string): string | null {
  const match = INVOKE_PATH.exec(rawPath);
  if (!match) return null;
  let name: string;
  try {
    name = decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
  const arn = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?function:([^:]+)(?::\$LATEST)?$/.exec(name);
  if (arn) return arn[1]!;
  return name.replace(/:\$LATEST$/, '');
}

/** An error of the Lambda service itself, as the SDKs and the CLI parse it. */
function sendServiceError(res: ServerResponse, status: number, errorType: string, message: string, requestId: string) {
  sendJson(res, status, { Type: 'User', message }, { 'x-amzn-ErrorType': errorType, 'x-amzn-RequestId': requestId });
}

/**
 * `POST /2015-03-31/functions/{name}/invocations`, enough of the Invoke API for
 * `aws lambda invoke --endpoint-url` and the SDK's `InvokeCommand`: the body is the event, the
 * answer is the function's result as JSON, and a failure or timeout is a 200 with
 * `X-Amz-Function-Error: Unhandled`, as Lambda reports it.
 */
export async function handleInvoke(
  req: IncomingMessage,
  res: ServerResponse,
  functionName: string,
  handler: LambdaHandler,
  settings: FunctionSettings,
  requestId: string,
): Promise<void> {
  if (functionName !== settings.functionName) {
    req.resume();
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`;
    sendJson(res, 404, { Type: 'User', Message: `Function not found: ${arn}` }, {
      'x-amzn-ErrorType': 'ResourceNotFoundException',
      'x-amzn-RequestId': requestId,
    });
    return;
  }

  let payload: Buffer;
  try {
    payload = await readBody(req, INVOKE_PAYLOAD_LIMIT_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const message = `Request must be smaller than ${INVOKE_PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`;
    sendServiceError(res, 413, 'RequestTooLargeException', message, requestId);
    return;
  }

  let event: unknown;
  try {
    // Lambda hands an empty payload to the function as an empty object.
    event = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'));
  } catch (error) {
    const message = `Could not parse request body into json: ${(error as Error).message}`;
    sendServiceError(res, 400, 'InvalidRequestContentException', message, requestId);
    return;
  }

  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const base = { 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId };
  if (invocationType === 'DryRun') {
    res.writeHead(204, base).end();
    return;
  }
  if (invocationType === 'Event') {
    // Asynchronous invocation: accepted now, run in the background, its outcome only logged.
    res.writeHead(202, base).end();
    void invoke(handler, event, settings);
    return;
  }
  if (invocationType !== 'RequestResponse') {
    sendServiceError(res, 400, 'InvalidParameterValueException', `Unsupported invocation type: ${invocationType}`, requestId);
    return;
  }

  const outcome = await invoke(handler, event, settings);
  const unhandled = { ...base, 'X-Amz-Function-Error': 'Unhandled' };
  switch (outcome.kind) {
    case 'result':
      sendJson(res, 200, outcome.value === undefined ? null : outcome.value, base);
      return;
    case 'error':
      sendJson(res, 200, describeError(outcome.error), unhandled);
      return;
    case 'timeout':
      sendJson(res, 200, { errorType: 'Sandbox.Timedout', errorMessage: timeoutMessage(outcome.timeoutSeconds) }, unhandled);
      return;
  }
}
