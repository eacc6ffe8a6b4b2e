import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** A valid payment body, as a client sends it. */
export const PAYMENT = { amount: 1999, currency: 'usd', source: 'tok_visa', customer: 'cus_bench', description: 'bench order' } as const;

/** POST /payments as API Gateway's REST API proxy integration delivers it, for a method that requires an API key. */
export function postPaymentEvent(key: string | undefined, body: unknown = PAYMENT, tenant = 'tenant-bench'): APIGatewayProxyEvent {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'x-api-key': 'bench-key' };
  if (key !== undefined) headers['Idempotency-Key'] = key;
  return {
    httpMethod: 'POST',
    resource: '/payments',
    path: '/payments',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { identity: { apiKeyId: tenant } } as APIGatewayProxyEvent['requestContext'],
  } as APIGatewayProxyEvent;
}

/** A Lambda context with 10 s left, as a 10 s function sees it when it starts. */
export function lambdaContext(remainingMs = 10_000): Context {
  return { getRemainingTimeInMillis: () => remainingMs, awsRequestId: randomUUID(), functionName: 'payments' } as unknown as Context;
}
