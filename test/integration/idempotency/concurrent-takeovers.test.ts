import middy from '@middy/core';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { errorToResponse } from '../../../lambda/http/problem';
import type { HttpRequest, HttpResponse } from '../../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { idempotency, type IdempotentContext } from '../../../lambda/idempotency/middleware';
import type { ClaimRequest } from '../../../lambda/idempotency/store';
import { deferred } from '../../helpers/drivers';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { type FaultyClient, faultyClient, Step } from '../../helpers/fault-injection';
import { readTable } from '../../helpers/table-contents';
import { waitUntil } from '../../helpers/reliability';

// Several retries reach a key whose holder died, all at once: each reads the lapsed lease and sends
// its takeover. The network holds every takeover until all of them are on the wire, so nothing but
// the takeover's conditional write decides: exactly one may win; the others must be told the key
// is in progress (409), and the operation must run once.
const T0 = 1_900_000_000_000;
const LEASE_MS = 10_000;
const RACERS = 8;

let table: TestTable;
let faulty: FaultyClient;
let store: DynamoDbIdempotencyStore;
beforeEach(async () => {
  table = await createTestTable('takeovers');
  faulty = faultyClient();
  store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(faulty.client), tableName: table.tableName, ttlSeconds: 3600 });
});
afterEach(async () => {
  faulty.client.destroy();
  await table.drop();
});

const records = async () => (await readTable(table.client, table.tableName)).records;

/** Holds the next RACERS takeovers; resolves once all are in flight, then lets them go together. */
async function releaseTakeoversTogether(): Promise<void> {
  const network = deferred();
  faulty.faults.inject({ step: Step.Takeover, fault: { kind: 'delay', until: network.promise }, times: RACERS });
  await waitUntil(() => faulty.faults.fired.length === RACERS);
  network.resolve();
}

test(`${RACERS} retries racing to take over one lapsed lease through the middleware: one runs (claimCount 2), the others are 409s`, async () => {
  // Arrange: the clock is the test's; the first holder claims, then freezes inside the handler.
  let nowMs = T0;
  const zombieGate = deferred();
  const takerGate = deferred();
  const entered: string[] = [];
  const handler = middy<HttpRequest, HttpResponse, Error, Context>()
    .use(idempotency({ store, now: () => nowMs, defaultLeaseMs: LEASE_MS, leaseMarginMs: 0 }))
    .handler(async (_event, context) => {
      entered.push((context as IdempotentContext).idempotency.executionId);
      const run = entered.length;
      await (run === 1 ? zombieGate.promise : takerGate.promise);
      return { statusCode: 200, headers: {}, body: `run ${run}` };
    });
  const event: HttpRequest = { method: 'POST', path: '/jobs', headers: { 'idempotency-key': 'k-race' }, pathParameters: {}, body: '{"job":1}', tenant: 't' };
  const invoke = () => handler(event, {} as Context).catch((error: unknown) => errorToResponse(error, () => {}));

  const zombie = invoke();
  await waitUntil(() => entered.length === 1);
  expect((await records())[0]).toMatchObject({ status: 'IN_PROGRESS', claimCount: 1, leaseUntilEpochMs: T0 + LEASE_MS });

  // Act: the lease lapses and the retries all arrive. Each either answers at once (409) or enters
  // the handler and waits there, so the race is settled before any of them completes.
  nowMs = T0 + LEASE_MS + 1;
  const settled: HttpResponse[] = [];
  const racers = Array.from({ length: RACERS }, () => invoke().then((reply) => (settled.push(reply), reply)));
  await releaseTakeoversTogether();
  await waitUntil(() => settled.length + entered.length - 1 === RACERS);
  const takersWhileRacing = entered.length - 1;
  takerGate.resolve();
  const replies = await Promise.all(racers);

  // Assert: one takeover, one execution; every other racer was told to come back later.
  expect(takersWhileRacing).toBe(1);
  expect(replies.map((r) => r.statusCode).sort()).toEqual([200, ...Array(RACERS - 1).fill(409)]);
  for (const conflict of replies.filter((r) => r.statusCode === 409)) {
    expect(JSON.parse(conflict.body)).toMatchObject({ code: 'request_in_progress' });
    expect(Number(conflict.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
  }
  const [completed] = await records();
  expect(completed).toMatchObject({ status: 'COMPLETED', claimCount: 2, executionId: entered[0], response: { body: 'run 2' } });
  expect(entered[1]).toBe(entered[0]);

  // The frozen first holder wakes up: fenced out, it answers with the taker's result.
  zombieGate.resolve();
  expect(await zombie).toMatchObject({ statusCode: 200, body: 'run 2', headers: { 'Idempotent-Replayed': 'true' } });
  expect((await records())[0]).toEqual(completed);
});

test(`${RACERS} claims racing at the store on one lapsed lease: exactly one takes it over, the others get its new holder`, async () => {
  // Arrange
  const claim = (overrides: Partial<ClaimRequest>) => store.claim({ tenant: 't', key: 'k', fingerprint: 'fp', leaseUntilEpochMs: T0 + LEASE_MS, nowMs: T0, ...overrides });
  const dead = await claim({});
  if (dead.kind !== 'claimed') throw new Error('the first claim must succeed');

  // Act: all at the same instant, past the dead holder's lease, each with a lease of its own.
  const at = T0 + LEASE_MS + 1;
  const racing = Promise.all(Array.from({ length: RACERS }, () => claim({ nowMs: at, leaseUntilEpochMs: at + LEASE_MS })));
  await releaseTakeoversTogether();
  const outcomes = await racing;

  // Assert
  expect(outcomes.map((o) => o.kind).sort()).toEqual(['claimed', ...Array(RACERS - 1).fill('existing')]);
  const winner = outcomes.find((o) => o.kind === 'claimed')!;
  expect(winner).toMatchObject({ takeover: true, record: { executionId: dead.record.executionId, claimCount: 2 } });
  for (const loser of outcomes.filter((o) => o.kind === 'existing')) {
    expect(loser.record).toMatchObject({ status: 'IN_PROGRESS', leaseToken: winner.record.leaseToken, claimCount: 2 });
  }
  expect((await records())[0]).toMatchObject({ status: 'IN_PROGRESS', leaseToken: winner.record.leaseToken, claimCount: 2 });
});
