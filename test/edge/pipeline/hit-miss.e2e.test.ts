/** Hit, miss, Vary, Range, conditionals, invalidation and storage rules over real loopback sockets. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startHarness, type Harness } from '../../support/edge-harness.js';

async function withHarness(fn: (h: Harness) => Promise<void>, overrides = {}): Promise<void> {
  const h = await startHarness(overrides);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

test('a miss is stored and the repeat is a hit without reaching the origin (RFC 9111 §4)', () =>
  withHarness(async (h) => {
    const first = await h.get('/a');
    assert.is(first.status, 200);
    assert.is(first.body.length, 1024);
    assert.match(first.headers['cache-status']!, /^test-edge; fwd=uri-miss; fwd-status=200; ttl=300; stored$/);
    assert.is(first.headers['age'], undefined, 'a response fresh from the origin carries no Age');
    const second = await h.get('/a');
    assert.is(second.status, 200);
    assert.ok(second.body.equals(first.body));
    assert.is(second.headers['cache-status'], 'test-edge; hit; ttl=300');
    assert.is(second.headers['etag'], first.headers['etag']);
    assert.is(second.headers['via'], '1.1 test-edge');
    assert.is(await h.originCount('/a'), 1);
  }));

test('Age and ttl follow the wall clock while the object sits in the cache (§4.2.3, RFC 9211 §2.4)', () =>
  withHarness(async (h) => {
    await h.get('/aging');
    h.clock.advance(100_000);
    const hit = await h.get('/aging');
    assert.is(hit.headers['age'], '100');
    assert.is(hit.headers['cache-status'], 'test-edge; hit; ttl=200');
    assert.is(hit.headers['date'], (await h.get('/aging')).headers['date'], 'Date is the origin\'s, unchanged on hits');
  }));

test('an origin Date 100 s in the past counts as age, so its clock cannot extend freshness (§4.2.3)', () =>
  withHarness(async (h) => {
    await h.get('/skewed?date=offset:-100');
    const hit = await h.get('/skewed?date=offset:-100');
    assert.is(hit.headers['age'], '100');
    assert.is(hit.headers['cache-status'], 'test-edge; hit; ttl=200');
  }));

test('a wall clock stepped back does not extend freshness: resident time is monotonic (§4.2.3)', () =>
  withHarness(async (h) => {
    await h.get('/jump?cc=max-age%3D10');
    h.clock.advance(5000);
    h.clock.jumpWall(-60_000);
    assert.match((await h.get('/jump?cc=max-age%3D10')).headers['cache-status']!, /hit; ttl=5/);
    h.clock.advance(6000);
    assert.match((await h.get('/jump?cc=max-age%3D10')).headers['cache-status']!, /fwd=stale/);
  }));

test('HEAD is answered from the stored GET without a body', () =>
  withHarness(async (h) => {
    await h.get('/head');
    const head = await h.send('HEAD', '/head');
    assert.is(head.status, 200);
    assert.is(head.body.length, 0);
    assert.is(head.headers['content-length'], '1024');
    assert.match(head.headers['cache-status']!, /hit/);
    assert.is(await h.originCount('/head'), 1);
  }));

test('the fast plain-GET hit answers exactly as the general path does (compared with a HEAD hit)', () =>
  withHarness(async (h) => {
    await h.get('/same');
    h.clock.advance(1500);
    const get = await h.get('/same');
    const head = await h.send('HEAD', '/same');
    // Connection management is node's, not the cache's, and differs for HEAD.
    for (const r of [get, head]) {
      delete r.headers['connection'];
      delete r.headers['keep-alive'];
    }
    assert.equal(get.headers, head.headers);
    assert.is(get.status, head.status);
  }));

test('Vary selects stored responses by request field; a different value is a vary-miss (§4.1)', () =>
  withHarness(async (h) => {
    const path = '/v?vary=Accept-Language';
    assert.match((await h.get(path, { 'accept-language': 'en' })).headers['cache-status']!, /fwd=uri-miss/);
    assert.match((await h.get(path, { 'accept-language': 'fr' })).headers['cache-status']!, /fwd=vary-miss/);
    assert.match((await h.get(path, { 'accept-language': 'en' })).headers['cache-status']!, /hit/);
    assert.match((await h.get(path, { 'accept-language': 'fr' })).headers['cache-status']!, /hit/);
    assert.match((await h.get(path)).headers['cache-status']!, /fwd=vary-miss/, 'an absent field is its own selection');
    assert.is(await h.originCount('/v'), 3);
  }));

test('Range on a cached object: 206 with Content-Range, 416 past the end (RFC 9110 §14)', () =>
  withHarness(async (h) => {
    const full = await h.get('/r');
    const part = await h.get('/r', { range: 'bytes=10-19' });
    assert.is(part.status, 206);
    assert.is(part.headers['content-range'], 'bytes 10-19/1024');
    assert.ok(part.body.equals(full.body.subarray(10, 20)));
    const tooFar = await h.get('/r', { range: 'bytes=5000-' });
    assert.is(tooFar.status, 416);
    assert.is(tooFar.headers['content-range'], 'bytes */1024');
    assert.is(await h.originCount('/r'), 1);
  }));

test('a Range miss fetches the whole object once, then answers the range from it', () =>
  withHarness(async (h) => {
    const part = await h.get('/rm', { range: 'bytes=0-3' });
    assert.is(part.status, 206);
    assert.is(part.body.length, 4);
    assert.match((await h.get('/rm')).headers['cache-status']!, /hit/);
    assert.is(await h.originCount('/rm'), 1);
  }));

test('client If-None-Match matching the stored ETag gets 304 with the ETag (§4.3.2)', () =>
  withHarness(async (h) => {
    const first = await h.get('/c');
    const etag = first.headers['etag']!;
    const notModified = await h.get('/c', { 'if-none-match': `"other", ${etag}` });
    assert.is(notModified.status, 304);
    assert.is(notModified.headers['etag'], etag);
    assert.is(notModified.body.length, 0);
    const changed = await h.get('/c', { 'if-none-match': '"nope"' });
    assert.is(changed.status, 200);
    assert.is(await h.originCount('/c'), 1);
  }));

test('a client conditional on a miss is answered from the freshly stored full response', () =>
  withHarness(async (h) => {
    const res = await h.get('/cm', { 'if-modified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' });
    assert.is(res.status, 304);
    assert.match((await h.get('/cm')).headers['cache-status']!, /hit/);
  }));

test('POST, PUT, DELETE and unknown methods invalidate the URL on success (§4.4)', () =>
  withHarness(async (h) => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      await h.get('/inv');
      assert.match((await h.get('/inv')).headers['cache-status']!, /hit/);
      const res = await h.send(method, '/inv', { 'content-type': 'text/plain' }, 'payload');
      assert.is(res.status, 200);
      assert.match(res.headers['cache-status']!, /fwd=method; fwd-status=200/);
      assert.match((await h.get('/inv')).headers['cache-status']!, /fwd=uri-miss/, `${method} invalidated`);
    }
  }));

test('an unsafe method invalidates a same-origin Location target too', () =>
  withHarness(async (h) => {
    await h.get('/target');
    await h.send('POST', '/inv2?location=/target');
    assert.match((await h.get('/target')).headers['cache-status']!, /fwd=uri-miss/);
  }));

test('storage rules: no-store, private, Set-Cookie (bypass) and Authorization are not stored (§3, §3.5)', () =>
  withHarness(async (h) => {
    const cases: Array<[string, Record<string, string>]> = [
      ['/s1?cc=no-store', {}],
      ['/s2?cc=private,max-age%3D300', {}],
      ['/s3?cookie=1', {}],
      ['/s4?cc=max-age%3D300', { authorization: 'Bearer x' }],
    ];
    for (const [path, headers] of cases) {
      const first = await h.get(path, headers);
      assert.is(first.status, 200);
      assert.not.match(first.headers['cache-status']!, /stored/, path);
      assert.match((await h.get(path, headers)).headers['cache-status']!, /fwd=uri-miss/, path);
    }
    const publicAuth = '/s5?cc=public,max-age%3D300';
    await h.get(publicAuth, { authorization: 'Bearer x' });
    assert.match((await h.get(publicAuth, { authorization: 'Bearer x' })).headers['cache-status']!, /hit/, 'public allows it');
  }));

test('Set-Cookie "strip" stores the response without the cookie; "store" replays it', async () => {
  await withHarness(async (h) => {
    const first = await h.get('/k?cookie=1');
    assert.ok(first.headers['set-cookie'] !== undefined, 'the filling client gets its cookie');
    const hit = await h.get('/k?cookie=1');
    assert.match(hit.headers['cache-status']!, /hit/);
    assert.is(hit.headers['set-cookie'], undefined);
  }, { setCookie: 'strip' });
  await withHarness(async (h) => {
    const first = await h.get('/k?cookie=1');
    const hit = await h.get('/k?cookie=1');
    assert.match(hit.headers['cache-status']!, /hit/);
    assert.is(hit.headers['set-cookie'], first.headers['set-cookie']);
  }, { setCookie: 'store' });
});

test('request Cache-Control no-cache forces validation; only-if-cached answers 504 on a miss (§5.2.1)', () =>
  withHarness(async (h) => {
    await h.get('/rq');
    const forced = await h.get('/rq', { 'cache-control': 'no-cache' });
    assert.match(forced.headers['cache-status']!, /fwd=request; fwd-status=304/);
    const onlyCached = await h.get('/never-seen', { 'cache-control': 'only-if-cached' });
    assert.is(onlyCached.status, 504);
    assert.is(await h.originCount('/never-seen'), 0);
  }));

test('responses larger than maxObjectBytes stream through whole and are not stored', () =>
  withHarness(
    async (h) => {
      const big = await h.get('/big?size=100000');
      assert.is(big.status, 200);
      assert.is(big.body.length, 100_000);
      assert.match(big.headers['cache-status']!, /detail=too-large/);
      await h.get('/big?size=100000');
      assert.is(await h.originCount('/big'), 2);
    },
    { maxObjectBytes: 10_000 },
  ));

test('the byte bound evicts least recently used objects and never exceeds maxBytes', () =>
  withHarness(
    async (h) => {
      for (let i = 0; i < 20; i++) await h.get(`/e${i}?size=4096`);
      const stats = h.edge.store.stats();
      assert.ok(stats.bytes <= 32 * 1024, `bytes ${stats.bytes} within the bound`);
      assert.ok(stats.evictions > 0);
      assert.match((await h.get('/e19?size=4096')).headers['cache-status']!, /hit/, 'the newest survives');
      assert.match((await h.get('/e0?size=4096')).headers['cache-status']!, /fwd=uri-miss/, 'the oldest was evicted');
    },
    { maxBytes: 32 * 1024 },
  ));

test('every response carries Cache-Status, errors included (RFC 9211)', () =>
  withHarness(async (h) => {
    await h.stopOrigin();
    const res = await h.get('/down');
    assert.is(res.status, 502);
    assert.is(res.headers['cache-status'], 'test-edge; fwd=uri-miss; detail=origin-connect-refused');
  }));

test.run();
