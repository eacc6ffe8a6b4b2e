import middy from '@middy/core';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import { HttpError, type HttpRequest, type HttpResponse, IdempotencyProblems, jsonResponse, SERVER_ERROR_DETAIL } from '../../../lambda/idempotency/http';
import { eventResultFor, httpEventKind, httpEvents, toEventResult, toHttpRequest } from '../../../lambda/idempotency/http-events';

// Events in the shapes the AWS documentation shows (REST API proxy input, HTTP API payload 2.0,
// Function URL request payload, ALB target group event with and without multi-value headers).

const restEvent = (overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent => ({
  resource: '/payments/{id}',
  path: '/payments/pay_123',
  httpMethod: 'post',
  headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'key-1', Accept: 'application/json' },
  multiValueHeaders: { 'Content-Type': ['application/json'], 'Idempotency-Key': ['key-1'], Accept: ['text/html', 'application/json'] },
  queryStringParameters: { expand: 'charges', limit: '10' },
  multiValueQueryStringParameters: { expand: ['customer', 'charges'], limit: ['10'] },
  pathParameters: { id: 'pay_123' },
  stageVariables: null,
  requestContext: {
    accountId: '123456789012',
    apiId: '1234567890',
    authorizer: { tenant: 'tenant_a' },
    protocol: 'HTTP/1.1',
    httpMethod: 'POST',
    identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
    path: '/prod/payments/pay_123',
    stage: 'prod',
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    requestTimeEpoch: 1428582896000,
    resourceId: '123456',
    resourcePath: '/payments/{id}',
  },
  body: '{"amount":100}',
  isBase64Encoded: false,
  ...overrides,
});

const httpApiEvent = (overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'POST /payments',
  rawPath: '/payments',
  rawQueryString: 'expand=customer&expand=charges&note=a%2Cb&q=caf%C3%A9+au+lait',
  cookies: ['session=abc', 'theme=dark'],
  headers: { 'content-type': 'application/json', 'idempotency-key': 'key-1', accept: 'text/html,application/json' },
  queryStringParameters: { expand: 'customer,charges', note: 'a,b', q: 'café au lait' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'api-id',
    domainName: 'id.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'id',
    http: { method: 'POST', path: '/payments', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'agent' },
    requestId: 'id',
    routeKey: 'POST /payments',
    stage: '$default',
    time: '12/Mar/2020:19:03:58 +0000',
    timeEpoch: 1583348638390,
  },
  body: '{"amount":100}',
  pathParameters: { id: 'pay_123' },
  isBase64Encoded: false,
  ...overrides,
});

/** A Function URL sends the 2.0 payload; its domain and `routeKey` differ. */
const functionUrlEvent = (): APIGatewayProxyEventV2 => {
  const event = httpApiEvent({ routeKey: '$default', pathParameters: undefined });
  return { ...event, requestContext: { ...event.requestContext, domainName: 'abc.lambda-url.us-east-1.on.aws', routeKey: '$default' } };
};

const albEvent = (overrides: Partial<ALBEvent> = {}): ALBEvent => ({
  requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/lambda/6d0ecf831eec9f09' } },
  httpMethod: 'POST',
  path: '/payments',
  queryStringParameters: { q: 'caf%C3%A9%20au+lait', 'next%5Fpage': 'a%26b' },
  headers: { 'content-type': 'application/json', 'idempotency-key': 'key-1', host: 'lambda-846800462-us-east-2.elb.amazonaws.com' },
  body: '{"amount":100}',
  isBase64Encoded: false,
  ...overrides,
});

/** The same request from a target group with multi-value headers on: only the multi-value maps. */
const albMultiEvent = (overrides: Partial<ALBEvent> = {}): ALBEvent => {
  const { queryStringParameters: _q, headers: _h, ...event } = albEvent();
  return {
    ...event,
    multiValueQueryStringParameters: { tag: ['a%2Fb', 'c'] },
    multiValueHeaders: { 'content-type': ['application/json'], 'idempotency-key': ['key-1'], cookie: ['a=1', 'b=2'] },
    ...overrides,
  };
};

const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const context = {} as Context;

function thrown(action: () => unknown): HttpError {
  try {
    action();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('httpEventKind', () => {
  it('tells REST API, HTTP API, Function URL and ALB events apart', () => {
    expect(httpEventKind(restEvent())).toBe('rest');
    expect(httpEventKind(httpApiEvent())).toBe('http');
    expect(httpEventKind(functionUrlEvent())).toBe('http');
    expect(httpEventKind(albEvent())).toBe('alb');
    expect(httpEventKind(albMultiEvent())).toBe('alb');
  });

  it('takes an HTTP API 1.0 payload for the REST API proxy shape it is', () => {
    expect(httpEventKind({ ...restEvent(), version: '1.0' })).toBe('rest');
  });

  it('knows no other event', () => {
    const sqs: SQSEvent = { Records: [] };
    expect(httpEventKind(sqs)).toBeUndefined();
    expect(httpEventKind({ operation: 'createPayment', tenant: 't' })).toBeUndefined();
    expect(httpEventKind({ httpMethod: 'GET' })).toBeUndefined(); // no requestContext
    expect(httpEventKind({ version: '2.0', requestContext: {} })).toBeUndefined();
    expect(httpEventKind(null)).toBeUndefined();
    expect(httpEventKind('GET /')).toBeUndefined();
  });
});

describe('toHttpRequest from a REST API event', () => {
  it('upper-cases the method, lower-cases header names and joins repeated headers', () => {
    const { kind, request } = toHttpRequest(restEvent());
    expect(kind).toBe('rest');
    expect(request).toEqual({
      method: 'POST',
      path: '/payments/pay_123',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'key-1', accept: 'text/html, application/json' },
      pathParameters: { id: 'pay_123' },
      query: { expand: ['customer', 'charges'], limit: ['10'] },
      body: '{"amount":100}',
      tenant: '',
    });
  });

  it('reads the tenant with the given function', () => {
    const { request } = toHttpRequest(restEvent(), { tenant: (event) => String((event as APIGatewayProxyEvent).requestContext.authorizer?.tenant) });
    expect(request.tenant).toBe('tenant_a');
  });

  it('refuses two different Idempotency-Key values, whatever the case of their names', () => {
    const event = restEvent({ multiValueHeaders: { 'Idempotency-Key': ['key-1'], 'idempotency-key': ['key-2'] } });
    const error = thrown(() => toHttpRequest(event));
    expect([error.status, error.code, error.detail]).toEqual([400, 'idempotency_key_invalid', 'Send exactly one Idempotency-Key header.']);
  });

  it('refuses two different values under one name', () => {
    const error = thrown(() => toHttpRequest(restEvent({ multiValueHeaders: { 'Idempotency-Key': ['key-1', 'key-2'] } })));
    expect(error.code).toBe('idempotency_key_invalid');
  });

  it('refuses a single-value map that disagrees with the multi-value one', () => {
    const event = restEvent({ headers: { 'Idempotency-Key': 'key-2' }, multiValueHeaders: { 'Idempotency-Key': ['key-1'] } });
    expect(thrown(() => toHttpRequest(event)).code).toBe('idempotency_key_invalid');
  });

  it('accepts the same key sent twice as that one key', () => {
    const event = restEvent({ multiValueHeaders: { 'Idempotency-Key': ['key-1'], 'IDEMPOTENCY-KEY': ['key-1', 'key-1'] } });
    expect(toHttpRequest(event).request.headers['idempotency-key']).toBe('key-1');
  });

  it('uses the single-value maps when there are no multi-value ones', () => {
    const { request } = toHttpRequest(restEvent({ multiValueHeaders: {}, multiValueQueryStringParameters: null }));
    expect(request.headers.accept).toBe('application/json');
    expect(request.query).toEqual({ expand: ['charges'], limit: ['10'] });
  });

  it('decodes a base64 body as UTF-8', () => {
    const { request } = toHttpRequest(restEvent({ body: base64('{"note":"café ☕"}'), isBase64Encoded: true }));
    expect(request.body).toBe('{"note":"café ☕"}');
  });

  it.each([
    ['unpadded base64', 'eyJhbW91bnQiOjEwMH0'],
    ['characters outside base64', 'eyJhbW91bnQiOjEwMH0=!!'],
    ['base64url', base64('{"a":"??>"}').replace(/\+/g, '-').replace(/\//g, '_')],
  ])('refuses %s with a 400', (_name, body) => {
    const error = thrown(() => toHttpRequest(restEvent({ body, isBase64Encoded: true })));
    expect([error.status, error.code, error.detail]).toEqual([400, 'invalid_body_encoding', 'The body is flagged as base64 but is not valid base64.']);
  });

  it('refuses base64 of bytes that are not UTF-8, rather than replacing them', () => {
    const error = thrown(() => toHttpRequest(restEvent({ body: base64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), isBase64Encoded: true })));
    expect([error.status, error.code, error.detail]).toEqual([400, 'invalid_body_encoding', 'The body is not valid UTF-8.']);
  });

  it('keeps a null body null', () => {
    expect(toHttpRequest(restEvent({ body: null })).request.body).toBeNull();
  });

  it('refuses what is no HTTP event', () => {
    expect(() => toHttpRequest({ Records: [] })).toThrow(TypeError);
  });
});

describe('toHttpRequest from an HTTP API or Function URL event', () => {
  it('reads method, rawPath, cookies and path parameters', () => {
    const { kind, request } = toHttpRequest(httpApiEvent());
    expect(kind).toBe('http');
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/payments');
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'idempotency-key': 'key-1',
      accept: 'text/html,application/json',
      cookie: 'session=abc; theme=dark',
    });
    expect(request.pathParameters).toEqual({ id: 'pay_123' });
  });

  it('splits rawQueryString, which keeps `a=1&a=2` apart from `a=1,2`', () => {
    expect(toHttpRequest(httpApiEvent()).request.query).toEqual({ expand: ['customer', 'charges'], note: ['a,b'], q: ['café au lait'] });
  });

  it('falls back to queryStringParameters without a rawQueryString', () => {
    const { rawQueryString: _raw, ...event } = httpApiEvent();
    expect(toHttpRequest(event).request.query).toEqual({ expand: ['customer,charges'], note: ['a,b'], q: ['café au lait'] });
  });

  it('falls back to requestContext.http.path without a rawPath', () => {
    const { rawPath: _raw, ...event } = httpApiEvent();
    expect(toHttpRequest({ ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, path: '/other' } } }).request.path).toBe('/other');
  });

  it('leaves a comma-joined Idempotency-Key to the key parser: 2.0 cannot tell two headers from one key with a comma', () => {
    expect(toHttpRequest(httpApiEvent({ headers: { 'idempotency-key': 'key-1,key-2' } })).request.headers['idempotency-key']).toBe('key-1,key-2');
  });

  it('refuses two different Idempotency-Key values under names of different case', () => {
    const event = httpApiEvent({ headers: { 'idempotency-key': 'key-1', 'Idempotency-Key': 'key-2' } });
    expect(thrown(() => toHttpRequest(event)).code).toBe('idempotency_key_invalid');
  });

  it('decodes a base64 body and refuses a bad one', () => {
    expect(toHttpRequest(httpApiEvent({ body: base64('{"amount":5}'), isBase64Encoded: true })).request.body).toBe('{"amount":5}');
    expect(thrown(() => toHttpRequest(httpApiEvent({ body: '%%%', isBase64Encoded: true }))).code).toBe('invalid_body_encoding');
  });

  it('reads a Function URL event the same way, with no path parameters', () => {
    const { kind, request } = toHttpRequest(functionUrlEvent());
    expect(kind).toBe('http');
    expect(request.pathParameters).toEqual({});
    expect(request.query).toEqual(toHttpRequest(httpApiEvent()).request.query);
  });

  it('sends no cookie header when there are no cookies', () => {
    expect(toHttpRequest(httpApiEvent({ cookies: undefined })).request.headers.cookie).toBeUndefined();
  });
});

describe('toHttpRequest from an ALB event', () => {
  it('decodes the percent-encoded query ALB passes through', () => {
    const { kind, request } = toHttpRequest(albEvent());
    expect(kind).toBe('alb');
    expect(request.query).toEqual({ q: ['café au lait'], next_page: ['a&b'] });
    expect(request.pathParameters).toEqual({});
    expect([request.method, request.path]).toEqual(['POST', '/payments']);
  });

  it('keeps a malformed escape as sent', () => {
    expect(toHttpRequest(albEvent({ queryStringParameters: { q: '100%' } })).request.query).toEqual({ q: ['100%'] });
  });

  it('joins multi-value headers and decodes multi-value query parameters', () => {
    const { request } = toHttpRequest(albMultiEvent());
    expect(request.headers).toEqual({ 'content-type': 'application/json', 'idempotency-key': 'key-1', cookie: 'a=1, b=2' });
    expect(request.query).toEqual({ tag: ['a/b', 'c'] });
  });

  it('refuses two different Idempotency-Key values in the multi-value map', () => {
    const event = albMultiEvent({ multiValueHeaders: { 'idempotency-key': ['key-1', 'key-2'] } });
    expect(thrown(() => toHttpRequest(event)).status).toBe(400);
  });

  it('accepts the same key twice', () => {
    const event = albMultiEvent({ multiValueHeaders: { 'idempotency-key': ['key-1', 'key-1'] } });
    expect(toHttpRequest(event).request.headers['idempotency-key']).toBe('key-1');
  });

  it('refuses a body flagged as base64 that is not UTF-8', () => {
    const error = thrown(() => toHttpRequest(albEvent({ body: base64(Buffer.from([0xc3])), isBase64Encoded: true })));
    expect(error.detail).toBe('The body is not valid UTF-8.');
  });
});

describe('names that are members of Object.prototype', () => {
  test('query parameters named constructor, __proto__ or toString are parameters like any other, through every door', () => {
    // Entries, not an object literal: `{ __proto__: … }` in source would set a prototype.
    const expected = [['constructor', ['1']], ['__proto__', ['2']], ['toString', ['3']]];
    const v2 = toHttpRequest(httpApiEvent({ rawQueryString: 'constructor=1&__proto__=2&toString=3' })).request.query!;
    expect(Object.entries(v2)).toEqual(expected);
    const alb = toHttpRequest(albEvent({ queryStringParameters: JSON.parse('{"constructor":"1","__proto__":"2","to%53tring":"3"}') })).request.query!;
    expect(Object.entries(alb)).toEqual(expected);
    expect(Object.getPrototypeOf(alb)).toBe(Object.prototype);
  });

  test('a header named constructor or __proto__ is kept as sent, and the same key twice in the one map is that key', () => {
    const headers = JSON.parse('{"constructor":"c","__proto__":"p","Idempotency-Key":"k","idempotency-key":"k"}');
    const request = toHttpRequest(httpApiEvent({ headers })).request;
    expect(Object.entries(request.headers)).toEqual(expect.arrayContaining([['constructor', 'c'], ['__proto__', 'p'], ['idempotency-key', 'k']]));
    expect(Object.getPrototypeOf(request.headers)).toBe(Object.prototype);
  });
});

describe('toEventResult', () => {
  const response: HttpResponse = {
    statusCode: 201,
    headers: { 'Content-Type': 'application/json', 'Set-Cookie': 'session=abc; Expires=Thu, 01 Jan 2026 00:00:00 GMT; Secure' },
    body: '{"id":"pay_1"}',
  };

  it('answers a REST API event with statusCode, headers and body', () => {
    expect(toEventResult('rest', response)).toEqual({ statusCode: 201, headers: response.headers, body: '{"id":"pay_1"}' });
  });

  it('moves Set-Cookie headers of an HTTP API answer into cookies, one entry each', () => {
    const withTwo = { ...response, headers: { ...response.headers, 'set-cookie': 'theme=dark' } };
    expect(toEventResult('http', withTwo)).toEqual({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json' },
      body: '{"id":"pay_1"}',
      cookies: ['session=abc; Expires=Thu, 01 Jan 2026 00:00:00 GMT; Secure', 'theme=dark'],
    });
  });

  it('adds no cookies to an HTTP API answer without Set-Cookie', () => {
    expect(toEventResult('http', jsonResponse(200, {}))).not.toHaveProperty('cookies');
  });

  it('answers an ALB event with a status line, the base64 flag and single-value headers', () => {
    expect(toEventResult('alb', response, albEvent())).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      isBase64Encoded: false,
      headers: response.headers,
      body: '{"id":"pay_1"}',
    });
  });

  it('answers an ALB event that carried multi-value headers with multi-value headers only', () => {
    const result = toEventResult('alb', response, albMultiEvent());
    expect(result.multiValueHeaders).toEqual({ 'Content-Type': ['application/json'], 'Set-Cookie': [response.headers['Set-Cookie']] });
    expect(result).not.toHaveProperty('headers');
  });

  it('gives a status without a known reason phrase the bare number', () => {
    expect(toEventResult('alb', { statusCode: 418, headers: {}, body: '' }).statusDescription).toBe('418');
    expect(toEventResult('alb', { statusCode: 422, headers: {}, body: '' }).statusDescription).toBe('422 Unprocessable Content');
  });
});

describe('httpEvents middleware', () => {
  const log = jest.fn();
  beforeEach(() => log.mockClear());

  /** The raw event goes in where middy's types expect the HttpRequest httpEvents makes of it. */
  function invoke(handler: (request: HttpRequest) => Promise<HttpResponse>, event: unknown, inner?: middy.MiddlewareObj<HttpRequest, HttpResponse>) {
    const chain = middy<HttpRequest, unknown>().use(httpEvents({ log, tenant: () => 'tenant_a' }));
    if (inner) chain.use(inner);
    return chain.handler((request) => handler(request))(event as HttpRequest, context);
  }

  it('hands the handler an HttpRequest and answers a REST API event in its shape', async () => {
    let seen: HttpRequest | undefined;
    const result = await invoke(async (request) => {
      seen = request;
      return jsonResponse(201, { id: 'pay_1' });
    }, restEvent());
    expect(seen).toMatchObject({ method: 'POST', path: '/payments/pay_123', tenant: 'tenant_a', headers: { 'idempotency-key': 'key-1' } });
    expect(result).toEqual({ statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: '{"id":"pay_1"}' });
  });

  it('answers an HTTP API event with its cookies', async () => {
    const result = await invoke(async () => jsonResponse(200, {}, { 'Set-Cookie': 'seen=1' }), httpApiEvent());
    expect(result).toEqual({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{}', cookies: ['seen=1'] });
  });

  it('round-trips an ALB event with multi-value headers', async () => {
    const result = await invoke(async (request) => jsonResponse(200, { cookie: request.headers.cookie }), albMultiEvent());
    expect(result).toEqual({
      statusCode: 200,
      statusDescription: '200 OK',
      isBase64Encoded: false,
      multiValueHeaders: { 'Content-Type': ['application/json'] },
      body: '{"cookie":"a=1, b=2"}',
    });
  });

  it('answers a thrown HttpError with its problem in the event shape', async () => {
    const result = await invoke(async () => {
      throw new HttpError(IdempotencyProblems.request_in_progress, 'A request with this key is in progress.', { headers: { 'Retry-After': '2' } });
    }, httpApiEvent());
    expect(result).toMatchObject({ statusCode: 409, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '2' } });
    expect(JSON.parse((result as { body: string }).body)).toMatchObject({ code: 'request_in_progress', status: 409, detail: 'A request with this key is in progress.' });
    expect(log).not.toHaveBeenCalled();
  });

  it('answers any other error with a 500 and the generic detail, its message only in the log', async () => {
    const result = (await invoke(async () => {
      throw new Error('ConditionalCheckFailed on table prod-records for tenant_a');
    }, albEvent())) as { statusCode: number; statusDescription: string; body: string };
    expect([result.statusCode, result.statusDescription]).toEqual([500, '500 Internal Server Error']);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'internal_error', detail: SERVER_ERROR_DETAIL });
    expect(result.body).not.toContain('prod-records');
    expect(log).toHaveBeenCalledWith('unexpected error', { error: 'Error: ConditionalCheckFailed on table prod-records for tenant_a' });
  });

  it('answers an event it cannot read with a 400 in the event shape, before the handler runs', async () => {
    const handler = jest.fn(async () => jsonResponse(200, {}));
    const twoKeys = albMultiEvent({ multiValueHeaders: { 'Idempotency-Key': ['key-1'], 'idempotency-key': ['key-2'] } });
    const result = (await invoke(handler, twoKeys)) as { statusCode: number; multiValueHeaders: Record<string, string[]>; body: string };
    expect(result.statusCode).toBe(400);
    expect(result.multiValueHeaders['Content-Type']).toEqual(['application/problem+json']);
    expect(JSON.parse(result.body).code).toBe('idempotency_key_invalid');
    const badBody = (await invoke(handler, restEvent({ body: 'not base64!', isBase64Encoded: true }))) as { statusCode: number; body: string };
    expect([badBody.statusCode, JSON.parse(badBody.body).code]).toEqual([400, 'invalid_body_encoding']);
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers a handler that returns no HttpResponse with a 500', async () => {
    const result = await invoke(async () => 'ok' as unknown as HttpResponse, restEvent());
    expect(result).toMatchObject({ statusCode: 500 });
  });

  it('fails the invocation on an event of no HTTP kind: there is no HTTP answer to give', async () => {
    await expect(invoke(async () => jsonResponse(200, {}), { Records: [] })).rejects.toThrow(TypeError);
  });

  it('runs first and last: middlewares used after it see the HttpRequest and the bare HttpResponse', async () => {
    const seen: unknown[] = [];
    const inner: middy.MiddlewareObj<HttpRequest, HttpResponse> = {
      before: (request) => void seen.push(request.event.method),
      after: (request) => void seen.push(request.response),
    };
    const result = await invoke(async () => jsonResponse(200, { ok: true }), albEvent(), inner);
    expect(seen).toEqual(['POST', jsonResponse(200, { ok: true })]);
    expect(result).toMatchObject({ statusDescription: '200 OK' });
  });

  it('maps an answer an inner onError gives', async () => {
    const inner: middy.MiddlewareObj<HttpRequest, HttpResponse> = {
      onError: (request) => {
        request.response = jsonResponse(503, { retry: true });
      },
    };
    const result = await invoke(async () => Promise.reject(new Error('down')), albMultiEvent(), inner);
    expect(result).toMatchObject({ statusCode: 503, statusDescription: '503 Service Unavailable', multiValueHeaders: { 'Content-Type': ['application/json'] } });
  });

  it('lets an early answer from an inner before take the event shape through eventResultFor', async () => {
    const handler = jest.fn(async () => jsonResponse(201, {}));
    const replay: middy.MiddlewareObj<HttpRequest, HttpResponse> = {
      before: (request) => eventResultFor(request, jsonResponse(201, { replayed: true })) as HttpResponse,
    };
    const result = await invoke(handler, albMultiEvent(), replay);
    expect(result).toEqual({
      statusCode: 201,
      statusDescription: '201 Created',
      isBase64Encoded: false,
      multiValueHeaders: { 'Content-Type': ['application/json'] },
      body: '{"replayed":true}',
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('returns the bare response from eventResultFor when httpEvents is not in the chain', () => {
    const response = jsonResponse(200, {});
    expect(eventResultFor({ internal: {} }, response)).toBe(response);
  });
});
