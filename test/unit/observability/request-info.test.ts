import { describeRequest } from '../../../lambda/observability/request-info';

describe('what the log line takes from an event', () => {
  test('a REST API proxy event: method, route template, tenant, API request id and a valid key; no header, path or body', () => {
    const info = describeRequest({
      httpMethod: 'post',
      resource: '/payments/{id}',
      path: '/payments/tok_visa',
      headers: { authorization: 'Bearer sk_live_abc', 'IDEMPOTENCY-KEY': '"order-1"' },
      body: '{"source":"tok_visa"}',
      requestContext: { requestId: 'api-1', authorizer: { tenant: 'acme', keyId: 'key_0123456789abcdef' } },
    });
    expect(info).toEqual({ method: 'POST', route: '/payments/{id}', tenant: 'acme', apiRequestId: 'api-1', idempotencyKey: 'order-1' });
  });

  test('only the authorizer names the tenant: an API key id is no tenant', () => {
    expect(describeRequest({ httpMethod: 'GET', requestContext: { authorizer: { tenant: 'acme' }, identity: { apiKeyId: 'key-1' } } }).tenant).toBe('acme');
    expect(describeRequest({ httpMethod: 'GET', requestContext: { identity: { apiKeyId: 'key-1' } } }).tenant).toBeUndefined();
  });

  test('an HTTP API (v2) event', () => {
    expect(describeRequest({ routeKey: 'POST /payments', requestContext: { http: { method: 'POST' }, requestId: 'r' }, headers: {} })).toMatchObject({
      method: 'POST',
      route: 'POST /payments',
    });
  });

  test('a direct payload: its operation as the route, its tenant and key', () => {
    expect(describeRequest({ operation: 'createPayment', tenant: 't', idempotencyKey: 'k', payment: { source: 'tok_visa' } })).toEqual({
      route: 'createPayment',
      tenant: 't',
      idempotencyKey: 'k',
    });
    expect(describeRequest({ operation: 'dropTables', tenant: 't' }).route).toBe('invalid_payload');
  });

  test('an invalid key, an odd route or method, or an oversized tenant is left out rather than logged', () => {
    const info = describeRequest({
      httpMethod: 'P0ST<script>',
      resource: '/payments\n{"forged":true}',
      headers: { 'idempotency-key': 'x'.repeat(300) },
      requestContext: { authorizer: { tenant: 't'.repeat(300) } },
    });
    expect(info).toEqual({});
  });

  test.each([null, undefined, 42, 'text', [], { httpMethod: 7 }, { requestContext: 'x', httpMethod: 'GET', headers: 'h' }])('never throws on a malformed event (%p)', (event) => {
    expect(() => describeRequest(event)).not.toThrow();
  });
});
