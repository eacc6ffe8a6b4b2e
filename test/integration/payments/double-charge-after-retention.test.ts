import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import { configFromEnv } from '../../../lambda/payments/config';
import type { PaymentProcessor } from '../../../lambda/payments/processor';
import { SimulatedProcessor } from '../../../lambda/payments/simulated-processor';
import { KeyPrefix } from '../../../lambda/shared/table';
import { proxyEvent, validPayment } from '../../helpers/drivers';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { ledgerFigures, recordOf, soundLedger, storedPayment } from '../../helpers/ledger';
import { readTable } from '../../helpers/table-contents';

// Repro B of the retention issue, through the real payments handler: a processor that charges and
// then loses every answer (PROCESSOR_FAILURE_RATE=1, the "after the charge" half), a client that
// keeps retrying, and a retry that finally succeeds only after the retention has passed.
const RETENTION_SECONDS = 120;
const KEYS = ['order-1', 'order-2', 'order-3', 'order-4'];
const TENANT = 'tenant-a';

describe('no double charge after retention (handler level)', () => {
  let table: TestTable;
  let nowMs: number;
  let processorWorks: boolean;
  let handler: ReturnType<typeof createPaymentsHandler>;
  /** A new container over the same table: its replay cache is cold, so the store answers. */
  let coldStart: () => void;

  beforeEach(async () => {
    table = await createTestTable('retention-b');
    nowMs = 1_900_000_000_000;
    processorWorks = false;
    const config = configFromEnv({ TABLE_NAME: table.tableName, IDEMPOTENCY_TTL_SECONDS: String(RETENTION_SECONDS) });
    const documentClient = DynamoDBDocumentClient.from(table.client);
    const now = () => nowMs;
    // failureRate 1 with a roll of 0.75: never the "before the charge" half (roll < 0.5), always the
    // "after the charge, answer lost" half (roll < 1). The charge is recorded, the caller gets a 502.
    const losesEveryAnswer = new SimulatedProcessor({ documentClient, tableName: table.tableName, latencyMs: 0, failureRate: 1, random: () => 0.75, now });
    const works = new SimulatedProcessor({ documentClient, tableName: table.tableName, latencyMs: 0, failureRate: 0, now });
    const processor: PaymentProcessor = { charge: (request) => (processorWorks ? works : losesEveryAnswer).charge(request) };
    coldStart = () => {
      handler = createPaymentsHandler({ client: table.client, config, processor, now });
    };
    coldStart();
    // The handler logs every 502 it answers; the attempts below make dozens on purpose.
    jest.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await table.drop();
  });

  const post = async (key: string) => {
    const context = { getRemainingTimeInMillis: () => 10_000, awsRequestId: randomUUID() } as unknown as Context;
    const result = (await handler(proxyEvent('POST', '/payments', '/payments', {}, { key, body: validPayment, tenant: TENANT }), context)) as APIGatewayProxyResult;
    return { status: result.statusCode, json: JSON.parse(result.body) };
  };
  const advanceSeconds = (seconds: number) => {
    nowMs += seconds * 1000;
  };

  test('a key whose every attempt charged and answered 502 is charged once, however long after retention the successful retry comes', async () => {
    // Arrange: each key is tried three times, a second apart; every attempt charges and loses the answer.
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const key of KEYS) {
        const reply = await post(key);
        expect(reply).toMatchObject({ status: 502, json: { code: 'processor_unavailable' } });
      }
      advanceSeconds(1);
    }
    const beforeRecovery = await readTable(table.client, table.tableName);
    expect(beforeRecovery.charges).toHaveLength(KEYS.length); // one charge per key so far, none paid
    expect(beforeRecovery.payments).toHaveLength(0);
    const chargeOfKey = new Map(
      KEYS.map((key) => {
        const record = recordOf(beforeRecovery, TENANT, key)!;
        return [key, beforeRecovery.charges.find((c) => c.pk === `${KeyPrefix.Charge}${record.executionId}`)!.id as string];
      }),
    );

    // Act: the processor recovers; the client retries long after the retention has passed.
    processorWorks = true;
    advanceSeconds(RETENTION_SECONDS + 60);
    coldStart();
    const replies = await Promise.all(KEYS.map((key) => post(key)));

    // Assert: every key ends with one payment naming the charge made before the retention ended.
    for (const reply of replies) expect(reply.status).toBe(201);
    const after = await readTable(table.client, table.tableName);
    expect(ledgerFigures(after)).toEqual(soundLedger(KEYS.length));
    for (const [i, key] of KEYS.entries()) {
      expect(replies[i]!.json.charge).toBe(chargeOfKey.get(key));
      expect(storedPayment(after, TENANT, key)).toMatchObject({ status: 'succeeded', charge: chargeOfKey.get(key) });
    }
  });

  test('the payment made by a late retry is replayed for the retention counted from its completion', async () => {
    // Arrange: an attempt that charged and lost its answer, and a successful retry after retention.
    expect((await post(KEYS[0]!)).status).toBe(502);
    processorWorks = true;
    advanceSeconds(RETENTION_SECONDS + 10);
    const created = await post(KEYS[0]!);
    expect(created.status).toBe(201);

    // Act: the client retries again later, within retention counted from the completion.
    advanceSeconds(RETENTION_SECONDS - 10);
    coldStart();
    const replayed = await post(KEYS[0]!);

    // Assert
    expect(replayed).toEqual(created);
    const contents = await readTable(table.client, table.tableName);
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
  });
});
