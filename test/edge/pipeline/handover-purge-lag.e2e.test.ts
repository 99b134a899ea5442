/**
 * A leaver that has applied fewer purges than the new owner may hold a copy one of those purges
 * removed at the owner, so the owner refuses such a push (409 purge-lag), as it refuses a lagging
 * peer's fill (upstream.ts). Only a purge that could touch the pushed key counts: a purge of
 * another URL landing between the two edges' streams must not send a warm key to the origin
 * (cdn-sim swarm seed 84: during a graceful restart, 10 of 33 pushes were refused for a purge of
 * other URLs, and the new owner fetched them from the origin, past the membership bound).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';
import { fillOwnedKey, keyOf, stored } from '../../support/handover-keys.js';

const CC = encodeURIComponent('public, max-age=600');
const LIMITS = { maxKeys: 10, maxBytes: 1 << 20, concurrency: 1 };


/**
 * e3 holds one key it owns; the survivors install the ring without e3 and apply `purges` that e3
 * never hears of; then e3 pushes.
 */
async function pushWhileBehind(c: ClusterHarness, purges: (path: string) => PurgeRecord[]): Promise<{ pushed: number; refused: number; owner: ClusterNode; path: string }> {
  const e3 = c.nodes.find((n) => n.id === 'e3')!;
  const survivors = c.nodes.filter((n) => n !== e3);
  const path = await fillOwnedKey(c, e3, '/purge-lag-', `?cc=${CC}`);
  const ring = survivors.map((n) => ({ id: n.id, url: n.url, weight: 1 }));
  for (const n of survivors) n.edge.control.setMembers(ring);
  for (const record of purges(path)) for (const n of survivors) n.edge.control.applyPurge(record);
  const owner = survivors.find((n) => n.edge.cluster!.owns(keyOf(n, path)))!;
  const report = await e3.edge.control.handOver(LIMITS, () => true);
  return { pushed: report.pushed, refused: report.refused, owner, path };
}

const purge = (seq: number, kind: PurgeRecord['kind'], values: string[]): PurgeRecord => ({ seq, id: `p${seq}`, kind, values, soft: false, acceptedAtMs: 0 });

test('a leaver behind on a purge of another URL: its push is stored', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { pushed, refused, owner, path } = await pushWhileBehind(c, () => [purge(1, 'url', ['example.com/elsewhere']), purge(2, 'prefix', ['example.com/other/'])]);
    assert.is(pushed, 1, `refused ${refused}`);
    assert.ok(stored(owner, path));
  } finally {
    await c.close();
  }
});

for (const [what, purges] of [
  ['a purge of this URL', (path: string) => [purge(1, 'url', [`example.com${path}`])]],
  ['a purge of everything', () => [purge(1, 'all', [])]],
  ['a prefix purge that covers it', () => [purge(1, 'url', ['example.com/elsewhere']), purge(2, 'prefix', ['example.com/purge-lag-'])]],
] as const) {
  test(`a leaver behind on ${what}: its push is refused and nothing is stored`, async () => {
    const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
    try {
      const { pushed, refused, owner, path } = await pushWhileBehind(c, purges);
      assert.is(pushed, 0);
      assert.is(refused, 1);
      assert.not.ok(stored(owner, path));
    } finally {
      await c.close();
    }
  });
}

test.run();
