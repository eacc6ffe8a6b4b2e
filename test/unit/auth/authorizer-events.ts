import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

export const API_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5';
export const STAGE_ARN = `${API_ARN}/v1`;

type Route = { method: 'POST' | 'GET'; path: string; resource: string };
export const CREATE: Route = { method: 'POST', path: '/payments', resource: '/payments' };
export const LIST: Route = { method: 'GET', path: '/payments', resource: '/payments' };
export const GET_ONE: Route = { method: 'GET', path: '/payments/pay_0123456789abcdef0123456789abcdef', resource: '/payments/{id}' };

/**
 * A REST API REQUEST authorizer event as API Gateway sends it: headers as the client spelled
 * them, once as a map (the last value of a name wins) and once as lists.
 */
export function authorizerEvent(headers: Array<[string, string]>, route: Route = CREATE): APIGatewayRequestAuthorizerEvent {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of headers) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return {
    type: 'REQUEST',
    methodArn: `${STAGE_ARN}/${route.method}${route.path}`,
    resource: route.resource,
    path: route.path,
    httpMethod: route.method,
    headers: single,
    multiValueHeaders: multi,
    pathParameters: route.resource === '/payments/{id}' ? { id: route.path.split('/')[2]! } : {},
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    stageVariables: {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      httpMethod: route.method,
      path: `/v1${route.path}`,
      protocol: 'HTTP/1.1',
      stage: 'v1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: Date.now(),
      resourceId: 'abc123',
      resourcePath: route.resource,
      identity: { sourceIp: '203.0.113.7', userAgent: 'test', apiKey: null, apiKeyId: null } as never,
      authorizer: undefined,
    } as never,
  };
}

export const bearer = (key: string): Array<[string, string]> => [
  ['Authorization', `Bearer ${key}`],
  ['Idempotency-Key', 'order-1'],
  ['Content-Type', 'application/json'],
];
