import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The shape of the payments function (and any promise-style Lambda handler) local mode runs. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** What an emulated invocation ended with. */
export type InvocationOutcome =
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout'; timeoutSeconds: number };

export interface FunctionSettings {
  /** The function's name, as `aws lambda invoke --function-name` names it. */
  functionName: string;
  /** Lambda's timeout, in seconds; fractions are allowed so tests can be quick. */
  timeoutSeconds: number;
  /**
   * Where the runtime's own lines go (an unhandled error with its stack, a timeout, a late end),
   * as Lambda writes them to CloudWatch Logs rather than to the caller.
   */
  log: (line: string) => void;
}

const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';

/**
 * A Context like the Node.js runtime's: `getRemainingTimeInMillis()` counts down to the same
 * deadline the emulator enforces, so a handler that sizes its idempotency lease from it gets the
 * lease it would get in AWS.
 */
export function createContext(functionName: string, deadlineEpochMs: number): Context {
  const awsRequestId = randomUUID();
  const deprecated = () => {
    throw new Error('context.done/fail/succeed are not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineEpochMs - Date.now()),
    done: deprecated,
    fail: deprecated,
    succeed: deprecated,
  };
}

/**
 * Runs one invocation against the function's deadline. Past the deadline the caller gets a
 * timeout, but the handler's promise keeps running, as a frozen Lambda sandbox may resume: the
 * product's fencing has to reject its late writes. How it ends is reported, never left unhandled.
 */
export async function invoke(handler: LambdaHandler, event: unknown, settings: FunctionSettings): Promise<InvocationOutcome> {
  const timeoutMs = Math.round(settings.timeoutSeconds * 1000);
  const context = createContext(settings.functionName, Date.now() + timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;

  const running = Promise.resolve()
    .then(() => handler(event, context))
    .then(
      (value): InvocationOutcome => ({ kind: 'result', value }),
      (error: unknown): InvocationOutcome => ({ kind: 'error', error }),
    )
    .then((outcome) => {
      safeLog(settings, describeOutcome(outcome, context, timedOut));
      return outcome;
    });
  const deadline = new Promise<InvocationOutcome>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      safeLog(settings, `${context.awsRequestId} ${timeoutMessage(settings.timeoutSeconds)}; the invocation keeps running in the background`);
      resolve({ kind: 'timeout', timeoutSeconds: settings.timeoutSeconds });
    }, timeoutMs);
  });

  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lambda's own wording, e.g. "Task timed out after 10.00 seconds". */
export function timeoutMessage(timeoutSeconds: number): string {
  return `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** `{errorType, errorMessage}` as Lambda reports an unhandled error; the stack stays in the log. */
export function describeError(error: unknown): { errorType: string; errorMessage: string } {
  if (error instanceof Error) return { errorType: error.name || 'Error', errorMessage: error.message };
  return { errorType: typeof error, errorMessage: String(error) };
}

function describeOutcome(outcome: InvocationOutcome, context: Context, late: boolean): string | undefined {
  const id = context.awsRequestId;
  if (outcome.kind === 'error') {
    const stack = outcome.error instanceof Error ? (outcome.error.stack ?? String(outcome.error)) : String(outcome.error);
    return `${id} ${late ? 'late ' : ''}unhandled error: ${stack}`;
  }
  if (late) return `${id} finished after its timeout; its result was discarded`;
  return undefined;
}

function safeLog(settings: FunctionSettings, line: string | undefined): void {
  if (line === undefined) return;
  try {
    settings.log(line);
  } catch {
    // A failing log line must not become an unhandled rejection.
  }
}
