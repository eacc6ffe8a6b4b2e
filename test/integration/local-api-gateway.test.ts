import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { startLocalServer, type LocalServer } from '../helpers/local-server';
import { testKeyId } from '../helpers/test-keys';

/** A function that records what it was called with and answers what the test tells it to. */
function recordingHandler() {
  const calls: Array<{ event: APIGatewayProxyEvent; context: Context; remainingMs: number }> = [];
  let answer: (event: APIGatewayProxyEvent) => Promise<unknown> = async () => ({ statusCode: 200, headers: {}, body: '{}' });
  return {
    calls,
    answerWith(next: (event: APIGatewayProxyEvent) => Promise<unknown>) {
      answer = next;
    },
    handler: async (event: unknown, context: Context) => {
      calls.push({ event: event as APIGatewayProxyEvent, context, remainingMs: context.getRemainingTimeInMillis() });
      return answer(event as APIGatewayProxyEvent);
    },
  };
}

function expectProblem(response: { status: number; headers: Headers; json: any }, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.json).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
  expect(JSON.stringify(response.json)).not.toMatch(/\n\s+at /);
}

describe('local mode: the emulated REST API', () => {
  let server: LocalServer;
  let fn: ReturnType<typeof recordingHandler>;

  beforeEach(async () => {
    fn = recordingHandler();
    server = await startLocalServer({ handler: fn.handler, functionTimeoutSeconds: 1, label: 'local-apigw' });
  });
  afterEach(() => server.close());

  it('refuses a request without a secret key with 401 problem+json and WWW-Authenticate, before the function runs', async () => {
    const response = await server.request('POST', '/payments', { tenant: null, idempotencyKey: 'k1', body: { amount: 1 } });

    expectProblem(response, 401);
    expect(response.json).toMatchObject({ title: 'Unauthorized', code: 'unauthorized', type: 'urn:idempotent-payments:problem:unauthorized' });
    expect(response.json.detail).toMatch(/secret key is required/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.headers.get('idempotency-key')).toBe('k1'); // echoed, as the stack's gateway responses do
    expect(fn.calls).toHaveLength(0);
    expect(server.logs.join('\n')).toMatch(/\[authorizer\] \S+ unauthorized: missing/);
  });

  it('refuses an empty credential with 401 too', async () => {
    const response = await server.request('GET', '/payments/pay_1', { headers: { Authorization: '' } });

    expectProblem(response, 401);
    expect(fn.calls).toHaveLength(0);
  });

  it.each([
    ['GET', '/'],
    ['PUT', '/payments'],
    ['DELETE', '/payments/pay_1'],
    ['POST', '/payments/pay_1'],
    ['GET', '/payments/pay_1/refunds'],
    ['GET', '/payments/'],
  ])('answers %s %s, a route the API does not have, with 404 problem+json', async (method, path) => {
    const response = await server.request(method, path);

    expectProblem(response, 404);
    expect(fn.calls).toHaveLength(0);
  });

  it('delivers a REST API proxy event: resource, decoded path parameter, headers as sent, query, the authorizer\'s tenant', async () => {
    await server.request('GET', '/payments/pay%20one%2Fx?expand=charge&expand=customer&v=1', {
      tenant: 'tenant-42',
      headers: { 'X-Custom-Header': 'Value' },
    });

    const { event } = fn.calls[0]!;
    expect(event).toMatchObject({
      resource: '/payments/{id}',
      path: '/payments/pay%20one%2Fx',
      httpMethod: 'GET',
      pathParameters: { id: 'pay one/x' },
      queryStringParameters: { expand: 'customer', v: '1' },
      multiValueQueryStringParameters: { expand: ['charge', 'customer'], v: ['1'] },
      body: null,
      isBase64Encoded: false,
      requestContext: expect.objectContaining({
        resourcePath: '/payments/{id}',
        httpMethod: 'GET',
        stage: 'local',
        requestId: expect.any(String),
        authorizer: { tenant: 'tenant-42', keyId: testKeyId('tenant-42'), principalId: 'tenant-42', integrationLatency: 0 },
        identity: expect.objectContaining({ apiKeyId: null, sourceIp: '127.0.0.1' }),
      }),
    });
    expect(event.headers['X-Custom-Header']).toBe('Value');
    expect(event.multiValueHeaders['X-Custom-Header']).toEqual(['Value']);
    // Passed on as API Gateway passes it; the function never reads it.
    expect(event.headers.Authorization).toMatch(/^Bearer sk_test_/);
  });

  it('delivers the POST body as the exact string sent, and no path parameters', async () => {
    const body = '{ "amount": 1000,\n "currency": "usd" }';
    await server.request('POST', '/payments', { idempotencyKey: 'order-1', body, headers: { 'Content-Type': 'application/json' } });

    const { event } = fn.calls[0]!;
    expect(event).toMatchObject({ resource: '/payments', path: '/payments', httpMethod: 'POST', body, pathParameters: null });
    expect(event.queryStringParameters).toBeNull();
    expect(event.headers['Idempotency-Key']).toBe('order-1');
  });

  it('gives the function a context whose remaining time counts down from the function timeout', async () => {
    await server.request('GET', '/payments/pay_1');

    const { context, remainingMs } = fn.calls[0]!;
    expect(remainingMs).toBeGreaterThan(800);
    expect(remainingMs).toBeLessThanOrEqual(1_000);
    expect(context.functionName).toBe('payments');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 100));
    expect(context.getRemainingTimeInMillis()).toBeLessThan(remainingMs);
  });

  it('writes the proxy result: status, headers merged with multiValueHeaders, base64 body decoded', async () => {
    fn.answerWith(async () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'Idempotency-Key': 'k' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: Buffer.from('héllo').toString('base64'),
      isBase64Encoded: true,
    }));

    const response = await server.request('POST', '/payments', { body: '{}' });

    expect(response.status).toBe(201);
    expect(response.text).toBe('héllo');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('idempotency-key')).toBe('k');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('answers 502 problem+json, without the stack, when the function throws', async () => {
    fn.answerWith(async () => {
      throw new Error('secret table name in message');
    });

    const response = await server.request('GET', '/payments/pay_1');

    expectProblem(response, 502);
    expect(response.text).not.toMatch(/secret/);
    expect(server.logs.join('\n')).toMatch(/unhandled error: Error: secret table name in message\n\s+at /);
  });

  it('answers 502 problem+json when the function returns something that is not a proxy result', async () => {
    fn.answerWith(async () => ({ status: 200, body: { not: 'a string' } }));

    expectProblem(await server.request('GET', '/payments/pay_1'), 502);
  });

  it('answers 502 problem+json when the function outlives its timeout, and survives its late failure', async () => {
    let failLate!: (error: Error) => void;
    fn.answerWith(() => new Promise((_resolve, reject) => (failLate = reject)));

    const startedEpochMs = Date.now();
    const response = await server.request('POST', '/payments', { body: '{}' });

    expectProblem(response, 502);
    expect(response.json.detail).toMatch(/timed out/);
    expect(Date.now() - startedEpochMs).toBeGreaterThanOrEqual(950);
    failLate(new Error('late write rejected'));
    await new Promise((r) => setTimeout(r, 50));
    expect(server.logs.join('\n')).toMatch(/late unhandled error: Error: late write rejected/);
    fn.answerWith(async () => ({ statusCode: 200, body: '{}' }));
    expect((await server.request('GET', '/payments/pay_2')).status).toBe(200);
  });

  it('refuses a body over 10 MB with 413 problem+json without calling the function', async () => {
    const response = await server.request('POST', '/payments', { body: 'x'.repeat(10 * 1024 * 1024 + 1) });

    expectProblem(response, 413);
    expect(fn.calls).toHaveLength(0);
  });

  it('refuses an oversized body sent in chunks, without a Content-Length', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(120);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 11) controller.enqueue(chunk);
        else controller.close();
      },
    });

    const authorization = await server.keys.authorization('tenant-a');
    const response = await fetch(`${server.url}/payments`, { method: 'POST', headers: { Authorization: authorization }, body, duplex: 'half' } as RequestInit);

    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(fn.calls).toHaveLength(0);
  });
});
