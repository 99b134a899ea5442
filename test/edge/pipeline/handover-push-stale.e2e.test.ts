/**
 * A leaver's fresh copy is stored over a stale one the new owner holds (expired, or soft-purged):
 * the push was refused as 'already-stored' whatever the stored copy's state, and the new owner
 * then revalidated its stale copy with the origin (cdn-sim swarm seed 319: r2-e1 held /o/6 v1,
 * soft-purged at 7.7 s; r2-e4 pushed v2, fetched after the purge and fresh until 38 s, at 13.1 s
 * and got 409; r2-e1 went to the origin at 14.3 s). A fresh stored copy still refuses the push.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isFresh } from '../../../edge/policy/reuse.js';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';

const LIMITS = { maxKeys: 10, maxBytes: 1 << 20, concurrency: 1 };
const keyOf = (n: ClusterNode, path: string): string => n.edge.control.keyFor(undefined, path)!;
const member = (n: ClusterNode) => ({ id: n.id, url: n.url, weight: 1 });

/**
 * A key e3 owns among e1..e3 and `survivor` owns without e3. The survivor first holds it alone
 * (e3 out of the ring), `ageMs` passes, e3 comes back and fills it fresh, and then leaves.
 */
async function leaveOver(c: ClusterHarness, ageMs: number) {
  const [e1, e2, e3] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
  const without = [member(e1), member(e2)];
  const all = [member(e1), member(e2), member(e3)];
  let i = 0;
  while (!e3.edge.cluster!.owns(keyOf(e3, `/stale-push-${i}?cc=${encodeURIComponent('public, max-age=10')}`))) i++;
  const path = `/stale-push-${i}?cc=${encodeURIComponent('public, max-age=10')}`;
  for (const n of c.nodes) n.edge.control.setMembers(without);
  const survivor = [e1, e2].find((n) => n.edge.cluster!.owns(keyOf(n, path)))!;
  assert.is((await c.get(survivor, path)).status, 200);
  c.clock.advance(ageMs);
  for (const n of c.nodes) n.edge.control.setMembers(all);
  assert.is((await c.get(e3, path)).status, 200);
  for (const n of [e1, e2]) n.edge.control.setMembers(without);
  const report = await e3.edge.control.handOver(LIMITS, () => true);
  const held = survivor.edge.store.lookup(keyOf(survivor, path), {});
  return { report, fresh: held.kind === 'match' && isFresh(held.response, c.clock.monoMs()) };
}

test('a push is stored over an expired copy, and the new owner holds it fresh', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { report, fresh } = await leaveOver(c, 11_000);
    assert.is(report.pushed, 1, JSON.stringify(report));
    assert.ok(fresh);
  } finally {
    await c.close();
  }
});

test('a push over a copy that is still fresh is refused as before', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { report, fresh } = await leaveOver(c, 1_000);
    assert.is(report.pushed, 0, JSON.stringify(report));
    assert.is(report.refused, 1);
    assert.ok(fresh);
  } finally {
    await c.close();
  }
});

test.run();
