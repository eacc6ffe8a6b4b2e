import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { KeyReusedError, RequestInProgressError } from '../../../lambda/idempotency/errors';
import { HttpError, IdempotencyProblems } from '../../../lambda/idempotency/http';
import { getIdempotency } from '../../../lambda/idempotency/middleware';
import { idempotentEventBridge, idempotentSqsRecords } from '../../../lambda/idempotency/records';
import { createTestTable, type TestTable } from '../../helpers/dynamo';

const STANDARD_QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders';
const FIFO_QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders.fifo';
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;

function sqsRecord(messageId: string, body: unknown, queueArn = STANDARD_QUEUE): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: JSON.stringify(body),
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) => response.batchItemFailures.map((failure) => failure.itemIdentifier);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('idempotent SQS records and EventBridge events', () => {
  let table: TestTable;
  let store: DynamoDbIdempotencyStore;
  let logged: Record<string, unknown>[];
  const log = (_message: string, fields: Record<string, unknown>) => logged.push(fields);

  beforeEach(async () => {
    table = await createTestTable('records');
    store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: 3600 });
    logged = [];
  });
  afterEach(() => table.drop());

  test('each record runs once; a redelivered batch replays every result without running the handler', async () => {
    const runs: string[] = [];
    const handler = idempotentSqsRecords(
      async (record) => {
        runs.push(record.messageId);
        return { charged: JSON.parse(record.body).amount as number };
      },
      { store, log },
    );
    const event = batch(sqsRecord('m1', { amount: 5 }), sqsRecord('m2', { amount: 7 }));

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });

    expect(runs).toEqual(['m1', 'm2']);
    expect(logged).toEqual([]);
  });

  test('a record whose handler throws is reported failed, the others are not; its redelivery runs it again under the same execution id', async () => {
    const runs: string[] = [];
    const executionIds: string[] = [];
    let failM2 = true;
    const handler = idempotentSqsRecords(
      async (record, ctx) => {
        runs.push(record.messageId);
        if (record.messageId === 'm2') executionIds.push(getIdempotency(ctx).executionId);
        if (record.messageId === 'm2' && failM2) throw new Error('downstream refused');
        return record.messageId;
      },
      { store, log },
    );
    const event = batch(sqsRecord('m1', 1), sqsRecord('m2', 2), sqsRecord('m3', 3));

    const first = await handler(event, context);
    failM2 = false;
    const redelivery = await handler(batch(event.Records[1]!), context);

    expect(failedIds(first)).toEqual(['m2']);
    expect(logged).toEqual([{ level: 'error', messageId: 'm2', reason: 'failed', error: 'Error: downstream refused' }]);
    expect(failedIds(redelivery)).toEqual([]);
    expect(runs).toEqual(['m1', 'm2', 'm3', 'm2']);
    expect(new Set(executionIds).size).toBe(1);
  });

  test('on a FIFO queue the first failure fails every record after it, unrun, and the records before it stay done', async () => {
    const runs: string[] = [];
    const handler = idempotentSqsRecords(
      async (record) => {
        runs.push(record.messageId);
        if (record.messageId === 'f2') throw new Error('out of stock');
      },
      { store, log },
    );
    const records = ['f1', 'f2', 'f3', 'f4'].map((id) => sqsRecord(id, id, FIFO_QUEUE));

    const response = await handler(batch(...records), context);

    expect(failedIds(response)).toEqual(['f2', 'f3', 'f4']);
    expect(runs).toEqual(['f1', 'f2']);
    // SQS redelivers only what failed; f1 is not in the batch any more, and were it, it would replay.
    await handler(batch(records[0]!), context);
    expect(runs).toEqual(['f1', 'f2']);
  });

  test('on a standard queue a failure does not stop the batch', async () => {
    const runs: string[] = [];
    const handler = idempotentSqsRecords(
      async (record) => {
        runs.push(record.messageId);
        if (record.messageId === 's1') throw new Error('bad');
      },
      { store, log },
    );

    const response = await handler(batch(sqsRecord('s1', 1), sqsRecord('s2', 2)), context);

    expect(failedIds(response)).toEqual(['s1']);
    expect(runs).toEqual(['s1', 's2']);
  });

  test('a record whose key is still in progress in another invocation is a batch item failure (409), and the handler runs once', async () => {
    const gate = deferred();
    const started = deferred();
    let runs = 0;
    const handler = idempotentSqsRecords(
      async () => {
        runs += 1;
        started.resolve();
        await gate.promise;
        return 'done';
      },
      { store, log },
    );
    const event = batch(sqsRecord('slow', { n: 1 }));

    const holder = handler(event, context);
    await started.promise;
    const duplicate = await handler(event, context);
    gate.resolve();
    const held = await holder;

    expect(failedIds(duplicate)).toEqual(['slow']);
    expect(logged).toEqual([expect.objectContaining({ level: 'warn', messageId: 'slow', reason: 'retry', error: expect.stringMatching(/^RequestInProgressError/) })]);
    expect(failedIds(held)).toEqual([]);
    expect(failedIds(await handler(event, context))).toEqual([]);
    expect(runs).toBe(1);
  });

  test('a key reused with another body is a failure by default (to the DLQ); onMismatch can drop it instead', async () => {
    const runs: string[] = [];
    const mismatches: string[] = [];
    const keyOf = (record: SQSRecord) => JSON.parse(record.body).orderId as string;
    const run = async (record: SQSRecord) => void runs.push(record.messageId);
    const failing = idempotentSqsRecords(run, { store, log, keyOf });
    const dropping = idempotentSqsRecords(run, {
      store,
      log,
      keyOf,
      onMismatch: (record, error) => {
        mismatches.push(`${record.messageId}:${error instanceof KeyReusedError}`);
        return 'skip';
      },
    });

    await failing(batch(sqsRecord('a', { orderId: 'o-1', qty: 1 })), context);
    const byDefault = await failing(batch(sqsRecord('b', { orderId: 'o-1', qty: 2 })), context);
    const dropped = await dropping(batch(sqsRecord('c', { orderId: 'o-1', qty: 3 })), context);

    expect(failedIds(byDefault)).toEqual(['b']);
    expect(logged).toEqual([expect.objectContaining({ messageId: 'b', reason: 'mismatch', error: expect.stringMatching(/^KeyReusedError/) })]);
    expect(failedIds(dropped)).toEqual([]);
    expect(mismatches).toEqual(['c:true']);
    expect(runs).toEqual(['a']);
  });

  test("a handler's own 409 or 422 is that handler failing, not a key in progress or reused: never dropped by onMismatch", async () => {
    const mismatches: string[] = [];
    const handler = idempotentSqsRecords(
      async (record) => {
        throw new HttpError(IdempotencyProblems[record.messageId === 'h422' ? 'idempotency_key_reused' : 'request_in_progress'], 'the handler refused');
      },
      { store, log, onMismatch: (record) => (mismatches.push(record.messageId), 'skip') },
    );
    const response = await handler(batch(sqsRecord('h422', { n: 1 }), sqsRecord('h409', { n: 2 })), context);
    expect(failedIds(response)).toEqual(['h422', 'h409']);
    expect(mismatches).toEqual([]);
    expect(logged.map((fields) => fields.reason)).toEqual(['failed', 'failed']);
  });

  test('tenants keep the same key apart', async () => {
    const runs: string[] = [];
    const handler = idempotentSqsRecords(async (record) => void runs.push(record.messageId), {
      store,
      log,
      keyOf: () => 'shared-key',
      tenantOf: (record) => record.messageAttributes.tenant?.stringValue ?? '',
    });
    const forTenant = (messageId: string, tenant: string) => ({ ...sqsRecord(messageId, 'same'), messageAttributes: { tenant: { stringValue: tenant, dataType: 'String' } } });

    await handler(batch(forTenant('t1', 'acme'), forTenant('t2', 'globex'), forTenant('t3', 'acme')), context);

    expect(runs).toEqual(['t1', 't2']);
  });

  describe('EventBridge', () => {
    const eventOf = (id: string, detail: unknown): EventBridgeEvent<'order.placed', unknown> => ({
      id,
      version: '0',
      account: '123456789012',
      time: '2024-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      source: 'shop',
      'detail-type': 'order.placed',
      detail,
    });

    test('returns the stored result, and a retried event gets the same back without running the handler', async () => {
      let runs = 0;
      const handler = idempotentEventBridge(
        async (event: EventBridgeEvent<'order.placed', unknown>) => {
          runs += 1;
          return { shipped: event.detail, at: new Date(0) };
        },
        { store },
      );

      const first = await handler(eventOf('e1', { sku: 'x' }), context);
      const retry = await handler(eventOf('e1', { sku: 'x' }), context);

      // What is kept is the result's JSON: the first run and every replay give back the same parsed value.
      expect(first).toEqual({ shipped: { sku: 'x' }, at: '1970-01-01T00:00:00.000Z' });
      expect(retry).toEqual(first);
      expect(runs).toBe(1);
    });

    test('a handler that returns nothing replays nothing', async () => {
      let runs = 0;
      const handler = idempotentEventBridge(async () => void (runs += 1), { store });

      expect(await handler(eventOf('e-void', {}), context)).toBeUndefined();
      expect(await handler(eventOf('e-void', {}), context)).toBeUndefined();
      expect(runs).toBe(1);
    });

    test('throws while the event is in progress elsewhere (so the async retry comes back), and on a key reused with another detail', async () => {
      const gate = deferred();
      const started = deferred();
      const handler = idempotentEventBridge(
        async () => {
          started.resolve();
          await gate.promise;
          return 'ok';
        },
        { store, keyOf: (event) => (event.detail as { orderId: string }).orderId },
      );

      const holder = handler(eventOf('e2', { orderId: 'o-9' }), context);
      await started.promise;
      const duplicate = handler(eventOf('e3', { orderId: 'o-9' }), context);
      await expect(duplicate).rejects.toBeInstanceOf(RequestInProgressError);
      gate.resolve();

      expect(await holder).toBe('ok');
      await expect(handler(eventOf('e4', { orderId: 'o-9', changed: true }), context)).rejects.toBeInstanceOf(KeyReusedError);
    });

    test('a handler that throws releases the key: the retry runs again', async () => {
      let runs = 0;
      const handler = idempotentEventBridge(
        async () => {
          runs += 1;
          if (runs === 1) throw new Error('transient');
          return runs;
        },
        { store },
      );

      await expect(handler(eventOf('e5', {}), context)).rejects.toThrow('transient');
      expect(await handler(eventOf('e5', {}), context)).toBe(2);
      expect(await handler(eventOf('e5', {}), context)).toBe(2);
    });
  });
});
