/**
 * flatCopy: the same text, and none of the string it may be a view of kept alive, also once the
 * function runs as optimized code (the character it reads only to flatten must not be dropped).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flatCopy } from '../../common/flat-string.js';
import { viewCostPerItem } from '../support/heap-per-item.js';

test('a copy has the same text: empty, one character, short, at the 13-character view threshold, long, two-byte, lone surrogates', () => {
  const parent = `${'x'.repeat(40)}é€😀\ud800${'y'.repeat(40)}`;
  for (const s of ['', 'a', 'abc', 'a'.repeat(12), 'a'.repeat(13), 'a'.repeat(14), 'b'.repeat(5_000), parent, parent.slice(3, 50), parent.slice(40, 44), `${parent}${parent}`]) {
    assert.is(flatCopy(s), s);
  }
});

test('a copy of a view keeps nothing of the parent, once flatCopy is optimized too', () => {
  const warm = 'w'.repeat(64);
  for (let i = 0; i < 100_000; i++) flatCopy(warm.slice(i % 7, 40 + (i % 11)));
  const kept: string[] = [];
  const parentChars = 8_192;
  const perCopy = viewCostPerItem(2_000, parentChars, (i) => `/a/copied/view/${i}`, (s) => void kept.push(flatCopy(s)));
  assert.ok(perCopy < parentChars / 4, `${perCopy.toFixed(0)} bytes per copy over plain strings`);
  assert.is(kept.length, 4_000);
});

test('the measure can fail: views kept as they came cost their parents', () => {
  const kept: string[] = [];
  const parentChars = 8_192;
  const perView = viewCostPerItem(1_000, parentChars, (i) => `/a/kept/as/a/view/${i}`, (s) => void kept.push(s));
  assert.ok(perView > parentChars / 2, `${perView.toFixed(0)} bytes per view kept`);
});

test.run();
