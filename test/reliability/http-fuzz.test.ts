import fc from 'fast-check';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { FUZZ_TENANTS, fuzzRequest } from '../helpers/fuzz-requests';
import { ledgerFigures } from '../helpers/ledger';
import { type LocalServer, startLocalServer } from '../helpers/local-server';
import { type RawRequest, type RawResponse, sendRaw } from '../helpers/raw-http';
import { FUZZ_SEED, histogram, muteExpectedLogs, scaled, suiteResults } from '../helpers/reliability';
import { readTable } from '../helpers/table-contents';
import { bearerFor } from '../helpers/test-keys';

// The full run (RELIABILITY_FULL=1) takes minutes, not seconds.
jest.setTimeout(scaled(60_000, 900_000));

// Random requests over real HTTP against local mode: never a 5xx, every 4xx a complete
// problem+json document, and nothing written to the table for a request that was refused.
const RUNS = scaled(300, 3_000);
muteExpectedLogs();
const results = suiteResults('http-fuzz');

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ label: 'fuzz' });
  // Stored before the first request, so the property's item counts see requests' writes only.
  for (const tenant of FUZZ_TENANTS) await server.keys.authorization(tenant);
});
afterAll(() => server.close());

const itemCount = async () =>
  (await server.client.send(new ScanCommand({ TableName: server.tableName, Select: 'COUNT', ConsistentRead: true }))).Count ?? 0;

function expectProblemDocument(request: RawRequest, response: RawResponse): void {
  expect(response.headers['content-type']).toBe('application/problem+json');
  if (request.method === 'HEAD') return; // a HEAD answer has no body
  const problem = JSON.parse(response.text);
  expect(problem).toMatchObject({ type: expect.any(String), title: expect.any(String), status: response.status, detail: expect.any(String) });
  expect(response.text).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
}

const describeRequest = (r: RawRequest) =>
  JSON.stringify({ method: r.method, path: r.path, headers: r.headers.map(([n, v]) => [n, v.length > 80 ? `${v.slice(0, 80)}… (${v.length})` : v]), bodyBytes: r.body?.length, body: r.body?.subarray(0, 200).toString() });

test('random methods, paths, headers and bodies: no 5xx, 4xx are problem+json, refused requests write nothing', results.checked(async () => {
  const statuses: number[] = [];
  let accepted = 0;
  /** First executions of POST /payments (a 201 or a stored decline, not a replay): each made one record. */
  let firstExecutions = 0;
  await fc.assert(
    fc.asyncProperty(fuzzRequest, async (request) => {
      const before = await itemCount();
      const response = await sendRaw(server.url, request);
      statuses.push(response.status);
      const context = `${response.status} ${response.text.slice(0, 300)} for ${describeRequest(request)}`;
      expect({ status: response.status < 500, context }).toEqual({ status: true, context });
      if (response.status >= 400) expectProblemDocument(request, response);
      // A decline (402) is a completed result, stored like a 201; every other 4xx writes nothing.
      if (response.status >= 400 && response.status !== 402) {
        expect({ written: (await itemCount()) - before, context }).toEqual({ written: 0, context });
      } else accepted++;
      if ((response.status === 201 || response.status === 402) && response.headers['idempotent-replayed'] !== 'true') firstExecutions++;
    }),
    { seed: FUZZ_SEED, numRuns: RUNS, endOnFailure: true },
  );

  const ledger = ledgerFigures(await readTable(server.client, server.tableName));
  const serverErrors = statuses.filter((s) => s >= 500).length;
  results.add({ seed: FUZZ_SEED, requests: statuses.length, accepted, firstExecutions, serverErrors, statusHistogram: histogram(statuses), ledger });

  // What the accepted ones stored is whole: one completed record, charge and payment per first
  // execution. Not vacuous: the run must have accepted payments for this to say anything.
  expect(firstExecutions).toBeGreaterThan(0);
  expect(ledger).toMatchObject({
    records: firstExecutions,
    completedRecords: firstExecutions,
    payments: firstExecutions,
    charges: firstExecutions,
    chargesWithoutPayment: 0,
    paymentsWithoutCharge: 0,
    chargesPaidTwice: 0,
    recordsNotAnsweringTheirPayment: 0,
  });
}));

describe('inputs too big for the property', () => {
  test('a body over API Gateway’s 10 MB limit is a 413 problem from the gateway, and nothing is stored', results.checked(async () => {
    const body = Buffer.alloc(10 * 1024 * 1024 + 1, 'x');
    const before = await itemCount();
    const response = await sendRaw(server.url, { method: 'POST', path: '/payments', headers: [['Authorization', bearerFor(FUZZ_TENANTS[0])], ['Idempotency-Key', 'big'], ['Content-Type', 'application/json']], body });
    expect(response.status).toBe(413);
    expectProblemDocument({ method: 'POST', path: '/payments', headers: [] }, response);
    expect(await itemCount()).toBe(before);
  }));

  test('a header block over Node’s 16 KB limit is refused before the function runs: a 4xx, never a 5xx', results.checked(async () => {
    const response = await sendRaw(server.url, { method: 'POST', path: '/payments', headers: [['Authorization', bearerFor(FUZZ_TENANTS[0])], ['Idempotency-Key', 'k'.repeat(20_000)]] }).catch(
      (error: Error) => ({ status: 0, headers: {}, text: error.message }) as RawResponse,
    );
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.text)).toMatchObject({ status: 431, code: 'headers_too_large' });
  }));
});
