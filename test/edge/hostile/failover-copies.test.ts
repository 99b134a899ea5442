/**
 * Copies non-owners make while the owner is down (failover fills) and hot-cache copies: once the
 * owner is back, an unsafe method through any edge removes every copy in the region (issue #12).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';

function ownerOf(c: ClusterHarness, path: string): ClusterNode {
  return c.nodes.find((n) => n.edge.cluster!.owns(n.edge.control.keyFor(undefined, path)!))!;
}

function versionIn(body: Buffer): string {
  return /version=(\d+)/.exec(body.toString())?.[1] ?? '?';
}

/** Edges holding a stored copy of `path` (main or hot store). */
function holders(c: ClusterHarness, path: string): string[] {
  return c.nodes
    .filter((n) => {
      const key = n.edge.control.keyFor(undefined, path)!;
      return n.edge.store.lookup(key, {}).kind === 'match' || n.edge.hotStore?.lookup(key, {}).kind === 'match';
    })
    .map((n) => n.id);
}

for (const via of ['e1', 'e2', 'e3']) {
  test(`failover copies made while the owner was down are gone after a POST through ${via}`, async () => {
    const c = await startCluster(['e1', 'e2', 'e3'], { peerSuspectMs: 10_000, peerMaxSuspectMs: 10_000 });
    try {
      const path = `/failover-${via}`;
      const owner = ownerOf(c, path);
      const fronts = c.nodes.filter((n) => n !== owner);
      await c.stop(owner);
      for (const front of fronts) assert.is((await c.get(front, path)).status, 200);
      assert.ok(holders(c, path).some((id) => id !== owner.id), 'a non-owner kept a failover copy');
      await c.restart(owner);
      c.clock.advance(11_000); // the owner is no longer suspect
      const writer = c.nodes.find((n) => n.id === via)!;
      const post = await c.send(writer, 'POST', path);
      assert.ok(post.status < 300, `POST answered ${post.status}`);
      for (const n of c.nodes) await n.edge.settled();
      assert.equal(holders(c, path), [], 'no edge holds a copy any more');
      for (const n of c.nodes) assert.is(versionIn((await c.get(n, path)).body), '2', `${n.id} serves the new version`);
    } finally {
      await c.close();
    }
  });
}

test('hot-cache copies on non-owners are gone after a POST through another edge', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], { hotKeyRequestsPerSecond: 1 });
  try {
    const path = '/hot-inv';
    const owner = ownerOf(c, path);
    const [hot, other] = c.nodes.filter((n) => n !== owner) as [ClusterNode, ClusterNode];
    for (let i = 0; i < 4; i++) await c.get(hot, path);
    assert.ok(holders(c, path).includes(hot.id), 'the non-owner keeps a hot copy');
    assert.ok((await c.send(other, 'POST', path)).status < 300);
    for (const n of c.nodes) await n.edge.settled();
    assert.equal(holders(c, path), []);
    assert.is(versionIn((await c.get(hot, path)).body), '2');
  } finally {
    await c.close();
  }
});

test.run();
