import { measureSizing, withRealProcessor } from '../../../bench/cost/sizing';

// What the write-unit table reports per path, by operation, for a first execution.
describe('AWS write units per path', () => {
  test('ours writes the list-index entry with its completing UpdateItem, Powertools with its payment PutItem; with a real processor ours sends 2 requests, Powertools 3', async () => {
    const [powertools, ours] = await measureSizing(process.env.DYNAMODB_ENDPOINT!, ['powertools', 'ours']);
    const byRequest = (requests: { operation: string; indexWriteUnits: number }[]) => requests.map((r) => [r.operation, r.indexWriteUnits]);

    expect(byRequest(ours!.paths.first!.requests)).toEqual([['PutItem', 0], ['PutItem', 0], ['UpdateItem', 1]]);
    expect(byRequest(powertools!.paths.first!.requests)).toEqual([['PutItem', 0], ['PutItem', 0], ['PutItem', 1], ['UpdateItem', 0]]);
    expect(withRealProcessor(ours!.paths.first!).requests.map((r) => r.operation)).toEqual(['PutItem', 'UpdateItem']);
    expect(withRealProcessor(powertools!.paths.first!).requests).toHaveLength(3);
    // A replay writes nothing to the index: its conditional PutItem fails.
    expect(ours!.paths['replay-cold']!.indexWriteUnits).toBe(0);
  });
});
