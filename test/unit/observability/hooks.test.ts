import type { Context } from 'aws-lambda';
import { combineHooks, type IdempotencyEvent, notifyHooks } from '../../../lambda/idempotency/hooks';

const event = (outcome: IdempotencyEvent['outcome']): IdempotencyEvent => ({
  outcome,
  tenant: 't',
  key: 'k',
  statusCode: 201,
  durationsMs: {},
  context: {} as Context,
});

test('onOutcome sees every event and each per-outcome hook its own', () => {
  const calls: string[] = [];
  const hooks = {
    onOutcome: (e: IdempotencyEvent) => calls.push(`outcome:${e.outcome}`),
    onReplay: () => calls.push('replay'),
    onTakeover: () => calls.push('takeover'),
    onLeaseLost: () => calls.push('lease lost'),
  };
  for (const outcome of ['replayed', 'takeover', 'lease_lost', 'executed'] as const) notifyHooks(hooks, event(outcome));
  expect(calls).toEqual(['outcome:replayed', 'replay', 'outcome:takeover', 'takeover', 'outcome:lease_lost', 'lease lost', 'outcome:executed']);
});

test('a hook that throws, or rejects, is logged and never reaches the request', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
  const after = jest.fn();
  expect(() =>
    notifyHooks(
      {
        onOutcome: () => {
          throw new Error('telemetry down');
        },
        onExecuted: async () => Promise.reject(new Error('async telemetry down')),
      },
      event('executed'),
    ),
  ).not.toThrow();
  notifyHooks({ onOutcome: after }, event('executed'));
  await new Promise((resolve) => setImmediate(resolve));
  expect(after).toHaveBeenCalled();
  expect(warn.mock.calls.map(([line]) => JSON.parse(line as string))).toEqual([
    { level: 'warn', message: 'idempotency hook failed', hook: 'onOutcome', error: 'Error' },
    { level: 'warn', message: 'idempotency hook failed', hook: 'onExecuted', error: 'Error' },
  ]);
  warn.mockRestore();
});

test('combined hooks call each set in turn, per-outcome hooks included', () => {
  const first = { onOutcome: jest.fn(), onConflict: jest.fn() };
  const second = { onConflict: jest.fn() };
  notifyHooks(combineHooks(first, undefined, second), event('conflict'));
  expect([first.onOutcome, first.onConflict, second.onConflict].map((f) => f.mock.calls.length)).toEqual([1, 1, 1]);
});
