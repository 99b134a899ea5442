/**
 * A leaver that has applied fewer purges than the new owner may hold a copy one of those purges
 * removed at the owner, so the owner refuses its push (409 purge-lag), whatever the purge was for.
 * The leaver tries such a push again after the 421 pauses, read from its store again (handover.ts):
 * once the purge it lacked reaches it, a copy of another URL is stored and a purged one is not
 * pushed at all (cdn-sim swarm seed 84: during a graceful restart, 10 of 33 pushes were refused
 * for a purge of other URLs, and the new owner fetched them from the origin, past the membership
 * bound).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import { PUSH_RETRY_DELAYS_MS, type HandoverReport } from '../../../edge/pipeline/handover.js';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';
import { fillOwnedKey, keyOf, stored } from '../../support/handover-keys.js';

const CC = encodeURIComponent('public, max-age=600');
const LIMITS = { maxKeys: 10, maxBytes: 1 << 20, concurrency: 1 };

const purge = (seq: number, kind: PurgeRecord['kind'], values: string[]): PurgeRecord => ({ seq, id: `p${seq}`, kind, values, soft: false, acceptedAtMs: 0 });

/**
 * e3 holds one key it owns; the survivors install the ring without e3 and apply `purges`; e3
 * pushes and is refused; before its first retry, e3 applies the purges too when `leaverCatchesUp`.
 */
async function pushWhileBehind(c: ClusterHarness, purges: (path: string) => PurgeRecord[], leaverCatchesUp: boolean): Promise<{ report: HandoverReport; owner: ClusterNode; path: string }> {
  const e3 = c.nodes.find((n) => n.id === 'e3')!;
  const survivors = c.nodes.filter((n) => n !== e3);
  const path = await fillOwnedKey(c, e3, '/purge-lag-', `?cc=${CC}`);
  const ring = survivors.map((n) => ({ id: n.id, url: n.url, weight: 1 }));
  for (const n of survivors) n.edge.control.setMembers(ring);
  for (const record of purges(path)) for (const n of survivors) n.edge.control.applyPurge(record);
  const owner = survivors.find((n) => n.edge.cluster!.owns(keyOf(n, path)))!;
  const done = e3.edge.control.handOver(LIMITS, () => true);
  await c.timers!.whenPending(1);
  assert.is(owner.edge.metrics.pushesRefused, 1, 'the first push was refused');
  if (leaverCatchesUp) {
    // One retry, which ends the handover whatever it meets (stored, or not pushed at all).
    for (const record of purges(path)) e3.edge.control.applyPurge(record);
    c.timers!.advance(PUSH_RETRY_DELAYS_MS[0]);
  } else {
    // Every retry is refused in turn: each refusal schedules the next pause.
    for (const [i, delayMs] of PUSH_RETRY_DELAYS_MS.entries()) {
      if (i > 0) await c.timers!.whenPending(1);
      c.timers!.advance(delayMs);
    }
  }
  return { report: await done, owner, path };
}

test('behind on a purge of another URL, then caught up: the retry is stored', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { report, owner, path } = await pushWhileBehind(c, () => [purge(1, 'url', ['example.com/elsewhere'])], true);
    assert.is(report.pushed, 1, JSON.stringify(report));
    assert.ok(stored(owner, path));
  } finally {
    await c.close();
  }
});

test('behind on a purge of this URL, then caught up: the purged copy is not pushed again', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { report, owner, path } = await pushWhileBehind(c, (p) => [purge(1, 'url', [`example.com${p}`])], true);
    assert.is(report.pushed, 0, JSON.stringify(report));
    assert.is(report.skipped, 1, JSON.stringify(report));
    assert.not.ok(stored(owner, path));
    assert.is(owner.edge.metrics.pushesRefused, 1);
  } finally {
    await c.close();
  }
});

test('behind and never catching up: refused on every try, counted once, nothing stored', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { timers: 'virtual' });
  try {
    const { report, owner, path } = await pushWhileBehind(c, () => [purge(1, 'url', ['example.com/elsewhere'])], false);
    assert.is(report.pushed, 0, JSON.stringify(report));
    assert.is(report.refused, 1, JSON.stringify(report));
    assert.not.ok(stored(owner, path));
    assert.is(owner.edge.metrics.pushesRefused, 1 + PUSH_RETRY_DELAYS_MS.length);
  } finally {
    await c.close();
  }
});

test.run();
