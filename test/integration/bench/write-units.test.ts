import { KB } from '../../../bench/cost/capacity-units';
import { measureSizing, type VariantSizing, withRealProcessor } from '../../../bench/cost/sizing';

// What the write-unit table reports per path, by operation.
describe('AWS write units per path', () => {
  let powertools: VariantSizing;
  let ours: VariantSizing;
  beforeAll(async () => {
    [powertools, ours] = (await measureSizing(process.env.DYNAMODB_ENDPOINT!, ['powertools', 'ours'])) as [VariantSizing, VariantSizing];
  });
  const byRequest = (requests: { operation: string; writeUnits: number; indexWriteUnits: number }[]) => requests.map((r) => [r.operation, r.writeUnits, r.indexWriteUnits]);

  test('ours writes the list-index entry with its completing UpdateItem, Powertools with its payment PutItem; with a real processor ours sends 2 requests, Powertools 3', () => {
    expect(byRequest(ours.paths.first!.requests)).toEqual([['PutItem', 1, 0], ['PutItem', 1, 0], ['UpdateItem', 1, 1]]);
    expect(byRequest(powertools.paths.first!.requests)).toEqual([['PutItem', 1, 0], ['PutItem', 1, 0], ['PutItem', 1, 1], ['UpdateItem', 1, 0]]);
    expect(withRealProcessor(ours.paths.first!).requests.map((r) => r.operation)).toEqual(['PutItem', 'UpdateItem']);
    expect(withRealProcessor(powertools.paths.first!).requests).toHaveLength(3);
    // A replay writes nothing to the index: its conditional PutItem fails.
    expect(ours.paths['replay-cold']!.indexWriteUnits).toBe(0);
  });

  test('the completed record keeps the payment once (as its answer), so it is under 1 KB: its completion, a replay reaching DynamoDB and a 422 bill 1 WCU each, as Powertools does', () => {
    expect(ours.items.recordCompletedBytes).toBeLessThan(KB);
    expect(ours.items.indexEntryBytes).toBeLessThan(KB);
    expect(ours.paths.first!.writeUnits).toBe(3);
    expect(ours.paths['replay-cold']).toMatchObject({ status: 201, writeUnits: 1 });
    expect(byRequest(ours.paths['replay-cold']!.requests)).toEqual([['PutItem', 1, 0]]);
    expect(ours.paths['mismatch-422']).toMatchObject({ status: 422, writeUnits: 1 });
    expect(powertools.paths['replay-cold']!.writeUnits).toBe(1);
  });
});
