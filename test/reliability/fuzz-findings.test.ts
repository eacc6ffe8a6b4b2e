import { CardToken } from '../../lambda/payments/simulated-processor';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../lambda/payments/app';
import { createDriver, type Driver, proxyEvent, validPayment } from '../helpers/drivers';
import { ledgerFigures, soundLedger } from '../helpers/ledger';
import { muteExpectedLogs } from '../helpers/reliability';

// Inputs the HTTP fuzzer found mishandled, kept as plain examples so they stay fixed.
muteExpectedLogs();

let driver: Driver;
beforeEach(async () => {
  driver = await createDriver('handler');
});
afterEach(() => driver.close());

test('metadata keys named like Object.prototype members ("constructor", "toString") are stored, read and replayed like any other', async () => {
  // Found as a 503 after the charge: the marshaller took {constructor: "x"} for a class instance.
  const metadata = { constructor: 'x', toString: 'y', hasOwnProperty: 'z', prototype: 'p', valueOf: 'v' };
  const created = await driver.post({ key: 'k-proto-names', body: { ...validPayment, metadata } });
  expect(created.status).toBe(201);
  expect(created.json.metadata).toEqual(metadata);
  expect((await driver.get(created.json.id)).json.metadata).toEqual(metadata);
  driver.restart();
  expect((await driver.post({ key: 'k-proto-names', body: { ...validPayment, metadata } })).text).toBe(created.text);
  expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
});

test('a declined payment whose metadata is named like Object.prototype members is kept too: its record holds the payment as a map', async () => {
  // A 201's payment is read from its stored answer; a 402's answer is a problem document, so its
  // record keeps the payment as a map, which the marshaller must take as the plain object it is.
  const metadata = { constructor: 'x', toString: 'y', hasOwnProperty: 'z', prototype: 'p', valueOf: 'v' };
  const declined = await driver.post({ key: 'k-proto-declined', body: { ...validPayment, source: CardToken.Declined, metadata } });
  expect(declined.status).toBe(402);
  const payment = await driver.get(declined.json.payment);
  expect(payment.status).toBe(200);
  expect(payment.json).toMatchObject({ status: 'failed', metadata });
  driver.restart();
  expect((await driver.post({ key: 'k-proto-declined', body: { ...validPayment, source: CardToken.Declined, metadata } })).text).toBe(declined.text);
});

test('a tenant longer than any tenant id is a 4xx that stores nothing, not a 503 the client would retry forever', async () => {
  // Found as a 503 (v1, when the API key named the tenant): tenant and key made a partition key
  // over DynamoDB's 2048-byte limit. The authorizer hands out tenant ids only; anything else is a 401.
  const reply = await driver.post({ key: 'k-long-tenant', body: validPayment, tenant: 't'.repeat(3_000) });
  expect(reply.status).toBe(401);
  expect(reply.json).toMatchObject({ status: 401, code: 'unauthorized' });
  expect(await driver.contents()).toEqual({ records: [], payments: [], charges: [] });
  expect((await driver.get('pay_00000000000000000000000000000000', 't'.repeat(3_000))).status).toBe(401);
});

test('two Idempotency-Key headers with different values are a 400 even when their names differ in case', async () => {
  // Found as a silent pick of the last one: the check grouped headers by their exact name.
  const handler = createPaymentsHandler({ client: driver.table.client, config: driver.config });
  const event = proxyEvent('POST', '/payments', '/payments', {}, { body: validPayment });
  event.multiValueHeaders = { ...event.multiValueHeaders, 'Idempotency-Key': ['order-1'], 'idempotency-key': ['order-2'] };
  event.headers = { ...event.headers, 'Idempotency-Key': 'order-1', 'idempotency-key': 'order-2' };

  const result = (await handler(event, {} as Context)) as APIGatewayProxyResult;
  expect(result.statusCode).toBe(400);
  expect(JSON.parse(result.body)).toMatchObject({ code: 'idempotency_key_invalid' });
  expect(await driver.contents()).toEqual({ records: [], payments: [], charges: [] });
});
