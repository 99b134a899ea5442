/** Request ids: a usable client X-Request-Id is kept, else the edge's own number; how the log writes each. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requestIdOf, requestIdText, requestNumbers } from '../../../edge/access-log/request-id.js';

test("a usable X-Request-Id is kept and takes no number; anything else gets the edge's next number", () => {
  const next = requestNumbers();
  const rows: Array<[string | string[] | undefined, string | number]> = [
    ['abc-123', 'abc-123'],
    [undefined, 1],
    ['', 2],
    ['has space', 3],
    ['x'.repeat(129), 4],
    [['a', 'b'], 5],
    ['x'.repeat(128), 'x'.repeat(128)],
    ['\u00e9', 6],
  ];
  for (const [header, id] of rows) assert.is(requestIdOf(header, next), id, JSON.stringify(header));
});

test('each counter is its own: two watched servers in one process do not share numbers unless they share the counter', () => {
  const a = requestNumbers();
  const b = requestNumbers();
  assert.equal([a(), a(), b(), a()], [1, 2, 1, 3]);
});

test('the log writes an own id as <prefix>-<base 36>, a client id as it came', () => {
  assert.is(requestIdText(1, '0badcafe'), '0badcafe-1');
  assert.is(requestIdText(36 * 36, '0badcafe'), '0badcafe-100');
  assert.is(requestIdText('client', '0badcafe'), 'client');
});

test.run();
