import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createVariant } from '../variants';
import type { VariantName } from '../variants/types';
import { lambdaContext, PAYMENT, postPaymentEvent } from './events';
import { round } from './stats';

export interface OverheadRow {
  variant: VariantName;
  /** Handler time per first execution with every DynamoDB request answered in-process at once, in µs. */
  microsPerRequest: number;
  requests: number;
}

/**
 * The handlers' own CPU cost per first execution, DynamoDB taken out: a middleware answers every
 * request with an empty success before it is serialized (every write "succeeds"). Sequential, so
 * the figure is the time one request keeps the event loop busy.
 */
export async function measureHandlerOverhead(variantNames: readonly VariantName[], requests: number): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  const handlers = await Promise.all(
    variantNames.map(async (name) => {
      // Nothing reaches the endpoint: every request is answered before it is sent.
      const variant = await createVariant(name, 'http://127.0.0.1:9', `overhead-${name}`, { createTable: false });
      answerEverythingInProcess(variant.client);
      return { name, handler: variant.newInstance() };
    }),
  );
  for (const { handler } of handlers) for (let i = 0; i < 200; i++) await handler(postPaymentEvent(`warm-${i}`, PAYMENT), lambdaContext());
  const micros = new Map<VariantName, number>();
  for (let round = 0; round < 3; round++) {
    for (const { name, handler } of handlers) {
      const startedMs = performance.now();
      for (let i = 0; i < requests; i++) await handler(postPaymentEvent(`o-${round}-${i}`, PAYMENT), lambdaContext());
      micros.set(name, (micros.get(name) ?? 0) + (performance.now() - startedMs) * 1000);
    }
  }
  for (const { name } of handlers) rows.push({ variant: name, microsPerRequest: round(micros.get(name)! / (3 * requests), 1), requests: 3 * requests });
  return rows;
}

function answerEverythingInProcess(client: DynamoDBClient): void {
  client.middlewareStack.add(() => async () => ({ output: { $metadata: {} }, response: {} }), { step: 'initialize', priority: 'low', name: 'benchAnswerInProcess' });
}
