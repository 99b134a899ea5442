import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HotKeys } from '../../../edge/routing/hot-keys.js';
import { viewCostPerItem } from '../../support/heap-per-item.js';

test('a key is hot once its requests in one second reach the threshold', () => {
  const hot = new HotKeys(3, 100);
  assert.equal([hot.hit('/a', 0), hot.hit('/a', 10), hot.hit('/a', 999)], [false, false, true]);
  assert.is(hot.hit('/b', 999), false, 'counts are per key');
});

test('the count starts over in each one-second window', () => {
  const hot = new HotKeys(3, 100);
  hot.hit('/a', 500);
  hot.hit('/a', 900);
  assert.is(hot.hit('/a', 1000), false, 'two requests in the last window do not carry over');
  hot.hit('/a', 1500);
  assert.is(hot.hit('/a', 1999), true);
});

test('at most trackedKeys distinct keys are counted per window', () => {
  const hot = new HotKeys(2, 2);
  hot.hit('/a', 0);
  hot.hit('/b', 0);
  assert.is(hot.hit('/c', 0), false);
  assert.is(hot.hit('/c', 0), false, 'an untracked key never accumulates in this window');
  assert.is(hot.hit('/a', 0), true, 'tracked keys still count');
  hot.hit('/c', 1000);
  assert.is(hot.hit('/c', 1000), true, 'the next window tracks it');
});

test('a threshold of one makes every key hot on its first request', () => {
  assert.is(new HotKeys(1, 10).hit('/x', 0), true);
});

test('the counter keeps nothing else alive: a key sliced from a request head does not keep the head', () => {
  // A non-owner counts its requests' keys (the request target, a view of the decoded head); the
  // window's map lives until the next second with a request, so a lull kept up to trackedKeys heads.
  const hot = new HotKeys(100, 10_000);
  const headChars = 8_192;
  const perKey = viewCostPerItem(2_000, headChars, (i) => `/objects/counted/${i}`, (key) => void hot.hit(key, 5_000));
  assert.ok(perKey < headChars / 4, `${perKey.toFixed(0)} bytes of heap per counted key over plain keys, heads of ${headChars}`);
  assert.is(hot.hit('/objects/counted/1999', 5_000), false, 'the key is still counted');
});

test.run();
