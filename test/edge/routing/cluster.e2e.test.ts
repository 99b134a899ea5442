/** Edges in a ring on loopback: misses go to the key's owner, and only the owner fills from the origin. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type ClusterHarness } from '../../support/cluster-harness.js';

async function withCluster(ids: string[], fn: (c: ClusterHarness) => Promise<void>, settings = {}): Promise<void> {
  const c = await startCluster(ids, settings, { timers: 'virtual' });
  try {
    await fn(c);
  } finally {
    await c.close();
  }
}

const paths = Array.from({ length: 30 }, (_, i) => `/obj/${i}`);

test('a concurrent cold burst spread over three edges fetches each object from the origin once', () =>
  withCluster(['e1', 'e2', 'e3'], async (c) => {
    // Every object's first fill is held at the origin while the rest of the burst arrives, and no
    // wait runs out (virtual timers): however the requests interleave, one origin request each.
    for (const path of paths) c.origin.gate(path);
    const requests = [];
    for (const path of paths) for (let i = 0; i < 9; i++) requests.push(c.get(c.nodes[i % 3]!, path));
    for (const path of paths) await c.origin.arrived(path);
    for (const path of paths) c.origin.open(path);
    const replies = await Promise.all(requests);
    for (const r of replies) assert.is(r.status, 200, 'every request answered');
    for (const path of paths) assert.is(await c.originCount(path), 1, path);
  }));

test('only the owner stores; a non-owner answers through it, and Cache-Status names both hops (RFC 9211)', () =>
  withCluster(['e1', 'e2', 'e3'], async (c) => {
    const owner = ownerOf(c, '/k');
    const front = c.nodes.find((n) => n !== owner)!;
    const first = await c.get(front, '/k');
    assert.match(first.headers['cache-status']!, new RegExp(`^${owner.id}; fwd=uri-miss; fwd-status=200; ttl=300; stored, ${front.id}; fwd=uri-miss; fwd-status=200; ttl=300; detail=peer-${owner.id}$`));
    assert.is(first.headers['via'], `1.1 ${owner.id}, 1.1 ${front.id}`);
    const second = await c.get(front, '/k');
    assert.match(second.headers['cache-status']!, new RegExp(`^${owner.id}; hit; ttl=300, ${front.id}; fwd=uri-miss`));
    assert.is(front.edge.store.stats().entries, 0, 'the non-owner keeps no copy');
    assert.is(owner.edge.store.stats().entries, 1);
    assert.is(owner.edge.metrics.ownerHits, 1);
    assert.is(await c.originCount('/k'), 1);
  }));

test('a killed peer leaves every request answered; its keys fall back to the next edge', () =>
  withCluster(['e1', 'e2', 'e3'], async (c) => {
    for (const path of paths) await c.get(c.nodes[0]!, path);
    const victim = c.nodes[1]!;
    await c.stop(victim);
    for (const path of paths) {
      for (const node of [c.nodes[0]!, c.nodes[2]!]) {
        const r = await c.get(node, path);
        assert.is(r.status, 200, `${path} via ${node.id}`);
      }
    }
    assert.ok(c.nodes[0]!.edge.metrics.peerErrors + c.nodes[2]!.edge.metrics.peerErrors >= 1);
  }));

test('an unsafe method at a non-owner invalidates the owner\'s copy too (RFC 9111 §4.4)', () =>
  withCluster(['e1', 'e2', 'e3'], async (c) => {
    const owner = ownerOf(c, '/inv');
    const front = c.nodes.find((n) => n !== owner)!;
    await c.get(front, '/inv');
    assert.match((await c.get(front, '/inv')).headers['cache-status']!, new RegExp(`^${owner.id}; hit`));
    assert.is((await c.send(front, 'POST', '/inv')).status, 200);
    await front.edge.settled();
    assert.match((await c.get(front, '/inv')).headers['cache-status']!, new RegExp(`^${owner.id}; fwd=uri-miss`));
  }));

test('hot keys get a bounded local copy on non-owners (groupcache hot cache)', () =>
  withCluster(
    ['e1', 'e2', 'e3'],
    async (c) => {
      const owner = ownerOf(c, '/hot');
      const front = c.nodes.find((n) => n !== owner)!;
      await c.get(front, '/hot');
      await c.get(front, '/hot');
      const third = await c.get(front, '/hot');
      assert.match(third.headers['cache-status']!, new RegExp(`^${front.id}; hit`));
      assert.is(front.edge.hotStore!.stats().entries, 1);
      assert.is(front.edge.store.stats().entries, 0);
    },
    { hotKeyRequestsPerSecond: 2 },
  ));

test('a new member fills moved keys from their previous owners, not the origin (warm handoff)', () =>
  withCluster(['e1', 'e2', 'e3'], async (c) => {
    const many = Array.from({ length: 60 }, (_, i) => `/w/${i}`);
    for (const path of many) await c.get(c.nodes[0]!, path);
    const e4 = await c.add('e4');
    const moved = many.filter((p) => ownerOf(c, p) === e4);
    assert.ok(moved.length > 0, 'some keys moved to the new member');
    assert.ok(moved.length < many.length / 2, `about a quarter moved, got ${moved.length}/${many.length}`);
    for (const path of moved) {
      const r = await c.get(e4, path);
      assert.is(r.status, 200);
      assert.match(r.headers['cache-status']!, /detail=handoff-/);
    }
    for (const path of many) assert.is(await c.originCount(path), 1, path);
    const movedOut = c.nodes.slice(0, 3).reduce((sum, n) => sum + n.edge.metrics.keysMoved, 0);
    assert.is(movedOut, moved.length);
  }));

function ownerOf(c: ClusterHarness, path: string) {
  return c.nodes.find((n) => !n.stopped && n.edge.cluster!.owns(n.edge.control.keyFor(undefined, path)!))!;
}

test.run();
