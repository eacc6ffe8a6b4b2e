import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { recordKeyFor } from '../../../lambda/idempotency/dynamodb-store';
import { itemSizeBytes } from '../../../lambda/idempotency/item-size';
import { COMPRESS_ABOVE_BYTES } from '../../../lambda/idempotency/response-codec';
import { type PaymentChange, PaymentStore } from '../../../lambda/payments/payment-store';
import { RECORDS_LAYOUT, TableSchema } from '../../../lambda/shared/table';
import { createDriver, type Driver, validPayment } from '../../helpers/drivers';

// Issue 10: a 201's record stored the payment twice (its answer and a `payment` map), 1,076 bytes,
// so its completion and every replay reaching DynamoDB billed 2 WCU. The answer is the payment:
// the record keeps it once, with the state events change beside it.
const PROCESSOR_ID = 'pi_record_layout';
let driver: Driver;
let store: PaymentStore;
beforeEach(async () => {
  // A processor object on every charge (as with Stripe), so events can name the payment.
  driver = await createDriver('handler', { processor: (simulated) => ({ charge: async (request) => ({ ...(await simulated.charge(request)), processorId: PROCESSOR_ID }) }) });
  store = new PaymentStore(DynamoDBDocumentClient.from(driver.table.client), driver.table.tableName);
});
afterEach(() => driver.close());

const keyOf = (paymentId: string) => ({ [TableSchema.partitionKey]: recordKeyFor(paymentId.slice(4), RECORDS_LAYOUT) });
const rawRecord = async (paymentId: string) =>
  (await DynamoDBDocumentClient.from(driver.table.client).send(new GetCommand({ TableName: driver.table.tableName, Key: keyOf(paymentId), ConsistentRead: true }))).Item!;
const recordBytes = async (paymentId: string) => {
  const { Item } = await driver.table.client.send(new GetItemCommand({ TableName: driver.table.tableName, Key: { pk: { S: keyOf(paymentId).pk! } }, ConsistentRead: true }));
  return itemSizeBytes(Item!);
};
const listed = async (id: string) => JSON.stringify((await driver.list({ limit: '100' })).json.data.find((p: { id: string }) => p.id === id));

test("a 201 keeps the payment once, as its stored answer, with its state beside it: under 1 KB, and GET and the list answer the POST's bytes", async () => {
  // Metadata keys out of order: the answer keeps the POST's order, which a DynamoDB map would not.
  const created = await driver.post({ key: 'k-201', body: { ...validPayment, customer: 'cus_1', description: 'order 1', metadata: { zeta: '1', alpha: '2', mid: '3' } } });
  expect(created.status).toBe(201);

  const record = await rawRecord(created.json.id);
  expect(record).not.toHaveProperty('payment');
  expect(record.paymentState).toEqual({ status: 'succeeded', payment_intent: PROCESSOR_ID });
  expect(record.response.body).toBe(created.text);
  expect(await recordBytes(created.json.id)).toBeLessThan(1024);

  expect((await driver.get(created.json.id)).text).toBe(created.text);
  expect(await listed(created.json.id)).toBe(created.text);
});

test("a decline's answer is a problem, so its record keeps the payment's fixed fields as a map; GET answers them in the POST's field order", async () => {
  const declined = await driver.post({ key: 'k-402', body: { ...validPayment, source: 'tok_chargeDeclined' } });
  expect(declined.status).toBe(402);

  const record = await rawRecord(declined.json.payment);
  expect(record.paymentState).toEqual({ status: 'failed', payment_intent: PROCESSOR_ID });
  expect(record.payment).toMatchObject({ id: declined.json.payment, amount: validPayment.amount, charge: expect.any(String) });
  expect(record.payment).not.toHaveProperty('status'); // one copy of the state: paymentState

  const read = await driver.get(declined.json.payment);
  const fields = ['id', 'object', 'amount', 'currency', 'source', 'customer', 'description', 'metadata', 'status', 'charge', 'created', 'payment_intent'];
  expect(Object.keys(read.json)).toEqual(fields);
  expect(read.json.status).toBe('failed');
  expect(await listed(declined.json.payment)).toBe(read.text);
});

test("an event changes the payment's state only: GET shows it after the POST's fields, the POST's replay stays the answer it was", async () => {
  const created = await driver.post({ key: 'k-refund', body: validPayment });
  const refund = (amountRefunded: number, fullyRefunded = false, processorId = PROCESSOR_ID): PaymentChange => ({ kind: 'refund', processorId, amountRefunded, fullyRefunded });

  expect(await store.advance('tenant-a', created.json.id, refund(400))).toBe('changed');
  expect(await store.advance('tenant-a', created.json.id, refund(400))).toBe('unchanged');
  expect(await store.advance('tenant-a', created.json.id, refund(900, false, 'pi_other'))).toBe('unknown');
  expect(await store.advance('tenant-b', created.json.id, refund(900))).toBe('unknown');

  expect((await driver.get(created.json.id)).text).toBe(JSON.stringify({ ...created.json, amount_refunded: 400 }));
  expect((await rawRecord(created.json.id)).paymentState).toEqual({ status: 'succeeded', payment_intent: PROCESSOR_ID, amount_refunded: 400 });
  const replay = await driver.post({ key: 'k-refund', body: validPayment });
  expect([replay.headers['idempotent-replayed'], replay.text]).toEqual(['true', created.text]);

  expect(await store.advance('tenant-a', created.json.id, refund(validPayment.amount, true))).toBe('changed');
  expect((await driver.get(created.json.id)).json).toMatchObject({ status: 'refunded', amount_refunded: validPayment.amount });
});

test('a declined payment the processor later reports succeeded reads as succeeded; its map is left as it was', async () => {
  const declined = await driver.post({ key: 'k-late', body: { ...validPayment, source: 'tok_chargeDeclined' } });
  const before = (await rawRecord(declined.json.payment)).payment;
  expect(await store.advance('tenant-a', declined.json.payment, { kind: 'status', processorId: PROCESSOR_ID, status: 'succeeded' })).toBe('changed');
  expect((await driver.get(declined.json.payment)).json.status).toBe('succeeded');
  expect((await rawRecord(declined.json.payment)).payment).toEqual(before);
});

test('a payment whose answer is stored gzipped (above 4 KB) is read back by GET and the list as it was answered', async () => {
  const metadata = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key_${i}`, `value ${i} `.repeat(30)]));
  const created = await driver.post({ key: 'k-large', body: { ...validPayment, metadata } });
  expect(created.status).toBe(201);
  expect(Buffer.byteLength(created.text)).toBeGreaterThan(COMPRESS_ABOVE_BYTES);

  const record = await rawRecord(created.json.id);
  expect(record.response).toHaveProperty('bodyGzip');
  expect(record).not.toHaveProperty('payment');
  expect((await driver.get(created.json.id)).text).toBe(created.text);
  expect(await listed(created.json.id)).toBe(created.text);
});
