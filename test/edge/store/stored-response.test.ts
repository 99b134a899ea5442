import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import { applyPurgeToStores } from '../../../edge/control/apply-purge.js';
import { buildStoredResponse, planStorage, type StorageOptions, type UpstreamExchange } from '../../../edge/pipeline/build-stored.js';
import { Interner } from '../../../edge/store/intern.js';
import { LruResponseStore, type ResponseStore } from '../../../edge/store/response-store.js';
import { chargedBytes, headerPairs, storedValidators, wireHeaders, type StoredResponse } from '../../../edge/store/stored-response.js';

const T = Date.UTC(2026, 10, 26, 12, 0, 0);
const DATE = new Date(T).toUTCString();

const options: StorageOptions = {
  setCookie: 'bypass',
  heuristic: { fraction: 0.1, maxSeconds: 86_400 },
  staleIfErrorDefaultSeconds: 60,
  via: '1.1 edge-1',
  interner: new Interner(),
};

function build(headers: HeaderList, body = 'hello', requestHeaders: Record<string, string> = {}): StoredResponse {
  const exchange: UpstreamExchange = {
    method: 'GET',
    requestHeaders,
    status: 200,
    headers: [['date', DATE], ...headers],
    requestTimeMs: T,
    responseTimeMs: T,
    responseMonoMs: 5_000.75,
  };
  const plan = planStorage(exchange, options);
  if (!plan.store) throw new Error(`not storable: ${plan.reason}`);
  return buildStoredResponse(exchange, plan, Buffer.from(body), options);
}

/** Every field a reader of a stored response sees, as plain data. */
function fields(r: StoredResponse): Record<string, unknown> {
  return {
    status: r.status,
    headers: headerPairs(r),
    body: r.body.toString(),
    storedAtMonoMs: r.storedAtMonoMs,
    initialAgeMs: r.initialAgeMs,
    freshUntilMonoMs: r.freshUntilMonoMs,
    noCache: r.noCache,
    mustRevalidate: r.mustRevalidate,
    staleWhileRevalidateMs: r.staleWhileRevalidateMs,
    staleIfErrorMs: r.staleIfErrorMs,
    varyNames: [...r.varyNames],
    varyValues: [...r.varyValues],
    surrogateKeys: [...r.surrogateKeys],
  };
}

test('a built response reads back every field as it was stored', () => {
  const r = build(
    [
      ['cache-control', 'max-age=300, stale-while-revalidate=30'],
      ['etag', '"v1"'],
      ['vary', 'Accept-Encoding'],
      ['surrogate-key', 'a b'],
    ],
    'hello',
    { 'accept-encoding': 'gzip' },
  );
  assert.equal(fields(r), {
    status: 200,
    headers: [
      ['date', DATE],
      ['cache-control', 'max-age=300, stale-while-revalidate=30'],
      ['etag', '"v1"'],
      ['vary', 'Accept-Encoding'],
      ['surrogate-key', 'a b'],
      ['content-length', '5'],
      ['via', '1.1 edge-1'],
    ],
    body: 'hello',
    storedAtMonoMs: 5_000,
    initialAgeMs: 0,
    freshUntilMonoMs: 305_000,
    noCache: false,
    mustRevalidate: false,
    staleWhileRevalidateMs: 30_000,
    staleIfErrorMs: 60_000,
    varyNames: ['accept-encoding'],
    varyValues: ['gzip'],
    surrogateKeys: ['a', 'b'],
  });
  assert.equal(storedValidators(r), { etag: '"v1"', lastModified: undefined });
});

test('RFC 9111 §5.2.2: no-cache, must-revalidate and s-maxage reach the stored reuse rules', () => {
  const noCache = build([['cache-control', 'no-cache, max-age=60, stale-if-error=600']]);
  assert.equal([noCache.noCache, noCache.mustRevalidate, noCache.staleIfErrorMs], [true, true, 0]);
  const sMaxAge = build([['cache-control', 's-maxage=60, stale-if-error=600']]);
  assert.equal([sMaxAge.noCache, sMaxAge.mustRevalidate, sMaxAge.staleIfErrorMs], [false, true, 600_000]);
  const mustRevalidate = build([['cache-control', 'max-age=60, must-revalidate, stale-while-revalidate=30']]);
  assert.equal([mustRevalidate.mustRevalidate, mustRevalidate.staleWhileRevalidateMs], [true, 0]);
});

test('responses alike in names and rules share their name and vary arrays; their own values stay their own', () => {
  const a = build([['cache-control', 'max-age=60'], ['etag', '"a"'], ['vary', 'accept']], 'aaa', { accept: 'text/html' });
  const b = build([['cache-control', 'max-age=60'], ['etag', '"b"'], ['vary', 'accept']], 'bbbb', { accept: 'image/png' });
  assert.ok(a.headerNames === b.headerNames);
  assert.ok(a.varyNames === b.varyNames);
  assert.equal(storedValidators(a).etag, '"a"');
  assert.equal(storedValidators(b).etag, '"b"');
  assert.equal([...a.varyValues], ['text/html']);
  assert.equal([...b.varyValues], ['image/png']);
  assert.is(a.body.toString(), 'aaa');
  assert.is(b.body.toString(), 'bbbb');
});

test('a soft purge of one response leaves the others that shared its rules untouched', () => {
  const a = build([['cache-control', 'max-age=60, stale-while-revalidate=30']]);
  const b = build([['cache-control', 'max-age=60, stale-while-revalidate=30']]);
  const store = new LruResponseStore({ maxBytes: 1_000_000, maxObjectBytes: 1_000 });
  store.put('h/a', a);
  store.put('h/b', b);
  applyPurgeToStores({ seq: 1, id: 'p1', kind: 'url', values: ['h/a'], soft: true, acceptedAtMs: T }, [store], (host, target) => `${host}${target}`, 10_000);
  assert.equal([a.staleWhileRevalidateMs, a.freshUntilMonoMs], [0, 9_999]);
  assert.equal([b.staleWhileRevalidateMs, b.freshUntilMonoMs], [30_000, 65_000]);
  assert.equal([a.status, a.mustRevalidate, a.staleIfErrorMs], [b.status, b.mustRevalidate, b.staleIfErrorMs]);
});

test('wire headers: stored fields, one name omitted, extra pairs last, no holes', () => {
  const r = build([['content-type', 'text/plain'], ['etag', '"v1"']]);
  const wire = wireHeaders(r, ['age', '3', 'cache-status', 'edge-1; hit'], 'content-length');
  assert.equal(wire, ['date', DATE, 'content-type', 'text/plain', 'etag', '"v1"', 'via', '1.1 edge-1', 'age', '3', 'cache-status', 'edge-1; hit']);
  assert.equal(wireHeaders(r), ['date', DATE, 'content-type', 'text/plain', 'etag', '"v1"', 'content-length', '5', 'via', '1.1 edge-1']);
});

test('the store charges body, header text and the fixed overhead', () => {
  const r = build([['content-type', 'text/plain'], ['cache-control', 'max-age=60']]);
  const headerText = headerPairs(r).reduce((sum, [n, v]) => sum + n.length + v.length, 0);
  assert.is(chargedBytes(r), 5 + headerText + 256);
});

test('a key built by concatenation is stored and found under its text', () => {
  const store = new LruResponseStore({ maxBytes: 1_000_000, maxObjectBytes: 1_000 });
  const host = 'origin.example:8080';
  const r = build([['cache-control', 'max-age=60']]);
  store.put(`${host}${'/path/'.concat(String(42))}`, r);
  assert.equal([...store.keys()], ['origin.example:8080/path/42']);
  const found = store.lookup('origin.example:8080/path/42', {});
  assert.ok(found.kind === 'match' && found.response === r);
});

test.run();
