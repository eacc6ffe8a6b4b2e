/**
 * The layer's non-HTTP front doors: SQS batches and EventBridge events. Each record (or event)
 * goes through the same middy chain as an HTTP request, with the `idempotency()` middleware
 * claiming its key; the handler's result is stored as the JSON body of a 200, and a completed
 * key gives that result back without running the handler again.
 *
 * SQS partial batch responses need `ReportBatchItemFailures` on the event source mapping. For a
 * FIFO queue AWS asks the function to stop at the first failure and report it together with every
 * record after it, or later messages of a group could overtake an earlier one:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import type middyCore from '@middy/core';
import type { Context, EventBridgeEvent, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { KeyReusedError, RequestInProgressError } from './errors';
import { ContentType, HttpError, type HttpRequest, type HttpResponse, IdempotencyProblems } from './http';
import { idempotency, type IdempotencyOptions } from './middleware';

/** The middleware's options that make sense outside HTTP, and where a record's key and tenant come from. */
export interface RecordIdempotencyOptions<Item, Write = never>
  extends Pick<IdempotencyOptions<Write>, 'store' | 'defaultLeaseMs' | 'leaseMarginMs' | 'now' | 'cache' | 'hooks'> {
  /**
   * The record's idempotency key, used as it is (the header rules of parseIdempotencyKey do not apply).
   * @default the SQS `messageId`, the EventBridge event `id`
   */
  keyOf?: (item: Item) => string;
  /** Whose keys these are: records of two tenants never meet. @default () => '' */
  tenantOf?: (item: Item) => string;
}

/** What to do with a record whose key was first used with another body. */
export type MismatchAction = 'fail' | 'skip';

export interface SqsRecordsOptions<Write = never> extends RecordIdempotencyOptions<SQSRecord, Write> {
  /**
   * A record whose key was first used with a different body (a 422). It can never succeed under
   * that key, so by default it is reported failed and, after the queue's maxReceiveCount, lands in
   * the dead-letter queue where someone sees it. Return 'skip' to delete it from the queue instead.
   * @default () => 'fail'
   */
  onMismatch?: (record: SQSRecord, error: KeyReusedError) => MismatchAction | Promise<MismatchAction>;
  /**
   * Told of every record reported failed, with the reason (the handler's error, a
   * RequestInProgressError, a KeyReusedError); never the body.
   * @default one JSON line on stderr (a warning for a key still in progress)
   */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** A record as the middleware sees it: an HttpRequest, with the record along for the handler. */
type ItemRequest<Item> = HttpRequest & { item: Item };
type Middy = typeof middyCore;

// @middy/core ships ESM only; a dynamic import loads it from this CommonJS build on any Node 20,
// and only for the callers of these wrappers (it stays an optional peer for the rest).
let middyModule: Promise<{ default: Middy }> | undefined;
const loadMiddy = async (): Promise<Middy> => (await (middyModule ??= import('@middy/core'))).default;

interface RunnerOptions<Item, Write> extends RecordIdempotencyOptions<Item, Write> {
  /** The path of the request: part of the fingerprint, so it keeps these records apart from HTTP requests. */
  label: string;
  bodyOf: (item: Item) => string;
  keyOf: (item: Item) => string;
}

/** One record through the idempotency chain: the handler's result, stored or replayed. */
function recordRunner<Item, T, Write>(
  handler: (item: Item, context: Context) => Promise<T>,
  options: RunnerOptions<Item, Write>,
): (item: Item, context: Context) => Promise<T> {
  const { label, bodyOf, keyOf, tenantOf, ...middlewareOptions } = options;
  const middleware = idempotency<Write>({
    ...middlewareOptions,
    appliesTo: () => true,
    keyOf: (request) => keyOf((request as ItemRequest<Item>).item),
  });
  let chain: Promise<(request: ItemRequest<Item>, context: Context) => Promise<HttpResponse>> | undefined;
  // middy's early timeout off: the lease already runs to Lambda's deadline, and releasing a few ms
  // before it would let a redelivery start while this handler may still be writing.
  const build = async () =>
    (await loadMiddy())<ItemRequest<Item>, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
      .use(middleware)
      .handler(async (request, context) => resultResponse(await handler(request.item, context)));

  return async (item, context) => {
    const run = await (chain ??= build());
    const request: ItemRequest<Item> = { method: 'POST', path: label, headers: {}, pathParameters: {}, body: bodyOf(item), tenant: tenantOf?.(item) ?? '', item };
    // Each record its own context: the middleware puts the record's claim on it (getIdempotency).
    const response = await run(request, Object.assign(Object.create(context) as Context, context));
    return resultOf<T>(response);
  };
}

/** A result kept as JSON; `undefined` (a handler that returns nothing) as the empty body. */
function resultResponse(result: unknown): HttpResponse {
  return { statusCode: 200, headers: { 'Content-Type': ContentType.Json }, body: result === undefined ? '' : JSON.stringify(result) };
}

/**
 * The result a response holds. A stored 5xx (a result too large to keep, completed as the 500 that
 * says so) is a failure each time it is replayed: the handler ran, but its result is lost.
 */
function resultOf<T>(response: HttpResponse): T {
  if (response.statusCode >= 300) {
    const problem = parseProblem(response.body);
    throw new HttpError(problem ?? IdempotencyProblems.internal_error, problem?.detail ?? 'The stored result is a failure.');
  }
  return (response.body === '' ? undefined : JSON.parse(response.body)) as T;
}

function parseProblem(body: string): { code: string; status: number; title: string; detail: string } | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const { code, status, title, detail } = parsed;
    if (typeof code === 'string' && typeof status === 'number' && typeof title === 'string') return { code, status, title, detail: String(detail ?? '') };
  } catch {
    // not a problem document: answered below as an internal error
  }
  return undefined;
}

/** What became of one record; `retry` and `mismatch` come from the layer, `failed` from the handler or the store. */
type Settled = { ok: true } | { ok: false; reason: 'retry' | 'mismatch' | 'failed'; error: unknown };

async function settle(run: () => Promise<unknown>): Promise<Settled> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    // By class, not status: a handler's own HttpError(409 or 422) is a failure of that handler.
    if (error instanceof RequestInProgressError) return { ok: false, reason: 'retry', error };
    if (error instanceof KeyReusedError) return { ok: false, reason: 'mismatch', error };
    return { ok: false, reason: 'failed', error };
  }
}

const isFifo = (record: SQSRecord) => record.eventSourceARN.endsWith('.fifo');

/**
 * An SQS handler that runs `handler` once per record key and reports in `batchItemFailures` the
 * records SQS must deliver again: the handler threw, the key is still in progress elsewhere (a
 * 409: the redelivery replays or takes over), the key was reused with another body (see
 * onMismatch), or the store failed. A record whose key completed before is answered from its
 * stored result without running the handler. Records run one after the other; on a FIFO queue
 * (its ARN ends in `.fifo`) the first failure also fails every record after it, unrun.
 */
export function idempotentSqsRecords<T, Write = never>(
  handler: (record: SQSRecord, context: Context) => Promise<T>,
  options: SqsRecordsOptions<Write>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { onMismatch, log = logToStderr, ...rest } = options;
  const run = recordRunner(handler, { ...rest, label: 'sqs', bodyOf: (record) => record.body, keyOf: options.keyOf ?? ((record) => record.messageId) });

  return async (event, context) => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const [index, record] of event.Records.entries()) {
      const settled = await settle(() => run(record, context));
      if (settled.ok) continue;
      if (settled.reason === 'mismatch' && (await onMismatch?.(record, settled.error as KeyReusedError)) === 'skip') continue;
      const level = settled.error instanceof RequestInProgressError ? 'warn' : 'error';
      log('sqs record failed', { level, messageId: record.messageId, reason: settled.reason, error: describe(settled.error) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
      if (isFifo(record)) {
        batchItemFailures.push(...event.Records.slice(index + 1).map((later) => ({ itemIdentifier: later.messageId })));
        break;
      }
    }
    return { batchItemFailures };
  };
}

/**
 * An EventBridge target handler that runs `handler` once per event key and returns its result,
 * stored or replayed. It throws when the handler does, when the key is still in progress (a
 * RequestInProgressError, so Lambda's asynchronous retry comes back for it) and when the key was
 * first used with another detail (a KeyReusedError: after the retries, the event goes to the
 * function's on-failure destination or dead-letter queue).
 */
export function idempotentEventBridge<T, Detail = unknown, DetailType extends string = string, Write = never>(
  handler: (event: EventBridgeEvent<DetailType, Detail>, context: Context) => Promise<T>,
  options: RecordIdempotencyOptions<EventBridgeEvent<DetailType, Detail>, Write>,
): (event: EventBridgeEvent<DetailType, Detail>, context: Context) => Promise<T> {
  return recordRunner(handler, {
    ...options,
    label: 'eventbridge',
    bodyOf: (event) => JSON.stringify(event.detail) ?? '',
    keyOf: options.keyOf ?? ((event) => event.id),
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function logToStderr(message: string, fields: Record<string, unknown>): void {
  (fields.level === 'warn' ? console.warn : console.error)(JSON.stringify({ message, ...fields }));
}
