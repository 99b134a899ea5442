/**
 * Secret rotation and rolling upgrades without downtime (SECURITY.md): in every mixed ring a
 * rotation passes through, each edge's peer requests are honoured by every other; an edge holding
 * another secret is refused and counted, and its clients are still answered (issue #12).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PEER_AUTH_WINDOW_MS, type PeerAuthSettings } from '../../../edge/routing/peer-auth.js';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';

const OLD = 'rotation-old-secret-0123456789abcdef';
const NEW = 'rotation-new-secret-0123456789abcdef';
const W = DEFAULT_PEER_AUTH_WINDOW_MS;

/** The steps of a rotation: old; old signing + new accepted; new signing + old accepted; new. */
const STEP: PeerAuthSettings[] = [
  { mode: 'require', secret: OLD, windowMs: W },
  { mode: 'require', secret: OLD, acceptSecret: NEW, windowMs: W },
  { mode: 'require', secret: NEW, acceptSecret: OLD, windowMs: W },
  { mode: 'require', secret: NEW, windowMs: W },
];

const paths = Array.from({ length: 24 }, (_, i) => `/rot/${i}`);

async function exercise(c: ClusterHarness): Promise<void> {
  for (const path of paths) for (const node of c.nodes) assert.is((await c.get(node, path)).status, 200);
  for (const path of paths) assert.is(await c.originCount(path), 1, `${path}: filled once, through the owner`);
}

function failures(c: ClusterHarness): number {
  return c.nodes.reduce((sum, n) => sum + Object.values(n.edge.metrics.peerAuthFailures).reduce((a, b) => a + b, 0), 0);
}

for (const [from, to] of [[0, 1], [1, 2], [2, 3]] as const) {
  test(`a ring half at rotation step ${from} and half at step ${to} works with no refusals`, async () => {
    const settings: Record<string, PeerAuthSettings> = { e1: STEP[from]!, e2: STEP[to]!, e3: STEP[from]!, e4: STEP[to]! };
    const c = await startCluster(['e1', 'e2', 'e3', 'e4'], {}, { peerAuthFor: (id) => settings[id]! });
    try {
      await exercise(c);
      assert.is(failures(c), 0);
      assert.ok(c.nodes.every((n) => n.edge.metrics.ownerHits > 0), 'every edge answered peers as owner');
    } finally {
      await c.close();
    }
  });
}

test('rolling upgrade: edges in accept mode honour an unsigned (off) edge and count it', async () => {
  const settings: Record<string, PeerAuthSettings> = { e1: { mode: 'off', windowMs: W }, e2: { mode: 'accept', secret: OLD, windowMs: W }, e3: { mode: 'accept', secret: OLD, windowMs: W } };
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { peerAuthFor: (id) => settings[id]! });
  try {
    await exercise(c);
    assert.is(failures(c), 0);
    assert.ok(c.nodes[1]!.edge.metrics.peerAuthUnsigned + c.nodes[2]!.edge.metrics.peerAuthUnsigned > 0);
  } finally {
    await c.close();
  }
});

test('an edge with a secret nobody else holds is refused as a peer, counted, and its clients still answered', async () => {
  const stranger: PeerAuthSettings = { mode: 'require', secret: 'stranger-secret-0123456789abcdefghij', windowMs: W };
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { peerAuthFor: (id) => (id === 'e3' ? stranger : STEP[0]!) });
  try {
    for (const path of paths) for (const node of c.nodes) assert.is((await c.get(node, path)).status, 200);
    const refused = c.nodes.slice(0, 2).reduce((sum, n) => sum + n.edge.metrics.peerAuthFailures['bad-signature'], 0);
    assert.ok(refused > 0, 'e1 and e2 refused e3');
    assert.ok(c.nodes[2]!.edge.metrics.peerAuthFailures['bad-signature'] > 0, 'e3 refused e1 and e2');
    // A refused peer request is answered here, never sent round the ring again: an owner's handoff
    // ask that e3 refused once went back to that owner as a client request, joined the owner's own
    // fetch waiting on that very ask, and both waited for the peer timeout.
    for (const n of c.nodes) assert.is(n.edge.metrics.peerErrors, 0, `${n.id}: no peer request timed out`);
    // And e3 sees that its peers answer it as a client (its secret is wrong), so it uses none of those answers.
    assert.ok(c.nodes[2]!.edge.metrics.peerAnswersAsClient > 0, 'e3 counted answers made for a client');
  } finally {
    await c.close();
  }
});

test('an edge with another secret and the owner asked for one cold key at once: neither waits on the other', async () => {
  const stranger: PeerAuthSettings = { mode: 'require', secret: 'stranger-secret-0123456789abcdefghij', windowMs: W };
  const c = await startCluster(['e1', 'e2'], {}, { peerAuthFor: (id) => (id === 'e2' ? stranger : STEP[0]!) });
  try {
    const [e1, e2] = c.nodes as [ClusterNode, ClusterNode];
    const path = paths.map((p) => `/rot-at-once${p}`).find((p) => e1.edge.cluster!.owns(e1.edge.control.keyFor(undefined, p)!))!;
    // e1's handoff ask reaches e2 while e2's own fill is out to e1: each refuses the other's
    // signature, and each must answer what it refused on its own rather than wait behind its fill.
    const answers = await Promise.all([c.get(e1, path), c.get(e2, path)]);
    assert.equal(answers.map((a) => a.status), [200, 200]);
    for (const n of c.nodes) {
      assert.is(n.edge.metrics.peerErrors, 0, `${n.id}: no peer request timed out`);
      assert.is(n.edge.metrics.collapseTimeouts, 0, `${n.id}: no wait ran out`);
    }
  } finally {
    await c.close();
  }
});

test.run();
