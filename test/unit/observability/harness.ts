import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { errorToResponse } from '../../../lambda/http/problem';
import type { HttpRequest, HttpResponse } from '../../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { combineHooks, type IdempotencyHooks } from '../../../lambda/idempotency/hooks';
import { idempotency, type IdempotentContext } from '../../../lambda/idempotency/middleware';
import { ReplayCache } from '../../../lambda/idempotency/replay-cache';
import { createTelemetry, Service } from '../../../lambda/observability';
import type { ChargeRequest, PaymentProcessor } from '../../../lambda/payments/processor';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { type FaultyClient, faultyClient } from '../../helpers/fault-injection';

/** What a client sends that must never reach a log line: a card token, a payment method, a secret key, a body marker. */
export const SECRETS = ['tok_visa', 'pm_card_visa', 'sk_test_51SecretKeyValue', 'Bearer', 'body-marker-4242'];
export const SECRET_PATTERN = /tok_|pm_|sk_(test|live)_|bearer|authorization|body-marker/i;
export const BODY = JSON.stringify({ amount: 1999, currency: 'usd', source: 'tok_visa', payment_method: 'pm_card_visa', description: 'body-marker-4242' });

/** A REST API proxy event as API Gateway sends it past the authorizer, carrying the secrets above. */
export function postEvent(key: string | undefined, body = BODY, tenant = 'tenant-a') {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Authorization: 'Bearer sk_test_51SecretKeyValue' };
  if (key !== undefined) headers['Idempotency-Key'] = key;
  return {
    httpMethod: 'POST',
    resource: '/payments',
    path: '/payments',
    headers,
    body,
    requestContext: { requestId: `api-${randomUUID()}`, authorizer: { tenant, keyId: 'key_0123456789abcdef' } },
  };
}

export function getEvent(id: string, tenant = 'tenant-a') {
  return {
    httpMethod: 'GET',
    resource: '/payments/{id}',
    path: `/payments/${id}`,
    headers: { Authorization: 'Bearer sk_test_51SecretKeyValue' },
    body: null,
    pathParameters: { id },
    requestContext: { requestId: `api-${randomUUID()}`, authorizer: { tenant, keyId: 'key_0123456789abcdef' } },
  };
}

type ProxyLike = ReturnType<typeof postEvent> | ReturnType<typeof getEvent>;

export const lambdaContext = (remainingMs = 10_000): Context => ({ awsRequestId: randomUUID(), getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

/** The handler under test: given the claim's context and the processor, answers or throws. */
export type Behaviour = (request: HttpRequest, context: IdempotentContext, processor: PaymentProcessor) => Promise<HttpResponse>;

/** A processor that answers at once, or as the test says. */
export class FakeProcessor implements PaymentProcessor {
  next: (request: ChargeRequest) => Promise<'succeeded' | 'failed'> = async () => 'succeeded';
  async charge(request: ChargeRequest) {
    const status = await this.next(request);
    return { id: `ch_${request.idempotencyKey.slice(0, 8)}`, status, amount: request.amount, currency: request.currency, createdEpochSeconds: 1 };
  }
}

/** A payment-like answer whose body carries the card source, as the real one does. */
export const charged: Behaviour = async (request, context, processor) => {
  const input = JSON.parse(request.body ?? '{}') as { amount: number; currency: string; source: string };
  const charge = await processor.charge({ ...input, idempotencyKey: context.idempotency.executionId, metadata: { tenant: request.tenant, idempotencyKey: context.idempotency.key, paymentId: 'pay_1' }, timeoutMs: 1000 });
  return { statusCode: charge.status === 'succeeded' ? 201 : 402, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'pay_1', source: input.source, charge: charge.id }) };
};

export interface Harness {
  table: TestTable;
  faulty: FaultyClient;
  lines: string[];
  processor: FakeProcessor;
  behaviour: Behaviour;
  /** The user's own hooks, beside the product telemetry's. */
  userHooks: Required<IdempotencyHooks>;
  invoke(event: ProxyLike, context?: Context): Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
  store: DynamoDbIdempotencyStore;
  /** The chain without the telemetry wrapper, as a recovery re-drive calls it. */
  chain(request: HttpRequest, context: Context): Promise<HttpResponse>;
  telemetry: ReturnType<typeof createTelemetry>;
  close(): Promise<void>;
}

/**
 * The real idempotency middleware and DynamoDB store (on DynamoDB Local, through a client that can
 * inject faults), wrapped the way the payments handler is: telemetry hooks, instrumented client
 * and processor, wrapHandler around everything.
 */
export async function createHarness(options: { cache?: boolean; invocations?: 'sequential' | 'concurrent' } = {}): Promise<Harness> {
  const table = await createTestTable('obs');
  const faulty = faultyClient();
  const lines: string[] = [];
  const telemetry = createTelemetry({ service: Service.Payments, log: (line) => lines.push(line), invocations: options.invocations });
  // Twice on purpose: the middleware is named, so a second instrumentation does not count twice.
  telemetry.instrumentClient(telemetry.instrumentClient(faulty.client));
  const documentClient = DynamoDBDocumentClient.from(faulty.client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbIdempotencyStore({ documentClient, tableName: table.tableName, ttlSeconds: 3600 });
  const processor = new FakeProcessor();
  const instrumented = telemetry.instrumentProcessor(processor);
  const userHooks = {
    onOutcome: jest.fn(),
    onExecuted: jest.fn(),
    onTakeover: jest.fn(),
    onReplay: jest.fn(),
    onConflict: jest.fn(),
    onMismatch: jest.fn(),
    onRelease: jest.fn(),
    onLeaseLost: jest.fn(),
    onStoreUnavailable: jest.fn(),
    onStoreRejected: jest.fn(),
  };
  const harness = {} as Harness;
  const chain = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(
      idempotency({
        store,
        leaseMarginMs: 0,
        recoverable: true,
        hooks: combineHooks(telemetry.hooks, userHooks),
        ...(options.cache ? { cache: new ReplayCache() } : {}),
      }),
    )
    .handler((request, context) => harness.behaviour(request, context as IdempotentContext, instrumented));
  const run = (request: HttpRequest, context: Context) => chain(request, context).catch((error: unknown) => errorToResponse(error, () => {}));
  const handler = telemetry.wrapHandler(async (event: ProxyLike, context: Context) => {
    const headers = Object.fromEntries(Object.entries(event.headers).map(([name, value]) => [name.toLowerCase(), value]));
    const request: HttpRequest = {
      method: event.httpMethod,
      path: event.path,
      headers,
      pathParameters: 'pathParameters' in event ? event.pathParameters : {},
      body: event.body,
      tenant: event.requestContext.authorizer.tenant,
    };
    return run(request, context);
  });
  Object.assign(harness, {
    table,
    faulty,
    lines,
    processor,
    behaviour: charged,
    userHooks,
    invoke: (event: ProxyLike, context = lambdaContext()) => handler(event, context),
    store,
    chain: run,
    telemetry,
    close: async () => {
      faulty.client.destroy();
      await table.drop();
    },
  });
  return harness;
}

/** The lines written so far, parsed: each invocation's log line and the EMF document after it. */
export function parsed(lines: string[]): Record<string, any>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, any>);
}

export function lastInvocation(lines: string[]): { line: Record<string, any>; emf: Record<string, any> } {
  const all = parsed(lines);
  const at = all.map((l) => l.message).lastIndexOf('invocation');
  expect(at).toBeGreaterThanOrEqual(0);
  const emf = all[at + 1];
  expect(emf?._aws).toBeDefined();
  return { line: all[at]!, emf: emf! };
}

/** A promise and the function that settles it: to hold a handler mid-flight. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
