/** Revalidation, stale-while-revalidate and stale-if-error over real sockets, on a hand-moved clock. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startHarness, type Harness } from '../../support/edge-harness.js';

async function withHarness(fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

test('a stale response is revalidated with If-None-Match; the 304 refreshes it (§4.3.1, §4.3.4)', () =>
  withHarness(async (h) => {
    const path = '/rv?cc=max-age%3D10';
    const first = await h.get(path);
    h.clock.advance(20_000);
    const revalidated = await h.get(path);
    assert.is(revalidated.status, 200);
    assert.match(revalidated.headers['cache-status']!, /^test-edge; fwd=stale; fwd-status=304; ttl=10; stored$/);
    assert.ok(revalidated.body.equals(first.body));
    assert.is(await h.originCount('/rv'), 2);
    assert.match((await h.get(path)).headers['cache-status']!, /hit/, 'fresh again after the 304');
    assert.is(await h.originCount('/rv'), 2);
  }));

test('a 304 updates stored header fields but keeps the body (§3.2)', () =>
  withHarness(async (h) => {
    await h.get('/upd?cc=max-age%3D10');
    h.clock.advance(20_000);
    // Same version, so the origin answers 304; its Date is now 20 s later.
    const after = await h.get('/upd?cc=max-age%3D10');
    assert.is(after.headers['date'], new Date(h.clock.wallMs()).toUTCString());
  }));

test('a changed object comes back as 200 and replaces the stored one', () =>
  withHarness(async (h) => {
    const first = await h.get('/chg?cc=max-age%3D10');
    await h.originAdmin('/_admin/version?path=/chg', {});
    h.clock.advance(20_000);
    const second = await h.get('/chg?cc=max-age%3D10');
    assert.match(second.headers['cache-status']!, /fwd=stale; fwd-status=200/);
    assert.is.not(second.headers['etag'], first.headers['etag']);
    assert.match(second.body.toString('latin1'), /version=2/);
  }));

test('stale-while-revalidate serves stale at once and refreshes once in the background (RFC 5861 §3)', () =>
  withHarness(async (h) => {
    const path = '/swr?cc=max-age%3D1,stale-while-revalidate%3D60';
    await h.get(path);
    await h.originAdmin('/_admin/version?path=/swr', {});
    h.clock.advance(5_000);
    const stale = await h.get(path);
    assert.match(stale.headers['cache-status']!, /^test-edge; hit; fwd=stale; ttl=-4; detail=stale-while-revalidate$/);
    assert.match(stale.body.toString('latin1'), /version=1/);
    await h.edge.settled();
    assert.is(await h.originCount('/swr'), 2, 'exactly one background refresh');
    const fresh = await h.get(path);
    assert.match(fresh.headers['cache-status']!, /hit; ttl=/);
    assert.match(fresh.body.toString('latin1'), /version=2/);
  }));

test('past the stale-while-revalidate window the request waits for revalidation', () =>
  withHarness(async (h) => {
    const path = '/swr2?cc=max-age%3D1,stale-while-revalidate%3D5';
    await h.get(path);
    h.clock.advance(10_000);
    assert.match((await h.get(path)).headers['cache-status']!, /fwd=stale; fwd-status=304/);
  }));

test('stale-if-error: origin down, stale served inside the window, error after it (RFC 5861 §4)', () =>
  withHarness(async (h) => {
    const path = '/sie?cc=max-age%3D10,stale-if-error%3D300';
    const first = await h.get(path);
    await h.stopOrigin();
    h.clock.advance(60_000);
    const stale = await h.get(path);
    assert.is(stale.status, 200);
    assert.ok(stale.body.equals(first.body));
    assert.match(stale.headers['cache-status']!, /hit; fwd=stale; ttl=-50; detail=stale-if-error/);
    h.clock.advance(300_000);
    const tooOld = await h.get(path);
    assert.is(tooOld.status, 502);
  }));

test('stale-if-error also covers origin 5xx answers', () =>
  withHarness(async (h) => {
    const path = '/sie5?cc=max-age%3D10,stale-if-error%3D300';
    await h.get(path);
    await h.originAdmin('/_admin/failure', { mode: 'error', status: 503 });
    h.clock.advance(20_000);
    const stale = await h.get(path);
    assert.is(stale.status, 200);
    assert.match(stale.headers['cache-status']!, /fwd=stale; fwd-status=503; ttl=-10; detail=stale-if-error/);
  }));

test('must-revalidate forbids serving stale even when the origin is down (§4.2.4, §5.2.2.2)', () =>
  withHarness(async (h) => {
    const path = '/mr?cc=max-age%3D10,must-revalidate';
    await h.get(path);
    await h.stopOrigin();
    h.clock.advance(20_000);
    assert.is((await h.get(path)).status, 502);
  }));

test('without stale-if-error, a stale object is still served for the default window when the origin fails', () =>
  withHarness(async (h) => {
    await h.get('/dflt?cc=max-age%3D10');
    await h.stopOrigin();
    h.clock.advance(30_000);
    const res = await h.get('/dflt?cc=max-age%3D10');
    assert.is(res.status, 200);
    assert.match(res.headers['cache-status']!, /detail=stale-if-error/);
    h.clock.advance(60_000);
    assert.is((await h.get('/dflt?cc=max-age%3D10')).status, 502);
  }));

test('no-cache responses are stored but validated on every use (§5.2.2.4)', () =>
  withHarness(async (h) => {
    await h.get('/nc?cc=no-cache');
    const second = await h.get('/nc?cc=no-cache');
    assert.match(second.headers['cache-status']!, /fwd=stale; fwd-status=304/);
    assert.is(await h.originCount('/nc'), 2);
  }));

test('a failing origin fails over to the alternate origin when one is configured', async () => {
  const backup = await startHarness();
  const h = await startHarness({ alternateOriginUrl: backup.originUrl });
  try {
    await h.originAdmin('/_admin/failure', { mode: 'error', status: 503 });
    const res = await h.get('/fo');
    assert.is(res.status, 200);
    assert.is(await backup.originCount('/fo'), 1);
    await h.stopOrigin();
    assert.is((await h.get('/fo2')).status, 200);
    assert.is(h.edge.metrics.originFailovers, 2);
  } finally {
    await h.close();
    await backup.close();
  }
});

test.run();
