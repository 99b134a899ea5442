/**
 * A pushed copy keeps the surrogate keys its fields do not show. The leaver pushes the response
 * as it would serve it, and no-cache="surrogate-key" keeps Surrogate-Key out of that; the new
 * owner used to store the copy without keys, so a later purge of one of them missed it there.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type ClusterNode } from '../../support/cluster-harness.js';
import { keyOf } from '../../support/handover-keys.js';

const LIMITS = { maxKeys: 10, maxBytes: 1 << 20, concurrency: 1 };
const member = (n: ClusterNode) => ({ id: n.id, url: n.url, weight: 1 });
const QUERY = `?cc=${encodeURIComponent('public, max-age=60, no-cache="surrogate-key"')}&sk=${encodeURIComponent('red blue')}`;

test('the new owner stores a pushed copy with its surrogate keys, and a purge of one removes it', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const [e1, e2, e3] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    let i = 0;
    while (!e3.edge.cluster!.owns(keyOf(e3, `/tagged-${i}${QUERY}`))) i++;
    const path = `/tagged-${i}${QUERY}`;
    const filled = await c.get(e3, path);
    assert.is(filled.status, 200);
    assert.is(filled.headers['surrogate-key'], undefined, 'the field is not served');
    for (const n of [e1, e2]) n.edge.control.setMembers([member(e1), member(e2)]);
    const report = await e3.edge.control.handOver(LIMITS, () => true);
    assert.is(report.pushed, 1, JSON.stringify(report));
    const owner = [e1, e2].find((n) => n.edge.cluster!.owns(keyOf(n, path)))!;
    const held = owner.edge.store.lookup(keyOf(owner, path), {});
    assert.ok(held.kind === 'match' && held.response.surrogateKeys.join(' ') === 'red blue', 'stored with its keys');
    owner.edge.control.applyPurge({ seq: 1, id: 'p1', kind: 'key', values: ['blue'], soft: false, acceptedAtMs: 0 });
    assert.is(owner.edge.store.lookup(keyOf(owner, path), {}).kind, 'miss', 'the purge found it');
  } finally {
    await c.close();
  }
});

test.run();
