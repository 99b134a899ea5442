import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LruResponseStore, type ResponseStore } from '../../../edge/store/response-store.js';
import { chargedBytes, StoredRecord } from '../../../edge/store/stored-response.js';
import { viewCostPerItem } from '../../support/heap-per-item.js';

function record(): StoredRecord {
  return new StoredRecord(
    { status: 200, headerNames: ['content-length'], noCache: false, mustRevalidate: false, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, varyNames: [] },
    { headerValues: ['5'], body: Buffer.from('hello'), storedAtMonoMs: 0, initialAgeMs: 0, freshUntilMonoMs: 60_000, varyValues: [], surrogateKeys: [] },
  );
}

/** A store that holds exactly three of these records. */
function storeOfThree(): ResponseStore {
  const size = chargedBytes(record());
  return new LruResponseStore({ maxBytes: 3 * size + size / 2, maxObjectBytes: 1_000 });
}

const keys = (s: ResponseStore): string[] => [...s.keys()].sort();

test('lookups with a clock move an entry to the LRU tail at most once a second (as lru_interval)', () => {
  const s = storeOfThree();
  for (const k of ['a', 'b', 'c']) s.put(k, record());
  s.lookup('a', {}, 1_000); // recency: b c a
  s.lookup('b', {}, 1_000); // c a b
  s.lookup('a', {}, 1_500); // same second for a: stays c a b
  s.put('d', record()); // evicts c
  s.put('e', record()); // evicts a, not b
  assert.equal(keys(s), ['b', 'd', 'e']);
});

test('a lookup in a later second moves the entry again', () => {
  const s = storeOfThree();
  for (const k of ['a', 'b', 'c']) s.put(k, record());
  s.lookup('a', {}, 1_000); // b c a
  s.lookup('b', {}, 1_000); // c a b
  s.lookup('a', {}, 2_000); // next second: c b a
  s.put('d', record()); // evicts c
  s.put('e', record()); // evicts b
  assert.equal(keys(s), ['a', 'd', 'e']);
});

test('without a clock every lookup updates recency', () => {
  const s = storeOfThree();
  for (const k of ['a', 'b', 'c']) s.put(k, record());
  s.lookup('a', {});
  s.lookup('b', {});
  s.lookup('a', {}); // c b a
  s.put('d', record());
  s.put('e', record());
  assert.equal(keys(s), ['a', 'd', 'e']);
});

test('a stored key keeps nothing else alive: a key sliced from a request head does not keep the head', () => {
  // The default keyHost (origin) makes the request target the key, and the own HTTP/1.1 parser
  // slices the target from the head it decoded: stored as it came, every object kept its filling
  // request's whole head (a browser's ~900 bytes, up to the head limit).
  const store = new LruResponseStore({ maxBytes: 1_000_000_000, maxObjectBytes: 1_000_000 });
  const headChars = 8_192;
  const perObject = viewCostPerItem(2_000, headChars, (i) => `/objects/kept/${i}`, (key) => store.put(key, record()));
  assert.ok(perObject < headChars / 4, `${perObject.toFixed(0)} bytes of heap per stored object over plain keys, heads of ${headChars}`);
  assert.is(store.lookup('/objects/kept/1999', {}).kind, 'match');
});

test.run();
