import { timingSafeEqual } from 'node:crypto';
import { generateSecretKey, KeyMode, parseSecretKey } from '../../../lambda/auth/secret-keys';
import { AuthFailure, verifyBearer } from '../../../lambda/auth/verify';
import { MemoryKeys } from './memory-keys';

/** Replaces the last `count` characters of the secret part: same key id, another secret. */
const wrongSecret = (key: string, count = 32) => key.slice(0, -count) + (key.endsWith('A'.repeat(count)) ? 'B' : 'A').repeat(count);

/** crypto.timingSafeEqual, recording every comparison it is asked for. */
function instrumentedCompare() {
  const calls: Array<{ left: number; right: number }> = [];
  const compare = (a: Buffer, b: Buffer) => {
    calls.push({ left: a.length, right: b.length });
    return timingSafeEqual(a, b);
  };
  return { calls, compare };
}

describe('verifyBearer', () => {
  test('a valid key names its tenant and key id, and the tenant usage-plan key', async () => {
    const keys = new MemoryKeys();
    const secret = keys.add('acme');
    const result = await verifyBearer(`Bearer ${secret}`, keys);
    expect(result).toEqual({ ok: true, tenant: 'acme', keyId: parseSecretKey(secret)!.keyId, usageIdentifierKey: 'usage-acme-0123456789abcdef' });
  });

  test('each key acts only for its own tenant', async () => {
    const keys = new MemoryKeys();
    const acme = keys.add('acme');
    const globex = keys.add('globex');
    expect(await verifyBearer(`Bearer ${acme}`, keys)).toMatchObject({ ok: true, tenant: 'acme' });
    expect(await verifyBearer(`Bearer ${globex}`, keys)).toMatchObject({ ok: true, tenant: 'globex' });
  });

  test.each([
    ['no Authorization header', undefined, AuthFailure.Missing],
    ['another scheme', 'Basic YWNtZTpzZWNyZXQ=', AuthFailure.NotBearer],
    ['a malformed key', 'Bearer sk_test_short', AuthFailure.Malformed],
  ])('%s is refused without any lookup', async (_name, header, reason) => {
    const keys = new MemoryKeys();
    keys.add('acme');
    expect(await verifyBearer(header, keys)).toEqual({ ok: false, reason });
    expect(keys.lookups).toBe(0);
  });

  test('an unknown, a wrong, a revoked and a wrong-mode key are refused, each for its reason', async () => {
    const keys = new MemoryKeys();
    const good = keys.add('acme');
    const revoked = keys.add('acme', KeyMode.Test, { revokedAtEpochMs: Date.now() });
    const stranger = generateSecretKey(KeyMode.Test).key;
    expect(await verifyBearer(`Bearer ${stranger}`, keys)).toMatchObject({ ok: false, reason: AuthFailure.UnknownKey });
    expect(await verifyBearer(`Bearer ${wrongSecret(good)}`, keys)).toMatchObject({ ok: false, reason: AuthFailure.WrongSecret });
    expect(await verifyBearer(`Bearer ${good.replace('sk_test_', 'sk_live_')}`, keys)).toMatchObject({ ok: false, reason: AuthFailure.WrongMode });
    expect(await verifyBearer(`Bearer ${revoked}`, keys)).toMatchObject({ ok: false, reason: AuthFailure.Revoked });
  });

  test('a revoked key with a wrong secret says wrong secret: only the right secret learns the key is revoked', async () => {
    const keys = new MemoryKeys();
    const revoked = keys.add('acme', KeyMode.Test, { revokedAtEpochMs: Date.now() });
    expect(await verifyBearer(`Bearer ${wrongSecret(revoked)}`, keys)).toMatchObject({ ok: false, reason: AuthFailure.WrongSecret });
  });

  test('a live key sent as sk_test_ is refused too', async () => {
    const keys = new MemoryKeys();
    const live = keys.add('acme', KeyMode.Live);
    expect(await verifyBearer(`Bearer ${live}`, keys)).toMatchObject({ ok: true });
    expect(await verifyBearer(`Bearer ${live.replace('sk_live_', 'sk_test_')}`, keys)).toMatchObject({ ok: false, reason: AuthFailure.WrongMode });
  });

  test('a damaged stored hash refuses the key, after the same one comparison', async () => {
    const keys = new MemoryKeys();
    const secret = keys.add('acme', KeyMode.Test, { secretSha256: 'dGlueQ==' });
    const { calls, compare } = instrumentedCompare();
    expect(await verifyBearer(`Bearer ${secret}`, keys, { compare })).toMatchObject({ ok: false, reason: AuthFailure.WrongSecret });
    expect(calls).toEqual([{ left: 32, right: 32 }]);
  });
});

describe('timing: every well-formed key takes the same code path', () => {
  // Wall time on a shared machine proves nothing; the path does. Whatever is wrong with a
  // well-formed key, verification makes one lookup and exactly one constant-time comparison of
  // two 32-byte buffers, so nothing in its work depends on whether the key id exists.
  test('a wrong key with a right prefix and a random key each reach exactly one timingSafeEqual of equal-length buffers', async () => {
    const keys = new MemoryKeys();
    const good = keys.add('acme');
    const cases = {
      rightPrefixWrongSecret: wrongSecret(good),
      rightPrefixOneCharacterOff: wrongSecret(good, 1),
      random: generateSecretKey(KeyMode.Test).key,
      rightKey: good,
    };
    const paths: Record<string, { lookups: number; comparisons: Array<{ left: number; right: number }> }> = {};
    for (const [name, key] of Object.entries(cases)) {
      const { calls, compare } = instrumentedCompare();
      keys.lookups = 0;
      await verifyBearer(`Bearer ${key}`, keys, { compare });
      paths[name] = { lookups: keys.lookups, comparisons: calls };
    }
    const onePath = { lookups: 1, comparisons: [{ left: 32, right: 32 }] };
    expect(paths).toEqual({ rightPrefixWrongSecret: onePath, rightPrefixOneCharacterOff: onePath, random: onePath, rightKey: onePath });
  });

  test('by default the comparison is node:crypto timingSafeEqual, once per well-formed key', async () => {
    const keys = new MemoryKeys();
    const good = keys.add('acme');
    // The module object itself (an `import *` would be a copy): the one verify.ts calls into.
    const spy = jest.spyOn(jest.requireActual<typeof import('node:crypto')>('node:crypto'), 'timingSafeEqual');
    try {
      await verifyBearer(`Bearer ${wrongSecret(good)}`, keys);
      await verifyBearer(`Bearer ${generateSecretKey(KeyMode.Test).key}`, keys);
      expect(spy.mock.calls.map(([a, b]) => [(a as Buffer).length, (b as Buffer).length])).toEqual([[32, 32], [32, 32]]);
    } finally {
      spy.mockRestore();
    }
  });

  test('the verdict comes from the constant-time comparison: with it forced true, a right-prefix wrong key would pass', async () => {
    // Proves that no early, variable-time string comparison of the secret decides first.
    const keys = new MemoryKeys();
    const good = keys.add('acme');
    expect(await verifyBearer(`Bearer ${wrongSecret(good)}`, keys, { compare: () => true })).toMatchObject({ ok: true, tenant: 'acme' });
    // ...while an unknown key id is refused whatever the comparison says (it was against the dummy).
    expect(await verifyBearer(`Bearer ${generateSecretKey(KeyMode.Test).key}`, keys, { compare: () => true })).toMatchObject({ ok: false, reason: AuthFailure.UnknownKey });
  });
});
