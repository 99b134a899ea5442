/**
 * Issue #14: a fourth edge joining a warm 3-edge region exactly as `npm start`'s orchestrator
 * adds it (POST /edges; the edge starts with --peers and --control-plane and the control plane
 * pushes the grown ring) must take the keys it now owns from their previous owners, not the
 * origin. Counted at the origin: fetches of requested keys whose owner changed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ownerOf, refetches, startControlRegion, type ControlRegion, type RegionNode } from '../support/control-region.js';

const KEYS = Array.from({ length: 200 }, (_, i) => `/w/${i}`);

async function warm(r: ControlRegion, nodes: readonly RegionNode[]): Promise<void> {
  for (const [i, path] of KEYS.entries()) assert.is((await r.get(nodes[i % nodes.length]!, path)).status, 200);
  const counts = await r.originCounts();
  for (const path of KEYS) assert.is(counts[path], 1, `${path} warmed once`);
}

test('a fourth edge added through the orchestrator takes its keys from their previous owners, not the origin', async () => {
  const r = await startControlRegion(3);
  try {
    await warm(r, r.nodes);
    const added = await r.addEdge();
    assert.is(added.status, 201, JSON.stringify(added.body));
    await r.ringsAre(['e1', 'e2', 'e3', 'e4']);
    const e4 = r.node('e4');
    const moved = KEYS.filter((k) => ownerOf(r, k) === e4);
    assert.ok(moved.length > 20, `about a quarter of the keys moved, got ${moved.length}`);
    // Every key once through every edge: the new owner directly, and through the others (a
    // non-owner forwards to e4, which must still hand off rather than go to the origin).
    for (const node of r.nodes) for (const path of KEYS) assert.is((await r.get(node, path)).status, 200, `${path} via ${node.id}`);
    const caused = await refetches(r, moved);
    assert.ok(caused <= Math.floor(moved.length * 0.05), `origin fetches caused by the join: ${caused} of ${moved.length} moved keys`);
    assert.is(caused, 0, `origin fetches caused by the join: ${caused} of ${moved.length} moved keys`);
    assert.is(await refetches(r, KEYS), 0, 'keys that did not move are not refetched either');
  } finally {
    await r.close();
  }
});

test('the new edge hands off what clients ask it directly: its own ring heard again from the control plane is no change', async () => {
  const r = await startControlRegion(3);
  try {
    await warm(r, r.nodes);
    assert.is((await r.addEdge()).status, 201);
    await r.ringsAre(['e1', 'e2', 'e3', 'e4']);
    const e4 = r.node('e4');
    const moved = KEYS.filter((k) => ownerOf(r, k) === e4);
    for (const path of moved) assert.match((await r.get(e4, path)).cacheStatus, /detail=handoff-e[123]/, path);
    assert.is(await refetches(r, moved), 0);
  } finally {
    await r.close();
  }
});

test('with a control plane the admin port refuses PUT /membership: the control plane alone decides the ring', async () => {
  const r = await startControlRegion(2);
  try {
    const { request } = await import('undici');
    const res = await request(`${r.nodes[0]!.adminUrl}/membership`, {
      method: 'PUT',
      headers: { authorization: 'Bearer region-test-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ members: [{ id: 'e1', url: r.nodes[0]!.url }] }),
    });
    const body = (await res.body.json()) as { error: string };
    assert.is(res.statusCode, 409);
    assert.match(body.error, /control plane/);
    assert.is(r.nodes[0]!.edge.cluster!.members().length, 2);
  } finally {
    await r.close();
  }
});

test.run();
