/**
 * A peer's stale-if-error answer is stale content, not a fill or a validation (RFC 5861 §4): the
 * asking edge relays it labelled as such, keeps it in no store as a fresh copy, and does not take
 * a 304 the owner produced from its stale copy as proof that its own copy is fresh again. After a
 * soft purge this is the difference between "stale-if-error while the origin fails" (allowed) and
 * serving the purged content as fresh (cdn-sim swarm seed 480: a relay of the owner's
 * stale-if-error answer reached a non-owner's collapsed waiters as a plain miss).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';

const ADMIN = { authorization: 'Bearer cluster-test-token-123', 'content-type': 'application/json' };
const CC = encodeURIComponent('public, max-age=60, stale-if-error=600');

async function admin(c: ClusterHarness, path: string, body?: string): Promise<void> {
  const res = await request(`${c.originUrl}${path}`, { method: 'POST', headers: ADMIN, ...(body === undefined ? {} : { body }) });
  await res.body.dump();
  assert.is(res.statusCode, 200, `origin admin ${path}`);
}

/** A target the edge `owner` owns, and the other edge. */
function split(c: ClusterHarness, name: string): { path: string; owner: ClusterNode; front: ClusterNode } {
  for (let i = 0; ; i++) {
    const path = `/${name}-${i}?cc=${CC}`;
    const owner = c.nodes.find((n) => n.edge.cluster!.owns(n.edge.control.keyFor(undefined, path)!))!;
    if (owner.id === 'e1') return { path, owner, front: c.nodes.find((n) => n !== owner)! };
  }
}

function softPurge(c: ClusterHarness, seq: number, path: string): void {
  const record: PurgeRecord = { seq, id: `p${seq}`, kind: 'url', values: [`example.com${path}`], soft: true, acceptedAtMs: 0 };
  for (const n of c.nodes) n.edge.control.applyPurge(record);
}

const versionIn = (body: Buffer): string => /version=(\d+)|"version":(\d+)/.exec(body.toString())?.slice(1).find((v) => v !== undefined) ?? '?';
/** The Cache-Status member the edge itself added (the last one). */
const ownMember = (cacheStatus: string | undefined): string => (cacheStatus ?? '').split(', ').at(-1)!;

/** A target filled (v1) at its owner, then soft-purged on every edge. */
async function warmAtOwnerThenSoftPurged(c: ClusterHarness, name: string): Promise<{ path: string; front: ClusterNode }> {
  const { path, owner, front } = split(c, name);
  assert.is(versionIn((await c.get(owner, path)).body), '1');
  softPurge(c, 1, path);
  return { path, front };
}

/** The origin recovers with a new version: nothing may serve the purged one as fresh now. */
async function assertNewVersionAfterRecovery(c: ClusterHarness, front: ClusterNode, path: string): Promise<void> {
  await admin(c, '/_admin/failure', '{"mode":"ok"}');
  await admin(c, `/_admin/version?path=${encodeURIComponent(path.split('?')[0]!)}`);
  const after = await c.get(front, path);
  assert.is(versionIn(after.body), '2', `after recovery: ${after.headers['cache-status']}`);
}

test('a peer\'s stale-if-error answer after a soft purge is relayed as stale-if-error and never kept as fresh', async () => {
  const c = await startCluster(['e1', 'e2'], { hotKeyRequestsPerSecond: 1 });
  try {
    const { path, front } = await warmAtOwnerThenSoftPurged(c, 'sie-relay');
    await admin(c, '/_admin/failure', '{"mode":"error"}');
    const relayed = await c.get(front, path);
    assert.is(relayed.status, 200);
    assert.is(versionIn(relayed.body), '1', 'the soft-purged copy stands in for the failing origin');
    assert.match(ownMember(relayed.headers['cache-status']), /detail=stale-if-error/, 'labelled as the stale answer it is');
    await assertNewVersionAfterRecovery(c, front, path);
  } finally {
    await c.close();
  }
});

test('a peer\'s 304 from its stale-if-error copy does not make the asking edge\'s own copy fresh', async () => {
  const c = await startCluster(['e1', 'e2'], { hotKeyRequestsPerSecond: 1 });
  try {
    const { path, front } = split(c, 'sie-304');
    // Through the front: the owner fills, and the front keeps a hot copy of its own.
    assert.is(versionIn((await c.get(front, path)).body), '1');
    softPurge(c, 1, path);
    await admin(c, '/_admin/failure', '{"mode":"error"}');
    const stale = await c.get(front, path);
    assert.is(versionIn(stale.body), '1');
    assert.match(ownMember(stale.headers['cache-status']), /detail=stale-if-error/);
    assert.not.match(ownMember(stale.headers['cache-status']), /stored/);
    await assertNewVersionAfterRecovery(c, front, path);
  } finally {
    await c.close();
  }
});

test('waiters collapsed behind a relay of a peer\'s stale-if-error answer are served it labelled stale-if-error', async () => {
  const c = await startCluster(['e1', 'e2'], { hotKeyRequestsPerSecond: 1_000_000 }, { timers: 'virtual' });
  try {
    const { path, front } = await warmAtOwnerThenSoftPurged(c, 'sie-herd');
    await admin(c, '/_admin/failure', '{"mode":"error"}');
    const bare = path.split('?')[0]!;
    c.origin.gate(bare);
    const replies = Array.from({ length: 4 }, () => c.get(front, path));
    // The front's writer is at the owner, whose revalidation is held at the origin; three wait.
    await c.origin.arrived(bare);
    await c.timers!.whenPending(3);
    c.origin.open(bare);
    for (const r of await Promise.all(replies)) {
      assert.is(r.status, 200);
      assert.is(versionIn(r.body), '1');
      assert.match(ownMember(r.headers['cache-status']), /detail=stale-if-error/, r.headers['cache-status']);
    }
  } finally {
    await c.close();
  }
});

test('a peer\'s max-stale answer from a soft-purged copy is served to the client that asked, and kept nowhere as fresh', async () => {
  const c = await startCluster(['e1', 'e2'], { hotKeyRequestsPerSecond: 1 });
  try {
    const { path, front } = await warmAtOwnerThenSoftPurged(c, 'max-stale-relay');
    const accepted = await c.get(front, path, { 'cache-control': 'max-stale=600' });
    assert.is(versionIn(accepted.body), '1', 'the client accepts a stale copy, the owner has one');
    assert.match(ownMember(accepted.headers['cache-status']), /detail=max-stale/);
    await assertNewVersionAfterRecovery(c, front, path);
  } finally {
    await c.close();
  }
});

test.run();
