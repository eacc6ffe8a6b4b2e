import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { lambdaContext, PAYMENT, postPaymentEvent } from '../../../bench/load/events';
import { createVariant, type ProxyHandler, type Variant } from '../../../bench/variants';

// The benchmark compares like with like only if the variants answer alike: these pin that down.
describe('benchmark variants', () => {
  let powertools: Variant;
  let ours: Variant;
  beforeAll(async () => {
    const endpoint = process.env.DYNAMODB_ENDPOINT!;
    [powertools, ours] = await Promise.all([
      createVariant('powertools', endpoint, `bench-pt-${randomUUID()}`, { processorLatencyMs: 300 }),
      createVariant('ours', endpoint, `bench-ours-${randomUUID()}`, { processorLatencyMs: 300 }),
    ]);
  });
  afterAll(() => [powertools, ours].forEach((v) => v.client.destroy()));

  const send = (handler: ProxyHandler, key: string | undefined, body: unknown = PAYMENT) => handler(postPaymentEvent(key, body), lambdaContext());
  /** The answer with the ids that differ per execution blanked out. */
  const shape = (r: APIGatewayProxyResult) => ({
    status: r.statusCode,
    headers: Object.keys(r.headers ?? {}).sort(),
    body: r.body.replace(/pay_[0-9a-f]{32}/g, 'pay_*').replace(/ch_[0-9a-f]{24}/g, 'ch_*').replace(/"created":\d+/, '"created":*'),
  });

  test('Powertools and ours give the same answers on every path, Powertools with one more DynamoDB request on a first execution', async () => {
    const answers = async (variant: Variant) => {
      const container = variant.newInstance();
      variant.meter.reset();
      const first = await send(container, 'k-1');
      const firstCounts = variant.meter.snapshot().counts;
      const replay = await send(variant.newInstance(), 'k-1');
      const mismatch = await send(variant.newInstance(), 'k-1', { ...PAYMENT, amount: 5 });
      const invalid = await send(container, 'k-2', { ...PAYMENT, amount: 0 });
      const missingKey = await send(container, undefined);
      const held = send(container, 'k-3');
      await new Promise((r) => setTimeout(r, 150));
      const conflict = await send(variant.newInstance(), 'k-3');
      await held;
      return { firstCounts, answers: [first, replay, mismatch, invalid, missingKey, conflict].map(shape) };
    };
    const [pt, our] = [await answers(powertools), await answers(ours)];
    expect(pt.answers.map((a) => a.status)).toEqual([201, 201, 422, 400, 400, 409]);
    expect(pt.answers).toEqual(our.answers.map((a, i) => (i === 5 ? { ...a, body: expect.any(String) } : a)));
    expect(pt.firstCounts).toEqual({ PutItem: 3, UpdateItem: 1 });
    expect(our.firstCounts).toEqual({ PutItem: 2, UpdateItem: 1 });
  });
});
