import { DEFAULT_TABLE_LAYOUT, tableLayout } from '../../../lambda/idempotency/table-layout';

test('a layout fills in the defaults and keeps what the caller names', () => {
  expect(tableLayout()).toEqual(DEFAULT_TABLE_LAYOUT);
  expect(tableLayout({ keyAttribute: 'id', keyPrefix: 'k#' })).toEqual({ keyAttribute: 'id', keyPrefix: 'k#', ttlAttribute: 'expiresAtEpochSeconds' });
});

test.each([['status'], ['leaseToken'], ['response'], ['tenant']])('a key or TTL attribute named %s, one of the record\'s own fields, is refused at construction', (name) => {
  expect(() => tableLayout({ keyAttribute: name })).toThrow(`"${name}" cannot be the key or TTL attribute`);
  expect(() => tableLayout({ ttlAttribute: name })).toThrow(`"${name}" cannot be the key or TTL attribute`);
});

test('the key and the TTL cannot be one attribute', () => {
  expect(() => tableLayout({ keyAttribute: 'ttl', ttlAttribute: 'ttl' })).toThrow('must differ');
});
