/** Surrogate-Key members, and what a 304 leaves of a copy's keys (RFC 9111 §4.3.4). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSurrogateKeys, surrogateKeysAfterNotModified } from '../../../edge/policy/surrogate-keys.js';

const PARSED: Array<[string | undefined, string[]]> = [
  [undefined, []],
  ['', []],
  ['   ', []],
  ['red', ['red']],
  ['red blue', ['red', 'blue']],
  ['  red \t blue  ', ['red', 'blue']],
  ['a/b c:d', ['a/b', 'c:d']],
  // Only SP and HTAB separate: U+00A0 is an obs-text byte a key may hold (a push may carry it).
  ['a\u00a0b c', ['a\u00a0b', 'c']],
];

for (const [value, keys] of PARSED) {
  test(`parseSurrogateKeys(${JSON.stringify(value)})`, () => assert.equal(parseSurrogateKeys(value), keys));
}

test('a 304 without Surrogate-Key keeps the stored keys; one with it replaces them, even with none', () => {
  const stored = ['red'];
  assert.is(surrogateKeysAfterNotModified(stored, undefined), stored);
  assert.equal(surrogateKeysAfterNotModified(stored, 'green blue'), ['green', 'blue']);
  assert.equal(surrogateKeysAfterNotModified(stored, ''), []);
});

test.run();
