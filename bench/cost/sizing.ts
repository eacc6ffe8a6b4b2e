import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../../local/dynamodb-local';
import { KeyPrefix } from '../../lambda/shared/table';
import { lambdaContext, PAYMENT, postPaymentEvent } from '../load/events';
import { createVariant } from '../variants';
import { POWERTOOLS_KEY_PREFIX } from '../variants/powertools';
import { PLAIN_PAYMENT_PREFIX } from '../variants/plain-handler';
import type { ProxyHandler, VariantName } from '../variants/types';
import { type BilledRequest, billRequests } from './capacity-meter';
import { indexEntry } from './capacity-units';
import { itemSizeBytes } from '../../lambda/idempotency/item-size';

export const PATHS = ['first', 'replay-cold', 'replay-warm', 'conflict-409', 'mismatch-422', 'invalid-400'] as const;
export type PathId = (typeof PATHS)[number];

export interface PathCost {
  status: number;
  requests: BilledRequest[];
  /** Table write units. */
  writeUnits: number;
  /** List-index (GSI) write units, billed on top of the table's. */
  indexWriteUnits: number;
  readUnits: number;
}

export interface VariantSizing {
  variant: VariantName;
  paths: Partial<Record<PathId, PathCost>>;
  /** Stored item sizes, in bytes, by DynamoDB's rules. */
  items: { recordInProgressBytes?: number; recordCompletedBytes?: number; paymentBytes?: number; chargeBytes?: number; indexEntryBytes?: number };
}

const PROCESSOR_LATENCY_MS = 300;

/**
 * Walks every path of the request budget once per variant, at concurrency 1, and bills each
 * DynamoDB request by AWS's rules from the items it touched. Deterministic: no timing involved,
 * except the 409, which holds a first request in the processor while a retry arrives.
 */
export async function measureSizing(endpoint: string, variantNames: readonly VariantName[]): Promise<VariantSizing[]> {
  const inspector = localDynamoDbClient(endpoint);
  const sizings: VariantSizing[] = [];
  for (const name of variantNames) {
    const variant = await createVariant(name, endpoint, `sizing-${name}`, { processorLatencyMs: PROCESSOR_LATENCY_MS });
    const bills = billRequests(variant.client, inspector);
    const call = async (handler: ProxyHandler, key: string | undefined, body: unknown = PAYMENT): Promise<PathCost> => {
      bills.take();
      const result = await handler(postPaymentEvent(key, body), lambdaContext());
      return cost(result.statusCode, bills.take());
    };
    const paths: VariantSizing['paths'] = {};
    const completer = variant.newInstance();
    paths.first = await call(completer, 'size-1');
    paths['replay-cold'] = await call(variant.newInstance(), 'size-1');
    paths['replay-warm'] = await call(completer, 'size-1');
    paths['mismatch-422'] = await call(variant.newInstance(), 'size-1', { ...PAYMENT, amount: 1 });
    paths['invalid-400'] = await call(variant.newInstance(), 'size-bad', { ...PAYMENT, amount: -1 });
    if (name !== 'baseline') {
      const held = completer(postPaymentEvent('size-2', PAYMENT), lambdaContext());
      await sleep(PROCESSOR_LATENCY_MS / 3); // the first request now waits in the processor
      bills.take();
      paths['conflict-409'] = await call(variant.newInstance(), 'size-2');
      await held;
    }
    // The claim is the first request of a first execution: its item is the IN_PROGRESS record.
    const claimBytes = name === 'baseline' ? undefined : paths.first.requests[0]?.items[0]?.afterBytes;
    sizings.push({ variant: name, paths, items: { recordInProgressBytes: claimBytes, ...(await storedItems(inspector, variant.tableName)) } });
    variant.client.destroy();
  }
  inspector.destroy();
  return sizings;
}

function cost(status: number, requests: BilledRequest[]): PathCost {
  const total = (units: (b: BilledRequest) => number) => requests.reduce((sum, b) => sum + units(b), 0);
  return {
    status,
    requests,
    writeUnits: total((b) => b.writeUnits),
    indexWriteUnits: total((b) => b.indexWriteUnits),
    readUnits: total((b) => b.readUnits),
  };
}

/** The path with a real processor: the simulator's own charge PutItem taken out. */
export function withRealProcessor(path: PathCost): PathCost {
  return cost(path.status, path.requests.filter((r) => !(r.items.length > 0 && r.items.every((item) => item.pk.startsWith(KeyPrefix.Charge)))));
}

/** Sizes of a completed record, a payment and a charge as stored (all requests are done by now). */
async function storedItems(client: DynamoDBClient, tableName: string): Promise<VariantSizing['items']> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  const sizeOf = (...prefixes: string[]) => {
    const item = Items.find((candidate) => prefixes.some((prefix) => candidate.pk?.S?.startsWith(prefix)));
    return item ? itemSizeBytes(item) : undefined;
  };
  const entry = Items.map(indexEntry).find((e) => e !== undefined);
  return {
    indexEntryBytes: entry && itemSizeBytes(entry),
    recordCompletedBytes: sizeOf(KeyPrefix.Idempotency, POWERTOOLS_KEY_PREFIX),
    // Ours keeps the payment in its record; the other variants write a payment item of their own.
    paymentBytes: sizeOf(PLAIN_PAYMENT_PREFIX),
    chargeBytes: sizeOf(KeyPrefix.Charge),
  };
}
