/**
 * A client that adds the edges' internal x-edgeworks-* fields itself, in every combination, gets
 * what any client gets: no cache-only answers, no purge-lag refusals, no peer purges, and never an
 * internal field on its response (issue #12).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';
import { startHarness } from '../../support/edge-harness.js';

/** What an attacker can add: the marker, handoff, a purge sequence, a timestamp and a made-up signature. */
const SPOOFABLE: Record<string, string> = {
  'x-edgeworks-peer': 'e9',
  'x-edgeworks-handoff': '1',
  'x-edgeworks-purge-seq': '999999',
  'x-edgeworks-time': '1795000000000',
  'x-edgeworks-signature': 'v1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
};

/** Every non-empty subset of the spoofable fields. */
function combinations(): Array<Record<string, string>> {
  const names = Object.keys(SPOOFABLE);
  const out: Array<Record<string, string>> = [];
  for (let mask = 1; mask < 1 << names.length; mask++) {
    const headers: Record<string, string> = {};
    names.forEach((name, i) => {
      if ((mask & (1 << i)) !== 0) headers[name] = SPOOFABLE[name]!;
    });
    out.push(headers);
  }
  return out;
}

let coldCount = 0;

function ownerOf(c: ClusterHarness, path: string): ClusterNode {
  return c.nodes.find((n) => n.edge.cluster!.owns(n.edge.control.keyFor(undefined, path)!))!;
}

function internalFieldsIn(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('x-edgeworks-'));
}

test('spoofed internal fields on a GET, in all 31 combinations, at owner and non-owner: an ordinary answer', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const owner = ownerOf(c, '/spoof-get');
    const front = c.nodes.find((n) => n !== owner)!;
    for (const node of [owner, front]) {
      for (const headers of combinations()) {
        const label = `${node === owner ? 'owner' : 'non-owner'} ${Object.keys(headers).join('+')}`;
        // A never-cached URL: a handoff field honoured would answer 504, a purge-seq 503.
        const cold = await c.get(node, `/spoof-cold-${node.id}-${++coldCount}`, headers);
        assert.is(cold.status, 200, `cold ${label}`);
        assert.equal(internalFieldsIn(cold.headers), [], `cold ${label}`);
        const warm = await c.get(node, '/spoof-get', headers);
        assert.is(warm.status, 200, `warm ${label}`);
        assert.equal(internalFieldsIn(warm.headers), [], `warm ${label}`);
      }
    }
    // The owner's fill, and the non-owner's own: a request carrying the peer marker without proof is
    // answered by the edge it reached alone, never sent round the ring (SECURITY.md); later ones hit.
    assert.is(await c.originCount('/spoof-get'), 2, 'one fill at the owner, one at the non-owner, then hits');
  } finally {
    await c.close();
  }
});

test('a spoofed peer PURGE, in every combination that includes the marker, removes nothing', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const owner = ownerOf(c, '/spoof-purge');
    await c.get(owner, '/spoof-purge');
    for (const headers of combinations().filter((h) => h['x-edgeworks-peer'] !== undefined)) {
      for (const node of c.nodes) {
        const res = await c.send(node, 'PURGE', '/spoof-purge', headers);
        assert.is.not(res.status, 204, `${node.id} ${Object.keys(headers).join('+')}`);
        assert.equal(internalFieldsIn(res.headers), []);
      }
    }
    assert.is(owner.edge.store.stats().entries, 1, 'the owner still holds its copy');
    assert.match((await c.get(owner, '/spoof-purge')).headers['cache-status']!, /hit/);
    assert.ok(owner.edge.metrics.peerAuthFailures.missing > 0, 'the refusals are counted');
  } finally {
    await c.close();
  }
});

test('an edge without peers ignores the peer protocol altogether', async () => {
  const h = await startHarness();
  try {
    await h.get('/alone');
    const purge = await h.send('PURGE', '/alone', { 'x-edgeworks-peer': 'e9' });
    assert.is.not(purge.status, 204);
    const handoff = await h.get('/alone-cold', { 'x-edgeworks-peer': 'e9', 'x-edgeworks-handoff': '1' });
    assert.is(handoff.status, 200);
    const lag = await h.get('/alone-cold2', { 'x-edgeworks-peer': 'e9', 'x-edgeworks-purge-seq': '12345' });
    assert.is(lag.status, 200);
    assert.equal(internalFieldsIn(lag.headers), []);
    assert.match((await h.get('/alone')).headers['cache-status']!, /hit/, 'the copy survived the spoofed PURGE');
  } finally {
    await h.close();
  }
});

test('answers a non-owner relays or keeps from its owner carry no internal field', async () => {
  const c = await startCluster(['e1', 'e2', 'e3'], { hotKeyRequestsPerSecond: 1 });
  try {
    const owner = ownerOf(c, '/relay');
    const front = c.nodes.find((n) => n !== owner)!;
    for (let i = 0; i < 4; i++) {
      const res = await c.get(front, '/relay');
      assert.is(res.status, 200);
      assert.equal(internalFieldsIn(res.headers), [], `request ${i}`);
    }
  } finally {
    await c.close();
  }
});

test.run();
