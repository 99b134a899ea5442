/**
 * A push the new owner refused with 421 (it had not installed the ring without the leaver yet) is
 * tried again later (PUSH_RETRY_DELAYS_MS). The retry must push what the leaver holds then, not the
 * answer it read before: a purge the leaver applied in between carries the leaver's purge sequence
 * past the receiver's purge checks, so a stale snapshot would be stored as a fresh copy after the
 * purge completed (cdn-sim swarm seed 1: r1-e3 pushed /o/21 v1 at 4.667 s, after both it and the
 * owner r1-e2 had applied the purge for v2, and r1-e2 served v1 until the copy expired).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import type { HandoverReport } from '../../../edge/pipeline/handover.js';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';
import { fillOwnedKey, keyOf, stored } from '../../support/handover-keys.js';

const CC = encodeURIComponent('public, max-age=600');
const LIMITS = { maxKeys: 10, maxBytes: 1 << 20, concurrency: 1 };


/**
 * e3 holds one key it owns and starts its handover before the survivors know it left: the owner
 * refuses with 421 and e3 waits for its first retry. `between` runs then; afterwards the survivors
 * install the ring without e3 and the retry goes out.
 */
async function leaveWithRetry(c: ClusterHarness, between: (path: string) => void): Promise<{ report: HandoverReport; owner: ClusterNode; path: string }> {
  const e3 = c.nodes.find((n) => n.id === 'e3')!;
  const survivors = c.nodes.filter((n) => n !== e3);
  const path = await fillOwnedKey(c, e3, '/handover-retry-', `?cc=${CC}`);
  const done = e3.edge.control.handOver(LIMITS, () => true);
  await c.timers!.whenPending(1);
  between(path);
  const ring = survivors.map((n) => ({ id: n.id, url: n.url, weight: 1 }));
  for (const n of survivors) n.edge.control.setMembers(ring);
  const owner = survivors.find((n) => n.edge.cluster!.owns(keyOf(n, path)))!;
  assert.not.ok(stored(owner, path), 'the owner had no copy of its own');
  c.timers!.advance(50);
  return { report: await done, owner, path };
}

test('a refused push tried again after a purge the leaver applied meanwhile pushes nothing', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { report, owner, path } = await leaveWithRetry(c, (path) => {
      const record: PurgeRecord = { seq: 1, id: 'p1', kind: 'url', values: [`example.com${path}`], soft: false, acceptedAtMs: 0 };
      for (const n of c.nodes) n.edge.control.applyPurge(record);
    });
    assert.is(report.pushed, 0, JSON.stringify(report));
    assert.not.ok(stored(owner, path), 'the purged copy is not planted at the new owner');
    assert.is(owner.edge.metrics.pushesAccepted, 0);
  } finally {
    await c.close();
  }
});

test('without the purge the same retry is stored: the retry above did go out', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { report, owner, path } = await leaveWithRetry(c, () => undefined);
    assert.is(report.pushed, 1, JSON.stringify(report));
    assert.ok(stored(owner, path));
  } finally {
    await c.close();
  }
});

test.run();
