import type { PaymentsClient } from '../../client';
import { recordKeyFor } from '../../lambda/idempotency/dynamodb-store';
import { keyDigest } from '../../lambda/idempotency/record-key';
import type { FlakyProxy } from './flaky-proxy';
import type { LocalServer } from './local-server';
import { readTable } from './table-contents';

export interface OnePaymentCheck {
  server: LocalServer;
  client: PaymentsClient;
  proxy?: FlakyProxy;
  tenant: string;
  /** What the client ended with. */
  paymentId: string;
  idempotencyKey: string;
  /** The payment the client returned, when it returned one (a decline throws instead). */
  returned?: unknown;
}

/**
 * The invariant every flaky-network case ends on: the client holds exactly one payment, the very
 * one the server stored; the table holds one idempotency record (under the client's key), one
 * payment and one charge; and every attempt the proxy saw carried that same key.
 */
export async function expectExactlyOnePayment(check: OnePaymentCheck): Promise<void> {
  const stored = await check.client.getPayment(check.paymentId);
  if (check.returned !== undefined) expect(check.returned).toEqual(stored);

  const table = await readTable(check.server.client, check.server.tableName);
  expect(table.charges).toHaveLength(1);
  expect(table.payments).toHaveLength(1);
  expect(table.records).toHaveLength(1);
  expect(table.records[0]).toMatchObject({ pk: recordKeyFor(keyDigest(check.tenant, check.idempotencyKey)), status: 'COMPLETED' });
  expect(table.payments[0]!.payment).toEqual(stored);
  expect(table.charges[0]!.id).toBe(stored.charge);

  if (check.proxy) {
    const keys = check.proxy.requests.filter((r) => r.method === 'POST').map((r) => r.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([check.idempotencyKey]));
  }
}
