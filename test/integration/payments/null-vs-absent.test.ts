import { createDriver, type Driver, type DriverKind, validPayment } from '../../helpers/drivers';

// Issue 9, item 9, per the SPEC's field table: `customer: null`, `description: null` and
// `metadata: {}` are the same request as leaving them out, in either order; a real difference is
// still a 422.
describe.each<DriverKind>(['handler', 'http'])('null and empty optional fields are absent (%s)', (kind) => {
  let driver: Driver;
  beforeEach(async () => {
    driver = await createDriver(kind);
  });
  afterEach(() => driver.close());

  const spelledOut = { ...validPayment, customer: null, description: null, metadata: {} };

  test.each([
    ['absent first, then null and {}', validPayment, spelledOut],
    ['null and {} first, then absent', spelledOut, validPayment],
  ])('%s: the second replays the first', async (_label, first, second) => {
    const created = await driver.post({ key: 'k-null', body: first });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ customer: null, description: null, metadata: {} });
    const again = await driver.post({ key: 'k-null', body: second });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(created.text);
    expect((await driver.contents()).payments).toHaveLength(1);
  });

  test('one field at a time counts as absent too', async () => {
    await driver.post({ key: 'k-one', body: validPayment });
    for (const extra of [{ customer: null }, { description: null }, { metadata: {} }]) {
      expect((await driver.post({ key: 'k-one', body: { ...validPayment, ...extra } })).headers['idempotent-replayed']).toBe('true');
    }
  });

  test.each([
    ['a customer', { customer: 'x' }],
    ['an empty description', { description: '' }],
    ['a metadata entry', { metadata: { a: 'b' } }],
  ])('%s where there was none is a 422', async (_label, extra) => {
    await driver.post({ key: 'k-diff', body: spelledOut });
    const reply = await driver.post({ key: 'k-diff', body: { ...validPayment, ...extra } });
    expect(reply).toMatchObject({ status: 422, json: { code: 'idempotency_key_reused' } });
  });
});
