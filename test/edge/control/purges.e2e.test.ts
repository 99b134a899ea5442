/** Purges applied on a real edge over loopback: hard and soft, by URL, surrogate key, prefix and all; the purge/fill race; the lease. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import { startCluster } from '../../support/cluster-harness.js';
import { DEFAULT_PEER_AUTH_WINDOW_MS } from '../../../edge/routing/peer-auth.js';
import { startHarness, startVirtualHarness, waitersOrStampede, type Harness, type VirtualHarness } from '../../support/edge-harness.js';
import { signedPeerHeaders } from '../../support/peer-signing.js';
import { ringOfOne } from '../../support/test-edge-options.js';

let seq = 0;
function purge(kind: PurgeRecord['kind'], values: string[], soft = false): PurgeRecord {
  seq++;
  return { seq, id: `p${seq}`, kind, values, soft, acceptedAtMs: 0 };
}

async function withHarness(fn: (h: Harness) => Promise<void>, overrides = {}): Promise<void> {
  const h = await startHarness(overrides);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/**
 * The races below are set up with the origin's gates and virtual timers: the test decides that a
 * purge lands while a fill is held at the origin, and knows every waiter has joined before it
 * lets an answer go, so what each test asserts does not depend on scheduling.
 */
async function withVirtualHarness(fn: (h: VirtualHarness) => Promise<void>): Promise<void> {
  const h = await startVirtualHarness();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}


const status = async (h: Harness, path: string) => (await h.get(path)).headers['cache-status']!;

/** A ring of this edge alone, so it speaks the (signed) peer protocol; tests then act as a peer. */
const PEER_SECRET = 'purges-test-peer-secret-0123456789abc';
const aloneInRing = { cluster: ringOfOne('test-edge', { mode: 'require', secret: PEER_SECRET, windowMs: DEFAULT_PEER_AUTH_WINDOW_MS }) };
const handoffFrom = (h: Harness, path: string) => signedPeerHeaders(PEER_SECRET, 'GET', path, h.clock.wallMs(), { extra: { 'x-edgeworks-handoff': '1' } });

test('a hard URL purge removes the object; the next request fetches it again', () =>
  withHarness(async (h) => {
    await h.get('/p?x=1');
    h.edge.control.applyPurge(purge('url', ['https://www.example.com/p?x=1']));
    assert.match(await status(h, '/p?x=1'), /fwd=uri-miss/);
    assert.is(await h.originCount('/p'), 2);
    assert.is(h.edge.metrics.purgesApplied.url, 1);
  }));

test('a soft purge keeps the object but forces revalidation, and stale-if-error still covers it', () =>
  withHarness(async (h) => {
    await h.get('/soft');
    h.edge.control.applyPurge(purge('url', ['example.com/soft'], true));
    assert.match(await status(h, '/soft'), /fwd=stale; fwd-status=304/);
    h.edge.control.applyPurge(purge('url', ['example.com/soft'], true));
    await h.stopOrigin();
    const res = await h.get('/soft');
    assert.is(res.status, 200);
    assert.match(res.headers['cache-status']!, /detail=stale-if-error/);
  }));

test('a surrogate-key purge removes every object tagged with it and nothing else', () =>
  withHarness(async (h) => {
    await h.get('/a?sk=red%20blue');
    await h.get('/b?sk=blue');
    await h.get('/c?sk=green');
    h.edge.control.applyPurge(purge('key', ['blue']));
    assert.match(await status(h, '/a?sk=red%20blue'), /fwd=uri-miss/);
    assert.match(await status(h, '/b?sk=blue'), /fwd=uri-miss/);
    assert.match(await status(h, '/c?sk=green'), /hit/);
  }));

test('a prefix purge removes the URLs under the prefix only', () =>
  withHarness(async (h) => {
    for (const path of ['/static/a', '/static/b/c', '/statics', '/other']) await h.get(path);
    h.edge.control.applyPurge(purge('prefix', ['example.com/static/']));
    assert.match(await status(h, '/static/a'), /fwd=uri-miss/);
    assert.match(await status(h, '/static/b/c'), /fwd=uri-miss/);
    assert.match(await status(h, '/statics'), /hit/);
    assert.match(await status(h, '/other'), /hit/);
  }));

test('purge all empties the cache', () =>
  withHarness(async (h) => {
    await h.get('/x');
    await h.get('/y');
    h.edge.control.applyPurge(purge('all', []));
    assert.is(h.edge.store.stats().entries, 0);
    assert.match(await status(h, '/x'), /fwd=uri-miss/);
  }));

test('purge/fill race: a fill in flight when its purge lands is served but not stored', () =>
  withVirtualHarness(async (h) => {
    h.origin.gate('/race');
    const inFlight = h.get('/race');
    // The request is at the origin, its answer held; the purge lands meanwhile.
    await h.origin.arrived('/race');
    h.edge.control.applyPurge(purge('url', ['example.com/race']));
    h.origin.open('/race');
    const res = await inFlight;
    assert.is(res.status, 200);
    assert.match(res.headers['cache-status']!, /detail=purged-during-fill/);
    assert.match(await status(h, '/race'), /fwd=uri-miss/, 'no copy from before the purge is served');
    assert.is(h.edge.metrics.fillsDroppedByPurge, 1);
  }));

test('waiters behind a fill that a purge raced collapse again behind one new writer', () =>
  withVirtualHarness(async (h) => {
    h.origin.gate('/herd-race');
    const replies = Array.from({ length: 10 }, () => h.get('/herd-race'));
    await h.origin.arrived('/herd-race');
    await waitersOrStampede(h, '/herd-race', 9, 1);
    h.edge.control.applyPurge(purge('url', ['example.com/herd-race']));
    h.origin.release('/herd-race', 1);
    // The raced fill is not stored; its waiters queue again behind one of them.
    await h.origin.arrived('/herd-race', 2);
    await waitersOrStampede(h, '/herd-race', 8, 2);
    h.origin.open('/herd-race');
    for (const r of await Promise.all(replies)) assert.is(r.status, 200, 'every waiter answered');
    assert.is(await h.originCount('/herd-race'), 2, 'the raced fill and one refill, not one per waiter');
    assert.match(await status(h, '/herd-race'), /hit/);
  }));

test('waiters keep collapsing when purges race one refill after another (a replayed purge backlog)', () =>
  withVirtualHarness(async (h) => {
    const path = '/herd-race-twice';
    h.origin.gate(path);
    const replies = Array.from({ length: 10 }, () => h.get(path));
    for (const fills of [1, 2]) {
      await h.origin.arrived(path, fills);
      await waitersOrStampede(h, path, 10 - fills, fills);
      h.edge.control.applyPurge(purge('url', [`example.com${path}`]));
      h.origin.release(path, 1);
    }
    await h.origin.arrived(path, 3);
    await waitersOrStampede(h, path, 7, 3);
    h.origin.open(path);
    for (const r of await Promise.all(replies)) assert.is(r.status, 200, 'every waiter answered');
    assert.is(await h.originCount(path), 3, 'two raced fills and one that sticks, never one per waiter');
  }));

test('an unrelated purge during a fill does not stop it from being stored', () =>
  withVirtualHarness(async (h) => {
    h.origin.gate('/calm');
    const inFlight = h.get('/calm');
    await h.origin.arrived('/calm');
    h.edge.control.applyPurge(purge('url', ['example.com/elsewhere']));
    h.origin.open('/calm');
    await inFlight;
    assert.match(await status(h, '/calm'), /hit/);
  }));

test('a copy purged while its revalidation was in flight is not served as stale-if-error', () =>
  withVirtualHarness(async (h) => {
    const path = '/sie-race?cc=max-age%3D1,stale-if-error%3D600';
    await h.get(path);
    h.timers.advance(5000);
    await h.originAdmin('/_admin/failure', { mode: 'error', status: 503 });
    h.origin.gate('/sie-race');
    const inFlight = h.get(path);
    await h.origin.arrived('/sie-race', 2);
    h.edge.control.applyPurge(purge('url', [`example.com${path}`]));
    h.origin.open('/sie-race');
    const res = await inFlight;
    assert.is(res.status, 503, 'the origin failed and the only copy was purged: no stale answer');
    assert.not.match(res.headers['cache-status'] ?? '', /stale-if-error/);
  }));

test('peer-protocol answers (a handoff miss) are not counted as errors in the load the edge reports', () =>
  withHarness(async (h) => {
    const res = await h.get('/never-cached', handoffFrom(h, '/never-cached'));
    assert.is(res.status, 504);
    assert.is(h.edge.metrics.requests.error, 0);
    assert.is(h.edge.metrics.requests.pass, 1);
  }, aloneInRing));

test('without a valid lease nothing is reused unvalidated; a grant allows hits until it runs out', () =>
  withHarness(
    async (h) => {
      await h.get('/l');
      assert.match(await status(h, '/l'), /fwd=stale; fwd-status=304; ttl=\d+; stored; detail=lease-expired/);
      h.edge.control.renewLease(30_000);
      assert.match(await status(h, '/l'), /hit/);
      h.clock.advance(31_000);
      assert.match(await status(h, '/l'), /fwd=stale; fwd-status=304.*detail=lease-expired/);
      assert.is(h.edge.metrics.leaseRevalidations, 2);
    },
    { lease: { expiredServeStale: false } },
  ));

test('a handoff is answered from cache only while the lease is valid (found by cdn-sim swarm seed 215)', () =>
  withHarness(
    async (h) => {
      h.edge.control.renewLease(10_000);
      await h.get('/handoff-lease');
      assert.match((await h.get('/handoff-lease', handoffFrom(h, '/handoff-lease'))).headers['cache-status']!, /hit; .*detail=handoff/);
      // The lease ran out (a partition from the control plane): purges may have been missed, so
      // the copy must not be handed to a new owner as if it were current.
      h.clock.advance(20_000);
      const res = await h.get('/handoff-lease', handoffFrom(h, '/handoff-lease'));
      assert.is(res.status, 504);
      assert.match(res.headers['cache-status']!, /detail=handoff-miss/);
    },
    { lease: { expiredServeStale: false }, ...aloneInRing },
  ));

test('lease expired and origin down: an error by default, stale when configured', async () => {
  for (const expiredServeStale of [false, true]) {
    await withHarness(
      async (h) => {
        h.edge.control.renewLease(10_000);
        await h.get('/both-down');
        h.clock.advance(20_000);
        await h.stopOrigin();
        const res = await h.get('/both-down');
        assert.is(res.status, expiredServeStale ? 200 : 502);
      },
      { lease: { expiredServeStale } },
    );
  }
});

test('a peer that has applied fewer purges is not trusted with a fill; the edge goes to the origin', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const owner = c.nodes.find((n) => n.edge.cluster!.owns(n.edge.control.keyFor(undefined, '/lag')!))!;
    const front = c.nodes.find((n) => n !== owner)!;
    await c.get(front, '/lag');
    front.edge.control.applyPurge(purge('url', ['example.com/unrelated']));
    const res = await c.get(front, '/lag');
    assert.is(res.status, 200);
    assert.not.match(res.headers['cache-status']!, /peer-/);
    assert.ok(front.edge.metrics.peerFillsRefused >= 1, 'the owner (and any successor tried) was refused');
    assert.is(await c.originCount('/lag'), 2);
  } finally {
    await c.close();
  }
});

test.run();
