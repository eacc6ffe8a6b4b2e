import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import { createLocalServer } from '../../../local/server';
import { createDriver, type Driver, type DriverKind, proxyEvent, validPayment } from '../../helpers/drivers';
import { startLocalServer } from '../../helpers/local-server';
import { sendRaw } from '../../helpers/raw-http';
import { muteExpectedLogs } from '../../helpers/reliability';
import { TestKeyring } from '../../helpers/test-keys';

// Issue 9, items 5-8: what the bytes of a POST /payments say must be what is stored. A lone
// surrogate (stored, it breaks every later scan of the table), bytes that are not UTF-8 (decoded
// with U+FFFD, two bodies would share a fingerprint), a body in another charset or without a
// Content-Type, and a key with RFC 8941 parameters are each a 4xx that writes nothing.
muteExpectedLogs();

const expectNothingStored = async (driver: Driver) => {
  expect(driver.requests.total()).toBe(0);
  expect(await driver.contents()).toEqual({ records: [], payments: [], charges: [] });
};

/** The JSON text of a valid payment with `text` (as JSON-escaped text) spliced in at `field`. */
const withRaw = (field: 'customer' | 'description', escaped: string) => `{"amount":1000,"currency":"usd","source":"tok_visa","${field}":"${escaped}"}`;

describe.each<DriverKind>(['handler', 'http'])('POST /payments body encoding (%s)', (kind) => {
  let driver: Driver;
  beforeEach(async () => {
    driver = await createDriver(kind);
  });
  afterEach(() => driver.close());

  test.each<[string, string]>([
    ['customer', withRaw('customer', 'cus_\\udc00')],
    ['description', withRaw('description', 'a\\ud83d')],
    ['a metadata value', '{"amount":1000,"currency":"usd","source":"tok_visa","metadata":{"note":"x\\udfff"}}'],
    ['a metadata key', '{"amount":1000,"currency":"usd","source":"tok_visa","metadata":{"k\\ud800":"v"}}'],
    ['an unknown field name', '{"amount":1000,"currency":"usd","source":"tok_visa","\\udc00":1}'],
  ])('a lone surrogate in %s is a 400 that stores nothing', async (_label, body) => {
    const reply = await driver.post({ key: 'k-surrogate', body });
    expect(reply).toMatchObject({ status: 400, json: { code: 'invalid_request', status: 400 } });
    expect(reply.headers['content-type']).toBe('application/problem+json');
    await expectNothingStored(driver);
  });

  test('a surrogate pair (an emoji, escaped or not) is fine', async () => {
    expect((await driver.post({ key: 'k-emoji-1', body: withRaw('description', '\\ud83d\\udca9') })).status).toBe(201);
    expect((await driver.post({ key: 'k-emoji-2', body: withRaw('description', '\u{1f4a9}') })).status).toBe(201);
  });

  test.each<[string, string | null]>([
    ['missing', null],
    ['utf-16', 'application/json; charset=utf-16'],
    ['latin-1, quoted', 'application/json; charset="iso-8859-1"'],
    ['text/plain', 'text/plain'],
    ['two charsets', 'application/json; charset=utf-8; charset=utf-16'],
  ])('a Content-Type that is %s is a 415 that stores nothing', async (_label, contentType) => {
    const headers: Record<string, string> = contentType === null ? {} : { 'Content-Type': contentType };
    const reply = kind === 'handler' ? await postViaHandler(driver, headers) : await postRaw(driver, headers);
    expect(reply.status).toBe(415);
    expect(reply.json).toMatchObject({ code: 'unsupported_media_type' });
    await expectNothingStored(driver);
  });

  test.each([['application/json'], ['application/json; charset=utf-8'], ['application/json;charset="UTF-8"'], ['Application/JSON ; Charset=UTF-8']])(
    'a Content-Type of %s is accepted',
    async (contentType) => {
      expect((await driver.post({ key: `k-ct-${contentType.length}-${contentType.charCodeAt(0)}`, body: validPayment, headers: { 'Content-Type': contentType } })).status).toBe(201);
    },
  );

  test('an sf-string key with parameters is a 400; the bare and quoted forms are one key', async () => {
    const reply = await driver.post({ key: '"a1";x=1', body: validPayment });
    expect(reply).toMatchObject({ status: 400, json: { code: 'idempotency_key_invalid' } });
    await expectNothingStored(driver);
    expect((await driver.post({ key: 'a1;x=1', body: validPayment })).status).toBe(201);
    expect((await driver.post({ key: '"abc"', body: validPayment })).status).toBe(201);
    expect((await driver.post({ key: 'abc', body: validPayment })).headers['idempotent-replayed']).toBe('true');
  });

  test('a body nested thousands deep is a 400 that says so, checked before anything recursive runs', async () => {
    // As deep as fits in the 64 KB body limit.
    for (const body of ['['.repeat(30_000) + ']'.repeat(30_000), `{"amount":1000,"currency":"usd","source":"tok_visa","metadata":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`]) {
      const reply = await driver.post({ key: 'k-deep', body });
      expect(reply).toMatchObject({ status: 400, json: { status: 400, code: 'invalid_request', detail: expect.stringMatching(/nested/) } });
    }
    await expectNothingStored(driver);
    const reply = await driver.post({ key: 'k-deep', body: { ...validPayment, description: 'x', extra: { a: { b: { c: 1 } } } } });
    expect(reply.json.errors).toEqual([expect.objectContaining({ field: '' })]);
  });
});

/** The valid payment with a description of raw bytes (0xFF and 0xFE are never UTF-8). */
const bodyWithBytes = (bytes: number[]) =>
  Buffer.concat([Buffer.from('{"amount":1000,"currency":"usd","source":"tok_visa","description":"'), Buffer.from(bytes), Buffer.from('"}')]);

async function postViaHandler(driver: Driver, headers: Record<string, string>, body: APIGatewayProxyEvent['body'] = JSON.stringify(validPayment), isBase64Encoded = false) {
  const event = proxyEvent('POST', '/payments', '/payments', {}, { key: 'k-media', headers });
  event.body = body;
  event.isBase64Encoded = isBase64Encoded;
  const handler = createPaymentsHandler({ client: driver.table.client, config: driver.config });
  const result = (await handler(event, { getRemainingTimeInMillis: () => 10_000 } as Context)) as APIGatewayProxyResult;
  return { status: result.statusCode, headers: result.headers ?? {}, json: JSON.parse(result.body) };
}

async function postRaw(driver: Driver, headers: Record<string, string>, body: Buffer = Buffer.from(JSON.stringify(validPayment))) {
  // The driver's server is not exposed; a second local server in front of the same function.
  const handler = createPaymentsHandler({ client: driver.table.client, config: driver.config });
  const keys = new TestKeyring(driver.table.endpoint, driver.table.tableName);
  const server = createLocalServer({ handler, keys: keys.store });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const pairs: [string, string][] = [['Authorization', await keys.authorization('tenant-a')], ['Idempotency-Key', 'k-media'], ...Object.entries(headers)];
    const response = await sendRaw(`http://127.0.0.1:${port}`, { method: 'POST', path: '/payments', headers: pairs, body });
    return { status: response.status, headers: response.headers, json: JSON.parse(response.text) };
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    keys.close();
  }
}

describe('a body that is not valid UTF-8 is a 400 invalid_body_encoding', () => {
  let driver: Driver;
  beforeEach(async () => {
    driver = await createDriver('handler');
  });
  afterEach(() => driver.close());

  test('over HTTP through local mode: the two bodies that used to share a fingerprint are both refused', async () => {
    for (const bytes of [[0xff], [0xfe], [0xed, 0xa0, 0x80] /* an encoded surrogate */, [0xc0, 0xaf] /* overlong "/" */]) {
      const reply = await postRaw(driver, { 'Content-Type': 'application/json' }, bodyWithBytes(bytes));
      expect(reply).toMatchObject({ status: 400, json: { code: 'invalid_body_encoding' } });
    }
    await expectNothingStored(driver);
    // Valid multi-byte UTF-8 still goes through as the text it is.
    const ok = await postRaw(driver, { 'Content-Type': 'application/json' }, bodyWithBytes([...Buffer.from('café \u{1f4a9}')]));
    expect(ok).toMatchObject({ status: 201, json: { description: 'café \u{1f4a9}' } });
  });

  test('in a base64-encoded proxy event (as API Gateway sends binary bodies)', async () => {
    const reply = await postViaHandler(driver, { 'Content-Type': 'application/json' }, bodyWithBytes([0xff]).toString('base64'), true);
    expect(reply).toMatchObject({ status: 400, json: { code: 'invalid_body_encoding' } });
    const notBase64 = await postViaHandler(driver, { 'Content-Type': 'application/json' }, '{"amount":1000}', true);
    expect(notBase64).toMatchObject({ status: 400, json: { code: 'invalid_body_encoding' } });
    await expectNothingStored(driver);
    const ok = await postViaHandler(driver, { 'Content-Type': 'application/json' }, bodyWithBytes([...Buffer.from('café')]).toString('base64'), true);
    expect(ok).toMatchObject({ status: 201, json: { description: 'café' } });
  });
});

describe('local mode hands the function bytes that are not UTF-8 as API Gateway does binary bodies', () => {
  test('base64 with isBase64Encoded, the exact bytes; UTF-8 stays text', async () => {
    const events: APIGatewayProxyEvent[] = [];
    const server = await startLocalServer({
      label: 'local-binary',
      handler: async (event) => {
        events.push(event as APIGatewayProxyEvent);
        return { statusCode: 204, headers: {}, body: '' };
      },
    });
    try {
      const authorization = await server.keys.authorization('t');
      const post = (body: Buffer) =>
        sendRaw(server.url, { method: 'POST', path: '/payments', headers: [['Authorization', authorization], ['Content-Type', 'application/json']], body });
      const binary = bodyWithBytes([0xff, 0x00, 0xc3]);
      await post(binary);
      await post(Buffer.from('{"description":"café"}'));
      expect(events[0]).toMatchObject({ isBase64Encoded: true, body: binary.toString('base64') });
      expect(events[1]).toMatchObject({ isBase64Encoded: false, body: '{"description":"café"}' });
    } finally {
      await server.close();
    }
  });
});
