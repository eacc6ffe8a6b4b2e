import { randomUUID } from 'node:crypto';
import { TableSchema } from '../../../lambda/shared/table';
import { createDriver, type Driver, type DriverKind, validPayment } from '../../helpers/drivers';

describe.each<DriverKind>(['handler', 'http'])('GET /payments and GET /payments/{id} (%s)', (kind) => {
  let driver: Driver;
  beforeEach(async () => {
    driver = await createDriver(kind);
  });
  afterEach(() => driver.close());

  test('a payment read right after its POST is found, in one strongly consistent GetItem', async () => {
    const created = await driver.post({ key: randomUUID(), body: validPayment });
    driver.requests.reset();
    const read = await driver.get(created.json.id);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);
    expect(driver.requests.counts).toEqual({ GetItem: 1 });
  });

  test("another tenant's payment id is a 404, though it names a record that exists", async () => {
    const created = await driver.post({ key: 'shared-key', body: validPayment, tenant: 'tenant-a' });
    const other = await driver.post({ key: 'shared-key', body: validPayment, tenant: 'tenant-b' });
    expect(other.json.id).not.toBe(created.json.id);
    expect((await driver.get(created.json.id, 'tenant-b')).status).toBe(404);
    expect((await driver.list({}, 'tenant-b')).json.data.map((p: { id: string }) => p.id)).toEqual([other.json.id]);
  });

  test('the list is newest first in Stripe\'s shape, with the default limit of 10', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await driver.post({ key: `order-${i}`, body: { ...validPayment, amount: 100 + i } })).json.id);
    const page = await driver.list();
    expect(page.status).toBe(200);
    expect(page.json).toMatchObject({ object: 'list', has_more: true });
    expect(page.json.data).toHaveLength(10);
    const created = page.json.data.map((p: { created: number }) => p.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    expect(new Set(page.json.data.map((p: { id: string }) => p.id)).size).toBe(10);
    for (const payment of page.json.data) expect(ids).toContain(payment.id);
  });

  test.each([
    ['limit=0', { limit: '0' }],
    ['limit=101', { limit: '101' }],
    ['limit=ten', { limit: 'ten' }],
    ['a cursor that is no payment id', { starting_after: 'x' }],
    ['an unknown parameter', { offset: '10' }],
  ])('%s is a 400 naming the parameter, with no DynamoDB request', async (_label, query) => {
    driver.requests.reset();
    const reply = await driver.list(query);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'invalid_request', errors: [{ field: Object.keys(query)[0] }] });
    expect(driver.requests.total()).toBe(0);
  });

  test("a cursor naming another tenant's payment is a 400, not a page of theirs", async () => {
    const theirs = await driver.post({ key: 'k', body: validPayment, tenant: 'tenant-b' });
    const reply = await driver.list({ starting_after: theirs.json.id }, 'tenant-a');
    expect(reply.status).toBe(400);
    expect(reply.json.errors).toEqual([expect.objectContaining({ field: 'starting_after' })]);
  });
});

describe('paging through a large tenant', () => {
  test('250 payments page through with limit 100: no gaps, no repeats, newest first, and only payments are in the index', async () => {
    const driver = await createDriver('handler');
    try {
      const created = new Set<string>();
      for (let batch = 0; batch < 25; batch++) {
        const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => driver.post({ key: `bulk-${batch}-${i}`, body: validPayment })));
        for (const reply of replies) created.add(reply.json.id);
      }
      // A declined payment is a payment too; a request still in progress or refused is not.
      const declined = await driver.post({ key: 'declined', body: { ...validPayment, source: 'tok_chargeDeclined' } });
      created.add(declined.json.payment);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await driver.list({ limit: '100', ...(cursor ? { starting_after: cursor } : {}) });
        expect(page.status).toBe(200);
        pages++;
        const sortKeys = page.json.data.map((p: { created: number; id: string }) => `${p.created}#${p.id}`);
        seen.push(...page.json.data.map((p: { id: string }) => p.id));
        expect(sortKeys).toEqual([...sortKeys].sort().reverse());
        if (!page.json.has_more) break;
        cursor = page.json.data.at(-1).id;
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(created.size);
      expect(new Set(seen)).toEqual(created);

      const contents = await driver.contents();
      const indexed = contents.records.filter((r) => r[TableSchema.paymentsIndex.partitionKey] !== undefined);
      expect(indexed).toHaveLength(created.size); // a sparse index: only payments carry its keys
    } finally {
      await driver.close();
    }
  });
});
