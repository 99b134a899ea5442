/**
 * A captured peer request replayed later than the window is refused and counted; within the window
 * a correctly signed one is honoured (issue #12). Time is the edges' hand-moved wall clock.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PEER_AUTH_WINDOW_MS } from '../../../edge/routing/peer-auth.js';
import { startCluster, TEST_PEER_SECRET, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';
import { signedPeerHeaders } from '../../support/peer-signing.js';

function ownerOf(c: ClusterHarness, path: string): ClusterNode {
  return c.nodes.find((n) => n.edge.cluster!.owns(n.edge.control.keyFor(undefined, path)!))!;
}

const PATH = '/replay?cc=max-age%3D86400';

test('a peer PURGE signed now is honoured; the same bytes replayed after the window are not', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const owner = ownerOf(c, PATH);
    await c.get(owner, PATH);
    const captured = signedPeerHeaders(TEST_PEER_SECRET, 'PURGE', PATH, c.clock.wallMs(), { from: 'e1' });
    c.clock.advance(DEFAULT_PEER_AUTH_WINDOW_MS + 1);
    const replay = await c.send(owner, 'PURGE', PATH, captured);
    assert.is.not(replay.status, 204);
    assert.is(owner.edge.metrics.peerAuthFailures.expired, 1);
    assert.match((await c.get(owner, PATH)).headers['cache-status']!, /hit/, 'the copy survived the replay');

    const fresh = await c.send(owner, 'PURGE', PATH, signedPeerHeaders(TEST_PEER_SECRET, 'PURGE', PATH, c.clock.wallMs(), { from: 'e1' }));
    assert.is(fresh.status, 204, 'a request signed now is a peer invalidation');
    assert.is(owner.edge.store.stats().entries, 0);
  } finally {
    await c.close();
  }
});

test('a wall clock stepped back past the window makes a fresh-looking handoff request a plain client GET', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const node = c.nodes[0]!;
    const handoff = signedPeerHeaders(TEST_PEER_SECRET, 'GET', '/never-cached', c.clock.wallMs() + DEFAULT_PEER_AUTH_WINDOW_MS + 1000, { extra: { 'x-edgeworks-handoff': '1' } });
    const res = await c.get(node, '/never-cached', handoff);
    assert.is(res.status, 200, 'not the 504 a handoff miss answers');
    assert.is(node.edge.metrics.peerAuthFailures.expired, 1);
    const inWindow = signedPeerHeaders(TEST_PEER_SECRET, 'GET', '/never-cached-2', c.clock.wallMs() + DEFAULT_PEER_AUTH_WINDOW_MS - 1000, { extra: { 'x-edgeworks-handoff': '1' } });
    assert.is((await c.get(node, '/never-cached-2', inWindow)).status, 504, 'within the window (clock skew) it is a handoff');
  } finally {
    await c.close();
  }
});

test.run();
