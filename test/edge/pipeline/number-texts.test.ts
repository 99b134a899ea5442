import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NumberTexts } from '../../../edge/pipeline/number-texts.js';

test('the text of every number is prefix + its decimal form, whatever shares its slot', () => {
  const texts = new NumberTexts('ttl=', 8);
  // 3, 11 and 19 share a slot of 8; -5 and 3 too (-5 & 7 === 3); 2**40 + 3 as well.
  const numbers = [3, 11, 3, 19, -5, 3, 2 ** 40 + 3, 3, 0, -0, 86_400, 7, 15, 7];
  for (const n of numbers) assert.is(texts.text(n), `ttl=${n}`, `number ${n}`);
});

test('a kept text is returned again for the same number', () => {
  const texts = new NumberTexts('', 4);
  const first = texts.text(42);
  assert.is(texts.text(42), first);
  assert.is(texts.text(46), '46'); // same slot: replaces 42
  assert.is(texts.text(42), '42');
});

test('numbers that are not integers are formatted, not kept', () => {
  const texts = new NumberTexts('age ', 4);
  assert.is(texts.text(Number.NaN), 'age NaN');
  assert.is(texts.text(1.5), 'age 1.5');
  assert.is(texts.text(0), 'age 0'); // NaN, 1.5 and 0 share slot 0: a fraction never answered for 0
  assert.is(texts.text(1.5), 'age 1.5');
});

test('the slot count must be a power of two', () => {
  assert.throws(() => new NumberTexts('', 1000), /power of two/);
});

test.run();
