import { authorizationValues, authorizationValuesOfRawHeaders } from '../../../lambda/auth/headers';
import { generateSecretKey, KeyMode } from '../../../lambda/auth/secret-keys';
import { AuthFailure, verifyBearer } from '../../../lambda/auth/verify';
import { MemoryKeys } from './memory-keys';

describe('Authorization values', () => {
  test('are collected whatever the case of the name, from an event and from Node raw headers', () => {
    expect(authorizationValues({ authorization: 'Bearer a', Other: 'x' }, { AUTHORIZATION: ['Bearer b', 'Bearer c'] })).toEqual(['Bearer b', 'Bearer c', 'Bearer a']);
    expect(authorizationValues(null, null)).toEqual([]);
    expect(authorizationValuesOfRawHeaders(['Host', 'h', 'Authorization', 'Bearer a', 'x-api-key', 'k', 'authorization', 'Bearer b'])).toEqual(['Bearer a', 'Bearer b']);
  });

  test('one value, even repeated, verifies; two different values are refused without a lookup', async () => {
    const keys = new MemoryKeys();
    const acme = keys.add('acme');
    const globex = keys.add('globex');
    expect(await verifyBearer([`Bearer ${acme}`, `Bearer ${acme}`], keys)).toMatchObject({ ok: true, tenant: 'acme' });
    keys.lookups = 0;
    expect(await verifyBearer([`Bearer ${acme}`, `Bearer ${globex}`], keys)).toEqual({ ok: false, reason: AuthFailure.Malformed });
    expect(await verifyBearer([], keys)).toEqual({ ok: false, reason: AuthFailure.Missing });
    expect(keys.lookups).toBe(0);
    expect(await verifyBearer(authorizationValuesOfRawHeaders(['x-api-key', generateSecretKey(KeyMode.Test).key]), keys)).toEqual({ ok: false, reason: AuthFailure.Missing });
  });
});
