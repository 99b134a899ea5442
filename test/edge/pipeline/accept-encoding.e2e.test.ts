/**
 * Over real sockets: the synthetic origin varies on Accept-Encoding; the four browser
 * spellings plus a client that sends none cost three origin fetches (br, gzip, identity), and
 * every later request is a hit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startHarness, type Harness } from '../../support/edge-harness.js';

let h: Harness;
test.before(async () => {
  h = await startHarness();
});
test.after(async () => {
  await h.close();
});

test('five spellings, three variants, then hits', async () => {
  const path = '/ae?vary=Accept-Encoding';
  const spellings: Array<string | undefined> = ['gzip, deflate, br, zstd', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'gzip', undefined];
  const statuses: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const ae of spellings) {
      const r = await h.get(path, ae === undefined ? {} : { 'accept-encoding': ae });
      assert.is(r.status, 200);
      statuses.push(/; hit/.test(r.headers['cache-status'] ?? '') ? 'hit' : 'miss');
    }
  }
  assert.equal(statuses, ['miss', 'hit', 'hit', 'miss', 'miss', 'hit', 'hit', 'hit', 'hit', 'hit']);
  assert.is(await h.originCount('/ae'), 3);
});

test.run();
