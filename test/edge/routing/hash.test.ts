/**
 * suffixHasher(prefix)(n) is hash32(prefix + String(n)): the ring places its points with it, so a
 * difference would move every point (test/edge/routing/ring-reference.test.ts would show it too).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hash32, suffixHasher } from '../../../edge/routing/hash.js';

test('suffixHasher(prefix)(n) equals hash32(prefix + n), for every digit count', () => {
  for (const prefix of ['', 'r1-e1#', 'edge-007#', 'é#']) {
    const hash = suffixHasher(prefix);
    const ns = [...Array.from({ length: 2_100 }, (_, i) => i), 9_999, 10_000, 99_999, 100_000, 199_999, 1_000_000, 2_147_483_647];
    for (const n of ns) assert.is(hash(n), hash32(`${prefix}${n}`), `${prefix}${n}`);
  }
});

test.run();
