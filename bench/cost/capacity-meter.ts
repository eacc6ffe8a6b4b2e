import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { itemSizeBytes } from '../../lambda/idempotency/item-size';
import { TableSchema } from '../../lambda/shared/table';
import { failedWriteUnits, indexWriteUnits, type Item, readUnits, writeUnits } from './capacity-units';

/** One DynamoDB request and what AWS would bill for it. */
export interface BilledRequest {
  operation: string;
  /** Table write units; the list index's are apart, in `indexWriteUnits`. */
  writeUnits: number;
  indexWriteUnits: number;
  readUnits: number;
  /** The items it touched, with their size before and after it, in bytes (0: no item). */
  items: { pk: string; beforeBytes: number; afterBytes: number }[];
  conditionFailed: boolean;
}

type Key = Record<string, AttributeValue>;
interface Touch {
  key: Key;
  transactional: boolean;
}

/**
 * Bills each request a client sends by DynamoDB's rules, reading the touched items before and
 * after it with a second client (DynamoDB Local's own capacity figures are not AWS's). Only for
 * the sizing pass: it adds two reads per write and must never sit on a timed client.
 */
export function billRequests(client: DynamoDBClient, inspector: DynamoDBClient) {
  const log: BilledRequest[] = [];
  const read = async (tableName: string, key: Key) =>
    (await inspector.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  const size = (item: Item | undefined) => (item ? itemSizeBytes(item) : 0);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const input = args.input as Record<string, any>;
      const touches = touched(operation, input);
      const tables = touches.map((t) => t.tableName);
      const before = await Promise.all(touches.map((t, i) => read(tables[i]!, t.key)));
      let conditionFailed = false;
      try {
        return await next(args);
      } catch (error) {
        conditionFailed = ['ConditionalCheckFailedException', 'TransactionCanceledException'].includes((error as Error).name);
        throw error;
      } finally {
        const after = await Promise.all(touches.map((t, i) => read(tables[i]!, t.key)));
        const items = touches.map((t, i) => ({ pk: t.key[TableSchema.partitionKey]?.S ?? '?', beforeBytes: size(before[i]), afterBytes: size(after[i]) }));
        let wcu = 0;
        let indexWcu = 0;
        let rcu = 0;
        touches.forEach((t, i) => {
          if (operation === 'GetItem') rcu += readUnits(size(before[i]), input.ConsistentRead === true);
          else if (conditionFailed) wcu += failedWriteUnits(size(before[i]), t.transactional);
          else {
            wcu += writeUnits(size(before[i]), size(after[i]), t.transactional);
            indexWcu += indexWriteUnits(before[i], after[i]);
          }
        });
        log.push({ operation, writeUnits: wcu, indexWriteUnits: indexWcu, readUnits: rcu, items, conditionFailed });
      }
    },
    { step: 'build', name: 'benchCapacityBilling' },
  );
  return {
    log,
    take(): BilledRequest[] {
      return log.splice(0, log.length);
    },
  };
}

/** The items a (marshalled) request touches, with their table. */
function touched(operation: string, input: Record<string, any>): (Touch & { tableName: string })[] {
  const keyOf = (item: Key): Key => ({ [TableSchema.partitionKey]: item[TableSchema.partitionKey]! });
  switch (operation) {
    case 'PutItem':
      return [{ tableName: input.TableName, key: keyOf(input.Item), transactional: false }];
    case 'UpdateItem':
    case 'DeleteItem':
    case 'GetItem':
      return [{ tableName: input.TableName, key: input.Key, transactional: false }];
    case 'TransactWriteItems':
      return (input.TransactItems as Record<string, any>[]).map((entry) => {
        const action = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
        return { tableName: action.TableName, key: entry.Put ? keyOf(action.Item) : action.Key, transactional: true };
      });
    default:
      return [];
  }
}
