import { setTimeout as sleep } from 'node:timers/promises';
import { type AttributeValue, type DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../../local/dynamodb-local';
import { itemSizeBytes } from '../../lambda/idempotency/item-size';
import { KeyPrefix, TableSchema } from '../../lambda/shared/table';
import { lambdaContext, PAYMENT, postPaymentEvent } from '../load/events';
import { createVariant, type ProxyHandler, type VariantName } from '../variants';
import { PLAIN_PAYMENT_PREFIX } from '../variants/plain-handler';
import { POWERTOOLS_KEY_PREFIX } from '../variants/powertools';
import { failedWriteUnits, indexEntry, indexWriteUnits, type Item, readUnits, writeUnits } from './capacity-units';

/** One DynamoDB request and what AWS would bill for it; the list index's write units apart. */
export interface BilledRequest {
  operation: string;
  writeUnits: number;
  indexWriteUnits: number;
  readUnits: number;
  /** The items it touched, with their size before and after it, in bytes (0: no item). */
  items: { pk: string; beforeBytes: number; afterBytes: number }[];
  conditionFailed: boolean;
}

/** The items a (marshalled) request touches. */
function touched(operation: string, input: Record<string, any>): { tableName: string; key: Item; transactional: boolean }[] {
  const keyOf = (item: Item): Item => ({ [TableSchema.partitionKey]: item[TableSchema.partitionKey]! });
  if (operation === 'PutItem') return [{ tableName: input.TableName, key: keyOf(input.Item), transactional: false }];
  if (['UpdateItem', 'DeleteItem', 'GetItem'].includes(operation)) return [{ tableName: input.TableName, key: input.Key, transactional: false }];
  if (operation !== 'TransactWriteItems') return [];
  return (input.TransactItems as Record<string, any>[]).map(({ Put, Update, Delete, ConditionCheck }) => {
    const action = Put ?? Update ?? Delete ?? ConditionCheck;
    return { tableName: action.TableName, key: Put ? keyOf(action.Item) : action.Key, transactional: true };
  });
}

/**
 * Bills each request a client sends by DynamoDB's rules, reading the touched items before and after
 * it with a second client (DynamoDB Local's own capacity figures are not AWS's). It adds two reads
 * per write: for the sizing pass only, never on a timed client.
 */
export function billRequests(client: DynamoDBClient, inspector: DynamoDBClient) {
  const log: BilledRequest[] = [];
  const size = async (tableName: string, key: Record<string, AttributeValue>) => {
    const { Item: item } = await inspector.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    return { item, bytes: item ? itemSizeBytes(item) : 0 };
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const input = args.input as Record<string, any>;
      const touches = touched(operation, input);
      const before = await Promise.all(touches.map((t) => size(t.tableName, t.key)));
      let conditionFailed = false;
      try {
        return await next(args);
      } catch (error) {
        conditionFailed = ['ConditionalCheckFailedException', 'TransactionCanceledException'].includes((error as Error).name);
        throw error;
      } finally {
        const after = await Promise.all(touches.map((t) => size(t.tableName, t.key)));
        const bill = { operation, writeUnits: 0, indexWriteUnits: 0, readUnits: 0, conditionFailed, items: [] as BilledRequest['items'] };
        touches.forEach((t, i) => {
          const [b, a] = [before[i]!, after[i]!];
          bill.items.push({ pk: t.key[TableSchema.partitionKey]?.S ?? '?', beforeBytes: b.bytes, afterBytes: a.bytes });
          if (operation === 'GetItem') bill.readUnits += readUnits(b.bytes, input.ConsistentRead === true);
          else if (conditionFailed) bill.writeUnits += failedWriteUnits(b.bytes, t.transactional);
          else {
            bill.writeUnits += writeUnits(b.bytes, a.bytes, t.transactional);
            bill.indexWriteUnits += indexWriteUnits(b.item, a.item);
          }
        });
        log.push(bill);
      }
    },
    { step: 'build', name: 'benchCapacityBilling' },
  );
  return { take: (): BilledRequest[] => log.splice(0, log.length) };
}

export const PATHS = ['first', 'replay-cold', 'replay-warm', 'conflict-409', 'mismatch-422', 'invalid-400'] as const;
export type PathId = (typeof PATHS)[number];

function cost(status: number, requests: BilledRequest[]) {
  const total = (units: (b: BilledRequest) => number) => requests.reduce((sum, b) => sum + units(b), 0);
  return { status, requests, writeUnits: total((b) => b.writeUnits), indexWriteUnits: total((b) => b.indexWriteUnits), readUnits: total((b) => b.readUnits) };
}
export type PathCost = ReturnType<typeof cost>;

/** The path with a real processor: the simulator's own charge PutItem taken out. */
export const withRealProcessor = (path: PathCost) => cost(path.status, path.requests.filter((r) => !(r.items.length > 0 && r.items.every((item) => item.pk.startsWith(KeyPrefix.Charge)))));

const PROCESSOR_LATENCY_MS = 300;

/**
 * Walks every path of the request budget once per variant, at concurrency 1, billing each DynamoDB
 * request from the items it touched. Deterministic but for the 409, which holds a first request in
 * the processor while a retry arrives.
 */
export async function measureSizing(endpoint: string, variantNames: readonly VariantName[]) {
  const inspector = localDynamoDbClient(endpoint);
  const sizings = [];
  for (const name of variantNames) {
    const variant = await createVariant(name, endpoint, `sizing-${name}`, { processorLatencyMs: PROCESSOR_LATENCY_MS });
    const bills = billRequests(variant.client, inspector);
    const call = async (handler: ProxyHandler, key: string, body: unknown = PAYMENT) => {
      bills.take();
      return cost((await handler(postPaymentEvent(key, body), lambdaContext())).statusCode, bills.take());
    };
    const paths: Partial<Record<PathId, PathCost>> = {};
    const completer = variant.newInstance();
    paths.first = await call(completer, 'size-1');
    paths['replay-cold'] = await call(variant.newInstance(), 'size-1');
    paths['replay-warm'] = await call(completer, 'size-1');
    paths['mismatch-422'] = await call(variant.newInstance(), 'size-1', { ...PAYMENT, amount: 1 });
    paths['invalid-400'] = await call(variant.newInstance(), 'size-bad', { ...PAYMENT, amount: -1 });
    if (name !== 'baseline') {
      const held = completer(postPaymentEvent('size-2', PAYMENT), lambdaContext());
      await sleep(PROCESSOR_LATENCY_MS / 3); // the first request now waits in the processor
      paths['conflict-409'] = await call(variant.newInstance(), 'size-2');
      await held;
    }
    // Item sizes by DynamoDB's rules; the claim (first request of a first execution) wrote the IN_PROGRESS record.
    const { Items = [] } = await inspector.send(new ScanCommand({ TableName: variant.tableName, ConsistentRead: true }));
    const sizeOf = (...prefixes: string[]) => {
      const item = Items.find((candidate) => prefixes.some((prefix) => candidate[TableSchema.partitionKey]?.S?.startsWith(prefix)));
      return item && itemSizeBytes(item);
    };
    const entry = Items.map(indexEntry).find((e) => e !== undefined);
    const items = {
      recordInProgressBytes: name === 'baseline' ? undefined : paths.first.requests[0]?.items[0]?.afterBytes,
      recordCompletedBytes: sizeOf(KeyPrefix.Idempotency, POWERTOOLS_KEY_PREFIX),
      // Ours keeps the payment in its record; the other variants write a payment item of their own.
      paymentBytes: sizeOf(PLAIN_PAYMENT_PREFIX),
      chargeBytes: sizeOf(KeyPrefix.Charge),
      indexEntryBytes: entry && itemSizeBytes(entry),
    };
    sizings.push({ variant: name, paths, items });
    variant.client.destroy();
  }
  inspector.destroy();
  return sizings;
}
export type VariantSizing = Awaited<ReturnType<typeof measureSizing>>[number];
