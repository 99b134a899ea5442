/** Purges applied on a real edge over loopback: hard and soft, by URL, surrogate key, prefix and all; the purge/fill race; the lease. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import { startCluster } from '../../support/cluster-harness.js';
import { DEFAULT_PEER_AUTH_WINDOW_MS } from '../../../edge/routing/peer-auth.js';
import { startHarness, type Harness } from '../../support/edge-harness.js';
import { signedPeerHeaders } from '../../support/peer-signing.js';

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

const status = async (h: Harness, path: string) => (await h.get(path)).headers['cache-status']!;

/** A ring of this edge alone, so it speaks the (signed) peer protocol; tests then act as a peer. */
const PEER_SECRET = 'purges-test-peer-secret-0123456789abc';
const aloneInRing = {
  cluster: {
    selfId: 'test-edge',
    members: [{ id: 'test-edge', url: 'http://127.0.0.1:9', weight: 1 }],
    peerTimeouts: { connectMs: 500, headersMs: 5000, bodyIdleMs: 5000 },
    peerSuspectMs: 1000,
    peerMaxSuspectMs: 1000,
    hotKeyRequestsPerSecond: 100,
    hotCacheFraction: 0.1,
    handoffMs: 0,
    peerAuth: { mode: 'require', secret: PEER_SECRET, windowMs: DEFAULT_PEER_AUTH_WINDOW_MS },
  },
} as const;
const handoffFrom = (h: Harness, path: string) => signedPeerHeaders(PEER_SECRET, 'GET', path, h.clock.wallMs(), { extra: { 'x-edgeworks-handoff': '1' } });

test('a hard URL purge removes the object; the next request fetches it again', () =>
  withHarness(async (h) => {
    await h.get('/p?x=1');
    h.edge.applyPurge(purge('url', ['https://www.example.com/p?x=1']));
    assert.match(await status(h, '/p?x=1'), /fwd=uri-miss/);
    assert.is(await h.originCount('/p'), 2);
    assert.is(h.edge.metrics.purgesApplied.url, 1);
  }));

test('a soft purge keeps the object but forces revalidation, and stale-if-error still covers it', () =>
  withHarness(async (h) => {
    await h.get('/soft');
    h.edge.applyPurge(purge('url', ['example.com/soft'], true));
    assert.match(await status(h, '/soft'), /fwd=stale; fwd-status=304/);
    h.edge.applyPurge(purge('url', ['example.com/soft'], true));
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
    h.edge.applyPurge(purge('key', ['blue']));
    assert.match(await status(h, '/a?sk=red%20blue'), /fwd=uri-miss/);
    assert.match(await status(h, '/b?sk=blue'), /fwd=uri-miss/);
    assert.match(await status(h, '/c?sk=green'), /hit/);
  }));

test('a prefix purge removes the URLs under the prefix only', () =>
  withHarness(async (h) => {
    for (const path of ['/static/a', '/static/b/c', '/statics', '/other']) await h.get(path);
    h.edge.applyPurge(purge('prefix', ['example.com/static/']));
    assert.match(await status(h, '/static/a'), /fwd=uri-miss/);
    assert.match(await status(h, '/static/b/c'), /fwd=uri-miss/);
    assert.match(await status(h, '/statics'), /hit/);
    assert.match(await status(h, '/other'), /hit/);
  }));

test('purge all empties the cache', () =>
  withHarness(async (h) => {
    await h.get('/x');
    await h.get('/y');
    h.edge.applyPurge(purge('all', []));
    assert.is(h.edge.store.stats().entries, 0);
    assert.match(await status(h, '/x'), /fwd=uri-miss/);
  }));

test('purge/fill race: a fill in flight when its purge lands is served but not stored', () =>
  withHarness(async (h) => {
    const inFlight = h.get('/race?latency=200');
    // The request is at the origin now (it waits 200 ms there); the purge lands meanwhile.
    while ((await h.originCount('/race')) === 0) await new Promise((r) => setImmediate(r));
    h.edge.applyPurge(purge('url', ['example.com/race?latency=200']));
    const res = await inFlight;
    assert.is(res.status, 200);
    assert.match(res.headers['cache-status']!, /detail=purged-during-fill/);
    assert.match(await status(h, '/race?latency=200'), /fwd=uri-miss/);
    assert.is(h.edge.metrics.fillsDroppedByPurge, 1);
  }));

test('waiters behind a fill that a purge raced collapse again behind one new writer', () =>
  withHarness(async (h) => {
    const replies = Array.from({ length: 10 }, () => h.get('/herd-race?latency=150'));
    while ((await h.originCount('/herd-race')) === 0) await new Promise((r) => setImmediate(r));
    h.edge.applyPurge(purge('url', ['example.com/herd-race?latency=150']));
    for (const r of await Promise.all(replies)) assert.is(r.status, 200);
    assert.is(await h.originCount('/herd-race'), 2, 'the raced fill and one refill, not one per waiter');
    assert.match(await status(h, '/herd-race?latency=150'), /hit/);
  }));

test('waiters keep collapsing when purges race one refill after another (a replayed purge backlog)', () =>
  withHarness(async (h) => {
    const path = '/herd-race-twice?latency=150';
    const replies = Array.from({ length: 10 }, () => h.get(path));
    for (const fills of [1, 2]) {
      while ((await h.originCount('/herd-race-twice')) < fills) await new Promise((r) => setImmediate(r));
      h.edge.applyPurge(purge('url', [`example.com${path}`]));
    }
    for (const r of await Promise.all(replies)) assert.is(r.status, 200);
    assert.is(await h.originCount('/herd-race-twice'), 3, 'two raced fills and one that sticks, never one per waiter');
  }));

test('an unrelated purge during a fill does not stop it from being stored', () =>
  withHarness(async (h) => {
    const inFlight = h.get('/calm?latency=100');
    while ((await h.originCount('/calm')) === 0) await new Promise((r) => setImmediate(r));
    h.edge.applyPurge(purge('url', ['example.com/elsewhere']));
    await inFlight;
    assert.match(await status(h, '/calm?latency=100'), /hit/);
  }));

test('a copy purged while its revalidation was in flight is not served as stale-if-error', () =>
  withHarness(async (h) => {
    const path = '/sie-race?cc=max-age%3D1,stale-if-error%3D600&latency=150';
    await h.get(path);
    h.clock.advance(5000);
    await h.originAdmin('/_admin/failure', { mode: 'error', status: 503 });
    const inFlight = h.get(path);
    while ((await h.originCount('/sie-race')) < 2) await new Promise((r) => setImmediate(r));
    h.edge.applyPurge(purge('url', [`example.com${path}`]));
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
      h.edge.renewLease(30_000);
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
      h.edge.renewLease(10_000);
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
        h.edge.renewLease(10_000);
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
    const owner = c.nodes.find((n) => n.edge.cluster!.owns(n.edge.keyFor(undefined, '/lag')!))!;
    const front = c.nodes.find((n) => n !== owner)!;
    await c.get(front, '/lag');
    front.edge.applyPurge(purge('url', ['example.com/unrelated']));
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
