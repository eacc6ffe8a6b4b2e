import type { Context } from 'aws-lambda';
import { startLocalServer, type LocalServer } from '../helpers/local-server';

const INVOKE = '/2015-03-31/functions/payments/invocations';

describe('local mode: the emulated Lambda Invoke API', () => {
  let server: LocalServer;
  const calls: Array<{ event: unknown; remainingMs: number; context: Context }> = [];
  let answer: (event: unknown) => Promise<unknown>;

  beforeEach(async () => {
    calls.length = 0;
    answer = async (event) => ({ statusCode: 200, headers: {}, body: { echoed: event } });
    server = await startLocalServer({
      label: 'local-invoke',
      functionTimeoutSeconds: 1,
      handler: async (event, context) => {
        calls.push({ event, context, remainingMs: context.getRemainingTimeInMillis() });
        return answer(event);
      },
    });
  });
  afterEach(() => server.close());

  const invoke = (body: string, headers: Record<string, string> = {}, path = INVOKE) =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers });

  it('hands the JSON payload to the function and answers 200 with its result as JSON', async () => {
    const response = await invoke('{"operation":"getPayment","id":"pay_1"}');

    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-executed-version')).toBe('$LATEST');
    expect(response.headers.get('x-amz-function-error')).toBeNull();
    expect(await response.json()).toEqual({ statusCode: 200, headers: {}, body: { echoed: { operation: 'getPayment', id: 'pay_1' } } });
    expect(calls[0]!.context.functionName).toBe('payments');
    expect(calls[0]!.remainingMs).toBeGreaterThan(800);
    expect(calls[0]!.remainingMs).toBeLessThanOrEqual(1_000);
  });

  it('accepts the function named by its ARN', async () => {
    const arn = encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:function:payments');

    const response = await invoke('{}', {}, `/2015-03-31/functions/${arn}/invocations`);

    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it('answers ResourceNotFoundException for any other function', async () => {
    const response = await invoke('{}', {}, '/2015-03-31/functions/refunds/invocations');

    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await response.json()).toEqual({ Type: 'User', Message: expect.stringMatching(/^Function not found: .*refunds$/) });
    expect(calls).toHaveLength(0);
  });

  it('answers InvalidRequestContentException for a payload that is not JSON, without invoking', async () => {
    const response = await invoke('{"operation":');

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(calls).toHaveLength(0);
  });

  it('reports a thrown error as X-Amz-Function-Error: Unhandled with its type and message, no stack', async () => {
    answer = async () => {
      throw new TypeError('boom');
    };

    const response = await invoke('{}');

    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await response.json()).toEqual({ errorType: 'TypeError', errorMessage: 'boom' });
  });

  it('reports a function that outlives its timeout as Sandbox.Timedout', async () => {
    answer = () => new Promise(() => {});

    const response = await invoke('{}');

    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await response.json()).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
  });

  it('validates a DryRun without running the function', async () => {
    const response = await invoke('{}', { 'X-Amz-Invocation-Type': 'DryRun' });

    expect(response.status).toBe(204);
    expect(calls).toHaveLength(0);
  });

  it('hands an empty payload to the function as an empty object', async () => {
    await invoke('');

    expect(calls[0]!.event).toEqual({});
  });
});
