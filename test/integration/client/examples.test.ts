import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startLocalServer, type LocalServer } from '../../helpers/local-server';
import { readTable } from '../../helpers/table-contents';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

/** Runs an example as the docs do (`npx tsx client/examples/…`), with this environment added. */
async function runExample(name: string, env: Record<string, string>): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `client/examples/${name}`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout.trim().split('\n');
}

describe('client/examples, pointed at a server by PAYMENTS_URL', () => {
  let server: LocalServer;

  let secretKey: string;

  beforeEach(async () => {
    server = await startLocalServer({ label: 'examples' });
    // As the reader sets it: the key local mode's banner printed for local-dev.
    secretKey = await server.keys.secretKey('local-dev');
  });
  afterEach(() => server.close());

  it('create-payment.ts pays once at PAYMENTS_URL, then gets the same payment replayed', async () => {
    const lines = await runExample('create-payment.ts', { PAYMENTS_URL: server.url, PAYMENTS_SECRET_KEY: secretKey });

    const [id] = lines[0]!.split(' ');
    expect(lines).toEqual([`${id} succeeded new`, `${id} succeeded replayed`]);
    const { payments, charges } = await readTable(server.client, server.tableName);
    expect(payments.map((record) => record.payment.id)).toEqual([id]);
    expect(charges).toHaveLength(1);
  });

  it('checkout.ts follows the integration guide at PAYMENTS_URL: one payment per order and card', async () => {
    const lines = await runExample('checkout.ts', { PAYMENTS_URL: server.url, PAYMENTS_SECRET_KEY: secretKey });

    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^order-1: succeeded pay_\w+$/);
    expect(lines[3]).toMatch(/^order-2: declined, failed payment pay_\w+; the next card gets a new key$/);
    const { payments } = await readTable(server.client, server.tableName);
    // order-1 once (a double click and a refresh), order-2's declined card, order-2's second card.
    expect(payments.map((record) => record.payment.status).sort()).toEqual(['failed', 'succeeded', 'succeeded']);
  });

  it.each(['create-payment.ts', 'checkout.ts'])('%s without PAYMENTS_SECRET_KEY stops with an error that says where a key comes from, and sends nothing', async (name) => {
    const failed = await runExample(name, { PAYMENTS_URL: server.url, PAYMENTS_SECRET_KEY: '' }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/PAYMENTS_SECRET_KEY is not set: .*npm run keys -- create local-dev/);
    expect(await readTable(server.client, server.tableName)).toEqual({ records: [], payments: [], charges: [] });
  });
});
