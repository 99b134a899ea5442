/**
 * The ResponseStore contract, as undici runs one cache-store suite against each of its stores:
 * every implementation is handed to `responseStoreContract` with a factory, and must pass all of
 * it. What is stated here is what the edge relies on (edge/pipeline/edge.ts, control/apply-purge.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResponseStore, StoreOptions } from '../../edge/store/response-store.js';
import { chargedBytes, StoredRecord } from '../../edge/store/stored-response.js';

export type StoreFactory = (options: StoreOptions) => ResponseStore;

export function storedResponse(body = 'hello', over: { vary?: [string, string]; tags?: string[] } = {}): StoredRecord {
  const varyNames = over.vary === undefined ? [] : [over.vary[0]];
  return new StoredRecord(
    { status: 200, headerNames: ['content-length'], noCache: false, mustRevalidate: false, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, varyNames },
    { headerValues: [String(body.length)], body: Buffer.from(body), storedAtMonoMs: 0, initialAgeMs: 0, freshUntilMonoMs: 60_000, varyValues: over.vary === undefined ? [] : [over.vary[1]], surrogateKeys: over.tags ?? [] },
  );
}

export function responseStoreContract(name: string, make: StoreFactory): void {
  const store = (maxBytes = 1_000_000): ResponseStore => make({ maxBytes, maxObjectBytes: 10_000 });

  test(`${name}: a stored response is found; another key is a miss`, () => {
    const s = store();
    const r = storedResponse();
    s.put('a', r);
    const found = s.lookup('a', {});
    assert.is(found.kind, 'match');
    assert.is(found.kind === 'match' && found.response, r);
    assert.is(s.lookup('b', {}).kind, 'miss');
  });

  test(`${name}: variants are kept per Vary selection; another selection is a vary-miss`, () => {
    const s = store();
    const gzip = storedResponse('gz', { vary: ['accept-encoding', 'gzip'] });
    const br = storedResponse('br', { vary: ['accept-encoding', 'br'] });
    s.put('a', gzip);
    s.put('a', br);
    const g = s.lookup('a', { 'accept-encoding': 'gzip' });
    assert.is(g.kind === 'match' && g.response, gzip);
    const b = s.lookup('a', { 'accept-encoding': 'br' });
    assert.is(b.kind === 'match' && b.response, br);
    assert.is(s.lookup('a', { 'accept-encoding': 'zstd' }).kind, 'vary-miss');
    assert.is(s.variants('a').length, 2);
    // The same selection replaces its variant.
    const gzip2 = storedResponse('gz2', { vary: ['accept-encoding', 'gzip'] });
    s.put('a', gzip2);
    assert.is(s.variants('a').length, 2);
    const g2 = s.lookup('a', { 'accept-encoding': 'gzip' });
    assert.is(g2.kind === 'match' && g2.response, gzip2);
  });

  test(`${name}: remove takes out one response only if it is still the stored one`, () => {
    const s = store();
    const gzip = storedResponse('gz', { vary: ['accept-encoding', 'gzip'] });
    const br = storedResponse('br', { vary: ['accept-encoding', 'br'] });
    s.put('a', gzip);
    s.put('a', br);
    s.remove('a', gzip);
    assert.equal(s.variants('a'), [br]);
    s.remove('a', storedResponse('br', { vary: ['accept-encoding', 'br'] }));
    assert.equal(s.variants('a'), [br], 'an equal but different response is not removed');
    s.remove('a', br);
    assert.is(s.lookup('a', { 'accept-encoding': 'br' }).kind, 'miss');
  });

  test(`${name}: invalidate removes every variant and says whether there was one`, () => {
    const s = store();
    s.put('a', storedResponse('gz', { vary: ['accept-encoding', 'gzip'] }));
    s.put('a', storedResponse('br', { vary: ['accept-encoding', 'br'] }));
    assert.is(s.invalidate('a'), true);
    assert.equal(s.variants('a'), []);
    assert.is(s.invalidate('a'), false);
  });

  test(`${name}: surrogate keys find their URLs until the response leaves by any way`, () => {
    const s = store();
    s.put('a', storedResponse('a', { tags: ['t1', 't2'] }));
    s.put('b', storedResponse('b', { tags: ['t1'] }));
    assert.equal(s.keysWithSurrogate('t1').sort(), ['a', 'b']);
    assert.equal(s.keysWithSurrogate('t2'), ['a']);
    s.invalidate('a');
    assert.equal(s.keysWithSurrogate('t1'), ['b']);
    assert.equal(s.keysWithSurrogate('t2'), []);
    s.clear();
    assert.equal(s.keysWithSurrogate('t1'), []);
  });

  test(`${name}: bytes never exceed the bound; the least recently used goes first`, () => {
    const size = chargedBytes(storedResponse());
    const s = store(3 * size + Math.floor(size / 2));
    for (const k of ['a', 'b', 'c']) s.put(k, storedResponse());
    s.lookup('a', {});
    s.put('d', storedResponse());
    assert.equal([...s.keys()].sort(), ['a', 'c', 'd']);
    const stats = s.stats();
    assert.is(stats.entries, 3);
    assert.ok(stats.bytes <= 3 * size + size / 2);
    assert.is(stats.evictions, 1);
    for (let i = 0; i < 100; i++) {
      s.put(`k${i}`, storedResponse('x'.repeat(i)));
      assert.ok(s.stats().bytes <= 3 * size + size / 2, `after ${i} puts`);
    }
  });

  test(`${name}: keys lists most recently used first; clear empties the store`, () => {
    const s = store();
    for (const k of ['a', 'b', 'c']) s.put(k, storedResponse());
    s.lookup('a', {});
    assert.equal([...s.keys()], ['a', 'c', 'b']);
    s.clear();
    assert.equal([...s.keys()], []);
    assert.is(s.stats().entries, 0);
    assert.is(s.stats().bytes, 0);
  });
}
