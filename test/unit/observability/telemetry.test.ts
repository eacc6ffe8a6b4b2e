import type { Context } from 'aws-lambda';
import { createTelemetry } from '../../../lambda/observability';

const context = { awsRequestId: 'r-1' } as Context;

test('a sink that throws never changes the answer or the error', async () => {
  const telemetry = createTelemetry({
    service: 'payments',
    log: () => {
      throw new Error('stdout closed');
    },
  });
  const answer = { statusCode: 201, headers: {}, body: '{}' };
  await expect(telemetry.wrapHandler(async () => answer)({}, context)).resolves.toBe(answer);
  const failure = new Error('boom');
  await expect(
    telemetry.wrapHandler(async () => {
      throw failure;
    })({}, context),
  ).rejects.toBe(failure);
});

test('a handler that is not async still gets its line', async () => {
  const lines: string[] = [];
  const telemetry = createTelemetry({ service: 'payments', log: (line) => lines.push(line) });
  const syncHandler = ((_event: unknown) => ({ statusCode: 204 })) as unknown as (event: unknown, context: Context) => Promise<{ statusCode: number }>;
  await expect(telemetry.wrapHandler(syncHandler)({}, context)).resolves.toEqual({ statusCode: 204 });
  expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: 'r-1', outcome: 'served', status: 204, coldStart: true });
});

test('each wrapped invocation without a request id still gets one of its own', async () => {
  const lines: string[] = [];
  const telemetry = createTelemetry({ service: 'payments', log: (line) => lines.push(line) });
  const handler = telemetry.wrapHandler(async () => ({ statusCode: 200 }));
  await handler({}, {} as Context);
  await handler({}, {} as Context);
  const ids = lines.map((line) => JSON.parse(line).requestId);
  expect(new Set(ids).size).toBe(2);
  expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
});
