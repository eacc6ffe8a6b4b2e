import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** A valid payment body, as a client sends it. */
export const PAYMENT = { amount: 1999, currency: 'usd', source: 'tok_visa', customer: 'cus_bench', description: 'bench order' } as const;

/** Shaped like a secret key, known to no key store: the function never reads it, but it is part of every event's size. */
const BENCH_AUTHORIZATION = `Bearer sk_test_${'bench0000000000'.padEnd(48, '0')}`;

/** POST /payments as API Gateway's REST API proxy integration delivers it, once the REQUEST authorizer has verified the key. */
export function postPaymentEvent(key: string | undefined, body: unknown = PAYMENT, tenant = 'tenant-bench'): APIGatewayProxyEvent {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Authorization: BENCH_AUTHORIZATION };
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
    // As API Gateway passes the authorizer's result on: its context, principal and latency.
    requestContext: { authorizer: { tenant, keyId: 'key_bench00000000000', principalId: tenant, integrationLatency: 0 } } as unknown as APIGatewayProxyEvent['requestContext'],
  } as APIGatewayProxyEvent;
}

/** A Lambda context with 10 s left, as a 10 s function sees it when it starts. */
export function lambdaContext(remainingMs = 10_000): Context {
  return { getRemainingTimeInMillis: () => remainingMs, awsRequestId: randomUUID(), functionName: 'payments' } as unknown as Context;
}
